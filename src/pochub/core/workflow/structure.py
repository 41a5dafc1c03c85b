"""The coordination structure as the workflow reads it: parsing, validation, routing, deadlines, escalation.

The structure is data (ARCHITECTURE.md): alerts are routed by its rules (first match wins, ``None`` matches
anything, areas match by P-code prefix), their deadlines come from its table of hours per lifecycle step scaled
by urgency (or an urgency's own hours for some steps), and overdue alerts climb its escalation paths.
``validate_structure`` names every element at fault so that a mission can repair its file: areas without a PoC
focal point, reporting-line cycles, rules or paths naming bodies that do not exist, unknown roles, threat types
and urgencies, deadlines out of lifecycle order, a step due sooner for a less urgent alert than for a more urgent
one, a decision on the most urgent alerts due too late, and P-codes no field office covers.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from pochub.core.models.coordination import (
    LIFECYCLE_STEPS,
    STRUCTURE_LANGUAGES,
    Body,
    CoordinatorModel,
    Escalation,
    FieldOffice,
    FocalPoint,
    Headquarters,
    LanguageText,
    Level,
    Mission,
    Post,
    Routing,
    RoutingRule,
    Structure,
)
from pochub.core.models.taxonomy import ThreatType
from pochub.core.text import N_, Message, Text
from pochub.errors import InvalidInput

THREAT_TYPES = frozenset(t.value for t in ThreatType)


@dataclass(frozen=True)
class StructureProblem:
    """One thing wrong with a structure, and the element it is wrong in."""

    element: str
    message: Text
    """What is wrong, translatable (``pochub.core.text``); ``str()`` of the problem is English."""

    def __str__(self) -> str:
        return f"{self.element}: {self.message}"


@dataclass(frozen=True)
class Route:
    """Where an alert goes: the responsible body, the focal point who acts for it, who else hears of it."""

    body_id: str
    focal_point_role: str | None
    field_office: str | None
    notify: tuple[str, ...] = ()


# --- parsing -----------------------------------------------------------------------------------------------


class _Reader:
    """Reads plain data into values, collecting every shape error with the element it is in."""

    def __init__(self, source: str, locate: Callable[[str], int | None] | None = None) -> None:
        self.source = source
        self.locate = locate
        self.errors: list[str] = []

    def fail(self, element: str, message: str) -> None:
        line = self.locate(element) if self.locate is not None else None
        where = f"line {line}: " if line is not None else ""
        self.errors.append(f"{where}{element}: {message}")

    def mapping(self, value: Any, element: str) -> Mapping[str, Any]:
        if isinstance(value, Mapping):
            return value
        self.fail(element, f"expected a mapping, got {type(value).__name__}")
        return {}

    def items(self, value: Any, element: str) -> Sequence[Any]:
        if value is None:
            return ()
        if isinstance(value, list | tuple):
            return value
        self.fail(element, f"expected a list, got {type(value).__name__}")
        return ()

    def text(self, data: Mapping[str, Any], key: str, element: str, *, required: bool = False) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(element, f"{key} is required")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(element, f"{key} must be text, got {type(value).__name__}")
            return ""
        return str(value)

    def free_text(self, data: Mapping[str, Any], key: str, element: str) -> str:
        """A text people read (a purpose, a title): a string, or a language map holding every language of
        ``STRUCTURE_LANGUAGES`` (``purpose: {en: ..., fr: ...}``)."""
        value = data.get(key)
        if not isinstance(value, Mapping):
            return self.text(data, key, element)
        return self.language_map(value, f"{element}.{key}")

    def language_map(self, value: Mapping[Any, Any], element: str) -> str:
        unknown = sorted(str(k) for k in value if k not in STRUCTURE_LANGUAGES)
        missing = [
            lang for lang in STRUCTURE_LANGUAGES if not isinstance(value.get(lang), str) or not value[lang]
        ]
        if unknown:
            self.fail(
                element, f"unknown language {', '.join(unknown)} (write {', '.join(STRUCTURE_LANGUAGES)})"
            )
        if missing:
            self.fail(
                element,
                f"a language map needs a text in every language of the mission ({', '.join(STRUCTURE_LANGUAGES)});"
                f" missing or not text: {', '.join(missing)}",
            )
        if unknown or missing:
            return ""
        return LanguageText({lang: value[lang] for lang in STRUCTURE_LANGUAGES})

    def free_texts(self, value: Any, element: str) -> tuple[str, ...]:
        """A list of texts people read, each a string or a language map."""
        result: list[str] = []
        for i, item in enumerate(self.items(value, element)):
            if isinstance(item, Mapping):
                result.append(self.language_map(item, f"{element}[{i}]"))
            else:
                result.extend(self.strings([item], f"{element}[{i}]"))
        return tuple(result)

    def optional_text(self, data: Mapping[str, Any], key: str, element: str) -> str | None:
        return self.text(data, key, element) if data.get(key) is not None else None

    def strings(self, value: Any, element: str) -> tuple[str, ...]:
        result = []
        for i, item in enumerate(self.items(value, element)):
            if isinstance(item, str | int) and not isinstance(item, bool):
                result.append(str(item))
            else:
                self.fail(f"{element}[{i}]", f"expected text, got {type(item).__name__}")
        return tuple(result)

    def number(self, value: Any, element: str, default: float) -> float:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(element, f"expected a number, got {value!r}")
            return default
        return float(value)

    def day(self, value: Any, element: str) -> date | None:
        if value is None or isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(element, f"expected a date YYYY-MM-DD, got {value!r}")
            return None


def _mission(reader: _Reader, data: Any) -> Mission:
    element = "mission"
    values = reader.mapping(data, element) if data is not None else {}
    model_text = reader.optional_text(values, "coordinator_model", element)
    model = None
    if model_text is not None:
        try:
            model = CoordinatorModel(model_text)
        except ValueError:
            known = ", ".join(m.value for m in CoordinatorModel)
            reader.fail(f"{element}.coordinator_model", f"unknown model {model_text!r} (known: {known})")
    hq = reader.mapping(values.get("headquarters") or {}, f"{element}.headquarters")
    return Mission(
        name=reader.text(values, "name", element, required=True),
        acronym=reader.text(values, "acronym", element),
        country=reader.text(values, "country", element),
        country_code=reader.text(values, "country_code", element),
        boundary_version=reader.text(values, "boundary_version", element),
        coordinator_model=model,
        headquarters=Headquarters(
            base=reader.optional_text(hq, "base", f"{element}.headquarters"),
            town=reader.optional_text(hq, "town", f"{element}.headquarters"),
            pcode=reader.optional_text(hq, "pcode", f"{element}.headquarters"),
        ),
        reference_date=reader.day(values.get("reference_date"), f"{element}.reference_date"),
    )


def _field_office(reader: _Reader, data: Any, index: int) -> FieldOffice:
    values = reader.mapping(data, f"field_offices[{index}]")
    office_id = reader.text(values, "id", f"field_offices[{index}]", required=True)
    element = f"field_offices[{office_id or index}]"
    focal = values.get("poc_focal_point")
    focal_point = None
    if isinstance(focal, str):
        focal_point = FocalPoint(role=focal)
    elif focal is not None:
        focal_values = reader.mapping(focal, f"{element}.poc_focal_point")
        role = reader.text(focal_values, "role", f"{element}.poc_focal_point", required=True)
        focal_point = FocalPoint(role=role, name=reader.text(focal_values, "name", element)) if role else None
    return FieldOffice(
        id=office_id,
        name=reader.free_text(values, "name", element) or office_id,
        area_pcodes=reader.strings(values.get("area_pcodes"), f"{element}.area_pcodes"),
        town=reader.text(values, "town", element),
        base=reader.optional_text(values, "base", element),
        sector=reader.text(values, "sector", element),
        head_of_office=reader.optional_text(values, "head_of_office", element),
        poc_focal_point=focal_point,
    )


def _members(reader: _Reader, data: Any, element: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if isinstance(data, list):  # a plain list of roles: no component given
        return (("unspecified", reader.strings(data, element)),)
    values = reader.mapping(data, element) if data is not None else {}
    return tuple(
        (str(component), reader.strings(roles, f"{element}.{component}"))
        for component, roles in values.items()
    )


def _classification(reader: _Reader, values: Mapping[str, Any], element: str) -> str:
    """Information classification rules: one text, or a list of rules (one a line)."""
    rules = values.get("information_classification")
    if isinstance(rules, list):
        texts = reader.free_texts(rules, f"{element}.information_classification")
        if any(isinstance(t, LanguageText) for t in texts):
            return LanguageText(
                {
                    lang: "\n".join(t.texts[lang] if isinstance(t, LanguageText) else t for t in texts)
                    for lang in STRUCTURE_LANGUAGES
                }
            )
        return "\n".join(texts)
    return reader.free_text(values, "information_classification", element)


def _body(reader: _Reader, data: Any, index: int) -> Body:
    values = reader.mapping(data, f"bodies[{index}]")
    body_id = reader.text(values, "id", f"bodies[{index}]", required=True)
    element = f"bodies[{body_id or index}]"
    level_text = reader.text(values, "level", element, required=True)
    try:
        level = Level(level_text)
    except ValueError:
        if level_text:
            reader.fail(
                f"{element}.level", f"unknown level {level_text!r} (strategic, operational, tactical)"
            )
        level = Level.OPERATIONAL
    quorum = values.get("quorum")
    if quorum is not None and (isinstance(quorum, bool) or not isinstance(quorum, int) or quorum < 1):
        reader.fail(f"{element}.quorum", f"expected a positive whole number, got {quorum!r}")
        quorum = None
    return Body(
        id=body_id,
        name=reader.free_text(values, "name", element) or body_id,
        level=level,
        chair=reader.text(values, "chair", element, required=True),
        members=_members(reader, values.get("members"), f"{element}.members"),
        secretariat=reader.optional_text(values, "secretariat", element),
        observers=reader.strings(values.get("observers"), f"{element}.observers"),
        meeting_frequency=reader.free_text(values, "meeting_frequency", element),
        area_pcodes=reader.strings(values.get("area_pcodes"), f"{element}.area_pcodes"),
        reports_to=reader.optional_text(values, "reports_to", element),
        field_office=reader.optional_text(values, "field_office", element),
        purpose=reader.free_text(values, "purpose", element),
        quorum=quorum,
        extraordinary_meeting_trigger=reader.free_text(values, "extraordinary_meeting_trigger", element),
        standing_inputs=reader.free_texts(values.get("standing_inputs"), f"{element}.standing_inputs"),
        outputs=reader.free_texts(values.get("outputs"), f"{element}.outputs"),
        co_chair=reader.optional_text(values, "co_chair", element),
        information_classification=_classification(reader, values, element),
        review_date=reader.day(values.get("review_date"), f"{element}.review_date"),
    )


def _post(reader: _Reader, data: Any, index: int) -> Post:
    values = reader.mapping(data, f"roles[{index}]")
    role_id = reader.text(values, "id", f"roles[{index}]", required=True)
    element = f"roles[{role_id or index}]"
    return Post(
        id=role_id,
        title=reader.free_text(values, "title", element) or role_id,
        component=reader.text(values, "component", element) or "civilian",
        name=reader.text(values, "name", element),
        field_office=reader.optional_text(values, "field_office", element),
    )


def _routing(reader: _Reader, data: Any) -> Routing:
    values = reader.mapping(data, "routing")
    levels = values.get("urgency_levels")
    if isinstance(levels, Mapping):
        urgency_levels = tuple((str(k), str(v or "")) for k, v in levels.items())
    else:
        urgency_levels = tuple((u, "") for u in reader.strings(levels, "routing.urgency_levels"))
    if not urgency_levels:
        reader.fail("routing.urgency_levels", "at least one urgency level is required")
    rules = []
    for i, rule in enumerate(reader.items(values.get("rules"), "routing.rules")):
        element = f"routing.rules[{i}]"
        rule_values = reader.mapping(rule, element)
        area = rule_values.get("area_pcodes")
        rules.append(
            RoutingRule(
                body=reader.text(rule_values, "body", element, required=True),
                threat_type=reader.optional_text(rule_values, "threat_type", element),
                urgency=reader.optional_text(rule_values, "urgency", element),
                area_pcodes=None if area is None else reader.strings(area, f"{element}.area_pcodes"),
                notify=reader.strings(rule_values.get("notify"), f"{element}.notify"),
            )
        )
    return Routing(
        urgency_levels=urgency_levels,
        default_body=reader.text(values, "default_body", "routing", required=True),
        rules=tuple(rules),
    )


def _hours_table(reader: _Reader, data: Any, element: str) -> tuple[tuple[str, float], ...]:
    values = reader.mapping(data, element) if data is not None else {}
    return tuple((str(k), reader.number(v, f"{element}.{k}", 0.0)) for k, v in values.items())


def _hours_by_urgency(reader: _Reader, data: Any) -> tuple[tuple[str, tuple[tuple[str, float], ...]], ...]:
    element = "deadlines_hours_by_urgency"
    values = reader.mapping(data, element) if data is not None else {}
    return tuple(
        (str(urgency), _hours_table(reader, table, f"{element}.{urgency}"))
        for urgency, table in values.items()
    )


def _escalation(reader: _Reader, data: Any) -> Escalation:
    values = reader.mapping(data, "escalation") if data is not None else {}
    paths = reader.mapping(values.get("paths") or {}, "escalation.paths")
    return Escalation(
        trigger=reader.text(values, "trigger", "escalation") or "deadline_missed",
        grace_hours=reader.number(values.get("grace_hours"), "escalation.grace_hours", 1.0),
        path_rule=reader.text(values, "path_rule", "escalation") or "reports_to",
        paths=tuple(
            (str(body), reader.strings(path, f"escalation.paths[{body}]")) for body, path in paths.items()
        ),
        notify_roles=reader.strings(values.get("notify_roles"), "escalation.notify_roles"),
    )


def parse_structure(
    document: Mapping[str, Any],
    *,
    source: str = "structure",
    locate: Callable[[str], int | None] | None = None,
) -> Structure:
    """The structure in ``document`` (plain data, as YAML or JSON loads it); InvalidInput names every element
    of the wrong shape (and its line, given ``locate``: element -> line in the file). Meaning (do the ids
    exist, is there a cycle) is ``validate_structure``'s job."""
    reader = _Reader(source, locate)
    if not isinstance(document, Mapping):
        raise InvalidInput(f"{source}: a structure is a mapping, got {type(document).__name__}")
    for key in ("mission", "bodies", "routing"):
        if key not in document:
            reader.fail(key, "is required")
    structure = Structure(
        mission=_mission(reader, document.get("mission")),
        field_offices=tuple(
            _field_office(reader, o, i)
            for i, o in enumerate(reader.items(document.get("field_offices"), "field_offices"))
        ),
        bodies=tuple(
            _body(reader, b, i) for i, b in enumerate(reader.items(document.get("bodies"), "bodies"))
        ),
        roles=tuple(_post(reader, r, i) for i, r in enumerate(reader.items(document.get("roles"), "roles"))),
        routing=_routing(reader, document.get("routing") or {}),
        deadlines_hours=_hours_table(reader, document.get("deadlines_hours"), "deadlines_hours"),
        escalation=_escalation(reader, document.get("escalation")),
        deadlines_measured_from=str(document.get("deadlines_measured_from") or "received"),
        deadline_factor_by_urgency=_hours_table(
            reader, document.get("deadline_factor_by_urgency"), "deadline_factor_by_urgency"
        ),
        deadlines_hours_by_urgency=_hours_by_urgency(reader, document.get("deadlines_hours_by_urgency")),
    )
    if reader.errors:
        listed = "\n".join(f"  {e}" for e in reader.errors)
        raise InvalidInput(f"{source}: {len(reader.errors)} problem(s) in the structure:\n{listed}")
    return structure


