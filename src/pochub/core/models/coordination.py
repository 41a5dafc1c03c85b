"""The mission's coordination structure as values (DOMAIN.md section 5; the DPKO/DFS comparative study).

A structure holds the mission, its field offices with their areas of responsibility (P-codes) and PoC focal
points, the coordination bodies at the strategic, operational and tactical levels with their chairs, members by
component, secretariats, observers and reporting lines, the roles (posts) that sit on them, the routing rules
(threat type x urgency x area -> body), the deadline of every alert lifecycle step and the escalation paths.
Field names follow the YAML document written by ``pochub.demo.structure`` (the canonical schema); lookups by id
are cached on the frozen value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from enum import StrEnum
from functools import cached_property
from html import escape
from typing import Any

STRUCTURE_LANGUAGES = ("en", "fr")
"""The languages a structure's free texts (purposes, titles, names) may be written in, as a language map."""


class LanguageText(str):
    """A free text of the structure written in several languages (``purpose: {en: ..., fr: ...}``).

    It is a ``str`` (its text in :attr:`language`), so code that reads the structure needs no change; the
    edges pick the document's language with :func:`structure_in`. As HTML (``__html__``, which Jinja and
    markupsafe use) a text shown in another language than the document's carries ``lang`` so screen readers
    and translators know."""

    texts: Mapping[str, str]
    language: str
    fallback: bool

    def __new__(cls, texts: Mapping[str, str], language: str = "en") -> LanguageText:
        chosen = language if texts.get(language) else next((lang for lang in texts if texts[lang]), language)
        made = super().__new__(cls, texts.get(chosen, ""))
        made.texts = dict(texts)
        made.language = chosen
        made.fallback = chosen != language
        return made

    def in_language(self, language: str) -> LanguageText:
        """This text in ``language``, else in another language it is written in (marked as a fallback)."""
        return LanguageText(self.texts, language)

    def __html__(self) -> str:
        text = escape(str.__str__(self))
        return f'<span lang="{self.language}">{text}</span>' if self.fallback else text

    def __reduce__(self) -> tuple[Any, ...]:
        return (LanguageText, (dict(self.texts), self.language))


class Level(StrEnum):
    """The three levels of PoC action (DOMAIN.md section 3)."""

    STRATEGIC = "strategic"
    OPERATIONAL = "operational"
    TACTICAL = "tactical"


LEVEL_ORDER = (Level.STRATEGIC, Level.OPERATIONAL, Level.TACTICAL)
"""Top to bottom, as an organogram draws them."""


class CoordinatorModel(StrEnum):
    """The four coordinator models compared by the DPKO/DFS study."""

    POC_ADVISERS = "poc_advisers_as_coordinators"
    SUBSTANTIVE_SECTIONS = "substantive_sections_as_coordinators"
    GROUPS = "groups_as_coordinators"
    HEADS_OF_MISSION = "heads_of_mission_as_coordinators"


LIFECYCLE_STEPS = (
    "acknowledge",
    "verify",
    "classify",
    "transmit",
    "decide",
    "deploy",
    "record_outcome",
    "give_feedback",
    "close",
    "after_action_review",
)
"""The alert lifecycle steps that carry a deadline, in lifecycle order (DOMAIN.md section 4)."""


@dataclass(frozen=True)
class Headquarters:
    """Where mission headquarters sits."""

    base: str | None = None
    town: str | None = None
    pcode: str | None = None


@dataclass(frozen=True)
class Mission:
    """The mission the structure belongs to."""

    name: str
    acronym: str = ""
    country: str = ""
    country_code: str = ""
    boundary_version: str = ""
    coordinator_model: CoordinatorModel | None = None
    headquarters: Headquarters = field(default_factory=Headquarters)
    reference_date: date | None = None


@dataclass(frozen=True)
class Post:
    """A role of the structure (a post) and the person who holds it."""

    id: str
    title: str
    component: str
    name: str = ""
    field_office: str | None = None

    @property
    def holder(self) -> str:
        """The name of the person holding the post ('' when vacant)."""
        return self.name


@dataclass(frozen=True)
class FocalPoint:
    """The PoC focal point of a field office: the role and its holder."""

    role: str
    name: str = ""


@dataclass(frozen=True)
class FieldOffice:
    """A field office and its area of responsibility (hierarchical P-codes: KT01 covers KT0103)."""

    id: str
    name: str
    area_pcodes: tuple[str, ...]
    town: str = ""
    base: str | None = None
    sector: str = ""
    head_of_office: str | None = None
    poc_focal_point: FocalPoint | None = None

    def covers(self, pcode: str) -> bool:
        """Is ``pcode`` inside this office's area of responsibility?"""
        return any(pcode.startswith(area) for area in self.area_pcodes)


@dataclass(frozen=True)
class Body:
    """A coordination body (forum, working group, centre) in the fields of its terms of reference."""

    id: str
    name: str
    level: Level
    chair: str
    members: tuple[tuple[str, tuple[str, ...]], ...]
    """(component, role ids) pairs in document order: members by component."""
    secretariat: str | None = None
    observers: tuple[str, ...] = ()
    meeting_frequency: str = ""
    area_pcodes: tuple[str, ...] = ()
    reports_to: str | None = None
    field_office: str | None = None
    purpose: str = ""
    quorum: int | None = None
    extraordinary_meeting_trigger: str = ""
    standing_inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    co_chair: str | None = None
    information_classification: str = ""
    review_date: date | None = None

    @property
    def member_roles(self) -> tuple[str, ...]:
        """Every member role, all components together, in document order."""
        return tuple(role for _, roles in self.members for role in roles)

    def members_of(self, component: str) -> tuple[str, ...]:
        """The member roles of one component."""
        return tuple(role for comp, roles in self.members if comp == component for role in roles)


