"""Community alerts as Common Alerting Protocol 1.2 messages for partners' warning systems (DOMAIN.md section 9).

What an alert's state says in CAP's terms, decided here once for every edge; ``pochub.documents.cap`` writes the
XML (one ``info`` block per language) and checks it against the OASIS schema.

A CAP message never changes once sent, so each change partners can see (a state reached, another report joined)
is a new message: ``identifier`` is the alert's reference and the version, ``REF.1`` for the first (``msgType``
Alert), ``REF.2``, ``REF.3``... after it (Update, or Cancel for an alert found unfounded), each naming the first in
``references`` (``sender,REF.1,sent``) and the alert in ``incidents``. Escalations are the mission's own business:
they make no new message and are not counted. ``sent`` is when the change happened, so the same alert in the same
state gives the same document however often it is asked for.

Mapping (the README's "Partners' formats" repeats it):

- ``status``: Actual; Exercise for an exercise's alert (never Actual).
- ``msgType``: Alert for the first message; Cancel once verification found the alert unfounded; Update otherwise.
  A closed alert (closed, reviewed) is an Update with ``responseType`` AllClear.
- ``urgency`` from the alert's urgency: immediate -> Immediate, high -> Expected, routine -> Future; Past once the
  alert is closed or found unfounded.
- ``severity`` from the threat type: a threat to life (killing, maiming, sexual violence, abduction, forced
  recruitment, an attack on a school or hospital, explosive weapons) -> Severe, Extreme when the urgency is
  immediate; any other threat (looting, displacement, denial of access, incitement) -> Moderate; not classified yet
  -> Unknown; unfounded -> Minor.
- ``certainty`` from the verification: confirmed -> Observed, probable -> Likely, unconfirmed -> Possible,
  unfounded -> Unlikely, not verified yet -> Unknown.
- ``category`` Security; ``event`` the threat type's label (Community alert before classification).
- ``area``: the area's name, a circle around the FUZZED point with the fuzzing distance as radius, and the fuzzed
  place's P-code. Nothing else of the place, and never the sender, the community's words, the community, the field
  office, the body or the focal point (each names or follows from the true place).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from pochub.core.models.alerts import AlertStatus, Urgency, Verification
from pochub.core.models.taxonomy import THREAT_LABELS, ThreatType
from pochub.core.text import N_, Message, Text, joined
from pochub.errors import InvalidInput

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_LANGUAGES: dict[str, str] = {"en": "en-US", "fr": "fr-FR"}
"""PoC Hub's languages and the RFC 3066 codes of their ``info`` blocks."""

CAP_MEDIA_TYPE = "application/cap+xml"


class CapStatus(StrEnum):
    """``alert/status``: real alerts, or an exercise's."""

    ACTUAL = "Actual"
    EXERCISE = "Exercise"


class CapMsgType(StrEnum):
    """``alert/msgType`` as PoC Hub uses it."""

    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"


class CapScope(StrEnum):
    """``alert/scope``: Restricted (with the restriction said) or Public."""

    PUBLIC = "Public"
    RESTRICTED = "Restricted"


ENDED = frozenset({AlertStatus.CLOSED, AlertStatus.REVIEWED})

URGENCIES: dict[Urgency, str] = {
    Urgency.IMMEDIATE: "Immediate",
    Urgency.HIGH: "Expected",
    Urgency.ROUTINE: "Future",
}
"""The alert's urgency in CAP's words while it is open (Past once it has ended)."""

THREATS_TO_LIFE = frozenset(
    {
        ThreatType.KILLING,
        ThreatType.MAIMING_INJURY,
        ThreatType.SEXUAL_VIOLENCE,
        ThreatType.ABDUCTION,
        ThreatType.FORCED_RECRUITMENT,
        ThreatType.ATTACK_ON_SCHOOL_OR_HOSPITAL,
        ThreatType.INDISCRIMINATE_EXPLOSIVE_WEAPONS,
    }
)
"""Threat types that put lives at risk: Severe (Extreme when immediate); the others are Moderate."""

CERTAINTIES: dict[Verification, str] = {
    Verification.CONFIRMED: "Observed",
    Verification.PROBABLE: "Likely",
    Verification.UNCONFIRMED: "Possible",
    Verification.UNFOUNDED: "Unlikely",
}
"""The verification in CAP's words (Unknown before it)."""

