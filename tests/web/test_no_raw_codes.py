"""No raw codes in the pages (issue 14, item 8: "labels instead of codes everywhere"): as each role of the demo
mission, in English and in French, every page reachable from the navigation and the detail pages linked from
them (alerts, exercises, coordination bodies and their terms of reference, the models compared, ...) are read
as a person reads them (tags, scripts and styles stripped; the titles and labels assistive technology reads
kept) and must show no Python representation (``['U18']``, ``{'a': 1}``, ``None``, ``True``), no ``key=value``
code (``body=joc``) and no snake_case identifier (``persons_with_disabilities``).

What is allowed, and why: the mission's user names (``fo_besu_focal``: people type them to sign in and see them
in the history of who did what); text marked as code (``<code>``: a command, a key of a YAML file, a body id to
write in a structure file); P-codes, e-mail addresses and file names do not match the patterns. The crawl is on
SQLite only: it checks what the templates show, which does not depend on the backend."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine, select
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.core.models.coordination import structure_in
from pochub.http.app import create_app
from pochub.services.demo_forums import create_demo_forums
from pochub.services.demo_mission import DEMO_ACCOUNTS, create_demo_accounts, create_demo_alerts, load_demo
from pochub.services.demo_teams import create_demo_teams
from pochub.services.structures import current_structure, require_structure
from pochub.store import tables
from pochub.store.database import connect, upgrade
from tests.csrf_tokens import with_csrf_tokens

LANGUAGES = ("en", "fr")
PER_ROUTE = 10
"""Pages crawled per kind (the inbox's filters, the alerts' pages, ...): enough to see each kind of detail (the
demo alerts are in every status)."""
SKIPPED = ("/static/", "/api/", "/map/", "/logout")
"""Not pages: assets, the API, the map's data layers; signing out would end the crawl."""

EXPECTED = {
    "adviser": {
        "/",
        "/alerts",
        "/alerts/*",
        "/threats",
        "/charts",
        "/coverage",
        "/coordination",
        "/coordination/models",
        "/coordination/models/document",
        "/coordination/bodies/mission_poc_wg",
        "/account",
        "/forums",
        "/action-points?",
        "/teams/*",
        "/teams/new?",
        "/meetings/*",
    },
    "trainer": {"/exercises", "/exercises/*", "/exercises/*/review"},
}
"""Pages each of these roles must have reached (the crawl follows links: a page no link leads to is not read)."""

REPR = re.compile(r"\[\s*'|'\s*\]|\{\s*'|\b(?:True|False)\b")
PYTHON_NONE = re.compile(r"\bNone\b")
"""Python's None is looked for in French pages only: there no word is spelled so, while English pages may say
"None (no response or referral)"; a None that leaks leaks in both languages (the same templates)."""
KEY_VALUE = re.compile(r"\b[a-z][a-z_]*=\S")
PIPED = re.compile(r"\w\|\w")
"""Values joined by a bar: a threat matrix row's key (``KT0305|killing|MPR``) shown instead of its area, threat and
perpetrator."""
SNAKE = re.compile(r"(?<![\w@./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@/-]|\.\w)")


@dataclass
class Crawl:
    client: TestClient
    passwords: dict[str, str]
    usernames: set[str]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    """A demo mission (its accounts for every role, its alerts in every status in each office, its joint teams and
    quarter of forums, a demo exercise whose team took an alert up to a response, finished) behind the web
    application."""
    url = f"sqlite:///{tmp_path_factory.mktemp('codes') / 'demo.db'}"
    engine: Engine = connect(url)
    upgrade(engine)
    settings = Settings(database_url=url, workers=False)
    load_demo(engine, settings, seed=1, n_communities=150, n_events=800)
    office = require_structure(engine).field_offices[0].id
    accounts = create_demo_accounts(engine, office)
    create_demo_alerts(engine, settings)
    create_demo_teams(engine, seed=1)  # teams, and action points linked to them and to threat rows
    create_demo_forums(engine, seed=1)
    app = create_app(settings)
    try:
        with with_csrf_tokens(TestClient(app, follow_redirects=False)) as client:
            passwords = {a.username: a.password for a in accounts if a.role != "gateway"}
            with engine.connect() as conn:
                # the only snake_case words allowed: user names (``fo_besu_focal``, ``demo_jmac``), which people
                # type to sign in and see as they are in the history of what was done and by whom
                usernames = set(conn.execute(select(tables.users.c.username)).scalars())
                unit = (
                    conn.execute(select(tables.units.c.unit_id).order_by(tables.units.c.unit_id))
                    .scalars()
                    .first()
                )
            assert unit is not None
            make_exercise(client, passwords, "adviser", unit)
            yield Crawl(client, passwords, usernames)
    finally:
        app.state.engine.dispose()
        engine.dispose()


