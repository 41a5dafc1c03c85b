"""Where the access rules are applied (issue 15, item 2): each rule lives in service functions, never in an edge.

The rules are the functions of ``pochub.core.models.access`` (area scoping: ``in_area``, ``covers_pcode``; fuzzing
for roles: ``location_fuzzed``; protected fields: ``can_read_protected``), one alert by reference
(``services.alerts.visible_alert``: in the user's area; ``services.alert_views.readable_alert``: and an exercise
alert only to its team and facilitators) and the exercise isolation of ``pochub.services.exercises.teams``
(``team_of``: which team a trainee plays in; ``team_alert``: only the team's own alert). Edges (api, web, cli, http,
documents) call the services that apply them (``alert_views.alert_access``, ``alert_views.list_alerts``,
``alert_views.alert_detail``, ``alert_views.intake_places``, ``exercises.team_alert_view``, ...), never the rules.
The set of modules that call a rule is written out below: a new call site is added to it knowingly.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "pochub"
RULES = (
    "in_area",
    "covers_pcode",
    "location_fuzzed",
    "can_read_protected",
    "visible_alert",
    "readable_alert",
    "team_of",
    "team_alert",
)
EDGES = ("api", "web", "cli", "http", "documents")

EXPECTED: Mapping[str, frozenset[str]] = {
    "in_area": frozenset(
        {
            "pochub.services.alert_views",  # intake_places: where a user may log an alert
            "pochub.services.alerts",  # visible_alert: one alert, for every edge
            "pochub.services.community_views",
            "pochub.services.engagements",
            "pochub.services.exercises.teams",  # team_readiness: injects no member would see
            "pochub.services.partner_exports",  # an action point's community named in an export only in the area
            "pochub.services.protection_plans",
            "pochub.services.survey_figures",  # survey_results: the communities of the reader's area
        }
    ),
    "covers_pcode": frozenset(
        {
            "pochub.core.models.access",  # in_area itself
            "pochub.services.alert_units",  # a unit's field office (not a user's scope)
            "pochub.services.perspectives",
        }
    ),
    "location_fuzzed": frozenset(
        {
            "pochub.services.alert_views",  # alert_access: the alerts' one rule
            "pochub.services.alert_metrics",  # no figures per office for fuzzed readers
        }
    ),
    "can_read_protected": frozenset(
        {
            "pochub.services.alert_views",  # alert_access
            "pochub.services.profiles",
            "pochub.core.perspectives.profiles",  # a profile's focal point, in the core
        }
    ),
    "visible_alert": frozenset(
        {
            "pochub.services.alerts",  # act: a lifecycle action on an alert of the user's area
            "pochub.services.alert_views",  # readable_alert
        }
    ),
    "readable_alert": frozenset(
        {
            "pochub.services.alert_views",  # alert_detail, history
            "pochub.services.alert_live",  # alert_version: the alert page's poll
            "pochub.services.joint_teams",  # a team requested from an alert names one the requester may read
            "pochub.services.partner_exports",  # one alert's CAP document (operational, or from its exercise)
        }
    ),
    "team_of": frozenset(
        {
            "pochub.services.exercises.teams",  # team_alert
            "pochub.services.exercises.play",  # team_feed: the team's alerts
        }
    ),
    "team_alert": frozenset(
        {
            "pochub.services.exercises.play",  # team_act, team_alert_view
            "pochub.services.partner_exports",  # exercise_alert_cap: a trainee's own team's alert only
        }
    ),
}
"""Each rule's call sites outside its own definition (a module calling it under any name or through its module)."""


def module_name(root: Path, path: Path, package: str) -> str:
    parts = (package, *path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def rules_used(source: str, rules: Collection[str] = RULES) -> set[str]:
    """The rules a module's source calls or passes on: ``in_area(...)``, ``access.in_area(...)``, ``f = in_area``
    or an alias (``from ... import in_area as scoped``); definitions and imports alone do not count."""
    tree = ast.parse(source)
    aliases = {
        alias.asname: alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name in rules and alias.asname
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            name = aliases.get(node.id, node.id)
            if name in rules:
                found.add(name)
        elif isinstance(node, ast.Attribute) and node.attr in rules and isinstance(node.ctx, ast.Load):
            found.add(node.attr)
    return found


def call_sites(root: Path, package: str = "pochub") -> dict[str, set[str]]:
    """Each rule and the modules of the package that use it."""
    sites: dict[str, set[str]] = {rule: set() for rule in RULES}
    for path in sorted(root.rglob("*.py")):
        module = module_name(root, path, package)
        for rule in rules_used(path.read_text(encoding="utf-8")):
            sites[rule].add(module)
    return sites


def edge_sites(sites: Mapping[str, Collection[str]], package: str = "pochub") -> list[str]:
    """The edge modules that use a rule, as ``module: rule``."""
    return sorted(
        f"{module}: {rule}"
        for rule, modules in sites.items()
        for module in modules
        if any(module == f"{package}.{edge}" or module.startswith(f"{package}.{edge}.") for edge in EDGES)
    )


def test_no_edge_applies_an_access_rule_itself() -> None:
    sites = call_sites(SRC)
    assert sites["in_area"] and sites["location_fuzzed"]  # the scan finds the rules where they are
    assert not edge_sites(sites), f"edges apply access rules themselves (call a service): {edge_sites(sites)}"


def test_the_rules_are_applied_where_listed_and_nowhere_else() -> None:
    sites = call_sites(SRC)
    found = {rule: frozenset(modules) for rule, modules in sites.items()}
    changes = {
        rule: {"new": sorted(found[rule] - EXPECTED[rule]), "gone": sorted(EXPECTED[rule] - found[rule])}
        for rule in RULES
        if found[rule] != EXPECTED[rule]
    }
    assert not changes, f"access rule call sites changed (update EXPECTED knowingly): {changes}"


def test_the_scan_catches_an_edge_applying_a_rule(tmp_path: Path) -> None:
    files = {
        "__init__.py": "",
        "core/models/access.py": "def in_area(user, *, pcode, field_office):\n    return covers_pcode((), pcode)\n",
        "services/views.py": "from pochub.core.models.access import in_area\n\ndef f(u):\n    return in_area(u)\n",
        "web/pages.py": "from pochub.core.models import access\n\ndef page(u):\n    return access.location_fuzzed(u)\n",
        "api/routes.py": "from pochub.core.models.access import can_read_protected as may\n\nCHECK = may\n",
        "cli/alerts.py": "from pochub.core.models.access import in_area\n",  # imported, never used
        "documents/report.py": "def team_alert(conn):\n    return None\n",  # a definition is no call
        "http/auth.py": "def f(conn, e, u):\n    return teams.team_of(conn, e, u)\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    sites = call_sites(tmp_path)
    assert sites["in_area"] == {"pochub.services.views"}
    assert sites["covers_pcode"] == {"pochub.core.models.access"}
    assert edge_sites(sites) == [
        "pochub.api.routes: can_read_protected",
        "pochub.http.auth: team_of",
        "pochub.web.pages: location_fuzzed",
    ]