STATE_LABELS: dict[AlertStatus, str] = {
    AlertStatus.RECEIVED: N_("received"),
    AlertStatus.ACKNOWLEDGED: N_("acknowledged"),
    AlertStatus.VERIFIED: N_("verified"),
    AlertStatus.CLASSIFIED: N_("classified"),
    AlertStatus.TRANSMITTED: N_("transmitted"),
    AlertStatus.RESPONSE_DECIDED: N_("response decided"),
    AlertStatus.RESPONSE_DEPLOYED: N_("response deployed"),
    AlertStatus.OUTCOME_RECORDED: N_("outcome recorded"),
    AlertStatus.FEEDBACK_GIVEN: N_("feedback given"),
    AlertStatus.CLOSED: N_("closed"),
    AlertStatus.REVIEWED: N_("reviewed"),
}
VERIFICATION_LABELS: dict[Verification, str] = {
    Verification.CONFIRMED: N_("confirmed"),
    Verification.PROBABLE: N_("probable"),
    Verification.UNCONFIRMED: N_("unconfirmed"),
    Verification.UNFOUNDED: N_("unfounded"),
}

RESTRICTION = N_("For protection partners only: do not publish. Places are approximate.")
EXERCISE_NOTE = N_("Exercise: this is not a real alert.")

_NO_SPACE_COMMA = re.compile(r"^[^\s,<&]+$")
"""CAP 1.2's rule for ``identifier`` and ``sender``: no spaces, commas or restricted characters (< and &)."""


def cap_time(moment: datetime) -> str:
    """A time as CAP writes it: to the second, with an explicit offset (the schema's pattern forbids 'Z')."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def check_sender(sender: str) -> str:
    """``sender`` when CAP allows it (not empty; no spaces, commas, < or &); InvalidInput otherwise."""
    if not _NO_SPACE_COMMA.fullmatch(sender):
        raise InvalidInput(
            Message(
                N_("the CAP sender {sender} is not usable: give an address without spaces, commas, < or &"),
                sender=repr(sender),
            )
        )
    return sender


@dataclass(frozen=True)
class CapPlace:
    """The place a CAP message gives: the FUZZED point and area only, with the fuzzing distance."""

    latitude: float | None
    longitude: float | None
    pcode: str | None
    area_name: str | None
    radius_km: float

    @property
    def circle(self) -> str | None:
        """``lat,lon radius`` (WGS 84, km), or None without a point."""
        if self.latitude is None or self.longitude is None:
            return None
        return f"{self.latitude:.4f},{self.longitude:.4f} {self.radius_km:.1f}"


@dataclass(frozen=True)
class CapFacts:
    """What an alert gives its CAP message, and nothing more: its reference, where it stands, the first and last
    changes partners can see (``version`` counts them: the receipt, each step, each report joined), and the
    fuzzed place. Built by the service from what an export may carry."""

    reference: str
    status: AlertStatus
    urgency: Urgency
    threat_type: str | None
    verification: Verification | None
    reports: int
    first_at: datetime
    last_at: datetime
    version: int
    exercise: bool
    place: CapPlace


@dataclass(frozen=True)
class CapInfo:
    """The ``info`` block, its texts still to be written in each language."""

    event: Text
    response_type: str | None
    urgency: str
    severity: str
    certainty: str
    headline: Text
    description: Text
    instruction: Text
    area_desc: Text
    place: CapPlace


@dataclass(frozen=True)
class CapMessage:
    """One CAP 1.2 alert message."""

    identifier: str
    sender: str
    sent: str
    status: CapStatus
    msg_type: CapMsgType
    scope: CapScope
    restriction: Text | None
    note: Text | None
    references: str | None
    incidents: str
    info: CapInfo


def identifier(reference: str, version: int) -> str:
    """The message's identifier: the alert's reference and the version (``A261130-K4F7Q2XD.3``)."""
    return f"{reference}.{version}"


def msg_type(facts: CapFacts) -> CapMsgType:
    """Alert for the first message; Cancel once found unfounded; Update otherwise."""
    if facts.verification is Verification.UNFOUNDED:
        return CapMsgType.CANCEL
    return CapMsgType.ALERT if facts.version <= 1 else CapMsgType.UPDATE


def urgency(facts: CapFacts) -> str:
    """CAP's urgency: Past once the alert has ended or was found unfounded; else from the alert's urgency."""
    if facts.status in ENDED or facts.verification is Verification.UNFOUNDED:
        return "Past"
    return URGENCIES[facts.urgency]


def severity(threat_type: str | None, alert_urgency: Urgency, verification: Verification | None) -> str:
    """CAP's severity from the threat type (Minor when unfounded, Unknown before classification)."""
    if verification is Verification.UNFOUNDED:
        return "Minor"
    if threat_type in THREATS_TO_LIFE:
        return "Extreme" if alert_urgency is Urgency.IMMEDIATE else "Severe"
    if threat_type in set(ThreatType):
        return "Moderate"
    return "Unknown"


