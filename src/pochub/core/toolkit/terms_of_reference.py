"""Terms of reference of a coordination forum, derived from the structure (DPKO/DFS toolkit, tool 4).

The fields are those of DOMAIN.md section 5: name and level, purpose, chair and co-chair, secretariat, members
by component and quorum, observers, meeting frequency and the trigger for an extraordinary meeting, standing
inputs, outputs, escalation path, information classification rules and review date. Where the structure is
silent, a doctrine-based default is filled in and marked as such, so that the forum can adopt or amend it.
The defaults and the generated lines are marked for translation (``pochub.core.text``); what the structure's
authors wrote is shown as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pochub.core.models.coordination import Body, Level, Structure
from pochub.core.models.taxonomy import ThreatType, threat_label
from pochub.core.text import N_, Message, Text, joined
from pochub.core.workflow.structure import escalation_path

DEFAULT_PURPOSE = {
    Level.STRATEGIC: N_(
        "Sets the mission's PoC priorities and strategy, allocates resources to them and decides on threats "
        "beyond the means of the operational level."
    ),
    Level.OPERATIONAL: N_(
        "Runs the mission PoC threat matrix, coordinates the components' responses across sectors and prepares "
        "decisions for senior leadership."
    ),
    Level.TACTICAL: N_(
        "Maintains the local threat matrix, acts on alerts in its area of responsibility and coordinates the "
        "local response of all components."
    ),
}
DEFAULT_TRIGGER = {
    Level.STRATEGIC: N_("a mass-casualty attack, or a threat the operational level cannot meet"),
    Level.OPERATIONAL: N_("an alert of immediate urgency, or one affecting more than one sector"),
    Level.TACTICAL: N_("an alert of high or immediate urgency in the area of responsibility"),
}
DEFAULT_FREQUENCY = N_("weekly")
DEFAULT_INPUTS = (N_("threat matrix"), N_("alerts"), N_("trends"))
DEFAULT_OUTPUTS = (N_("decisions"), N_("action points with owner and deadline"))
DEFAULT_CLASSIFICATION = (
    N_("Records of meetings are UN Confidential and shared within the mission on a need-to-know basis."),
    N_(
        "The identity, contacts and exact location of informants and victims are Strictly Confidential: never "
        "minuted, never shared outside the people who must act on them."
    ),
    N_(
        "Summaries for humanitarian partners and national authorities are cleared by the secretariat and shared "
        "as unclassified, without identifying details."
    ),
)
COMMON_WORDS = (
    N_("daily"),
    N_("daily (24/7 watch)"),
    N_("weekly"),
    N_("fortnightly"),
    N_("monthly"),
    N_("quarterly"),
    N_("events"),
    N_("incident reports"),
    N_("action points"),
    N_("daily reports"),
    N_("flash reports"),
    N_("forecasts"),
    N_("threat assessments"),
)
"""Meeting frequencies, standing inputs and outputs the structure templates use: marked so that the edges show
them in the reader's language (any other text from the structure is shown as its authors wrote it)."""


@dataclass(frozen=True)
class Seat:
    """A role on a body and the person holding it."""

    role: str
    title: str
    holder: str


@dataclass(frozen=True)
class TermsOfReference:
    """The terms of reference of one body; ``defaulted`` names the fields filled from doctrine defaults."""

    mission: str
    body_id: str
    name: str
    level: Level
    purpose: str
    chair: Seat
    co_chair: Seat | None
    secretariat: Seat | None
    members_by_component: tuple[tuple[str, tuple[Seat, ...]], ...]
    quorum: int
    observers: tuple[str, ...]
    meeting_frequency: str
    extraordinary_meeting_trigger: str
    standing_inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    reports_to: str | None
    reporting_bodies: tuple[str, ...]
    escalation_path: tuple[str, ...]
    area_pcodes: tuple[str, ...]
    field_office: str | None
    focal_point: Seat | None
    alerts_received: tuple[Text, ...]
    """Plain-language summary of the routing rules that send alerts to this body."""
    information_classification: tuple[str, ...]
    review_date: date | None
    defaulted: tuple[str, ...]

    @property
    def member_count(self) -> int:
        """How many seats the body has."""
        return sum(len(seats) for _, seats in self.members_by_component)


def _seat(structure: Structure, role: str | None) -> Seat | None:
    if role is None:
        return None
    post = structure.post(role)
    return Seat(role, post.title if post else role, post.name if post else "")


def _body_name(structure: Structure, body_id: str | None) -> str | None:
    if body_id is None:
        return None
    body = structure.body(body_id)
    return body.name if body is not None else body_id


def _labels(codes: set[str]) -> Message:
    """Threat types by their names, joined by commas."""
    return joined([threat_label(c) for c in sorted(codes)])