# --- validation --------------------------------------------------------------------------------------------


def _duplicates(ids: Sequence[str], element: str) -> list[StructureProblem]:
    seen: set[str] = set()
    problems = []
    for item in ids:
        if item in seen:
            problems.append(
                StructureProblem(f"{element}[{item}]", Message(N_("duplicate id {item}"), item=repr(item)))
            )
        seen.add(item)
    return problems


def _office_element(office: FieldOffice) -> str:
    return f"field_offices[{office.id}] ({office.name})"


def _role_problems(structure: Structure) -> list[StructureProblem]:
    """Chairs, secretariats, members, heads of office, focal points and notified roles must be roles."""
    known = structure.posts_by_id
    problems = []

    def check(element: str, what: str, role: str | None) -> None:
        if role is not None and role not in known:
            problems.append(
                StructureProblem(
                    element,
                    Message(
                        N_("{what} {role} is not a role of the structure"),
                        what=Message(what),
                        role=repr(role),
                    ),
                )
            )

    for body in structure.bodies:
        element = f"bodies[{body.id}]"
        check(element, N_("chair"), body.chair)
        check(element, N_("co-chair"), body.co_chair)
        check(element, N_("secretariat"), body.secretariat)
        for component, roles in body.members:
            for role in roles:
                check(f"{element}.members.{component}", N_("member"), role)
        if body.chair and body.member_roles and body.chair not in body.member_roles:
            problems.append(
                StructureProblem(
                    element, Message(N_("chair {chair} is not among the members"), chair=repr(body.chair))
                )
            )
        if body.quorum is not None and body.quorum > len(set(body.member_roles)):
            problems.append(
                StructureProblem(
                    element,
                    Message(
                        N_("quorum {quorum} exceeds the {members} members"),
                        quorum=body.quorum,
                        members=len(body.member_roles),
                    ),
                )
            )
        if body.field_office is not None and structure.field_office(body.field_office) is None:
            problems.append(
                StructureProblem(
                    element,
                    Message(
                        N_("field office {field_office} does not exist"), field_office=repr(body.field_office)
                    ),
                )
            )
    for office in structure.field_offices:
        check(_office_element(office), N_("head of office"), office.head_of_office)
        if office.poc_focal_point is not None:
            check(_office_element(office), N_("PoC focal point"), office.poc_focal_point.role)
    for post in structure.roles:
        if post.field_office is not None and structure.field_office(post.field_office) is None:
            problems.append(
                StructureProblem(
                    f"roles[{post.id}]",
                    Message(
                        N_("field office {field_office} does not exist"), field_office=repr(post.field_office)
                    ),
                )
            )
    for role in structure.escalation.notify_roles:
        check("escalation.notify_roles", N_("role"), role)
    return problems


