"""Engagements with communities and the commitments the mission makes in them (DOMAIN.md section 8).

An engagement (a CLA's visit, a community meeting, a focus group, a key-leader engagement, a joint protection team
interview) records who from the mission went (by post), who took part in aggregate (by sex and age group, never by
name), the concerns raised in the threat taxonomy, the requests, and the commitments made. A commitment has an
owner (a post), a due date and a status, and is closed only with feedback to the community, the same feedback
record as an alert's: unkept promises destroy the trust that alert networks depend on, so "we could not" is a
closing too, but only once the community has been told.

``commitment_step`` is the commitment's transition table: it refuses, and changes nothing, an action the status
does not allow or the actor's role may not take.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from pochub.core.models.access import Role
from pochub.core.models.alerts import Feedback
from pochub.core.models.taxonomy import ThreatType
from pochub.core.text import N_, Message
from pochub.errors import Forbidden, InvalidInput, InvalidTransition


class EngagementKind(StrEnum):
    """How the mission met the community."""

    VISIT = "visit"
    COMMUNITY_MEETING = "community_meeting"
    FOCUS_GROUP = "focus_group"
    KEY_LEADER = "key_leader_engagement"
    JPT_INTERVIEW = "joint_protection_team_interview"


ENGAGEMENT_LABELS = {
    EngagementKind.VISIT: N_("Visit"),
    EngagementKind.COMMUNITY_MEETING: N_("Community meeting"),
    EngagementKind.FOCUS_GROUP: N_("Focus group"),
    EngagementKind.KEY_LEADER: N_("Key-leader engagement"),
    EngagementKind.JPT_INTERVIEW: N_("Joint protection team interview"),
}


class Sex(StrEnum):
    """Participants are counted by sex."""

    FEMALE = "female"
    MALE = "male"


class AgeGroup(StrEnum):
    """... and by age group (children and older people are counted apart: their threats differ)."""

    CHILD = "under_18"
    ADULT = "18_59"
    OLDER = "60_plus"


PARTICIPANT_LABELS = {
    Sex.FEMALE: N_("women and girls"),
    Sex.MALE: N_("men and boys"),
    AgeGroup.CHILD: N_("under 18"),
    AgeGroup.ADULT: N_("18 to 59"),
    AgeGroup.OLDER: N_("60 and over"),
}


@dataclass(frozen=True)
class Concern:
    """A threat the community raised: its type, where, and the perpetrator as the community names them."""

    threat_type: ThreatType
    place: str = ""
    perpetrator: str = ""
    note: str = ""


class CommitmentStatus(StrEnum):
    """Where a commitment stands; only ``closed`` ends it, and closing needs feedback to the community."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DELIVERED = "delivered"
    CANNOT_KEEP = "cannot_keep"
    CLOSED = "closed"


COMMITMENT_LABELS = {
    CommitmentStatus.OPEN: N_("open"),
    CommitmentStatus.IN_PROGRESS: N_("in progress"),
    CommitmentStatus.DELIVERED: N_("delivered, community not yet told"),
    CommitmentStatus.CANNOT_KEEP: N_("cannot be kept, community not yet told"),
    CommitmentStatus.CLOSED: N_("closed with feedback"),
}


class CommitmentAction(StrEnum):
    """What someone does to a commitment."""

    START = "start"
    DELIVER = "deliver"
    GIVE_UP = "give_up"
    CLOSE = "close"


TRANSITIONS: dict[tuple[CommitmentStatus, CommitmentAction], CommitmentStatus] = {
    (CommitmentStatus.OPEN, CommitmentAction.START): CommitmentStatus.IN_PROGRESS,
    (CommitmentStatus.OPEN, CommitmentAction.DELIVER): CommitmentStatus.DELIVERED,
    (CommitmentStatus.IN_PROGRESS, CommitmentAction.DELIVER): CommitmentStatus.DELIVERED,
    (CommitmentStatus.OPEN, CommitmentAction.GIVE_UP): CommitmentStatus.CANNOT_KEEP,
    (CommitmentStatus.IN_PROGRESS, CommitmentAction.GIVE_UP): CommitmentStatus.CANNOT_KEEP,
    (CommitmentStatus.DELIVERED, CommitmentAction.CLOSE): CommitmentStatus.CLOSED,
    (CommitmentStatus.CANNOT_KEEP, CommitmentAction.CLOSE): CommitmentStatus.CLOSED,
}
"""Every allowed step; anything else is refused."""