def sign_in(client: TestClient, username: str, password: str) -> None:
    client.cookies.clear()
    signed = client.post("/login", data={"username": username, "password": password})
    assert signed.status_code == 303, signed.text


def make_exercise(client: TestClient, passwords: dict[str, str], member: str, unit: str) -> None:
    """A demo exercise through the pages: the trainer creates it with one team and starts it; the team takes an
    alert up to a response with a unit (the after-action review's timeline lists it); the trainer finishes it."""
    sign_in(client, "trainer", passwords["trainer"])
    made = client.post(
        "/exercises",
        data={"name": "Codes check", "source": "demo", "difficulty": "easy", "seed": "1", "speed": "1",
              "standard_hours": "2"},
    )  # fmt: skip
    assert made.status_code == 303, made.text
    base = made.headers["location"].split("?")[0]
    team = client.post(
        f"{base}/teams", data={"team_name": "Besu", "username": [member], "post": ["poc_officer"]}
    )
    assert team.status_code == 303, team.text
    for change in (
        {"change": "start"},
        {"change": "pause"},
        {"change": "advance", "hours": "11.8"},
        {"change": "start"},
    ):
        assert client.post(f"{base}/clock", data=change).status_code == 303, change

    sign_in(client, member, passwords[member])
    feed = client.get(f"{base}/play").text
    reference = re.findall(rf'href="{base}/play/([A-Z0-9-]+)"', feed)[0]
    for action, data in (
        ("acknowledge", {}),
        ("verify", {"result": "confirmed"}),
        ("classify", {"threat_type": "killing", "urgency": "high"}),
        ("transmit", {}),
        ("decide", {"decision": "respond", "tier": "II", "phase": "response", "units": [unit]}),
    ):
        taken = client.post(f"{base}/play/{reference}/{action}", data=data)
        assert taken.status_code == 303, (
            action,
            re.findall(r"<div class=\"errors\".*?</div>", taken.text, re.S),
        )

    sign_in(client, "trainer", passwords["trainer"])
    finished = client.post(f"{base}/clock", data={"change": "finish", "confirm": "yes"})
    assert finished.status_code == 303, finished.text


def route_of(url: str) -> str:
    """The shape of a URL (``/alerts/*``, ``/alerts?``): its segments naming a record (with a digit or in
    capitals) replaced by ``*``, ``?`` for a query; bounds the pages crawled per kind of page."""
    parts = urlsplit(url)
    segments = [
        "*" if index and (any(c.isdigit() for c in segment) or segment.isupper()) else segment
        for index, segment in enumerate(parts.path.split("/"))
    ]
    return "/".join(segments) + ("?" if parts.query else "")


def visible_text(page: str) -> str:
    """What a person reads or hears: the text without scripts, styles and tags, with the labels, titles,
    placeholders and alternative texts assistive technology reads. Text marked as code (``<code>``, ``<kbd>``,
    ``<samp>``, ``<pre>``: a command, a key of a file, an id to type) is shown as code on purpose and left out, and
    so is what a field that takes codes holds (described by the list of its codes, ``aria-describedby="...-codes"``:
    a community profile's ``killing: the armed men``, typed in that form's syntax)."""
    page = re.sub(r"<(script|style|code|kbd|samp|pre)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(
        r'<textarea\b[^>]*aria-describedby="[^"]*-codes"[^>]*>.*?</textarea>', " ", page, flags=re.S | re.I
    )
    spoken = re.findall(r'\s(?:aria-label|title|placeholder|alt)="([^"]*)"', page)
    words = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(re.sub(r"\s+", " ", " ".join([words, *spoken])))


def links(page: str) -> list[str]:
    found = []
    for href in re.findall(r'<a\b[^>]*\shref="([^"#]*)', page):
        href = html.unescape(href)
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith(SKIPPED):
            continue
        found.append(href)
    return found


def leaks(text: str, allowed: set[str], language: str = "fr") -> list[str]:
    found = []
    for pattern in (REPR, KEY_VALUE, PIPED, *([PYTHON_NONE] if language == "fr" else [])):
        found += [text[max(0, m.start() - 40) : m.end() + 40] for m in pattern.finditer(text)]
    found += [
        text[max(0, m.start() - 40) : m.end() + 40] for m in SNAKE.finditer(text) if m.group(0) not in allowed
    ]
    return found