def _focal_point_problems(structure: Structure) -> list[StructureProblem]:
    """Every area of responsibility needs a PoC focal point."""
    problems = []
    for office in structure.field_offices:
        if not office.area_pcodes:
            problems.append(
                StructureProblem(_office_element(office), N_("has no area of responsibility (P-codes)"))
            )
        if office.poc_focal_point is None:
            for area in office.area_pcodes:
                problems.append(
                    StructureProblem(
                        _office_element(office), Message(N_("area {area} has no PoC focal point"), area=area)
                    )
                )
    return problems


def reporting_cycles(structure: Structure) -> list[tuple[str, ...]]:
    """Every cycle in the reporting lines, each as the bodies around it (first body repeated at the end)."""
    parent = {b.id: b.reports_to for b in structure.bodies}
    cycles: list[tuple[str, ...]] = []
    done: set[str] = set()
    for start in parent:
        trail: list[str] = []
        node: str | None = start
        while node is not None and node in parent and node not in done and node not in trail:
            trail.append(node)
            node = parent[node]
        if node is not None and node in trail:
            loop = trail[trail.index(node) :]
            pivot = loop.index(min(loop))  # one spelling per cycle, whatever body it was found from
            loop = loop[pivot:] + loop[:pivot]
            cycles.append((*loop, loop[0]))
        done.update(trail)
    return cycles


