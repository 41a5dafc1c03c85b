"""Community alerts (DOMAIN.md section 4): their lifecycle states, the actions that move them, and their state.

An alert is what a community tells the mission about a threat, through a Community Alert Network: a phone call
to a Community Liaison Assistant, an SMS, a KoBo form, a radio message. Several reports of one incident merge
into one alert. The state is a frozen value; the workflow engine (pochub.core.workflow.lifecycle) derives the
next state from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class AlertStatus(StrEnum):
    """Where an alert is in its lifecycle (received -> ... -> closed -> after-action review)."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    VERIFIED = "verified"
    CLASSIFIED = "classified"
    TRANSMITTED = "transmitted"
    RESPONSE_DECIDED = "response_decided"
    RESPONSE_DEPLOYED = "response_deployed"
    OUTCOME_RECORDED = "outcome_recorded"
    FEEDBACK_GIVEN = "feedback_given"
    CLOSED = "closed"
    REVIEWED = "reviewed"


OPEN_STATUSES = frozenset(AlertStatus) - {AlertStatus.CLOSED, AlertStatus.REVIEWED}
"""Statuses in which an alert still needs someone to act (and can escalate or take new reports)."""


class ActionName(StrEnum):
    """What a person (or the system) does to an alert; each is one stored transition."""

    RECEIVE = "receive"
    ACKNOWLEDGE = "acknowledge"
    VERIFY = "verify"
    CLASSIFY = "classify"
    TRANSMIT = "transmit"
    DECIDE = "decide"
    DEPLOY = "deploy"
    RECORD_OUTCOME = "record_outcome"
    GIVE_FEEDBACK = "give_feedback"
    CLOSE = "close"
    AFTER_ACTION_REVIEW = "after_action_review"
    ESCALATE = "escalate"
    MERGE_REPORT = "merge_report"


class Urgency(StrEnum):
    """How soon the threat may materialise; it scales every deadline."""

    IMMEDIATE = "immediate"
    HIGH = "high"
    ROUTINE = "routine"


class Verification(StrEnum):
    """What triangulation found."""

    CONFIRMED = "confirmed"
    PROBABLE = "probable"
    UNCONFIRMED = "unconfirmed"
    UNFOUNDED = "unfounded"


class Decision(StrEnum):
    """Whether the mission responds; a non-response always has a reason."""

    RESPOND = "respond"
    NO_RESPONSE = "no_response"
    REFER = "refer"  # handed to another protection actor (host state, humanitarian partner)


class Tier(StrEnum):
    """The three tiers of PoC action (DOMAIN.md section 3)."""

    DIALOGUE_ENGAGEMENT = "I"
    PHYSICAL_PROTECTION = "II"
    PROTECTIVE_ENVIRONMENT = "III"


class Phase(StrEnum):
    """The four phases of PoC action."""

    PREVENTION = "prevention"
    PRE_EMPTION = "pre_emption"
    RESPONSE = "response"
    CONSOLIDATION = "consolidation"


class FeedbackChannel(StrEnum):
    """How the community heard back."""

    PHONE = "phone"
    SMS = "sms"
    RADIO = "radio"
    IN_PERSON = "in_person"
    COMMUNITY_MEETING = "community_meeting"


@dataclass(frozen=True)
class Response:
    """The decided response: tier, phase and units, or the reason for not responding."""

    decision: Decision
    tier: Tier | None = None
    phase: Phase | None = None
    units: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class Feedback:
    """What the community was told, how and when: closing requires it."""

    channel: FeedbackChannel
    message: str
    given_at: datetime


@dataclass(frozen=True)
class AlertState:
    """Everything the workflow needs to decide the next step of one alert."""

    status: AlertStatus
    received_at: datetime
    urgency: Urgency
    body_id: str
    threat_type: str | None = None
    pcode: str | None = None
    field_office: str | None = None
    focal_point_role: str | None = None
    escalation_level: int = 0
    escalated_from: str | None = None
    reports: int = 1
    verification: Verification | None = None
    verification_note: str = ""
    response: Response | None = None
    deployed_units: tuple[str, ...] = ()
    outcome: str = ""
    civilians_harmed: int | None = None
    feedback: Feedback | None = None
    review: str = ""
    next_step: str | None = None
    due_at: datetime | None = None


class Channel(StrEnum):
    """How a report reached the mission."""

    SMS = "sms"
    RAPIDPRO = "rapidpro"
    KOBO = "kobo"
    MANUAL = "manual"
    API = "api"
    EXERCISE = "exercise"
    PHONE = "phone"  # a call taken by a CLA or focal point and logged by hand
    RADIO = "radio"  # a radio message logged by hand
    IN_PERSON = "in_person"  # someone came to the base or met a patrol


CALL_CHANNELS = (Channel.PHONE, Channel.SMS, Channel.RADIO, Channel.IN_PERSON, Channel.MANUAL)
"""How a report logged by hand reached the mission (``manual``: another way, or not known)."""


@dataclass(frozen=True)
class Report:
    """One report from a community, as received: several reports of one incident merge into one alert.

    ``external_id`` is the gateway's or form's own id: a gateway that retries a post never creates a second
    report. The sender's name and number are personal data; the service encrypts them before storing.
    """

    channel: Channel
    external_id: str
    received_at: datetime
    text: str
    sender_name: str | None = None
    sender_number: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    pcode: str | None = None
    location_text: str = ""
    community_id: str | None = None
    threat_type: str | None = None
    urgency: Urgency | None = None
    alert_network: str = ""