@dataclass(frozen=True)
class RoutingRule:
    """Alerts of this threat type, urgency and area go to ``body``; ``None`` fields match anything."""

    body: str
    threat_type: str | None = None
    urgency: str | None = None
    area_pcodes: tuple[str, ...] | None = None
    notify: tuple[str, ...] = ()

    def matches(self, threat_type: str | None, urgency: str, pcode: str | None) -> bool:
        """Does an alert with these values fall under this rule? Areas match by P-code prefix."""
        if self.threat_type is not None and self.threat_type != threat_type:
            return False
        if self.urgency is not None and self.urgency != urgency:
            return False
        if self.area_pcodes is None:
            return True
        return pcode is not None and any(pcode.startswith(area) for area in self.area_pcodes)


@dataclass(frozen=True)
class Routing:
    """Urgency levels, the routing rules (first match wins) and the body taking whatever no rule matches."""

    urgency_levels: tuple[tuple[str, str], ...]
    """(urgency, meaning) pairs, most urgent first."""
    default_body: str
    rules: tuple[RoutingRule, ...] = ()

    @property
    def urgencies(self) -> tuple[str, ...]:
        """The urgency names, most urgent first."""
        return tuple(name for name, _ in self.urgency_levels)


@dataclass(frozen=True)
class Escalation:
    """How overdue alerts climb the structure."""

    trigger: str = "deadline_missed"
    grace_hours: float = 1.0
    path_rule: str = "reports_to"
    """'reports_to': a body without an explicit path escalates along its reporting line."""
    paths: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(body id, path) pairs; a path may start with the body itself."""
    notify_roles: tuple[str, ...] = ()

    def explicit_path(self, body_id: str) -> tuple[str, ...] | None:
        """The path written for ``body_id``, if any (first entry wins)."""
        for body, path in self.paths:
            if body == body_id:
                return path
        return None


@dataclass(frozen=True)
class Structure:
    """The whole coordination structure of a mission."""

    mission: Mission
    field_offices: tuple[FieldOffice, ...]
    bodies: tuple[Body, ...]
    roles: tuple[Post, ...]
    routing: Routing
    deadlines_hours: tuple[tuple[str, float], ...]
    """(lifecycle step, hours after the alert was received at high urgency), in document order."""
    escalation: Escalation = field(default_factory=Escalation)
    deadlines_measured_from: str = "received"
    deadline_factor_by_urgency: tuple[tuple[str, float], ...] = ()
    """(urgency, factor): an urgency's deadlines are ``deadlines_hours`` times its factor (1 when not given)."""
    deadlines_hours_by_urgency: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = ()
    """(urgency, ((step, hours), ...)): an urgency's own hours for some steps, which its factor does not scale
    (an immediate alert is decided within hours, while its after-action review may wait days)."""

    @cached_property
    def bodies_by_id(self) -> dict[str, Body]:
        """Bodies by id (the first of duplicated ids)."""
        found: dict[str, Body] = {}
        for body in self.bodies:
            found.setdefault(body.id, body)
        return found

    @cached_property
    def posts_by_id(self) -> dict[str, Post]:
        """Posts by role id (the first of duplicated ids)."""
        found: dict[str, Post] = {}
        for post in self.roles:
            found.setdefault(post.id, post)
        return found

    @cached_property
    def field_offices_by_id(self) -> dict[str, FieldOffice]:
        """Field offices by id (the first of duplicated ids)."""
        found: dict[str, FieldOffice] = {}
        for office in self.field_offices:
            found.setdefault(office.id, office)
        return found

    def body(self, body_id: str) -> Body | None:
        """The body with this id, or None."""
        return self.bodies_by_id.get(body_id)

    def post(self, role_id: str) -> Post | None:
        """The post with this role id, or None."""
        return self.posts_by_id.get(role_id)

    def field_office(self, office_id: str) -> FieldOffice | None:
        """The field office with this id, or None."""
        return self.field_offices_by_id.get(office_id)

    def title_of(self, role_id: str | None) -> str:
        """A role's title, or its id when the role is unknown ('' for None)."""
        if role_id is None:
            return ""
        post = self.post(role_id)
        return post.title if post is not None else role_id

    def subordinates(self, body_id: str) -> tuple[Body, ...]:
        """The bodies reporting to ``body_id``."""
        return tuple(b for b in self.bodies if b.reports_to == body_id)


def _in_language(value: Any, language: str) -> Any:
    if isinstance(value, LanguageText):
        return value.in_language(language)
    if isinstance(value, tuple):
        return tuple(_in_language(item, language) for item in value)
    return value


def structure_in(structure: Structure, language: str) -> Structure:
    """``structure`` with every free text written as a language map shown in ``language`` (a text missing in
    ``language`` falls back to another language and says so, see :class:`LanguageText`)."""

    def each(item: Any) -> Any:
        return replace(item, **{f.name: _in_language(getattr(item, f.name), language) for f in fields(item)})

    return replace(
        structure,
        field_offices=tuple(each(o) for o in structure.field_offices),
        bodies=tuple(each(b) for b in structure.bodies),
        roles=tuple(each(r) for r in structure.roles),
    )