def _reporting_problems(structure: Structure) -> list[StructureProblem]:
    problems = [
        StructureProblem(
            f"bodies[{b.id}]",
            Message(N_("reports to {reports_to}, which does not exist"), reports_to=repr(b.reports_to)),
        )
        for b in structure.bodies
        if b.reports_to is not None and b.reports_to not in structure.bodies_by_id
    ]
    problems += [
        StructureProblem("bodies", Message(N_("reporting-line cycle {cycle}"), cycle=" -> ".join(cycle)))
        for cycle in reporting_cycles(structure)
    ]
    return problems


def _routing_problems(structure: Structure) -> list[StructureProblem]:
    bodies = structure.bodies_by_id
    urgencies = set(structure.routing.urgencies)
    problems = []
    if structure.routing.default_body and structure.routing.default_body not in bodies:
        problems.append(
            StructureProblem(
                "routing.default_body",
                Message(N_("body {body} does not exist"), body=repr(structure.routing.default_body)),
            )
        )
    for i, rule in enumerate(structure.routing.rules):
        element = f"routing.rules[{i}]"
        if rule.body not in bodies:
            problems.append(
                StructureProblem(element, Message(N_("body {body} does not exist"), body=repr(rule.body)))
            )
        for target in rule.notify:
            if target not in bodies and target not in structure.posts_by_id:
                problems.append(
                    StructureProblem(
                        element,
                        Message(N_("notify {target} is neither a body nor a role"), target=repr(target)),
                    )
                )
        if rule.urgency is not None and rule.urgency not in urgencies:
            problems.append(
                StructureProblem(
                    element,
                    Message(
                        N_("unknown urgency {urgency} (known: {urgencies})"),
                        urgency=repr(rule.urgency),
                        urgencies=", ".join(structure.routing.urgencies),
                    ),
                )
            )
        if rule.threat_type is not None and rule.threat_type not in THREAT_TYPES:
            problems.append(
                StructureProblem(
                    element,
                    Message(
                        N_("unknown threat type {threat_type} (known: {known})"),
                        threat_type=repr(rule.threat_type),
                        known=", ".join(sorted(THREAT_TYPES)),
                    ),
                )
            )
        if rule.area_pcodes is not None and not rule.area_pcodes:
            problems.append(StructureProblem(element, N_("area_pcodes is empty: the rule can never match")))
    return problems


