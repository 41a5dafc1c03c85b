"""Joint protection teams and joint assessment missions (DOMAIN.md sections 4 and 9).

A team is requested from a threat (a row of the threat matrix), an alert or a community's own request; it is made
of people from several components (civil affairs, human rights, child protection, UNPOL, the force, a CLA) and a
component left out is flagged, not refused: a team goes with whom it has, but the report says who was missing.
It is planned (route, travel time, escort), deployed, reports its findings (threats heard in the taxonomy with the
perpetrators as the community names them, needs, recommendations), and is closed; it may be cancelled, with a
reason, at any point before it reports.

``team_step`` is the team's transition table, like an alert's: an action the status does not allow is refused and
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from pochub.core.models.access import Role
from pochub.core.models.taxonomy import ThreatType
from pochub.core.text import N_, Message
from pochub.errors import Forbidden, InvalidInput, InvalidTransition


class TeamKind(StrEnum):
    """A joint protection team (a short visit to a community under threat) or a joint assessment mission."""

    JPT = "jpt"
    JAM = "jam"


KIND_LABELS = {
    TeamKind.JPT: N_("Joint protection team"),
    TeamKind.JAM: N_("Joint assessment mission"),
}


class Origin(StrEnum):
    """What the team was requested from."""

    THREAT = "threat"
    ALERT = "alert"
    COMMUNITY = "community"


ORIGIN_LABELS = {
    Origin.THREAT: N_("a threat of the matrix"),
    Origin.ALERT: N_("an alert"),
    Origin.COMMUNITY: N_("a community's request"),
}


class Component(StrEnum):
    """The components a joint team draws on."""

    CIVIL_AFFAIRS = "civil_affairs"
    HUMAN_RIGHTS = "human_rights"
    CHILD_PROTECTION = "child_protection"
    UNPOL = "unpol"
    FORCE = "force"
    CLA = "cla"


COMPONENT_LABELS = {
    Component.CIVIL_AFFAIRS: N_("civil affairs"),
    Component.HUMAN_RIGHTS: N_("human rights"),
    Component.CHILD_PROTECTION: N_("child protection"),
    Component.UNPOL: N_("UN police"),
    Component.FORCE: N_("force"),
    Component.CLA: N_("community liaison assistant"),
}

EXPECTED: dict[TeamKind, tuple[Component, ...]] = {
    TeamKind.JPT: tuple(Component),
    TeamKind.JAM: (
        Component.CIVIL_AFFAIRS, Component.HUMAN_RIGHTS, Component.CHILD_PROTECTION, Component.UNPOL, Component.FORCE,
    ),
}  # fmt: skip
"""The components a team of each kind should have: a team lacking one is flagged (an assessment mission may go
without a CLA; a protection team meets the community through one)."""


def component_of_post(post_id: str, structure_component: str) -> Component | None:
    """The team component a post of the structure belongs to, from its id and its structure component
    (civilian, military, police); None for a post no team draws on (a head of mission, the JOC)."""
    key = post_id.lower()
    for marker, component in (
        ("civil_affairs", Component.CIVIL_AFFAIRS),
        ("human_rights", Component.HUMAN_RIGHTS),
        ("child_protection", Component.CHILD_PROTECTION),
        ("cla", Component.CLA),
        ("community_liaison", Component.CLA),
    ):
        if marker in key:
            return component
    if structure_component == "police":
        return Component.UNPOL
    if structure_component == "military":
        return Component.FORCE
    return None


@dataclass(frozen=True)
class Member:
    """A post on the team and the component it stands for."""

    component: Component
    post: str


def missing_components(kind: TeamKind, members: tuple[Member, ...]) -> tuple[Component, ...]:
    """The components a team of ``kind`` should have and does not, in the expected order."""
    present = {m.component for m in members}
    return tuple(c for c in EXPECTED[kind] if c not in present)


class TeamStatus(StrEnum):
    """Where a team stands."""

    REQUESTED = "requested"
    PLANNED = "planned"
    DEPLOYED = "deployed"
    REPORTED = "reported"
    CLOSED = "closed"
    CANCELLED = "cancelled"


STATUS_LABELS = {
    TeamStatus.REQUESTED: N_("requested"),
    TeamStatus.PLANNED: N_("planned"),
    TeamStatus.DEPLOYED: N_("deployed"),
    TeamStatus.REPORTED: N_("reported"),
    TeamStatus.CLOSED: N_("closed"),
    TeamStatus.CANCELLED: N_("cancelled"),
}


class TeamAction(StrEnum):
    """What someone does to a team."""

    PLAN = "plan"
    DEPLOY = "deploy"
    REPORT = "report"
    CLOSE = "close"
    CANCEL = "cancel"


ACTION_PAST = {
    TeamAction.PLAN: N_("planned"),
    TeamAction.DEPLOY: N_("deployed"),
    TeamAction.REPORT: N_("reported"),
    TeamAction.CLOSE: N_("closed"),
    TeamAction.CANCEL: N_("cancelled"),
}

TRANSITIONS: dict[tuple[TeamStatus, TeamAction], TeamStatus] = {
    (TeamStatus.REQUESTED, TeamAction.PLAN): TeamStatus.PLANNED,
    (TeamStatus.PLANNED, TeamAction.PLAN): TeamStatus.PLANNED,  # re-planned (another season, another escort)
    (TeamStatus.PLANNED, TeamAction.DEPLOY): TeamStatus.DEPLOYED,
    (TeamStatus.DEPLOYED, TeamAction.REPORT): TeamStatus.REPORTED,
    (TeamStatus.REPORTED, TeamAction.CLOSE): TeamStatus.CLOSED,
    (TeamStatus.REQUESTED, TeamAction.CANCEL): TeamStatus.CANCELLED,
    (TeamStatus.PLANNED, TeamAction.CANCEL): TeamStatus.CANCELLED,
    (TeamStatus.DEPLOYED, TeamAction.CANCEL): TeamStatus.CANCELLED,
}
"""Every allowed step; anything else is refused."""

TEAM_ROLES = frozenset({Role.ADMIN, Role.POC_ADVISER, Role.FIELD_OFFICER})
"""Roles that request, plan, deploy and report teams (a field officer within their area)."""


@dataclass(frozen=True)
class Finding:
    """A threat the team heard: its type, where, and the perpetrator as the community names them."""

    threat_type: ThreatType
    perpetrator: str = ""
    place: str = ""
    note: str = ""


@dataclass(frozen=True)
class Findings:
    """What a team brings back."""

    threats: tuple[Finding, ...] = ()
    needs: tuple[str, ...] = ()
    recommendations: tuple[str, ...] = ()

    def empty(self) -> bool:
        """Nothing heard, needed or recommended."""
        return not (self.threats or self.needs or self.recommendations)


SEASON_LABELS = {"dry": N_("dry"), "rainy": N_("rainy")}
"""What a person reads for the season of the roads a plan travels (translated at the edge)."""


@dataclass(frozen=True)
class Plan:
    """How the team gets there: from which base, escorted by which unit, how long by road in the season."""

    departs: datetime
    base: str
    escort_unit: str
    travel_hours: float
    season: str
    route_note: str = ""


@dataclass(frozen=True)
class Team:
    """A joint team or mission as the core sees it."""

    kind: TeamKind
    origin: Origin
    origin_ref: str
    community_id: str
    purpose: str
    members: tuple[Member, ...]
    status: TeamStatus = TeamStatus.REQUESTED
    plan: Plan | None = None
    findings: Findings | None = None
    cancel_reason: str = ""

    @property
    def missing(self) -> tuple[Component, ...]:
        """The components this team lacks."""
        return missing_components(self.kind, self.members)


def check_request(team: Team) -> Team:
    """Refuse a request a person would not make: no purpose, no community, no reference to what it answers,
    no member at all, or a member without a post."""
    if not team.purpose.strip():
        raise InvalidInput(N_("say what the team is for"))
    if not team.community_id.strip():
        raise InvalidInput(N_("name the community the team goes to"))
    if not team.origin_ref.strip():
        raise InvalidInput(N_("name the threat, alert or community the team answers"))
    if not team.members:
        raise InvalidInput(N_("a team has at least one member"))
    if any(not m.post.strip() for m in team.members):
        raise InvalidInput(N_("every member of the team is a post of the structure"))
    return team


def team_step(
    team: Team,
    action: TeamAction,
    role: Role,
    *,
    plan: Plan | None = None,
    findings: Findings | None = None,
    reason: str = "",
) -> Team:
    """The team after ``action``; refused when the role may not act, the status does not allow the action, a plan
    has no plan, a report no findings, or a cancellation no reason."""
    if role not in TEAM_ROLES:
        raise Forbidden(Message(N_("a {role} may not act on joint teams"), role=role.value))
    target = TRANSITIONS.get((team.status, action))
    if target is None:
        raise InvalidTransition(
            Message(
                N_("a team that is {status} cannot be {action}"),
                status=STATUS_LABELS[team.status], action=ACTION_PAST[action],
            )
        )  # fmt: skip
    if action is TeamAction.PLAN:
        if plan is None:
            raise InvalidInput(N_("a team is planned with a departure, a base, an escort and a travel time"))
        if plan.travel_hours < 0:
            raise InvalidInput(N_("a travel time is at least zero hours"))
        return replace(team, status=target, plan=plan)
    if action is TeamAction.REPORT:
        if findings is None or findings.empty():
            raise InvalidInput(N_("a report says what the team heard, what is needed or what it recommends"))
        return replace(team, status=target, findings=findings)
    if action is TeamAction.CANCEL:
        if not reason.strip():
            raise InvalidInput(N_("say why the team is cancelled"))
        return replace(team, status=target, cancel_reason=reason.strip())
    return replace(team, status=target)
