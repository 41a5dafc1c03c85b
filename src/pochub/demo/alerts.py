"""The demo mission's alerts: for each field office, one alert stopped at every lifecycle status (with the
unfounded and referral branches), as the list of actions that brings it there. Played through the alert
service by pochub.services.demo_mission, so every alert follows the lifecycle and its rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pochub.core.models.alerts import Decision, FeedbackChannel, Phase, Tier, Urgency, Verification
from pochub.core.models.taxonomy import ThreatType
from pochub.core.workflow.lifecycle import (
    Acknowledge,
    Action,
    AfterActionReview,
    Classify,
    Close,
    Decide,
    Deploy,
    GiveFeedback,
    RecordOutcome,
    Transmit,
    Verify,
)


@dataclass(frozen=True)
class DemoAlert:
    """A community's report and the actions that take its alert to ``status``; ``age`` is how long ago it came
    (three hours at least: a report sent during the first demo hours is a new alert, not merged into one)."""

    status: str
    text: str
    age: timedelta
    actions: tuple[Action, ...]


def _responded(threat: ThreatType, urgency: Urgency, units: tuple[str, ...], community: str) -> list[Action]:
    """The full path of a confirmed alert answered by a patrol, up to the after-action review."""
    return [
        Acknowledge(note="call-back to the sender done"),
        Verify(Verification.CONFIRMED, note="confirmed by the community focal point and a second caller"),
        Classify(threat, urgency),
        Transmit(note="to the responsible body"),
        Decide(Decision.RESPOND, Tier.PHYSICAL_PROTECTION, Phase.RESPONSE, units),
        Deploy(note="patrol left the base"),
        RecordOutcome("patrol reached the village; the armed group withdrew", civilians_harmed=0),
        GiveFeedback(
            FeedbackChannel.PHONE,
            f"The mission sent a patrol to {community}; call again if the men come back.",
        ),
        Close(note="no further threat reported"),
        AfterActionReview(
            lessons="the call-back shortened verification; the patrol left within the deadline"
        ),
    ]


STOPS = (
    ("received", 0),
    ("acknowledged", 1),
    ("verified", 2),
    ("classified", 3),
    ("transmitted", 4),
    ("response_decided", 5),
    ("response_deployed", 6),
    ("outcome_recorded", 7),
    ("feedback_given", 8),
    ("closed", 9),
    ("reviewed", 10),
)
"""Each status and how many actions of the full path bring an alert to it."""

MESSAGES = {
    "received": "Armed men seen near the water point of {c} this morning",
    "acknowledged": "Hommes armés signalés à l'entrée de {c}, les femmes n'osent plus aller aux champs",
    "verified": "Shots heard at night east of {c}, families leaving for the bush",
    "classified": "Two young men of {c} taken by armed men on the road to the market",
    "transmitted": "Des miliciens menacent de brûler les maisons de {c}",
    "response_decided": "Armed group demanding money at a checkpoint outside {c}",
    "response_deployed": "Attack on the health centre of {c} reported by the nurse",
    "outcome_recorded": "Looting of granaries in {c} overnight",
    "feedback_given": "Des coups de feu entendus près de l'école de {c}",
    "closed": "Men with guns stopping women on the road from {c}",
    "reviewed": "Armed group entered {c} and took cattle",
}
"""Reports in the words communities use (English and French, as in the mission's area)."""

THREATS = {
    "classified": ThreatType.ABDUCTION,
    "response_deployed": ThreatType.ATTACK_ON_SCHOOL_OR_HOSPITAL,
    "outcome_recorded": ThreatType.LOOTING_PROPERTY_DESTRUCTION,
    "transmitted": ThreatType.LOOTING_PROPERTY_DESTRUCTION,
}


def office_alerts(community: str, units: tuple[str, ...]) -> list[DemoAlert]:
    """One alert at every status for a field office, plus an unfounded rumour and a referral, both closed."""
    alerts = []
    for index, (status, steps) in enumerate(STOPS):
        threat = THREATS.get(status, ThreatType.KILLING)
        urgency = Urgency.IMMEDIATE if index % 3 == 0 else Urgency.HIGH
        path = _responded(threat, urgency, units, community)[:steps]
        alerts.append(
            DemoAlert(
                status, MESSAGES[status].format(c=community), timedelta(hours=3 + 7 * index), tuple(path)
            )
        )
    alerts.append(
        DemoAlert(
            "closed",
            f"Rumour of an attack planned on {community} at the weekend",
            timedelta(hours=30),
            (
                Acknowledge(),
                Verify(Verification.UNFOUNDED, note="elders and the local police know of no threat"),
                GiveFeedback(
                    FeedbackChannel.COMMUNITY_MEETING,
                    f"The mission checked the rumour about {community} with the elders: no attack is planned.",
                ),
                Close(note="unfounded rumour"),
            ),
        )
    )
    alerts.append(
        DemoAlert(
            "closed",
            f"Families of {community} need food after fleeing their fields",
            timedelta(hours=52),
            (
                Acknowledge(),
                Verify(Verification.PROBABLE),
                Classify(ThreatType.FORCED_DISPLACEMENT, Urgency.ROUTINE),
                Transmit(),
                Decide(Decision.REFER, reason="humanitarian need: referred to the food security cluster"),
                RecordOutcome("the cluster's partner distributed food to 120 households"),
                GiveFeedback(
                    FeedbackChannel.SMS, "Your request went to the humanitarian partners; they will visit."
                ),
                Close(),
            ),
        )
    )
    return alerts