MOST_URGENT_DECISION_HOURS = 6.0
"""The latest a decision on an alert of the most urgent level (violence imminent or under way) may be due, in
hours after receipt; it must also be due within half the time of the next level's decision. A judgment, not a
doctrine figure: a response decided the next day answers violence that is over."""


def _lifecycle_order_problems(hours: Mapping[str, float], element: str) -> list[StructureProblem]:
    """Each step due before the step ahead of it in the lifecycle, named ``element.step``."""
    problems = []
    previous: tuple[str, float] | None = None
    for step in LIFECYCLE_STEPS:
        if step not in hours:
            continue
        if previous is not None and hours[step] < previous[1]:
            problems.append(
                StructureProblem(
                    f"{element}.{step}",
                    Message(
                        N_(
                            "{hours:g} h comes before the {previous_hours:g} h of the earlier step {previous_step}"
                        ),
                        hours=hours[step],
                        previous_hours=previous[1],
                        previous_step=repr(previous[0]),
                    ),
                )
            )
        previous = (step, hours[step])
    return problems


def _deadline_problems(structure: Structure) -> list[StructureProblem]:
    hours = dict(structure.deadlines_hours)
    problems = [
        StructureProblem(
            f"deadlines_hours.{step}",
            Message(N_("unknown lifecycle step (known: {known})"), known=", ".join(LIFECYCLE_STEPS)),
        )
        for step in hours
        if step not in LIFECYCLE_STEPS
    ]
    problems += [
        StructureProblem("deadlines_hours", Message(N_("no deadline for step {step}"), step=repr(step)))
        for step in LIFECYCLE_STEPS
        if step not in hours
    ]
    problems += [
        StructureProblem(
            f"deadlines_hours.{step}", Message(N_("must be positive, got {hours:g}"), hours=hours[step])
        )
        for step in LIFECYCLE_STEPS
        if step in hours and hours[step] <= 0
    ]
    problems += _lifecycle_order_problems(hours, "deadlines_hours")
    urgencies = set(structure.routing.urgencies)
    for urgency, factor in structure.deadline_factor_by_urgency:
        if urgency not in urgencies:
            problems.append(StructureProblem(f"deadline_factor_by_urgency.{urgency}", N_("unknown urgency")))
        if factor <= 0:
            problems.append(StructureProblem(f"deadline_factor_by_urgency.{urgency}", N_("must be positive")))
    problems += _urgency_table_problems(structure)
    if not problems:  # the urgencies compared only once every table is sound
        problems += _urgency_order_problems(structure) + _most_urgent_decision_problems(structure)
    return problems