def _threat_list(threats: set[str]) -> Text:
    """Threat types in words; 'every threat type (except ...)' when that is shorter (``threats`` holds threat
    type codes, or "any")."""
    every = {t.value for t in ThreatType}
    missing = every - threats
    if "any" in threats or not missing:
        return Message(N_("every threat type"))
    if len(missing) < len(threats):
        return Message(N_("every threat type except {threats}"), threats=_labels(missing))
    return _labels(threats)


def _alerts_received(structure: Structure, body: Body) -> tuple[Text, ...]:
    """Which alerts the routing rules give this body, grouped by urgency."""
    threats: dict[str | None, set[str]] = {}
    notified: dict[str | None, set[str]] = {}
    for rule in structure.routing.rules:
        threat = rule.threat_type or "any"
        if rule.body == body.id:
            threats.setdefault(rule.urgency, set()).add(threat)
        elif body.id in rule.notify:
            notified.setdefault(rule.urgency, set()).add(threat)

    def line(msgid_any: str, msgid: str, urgency: str | None, found: set[str]) -> Message:
        if urgency is None:
            return Message(msgid_any, threats=_threat_list(found))
        return Message(msgid, urgency=Message(urgency), threats=_threat_list(found))

    lines: list[Text] = [
        line(N_("responsible, any urgency: {threats}"), N_("responsible, {urgency}: {threats}"), u, t)
        for u, t in threats.items()
    ]
    lines += [
        line(N_("informed, any urgency: {threats}"), N_("informed, {urgency}: {threats}"), u, t)
        for u, t in notified.items()
    ]
    if structure.routing.default_body == body.id:
        lines.append(N_("responsible for every alert no routing rule matches"))
    return tuple(lines)


def _defaulted(defaulted: list[str], default: tuple[str, ...]) -> tuple[str, ...]:
    defaulted.append("information_classification")
    return default


def terms_of_reference(structure: Structure, body_id: str) -> TermsOfReference:
    """The terms of reference of ``body_id`` (KeyError when the body does not exist)."""
    body = structure.bodies_by_id[body_id]
    defaulted = []

    def text(name: str, value: str, default: str) -> str:
        if value:
            return value
        defaulted.append(name)
        return default

    def items(name: str, value: tuple[str, ...], default: tuple[str, ...]) -> tuple[str, ...]:
        if value:
            return tuple(v.replace("_", " ") for v in value)
        defaulted.append(name)
        return default

    members = tuple(
        (component, tuple(s for s in (_seat(structure, r) for r in roles) if s is not None))
        for component, roles in body.members
        if roles
    )
    quorum = body.quorum
    if quorum is None:
        defaulted.append("quorum")
        quorum = len(set(body.member_roles)) // 2 + 1
    review = body.review_date
    if review is None:
        defaulted.append("review_date")
        reference = structure.mission.reference_date
        review = reference + timedelta(days=365) if reference is not None else None
    office = structure.field_office(body.field_office) if body.field_office else None
    focal = office.poc_focal_point if office is not None else None
    classification = tuple(p.strip() for p in body.information_classification.split("\n") if p.strip())
    return TermsOfReference(
        mission=structure.mission.name,
        body_id=body.id,
        name=body.name,
        level=body.level,
        purpose=text("purpose", body.purpose, DEFAULT_PURPOSE[body.level]),
        chair=_seat(structure, body.chair) or Seat(body.chair, body.chair, ""),
        co_chair=_seat(structure, body.co_chair),
        secretariat=_seat(structure, body.secretariat),
        members_by_component=members,
        quorum=quorum,
        observers=body.observers,
        meeting_frequency=text("meeting_frequency", body.meeting_frequency, DEFAULT_FREQUENCY),
        extraordinary_meeting_trigger=text(
            "extraordinary_meeting_trigger", body.extraordinary_meeting_trigger, DEFAULT_TRIGGER[body.level]
        ),
        standing_inputs=items("standing_inputs", body.standing_inputs, DEFAULT_INPUTS),
        outputs=items("outputs", body.outputs, DEFAULT_OUTPUTS),
        reports_to=_body_name(structure, body.reports_to),
        reporting_bodies=tuple(b.name for b in structure.subordinates(body.id)),
        escalation_path=tuple(_body_name(structure, b) or b for b in escalation_path(structure, body.id)),
        area_pcodes=body.area_pcodes or (office.area_pcodes if office else ()),
        field_office=office.name if office is not None else None,
        focal_point=Seat(focal.role, structure.title_of(focal.role), focal.name) if focal else None,
        alerts_received=_alerts_received(structure, body),
        information_classification=classification or _defaulted(defaulted, DEFAULT_CLASSIFICATION),
        review_date=review,
        defaulted=tuple(defaulted),
    )


def all_terms_of_reference(structure: Structure) -> tuple[TermsOfReference, ...]:
    """The terms of reference of every body, strategic first."""
    order = {Level.STRATEGIC: 0, Level.OPERATIONAL: 1, Level.TACTICAL: 2}
    bodies = sorted(structure.bodies_by_id.values(), key=lambda b: order[b.level])
    return tuple(terms_of_reference(structure, b.id) for b in bodies)