def crawl_as(crawl: Crawl, username: str, language: str) -> tuple[dict[str, list[str]], set[str]]:
    """Every page reachable from the signed-in home page (at most PER_ROUTE of a kind): the leaks by URL, and
    the kinds of page read."""
    client = crawl.client
    sign_in(client, username, crawl.passwords[username])
    client.cookies.set("pochub_lang", language)
    seen: set[str] = set()
    per_route: dict[str, int] = {}
    queue = ["/"]
    found: dict[str, list[str]] = {}
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        route = route_of(url)
        if per_route.get(route, 0) >= PER_ROUTE:
            continue
        per_route[route] = per_route.get(route, 0) + 1
        response = client.get(url, headers={"Accept": "text/html"})
        if response.status_code in (301, 302, 303, 307):
            queue.append(response.headers["location"])
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        assert f'lang="{language}"' in response.text[:500], url
        problems = leaks(visible_text(response.text), crawl.usernames, language)
        if problems:
            found[url] = problems
        queue += [link for link in links(response.text) if link not in seen]
    return found, set(per_route)


@pytest.mark.slow
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("username", [name for name, role, _, _ in DEMO_ACCOUNTS if role.value != "gateway"])
def test_no_page_shows_a_raw_code(crawl: Crawl, username: str, language: str) -> None:
    found, kinds = crawl_as(crawl, username, language)
    assert EXPECTED.get(username, set()) <= kinds, sorted(kinds)
    assert not found, "\n".join(f"{url}:\n  " + "\n  ".join(problems) for url, problems in found.items())


def test_the_checks_catch_what_leaked_before() -> None:
    """The patterns find the leaks issue 14 saw, and let a P-code, an e-mail address and a file name pass."""
    allowed: set[str] = {"fo_besu_focal"}
    for leaked in (
        "Units: ['U18']",
        "body=joc",
        "persons_with_disabilities.",
        "Tier: None",
        "{'a': 1}",
        "False",
        "requested from a threat of the matrix: KT0305|killing|MPR: Movement of Patriots for Renewal",
    ):
        assert leaks(leaked, allowed), leaked
    for fine in (
        "KT0101",
        "duty_officer@example.org",
        "roads_2024.csv",
        "by fo_besu_focal",
        "/a_b/c",
        "It's fine",
    ):
        assert not leaks(fine, allowed), fine
    assert not leaks("Tier None (no response or referral)", allowed, "en")
    assert leaks("Organe responsable None", allowed, "fr")
    assert (
        visible_text("<p>Template <code>pochub structure templates --model groups_as_coordinators</code></p>")
        == " Template "
    )


@pytest.mark.slow
def test_alert_and_exercise_pages_name_bodies_and_posts_in_the_readers_language(crawl: Crawl) -> None:
    """The structure's names are language maps: a French reader sees the French body and post names."""
    client = crawl.client
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        structure = current_structure(conn)
    assert structure is not None
    english, french = structure_in(structure, "en"), structure_in(structure, "fr")
    bodies = {b.id: (str(b.name), str(f.name)) for b, f in zip(english.bodies, french.bodies, strict=True)}
    posts = {p.id: (str(p.title), str(f.title)) for p, f in zip(english.roles, french.roles, strict=True)}
    assert any(en != fr for en, fr in bodies.values()) and any(en != fr for en, fr in posts.values())
    sign_in(client, "adviser", crawl.passwords["adviser"])
    client.cookies.set("pochub_lang", "fr")
    inbox = client.get("/alerts?show=all").text
    references = re.findall(r'href="/alerts/(A[0-9A-Z-]+)"', inbox)[:12]
    shown = " ".join(visible_text(client.get(f"/alerts/{reference}").text) for reference in references)
    assert any(fr in shown for _, fr in bodies.values())
    assert not [en for en, fr in bodies.values() if en != fr and en in shown]
    sign_in(client, "trainer", crawl.passwords["trainer"])
    client.cookies.set("pochub_lang", "fr")
    control = visible_text(client.get("/exercises/1").text)
    assert posts["poc_officer"][1] in control and posts["poc_officer"][0] not in control


@pytest.mark.slow
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_plan_page_shows_no_raw_code(crawl: Crawl, language: str) -> None:
    """The page of a plan run from the coverage form (no link leads to it before it is run)."""
    client = crawl.client
    sign_in(client, "planner", crawl.passwords["planner"])
    client.cookies.set("pochub_lang", language)
    data = {"model": "mclp", "p": "2", "standard": "2h", "season": "dry", "weight": "population"}
    started = client.post("/coverage", data=data)
    assert started.status_code == 303, started.text
    location = started.headers["location"]
    client.app.state.plan_jobs.wait(parse_qs(urlsplit(location).query)["job"][0])  # type: ignore[attr-defined]
    plan = client.get(location, headers={"Accept": "text/html"})
    assert plan.status_code == 200 and f'lang="{language}"' in plan.text[:500]
    assert not leaks(visible_text(plan.text), crawl.usernames, language)