def _urgency_table_problems(structure: Structure) -> list[StructureProblem]:
    """The urgencies' own hours: known urgencies and steps, positive hours, in lifecycle order."""
    problems: list[StructureProblem] = []
    urgencies = set(structure.routing.urgencies)
    for urgency, table in structure.deadlines_hours_by_urgency:
        element = f"deadlines_hours_by_urgency.{urgency}"
        if urgency not in urgencies:
            problems.append(StructureProblem(element, N_("unknown urgency")))
            continue
        own: list[StructureProblem] = []
        for step, value in table:
            if step not in LIFECYCLE_STEPS:
                own.append(
                    StructureProblem(
                        f"{element}.{step}",
                        Message(
                            N_("unknown lifecycle step (known: {known})"), known=", ".join(LIFECYCLE_STEPS)
                        ),
                    )
                )
            elif value <= 0:
                own.append(
                    StructureProblem(
                        f"{element}.{step}", Message(N_("must be positive, got {hours:g}"), hours=value)
                    )
                )
        problems += own or _lifecycle_order_problems(deadlines_at(structure, urgency), element)
    return problems


def _deadline_element(structure: Structure, urgency: str, step: str) -> str:
    """Where an urgency's deadline for ``step`` is written: its own hours, else its factor, else the table."""
    if step in dict(dict(structure.deadlines_hours_by_urgency).get(urgency, ())):
        return f"deadlines_hours_by_urgency.{urgency}.{step}"
    if urgency in dict(structure.deadline_factor_by_urgency):
        return f"deadline_factor_by_urgency.{urgency}"
    return f"deadlines_hours.{step}"


def _order_element(structure: Structure, more: str, less: str, step: str) -> str:
    """Where two urgencies' deadlines for ``step`` disagree: an urgency's own hours for it, else a factor."""
    for urgency in (less, more):
        if step in dict(dict(structure.deadlines_hours_by_urgency).get(urgency, ())):
            return f"deadlines_hours_by_urgency.{urgency}.{step}"
    factors = dict(structure.deadline_factor_by_urgency)
    return next(
        (f"deadline_factor_by_urgency.{u}" for u in (less, more) if u in factors),
        "deadline_factor_by_urgency",
    )


def _urgency_order_problems(structure: Structure) -> list[StructureProblem]:
    """No step of an alert is due sooner than the same step of a more urgent alert."""
    levels = structure.routing.urgencies
    found: dict[str, tuple[str, str, list[str]]] = {}
    for more, less in pairwise(levels):
        sooner, later = deadlines_at(structure, more), deadlines_at(structure, less)
        for step in LIFECYCLE_STEPS:
            if step in sooner and step in later and later[step] < sooner[step]:
                element = _order_element(structure, more, less, step)
                found.setdefault(element, (less, more, []))[2].append(
                    f"{step} {later[step]:g} h < {sooner[step]:g} h"
                )
    return [
        StructureProblem(
            element,
            Message(
                N_("{urgency} alerts would be due sooner than the more urgent {more} alerts: {steps}"),
                urgency=less,
                more=more,
                steps=", ".join(steps),
            ),
        )
        for element, (less, more, steps) in found.items()
    ]


def _most_urgent_decision_problems(structure: Structure) -> list[StructureProblem]:
    """The most urgent alerts are decided within hours (see ``MOST_URGENT_DECISION_HOURS``)."""
    levels = structure.routing.urgencies
    if not levels or "decide" not in dict(structure.deadlines_hours):
        return []
    hours = deadlines_at(structure, levels[0])["decide"]
    bound = MOST_URGENT_DECISION_HOURS
    if len(levels) > 1:
        bound = min(bound, deadlines_at(structure, levels[1])["decide"] / 2)
    if hours <= bound:
        return []
    element = _deadline_element(structure, levels[0], "decide")
    if len(levels) == 1:
        text = Message(
            N_(
                "the decision on {urgency} alerts would be due {hours:g} h after receipt: at most {bound:g} h"
            ),
            urgency=levels[0],
            hours=hours,
            bound=bound,
        )
    else:
        text = Message(
            N_(
                "the decision on {urgency} alerts would be due {hours:g} h after receipt: the most urgent alerts "
                "must be decided within {bound:g} h ({most:g} h at most, and half the {next_hours:g} h of "
                "{next} alerts)"
            ),
            urgency=levels[0],
            hours=hours,
            bound=bound,
            most=MOST_URGENT_DECISION_HOURS,
            next_hours=deadlines_at(structure, levels[1])["decide"],
            next=levels[1],
        )
    return [StructureProblem(element, text)]


