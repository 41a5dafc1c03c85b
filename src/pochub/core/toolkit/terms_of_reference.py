"""Terms of reference of a coordination forum, derived from the structure (DPKO/DFS toolkit, tool 4).

The fields are those of DOMAIN.md section 5: name and level, purpose, chair and co-chair, secretariat, members
by component and quorum, observers, meeting frequency and the trigger for an extraordinary meeting, standing
inputs, outputs, escalation path, information classification rules and review date. Where the structure is
silent, a doctrine-based default is filled in and marked as such, so that the forum can adopt or amend it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pochub.core.models.coordination import Body, Level, Structure
from pochub.core.models.taxonomy import ThreatType
from pochub.core.workflow.structure import escalation_path

DEFAULT_PURPOSE = {
    Level.STRATEGIC: "Sets the mission's PoC priorities and strategy, allocates resources to them and decides on "
    "threats beyond the means of the operational level.",
    Level.OPERATIONAL: "Runs the mission PoC threat matrix, coordinates the components' responses across sectors "
    "and prepares decisions for senior leadership.",
    Level.TACTICAL: "Maintains the local threat matrix, acts on alerts in its area of responsibility and "
    "coordinates the local response of all components.",
}
DEFAULT_TRIGGER = {
    Level.STRATEGIC: "a mass-casualty attack, or a threat the operational level cannot meet",
    Level.OPERATIONAL: "an alert of immediate urgency, or one affecting more than one sector",
    Level.TACTICAL: "an alert of high or immediate urgency in the area of responsibility",
}
DEFAULT_INPUTS = ("threat matrix", "alerts", "trends")
DEFAULT_OUTPUTS = ("decisions", "action points with owner and deadline")
DEFAULT_CLASSIFICATION = (
    "Records of meetings are UN Confidential and shared within the mission on a need-to-know basis.",
    "The identity, contacts and exact location of informants and victims are Strictly Confidential: never "
    "minuted, never shared outside the people who must act on them.",
    "Summaries for humanitarian partners and national authorities are cleared by the secretariat and shared "
    "as unclassified, without identifying details.",
)


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
    alerts_received: tuple[str, ...]
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


def _threat_list(threats: set[str]) -> str:
    """Threat types in words; 'every threat type (except ...)' when that is shorter."""
    every = {t.value.replace("_", " ") for t in ThreatType} | {"any threat"}
    missing = every - threats - {"any threat"}
    if "any threat" in threats or not missing:
        return "every threat type"
    if len(missing) < len(threats):
        return f"every threat type except {', '.join(sorted(missing))}"
    return ", ".join(sorted(threats))


def _alerts_received(structure: Structure, body: Body) -> tuple[str, ...]:
    """Which alerts the routing rules give this body, grouped by urgency."""
    threats: dict[str, set[str]] = {}
    notified: dict[str, set[str]] = {}
    for rule in structure.routing.rules:
        urgency = rule.urgency or "any urgency"
        threat = (rule.threat_type or "any threat").replace("_", " ")
        if rule.body == body.id:
            threats.setdefault(urgency, set()).add(threat)
        elif body.id in rule.notify:
            notified.setdefault(urgency, set()).add(threat)
    lines = [f"responsible, {u}: {_threat_list(t)}" for u, t in threats.items()]
    lines += [f"informed, {u}: {_threat_list(t)}" for u, t in notified.items()]
    if structure.routing.default_body == body.id:
        lines.append("responsible for every alert no routing rule matches")
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
        meeting_frequency=text("meeting_frequency", body.meeting_frequency, "weekly"),
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