ENGAGING_ROLES = frozenset({Role.ADMIN, Role.POC_ADVISER, Role.FIELD_OFFICER, Role.CLA})
"""Roles that record engagements and act on commitments (area-scoped ones within their area)."""


@dataclass(frozen=True)
class Commitment:
    """A promise the mission made to a community: what, whose (a post), by when, and how it ended."""

    what: str
    owner_post: str
    due: date
    status: CommitmentStatus = CommitmentStatus.OPEN
    outcome: str = ""
    feedback: Feedback | None = None

    def overdue(self, today: date) -> bool:
        """Past its date and neither delivered nor given up: the board lists these first."""
        return self.due < today and self.status in (CommitmentStatus.OPEN, CommitmentStatus.IN_PROGRESS)

    def awaiting_feedback(self) -> bool:
        """Delivered or given up, but the community has not been told yet."""
        return self.status in (CommitmentStatus.DELIVERED, CommitmentStatus.CANNOT_KEEP)


def commitment_step(
    commitment: Commitment,
    action: CommitmentAction,
    role: Role,
    *,
    outcome: str = "",
    feedback: Feedback | None = None,
) -> Commitment:
    """The commitment after ``action``; refused when the role may not act, the status does not allow the action,
    a delivery or a giving-up says nothing of what happened, or a closing carries no feedback to the community."""
    if role not in ENGAGING_ROLES:
        raise Forbidden(Message(N_("a {role} may not act on a community's commitments"), role=role.value))
    target = TRANSITIONS.get((commitment.status, action))
    if target is None:
        raise InvalidTransition(
            Message(
                N_("a commitment that is {status} cannot be {action}"),
                status=COMMITMENT_LABELS[commitment.status], action=ACTION_PAST[action],
            )
        )  # fmt: skip
    if action in (CommitmentAction.DELIVER, CommitmentAction.GIVE_UP) and not outcome.strip():
        raise InvalidInput(N_("say what was done, or why the commitment cannot be kept"))
    if action is CommitmentAction.CLOSE:
        if feedback is None or not feedback.message.strip():
            raise InvalidInput(N_("a commitment is closed only with the feedback given to the community"))
        return replace(commitment, status=target, feedback=feedback)
    return replace(commitment, status=target, outcome=outcome.strip() or commitment.outcome)


ACTION_PAST = {
    CommitmentAction.START: N_("started"),
    CommitmentAction.DELIVER: N_("delivered"),
    CommitmentAction.GIVE_UP: N_("given up"),
    CommitmentAction.CLOSE: N_("closed"),
}


@dataclass(frozen=True)
class Engagement:
    """One meeting with a community, as recorded by the mission."""

    community_id: str
    kind: EngagementKind
    held_on: datetime
    mission_posts: tuple[str, ...]
    participants: dict[tuple[Sex, AgeGroup], int] = field(default_factory=dict)
    concerns: tuple[Concern, ...] = ()
    requests: tuple[str, ...] = ()
    commitments: tuple[Commitment, ...] = ()

    @property
    def participant_total(self) -> int:
        """Everyone who took part."""
        return sum(self.participants.values())


def check_engagement(engagement: Engagement, today: date) -> Engagement:
    """Refuse an engagement a person would not record: held in the future, no mission post, negative or
    no participants, a commitment without owner or due before the engagement."""
    if engagement.held_on.date() > today:
        raise InvalidInput(N_("an engagement is recorded once it has taken place, not before"))
    if not any(post.strip() for post in engagement.mission_posts):
        raise InvalidInput(N_("name at least one mission post that took part"))
    if any(count < 0 for count in engagement.participants.values()):
        raise InvalidInput(N_("participants are counted as whole numbers of at least 0"))
    if engagement.participant_total == 0:
        raise InvalidInput(N_("count the participants by sex and age group (at least one)"))
    for commitment in engagement.commitments:
        if not commitment.what.strip() or not commitment.owner_post.strip():
            raise InvalidInput(N_("every commitment says what was promised and which post owns it"))
        if commitment.due < engagement.held_on.date():
            raise InvalidInput(
                Message(
                    N_("the commitment '{what}' is due before the engagement took place"),
                    what=commitment.what,
                )
            )
    return engagement