def _escalation_problems(structure: Structure) -> list[StructureProblem]:
    bodies = structure.bodies_by_id
    problems = []
    if structure.escalation.path_rule not in ("reports_to", "explicit"):
        problems.append(StructureProblem("escalation.path_rule", N_("must be 'reports_to' or 'explicit'")))
    if structure.escalation.grace_hours < 0:
        problems.append(StructureProblem("escalation.grace_hours", N_("must not be negative")))
    for body_id, path in structure.escalation.paths:
        element = f"escalation.paths[{body_id}]"
        if body_id not in bodies:
            problems.append(
                StructureProblem(element, Message(N_("body {body} does not exist"), body=repr(body_id)))
            )
        for step in path:
            if step not in bodies:
                problems.append(
                    StructureProblem(element, Message(N_("body {body} does not exist"), body=repr(step)))
                )
        if len(set(path)) != len(path):
            problems.append(
                StructureProblem(element, Message(N_("names a body twice: {path}"), path=" -> ".join(path)))
            )
    return problems


def _leaf_pcodes(pcodes: Collection[str]) -> list[str]:
    """The known P-codes with no known P-code below them (their parents are covered through them)."""
    ordered = sorted(set(pcodes))
    leaves = []
    for i, pcode in enumerate(ordered):
        following = ordered[i + 1] if i + 1 < len(ordered) else ""
        if not following.startswith(pcode):
            leaves.append(pcode)
    return leaves


def _ancestry(pcode: str, parents: Mapping[str, str | None]) -> list[str]:
    """The P-code and its ancestors through the boundaries' ``parent_pcode`` links (no prefix guessing)."""
    chain = [pcode]
    while (parent := parents.get(chain[-1])) and parent not in chain:
        chain.append(parent)
    return chain


def boundary_problems(
    structure: Structure, parents: Mapping[str, str | None], *, coverage: bool = True
) -> list[StructureProblem]:
    """Checks against stored boundaries (P-code -> parent P-code): each office area must be a stored area or a
    parent the boundaries name; no area may lie inside another office's area; with ``coverage``, every
    finest area (no stored area's parent) must lie in some office's area. Hierarchy by ``parent_pcode``."""
    problems = []
    known = set(parents) | {p for p in parents.values() if p}
    claims: dict[str, list[FieldOffice]] = {}
    for office in structure.field_offices:
        for area in office.area_pcodes:
            claims.setdefault(area, []).append(office)
            if area not in known:
                problems.append(
                    StructureProblem(
                        _office_element(office),
                        Message(N_("area {area} is in no stored boundary (unknown P-code)"), area=area),
                    )
                )
    for office in structure.field_offices:
        for area in office.area_pcodes:
            for holder in _ancestry(area, parents):
                for other in claims.get(holder, []):
                    if other.id != office.id and (holder != area or office.id < other.id):
                        problems.append(
                            StructureProblem(
                                _office_element(office),
                                Message(
                                    N_("area {area} overlaps area {holder} of field office {other}"),
                                    area=area,
                                    holder=holder,
                                    other=other.id,
                                ),
                            )
                        )
    if coverage:
        parents_named = {p for p in parents.values() if p}
        for pcode in sorted(set(parents) - parents_named):
            if not any(holder in claims for holder in _ancestry(pcode, parents)):
                problems.append(
                    StructureProblem(
                        "boundaries",
                        Message(
                            N_("area {pcode} (from boundaries) is not covered by any field office"),
                            pcode=pcode,
                        ),
                    )
                )
    return problems


def _coverage_problems(
    structure: Structure, known_pcodes: Collection[str] | Mapping[str, str | None] | None
) -> list[StructureProblem]:
    if isinstance(known_pcodes, Mapping):
        return boundary_problems(structure, known_pcodes)
    problems = []
    offices = structure.field_offices
    for i, office in enumerate(offices):
        for other in offices[i + 1 :]:
            for area in office.area_pcodes:
                for other_area in other.area_pcodes:
                    if area.startswith(other_area) or other_area.startswith(area):
                        problems.append(
                            StructureProblem(
                                _office_element(office),
                                Message(
                                    N_("area {area} overlaps area {other_area} of field office {other}"),
                                    area=area,
                                    other_area=other_area,
                                    other=other.id,
                                ),
                            )
                        )
    if known_pcodes is None:
        return problems
    known = set(known_pcodes)
    for office in offices:
        for area in office.area_pcodes:
            if area not in known:
                problems.append(
                    StructureProblem(
                        _office_element(office),
                        Message(N_("area {area} is not a known P-code (boundaries)"), area=area),
                    )
                )
    for pcode in _leaf_pcodes(known):
        if not any(office.covers(pcode) for office in offices):
            problems.append(
                StructureProblem(
                    "boundaries",
                    Message(
                        N_("area {pcode} (from boundaries) is not covered by any field office"), pcode=pcode
                    ),
                )
            )
    return problems