def certainty(verification: Verification | None) -> str:
    """CAP's certainty from the verification (Unknown before it)."""
    return CERTAINTIES[verification] if verification is not None else "Unknown"


def event(threat_type: str | None) -> Text:
    """What the alert is about: the threat type's label, or "Community alert" before classification."""
    if threat_type and threat_type in THREAT_LABELS:
        return Message(THREAT_LABELS[threat_type])
    return N_("Community alert")


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def description(facts: CapFacts) -> Message:
    """What partners read: when the community alerted and how often, where the alert stands, the verification and
    how approximate the place is. Never the community's words, the sender, the community or the office."""
    parts: list[Text] = [
        Message(
            N_("A community alerted the mission on {date} ({reports} report(s))."),
            date=_when(facts.first_at),
            reports=facts.reports,
        ),
        Message(N_("Where the alert stands: {state}."), state=Message(STATE_LABELS[facts.status])),
    ]
    if facts.verification is Verification.UNFOUNDED:
        parts.append(N_("The mission found the alert unfounded: this message cancels the earlier ones."))
    elif facts.verification is not None:
        parts.append(
            Message(
                N_("Verification: {verification}."),
                verification=Message(VERIFICATION_LABELS[facts.verification]),
            )
        )
    else:
        parts.append(N_("The alert is not verified yet."))
    if facts.status in ENDED and facts.verification is not Verification.UNFOUNDED:
        parts.append(N_("The mission has closed the alert: no further action is expected."))
    parts.append(
        Message(
            N_("The place is approximate: within {km} km of the point given."),
            km=f"{facts.place.radius_km:g}",
        )
    )
    return joined(parts, " ")


def headline(facts: CapFacts) -> Message:
    """A short line: the event and the area (as approximate as the place)."""
    if facts.place.area_name:
        return Message(N_("{event} near {area}"), event=event(facts.threat_type), area=facts.place.area_name)
    return Message(N_("{event} reported to the mission"), event=event(facts.threat_type))


def cap_message(facts: CapFacts, *, sender: str, scope: CapScope) -> CapMessage:
    """The CAP message of an alert as it stands (see the module's mapping)."""
    kind = msg_type(facts)
    first = identifier(facts.reference, 1)
    ended = facts.status in ENDED and facts.verification is not Verification.UNFOUNDED
    return CapMessage(
        identifier=identifier(facts.reference, max(facts.version, 1)),
        sender=check_sender(sender),
        sent=cap_time(facts.last_at if kind is not CapMsgType.ALERT else facts.first_at),
        status=CapStatus.EXERCISE if facts.exercise else CapStatus.ACTUAL,
        msg_type=kind,
        scope=scope,
        restriction=RESTRICTION if scope is CapScope.RESTRICTED else None,
        note=EXERCISE_NOTE if facts.exercise else None,
        references=None if kind is CapMsgType.ALERT else f"{sender},{first},{cap_time(facts.first_at)}",
        incidents=facts.reference,
        info=CapInfo(
            event=event(facts.threat_type),
            response_type="AllClear" if ended else None,
            urgency=urgency(facts),
            severity=severity(facts.threat_type, facts.urgency, facts.verification),
            certainty=certainty(facts.verification),
            headline=headline(facts),
            description=description(facts),
            instruction=N_(
                "Places are approximate. Coordinate with the mission's protection of civilians team before acting "
                "in the area."
            ),
            area_desc=facts.place.area_name or N_("Area not known"),
            place=facts.place,
        ),
    )