def validate_structure(
    structure: Structure, known_pcodes: Collection[str] | Mapping[str, str | None] | None = None
) -> list[StructureProblem]:
    """Every problem of ``structure``, each naming its element; an empty list means it is valid.

    With ``known_pcodes`` every leaf P-code must be covered by a field office and every field office's area must
    be a known P-code. Given as a mapping P-code -> parent P-code (the stored boundaries), areas nest by their
    ``parent_pcode``; given as plain codes (a list of P-codes), by prefix.
    """
    problems = (
        _duplicates([b.id for b in structure.bodies], "bodies")
        + _duplicates([r.id for r in structure.roles], "roles")
        + _duplicates([o.id for o in structure.field_offices], "field_offices")
        + _role_problems(structure)
        + _focal_point_problems(structure)
        + _reporting_problems(structure)
        + _routing_problems(structure)
        + _deadline_problems(structure)
        + _escalation_problems(structure)
        + _coverage_problems(structure, known_pcodes)
    )
    if not structure.bodies:
        problems.insert(0, StructureProblem("bodies", N_("the structure has no coordination body")))
    return problems


# --- routing, deadlines, escalation --------------------------------------------------------------------------


def field_office_of(structure: Structure, pcode: str | None) -> FieldOffice | None:
    """The field office whose area holds ``pcode`` (the most specific area when several do)."""
    if pcode is None:
        return None
    best: tuple[int, FieldOffice] | None = None
    for office in structure.field_offices:
        for area in office.area_pcodes:
            if pcode.startswith(area) and (best is None or len(area) > best[0]):
                best = (len(area), office)
    return best[1] if best is not None else None


def _fallback_body(structure: Structure) -> str:
    """The default body or, when it does not exist, the top of the structure: an alert is never dropped."""
    if structure.routing.default_body in structure.bodies_by_id:
        return structure.routing.default_body
    for body in structure.bodies:
        if body.reports_to is None:
            return body.id
    if structure.bodies:
        return structure.bodies[0].id
    raise InvalidInput("the coordination structure has no body to route alerts to")


def route(structure: Structure, *, threat_type: str | None, urgency: str, pcode: str | None) -> Route:
    """The body responsible for an alert: the first matching rule whose body exists, else the default body.

    The focal point is the PoC focal point of the field office whose area holds ``pcode``, else the body's
    secretariat (else its chair).
    """
    bodies = structure.bodies_by_id
    body_id: str | None = None
    notify: tuple[str, ...] = ()
    for rule in structure.routing.rules:
        if rule.body in bodies and rule.matches(threat_type, urgency, pcode):
            body_id, notify = rule.body, tuple(n for n in rule.notify if n != rule.body)
            break
    if body_id is None:
        body_id = _fallback_body(structure)
    office = field_office_of(structure, pcode)
    body = bodies[body_id]
    if office is not None and office.poc_focal_point is not None:
        focal_point: str | None = office.poc_focal_point.role
    else:
        focal_point = body.secretariat or body.chair or None
    return Route(body_id, focal_point, office.id if office is not None else None, notify)


def deadlines_at(structure: Structure, urgency: str) -> dict[str, float]:
    """Hours after receipt each step is due at ``urgency``: the urgency's own hours where the structure gives
    them (``deadlines_hours_by_urgency``), else ``deadlines_hours`` times the urgency's factor."""
    factor = dict(structure.deadline_factor_by_urgency).get(urgency, 1.0)
    hours = {step: value * factor for step, value in structure.deadlines_hours}
    hours.update(dict(dict(structure.deadlines_hours_by_urgency).get(urgency, ())))
    return hours


def deadline(structure: Structure, step: str, urgency: str) -> timedelta:
    """How long after the alert was received ``step`` is due, at this urgency."""
    if urgency not in structure.routing.urgencies:
        raise InvalidInput(f"unknown urgency {urgency!r} (known: {', '.join(structure.routing.urgencies)})")
    hours = deadlines_at(structure, urgency)
    if step not in hours:
        raise InvalidInput(f"no deadline for step {step!r} (the structure has: {', '.join(hours)})")
    return timedelta(hours=hours[step])


def escalation_path(structure: Structure, body_id: str) -> tuple[str, ...]:
    """The bodies above ``body_id`` an overdue alert climbs to, nearest first (the body itself excluded).

    The path written in ``escalation.paths`` wins; otherwise (``path_rule: reports_to``) the reporting line.
    """
    path = structure.escalation.explicit_path(body_id)
    if path is not None:
        steps = path[1:] if path and path[0] == body_id else path
        return tuple(dict.fromkeys(s for s in steps if s != body_id))
    if structure.escalation.path_rule != "reports_to":
        return ()
    line: list[str] = []
    body = structure.body(body_id)
    while body is not None and body.reports_to is not None and body.reports_to not in line:
        if body.reports_to == body_id:
            break
        line.append(body.reports_to)
        body = structure.body(body.reports_to)
    return tuple(line)


def escalation_target(structure: Structure, body_id: str, level: int) -> str | None:
    """The body ``level`` steps up the escalation path of ``body_id`` (level 0 is the body itself); None when
    the path is exhausted."""
    if level < 0:
        raise InvalidInput(f"escalation level must not be negative, got {level}")
    if level == 0:
        return body_id
    path = escalation_path(structure, body_id)
    return path[level - 1] if level <= len(path) else None
