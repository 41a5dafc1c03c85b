"""Exercise scenarios: injects on an exercise timeline, from the demo mission, from real events, or scripted.

An inject is what the facilitator makes happen at an exercise time: a community alert, a rumour (an alert that
triangulation should find unfounded), a replayed real event (it reaches the teams as a community's alert), a road
cut by rain, a unit made unavailable. Alert injects carry their answer key (``ExpectedResponse``), derived from the
doctrine rules the threat engine uses (phases and response options by tier), so that scores explain themselves.

Replaying a real period compresses it: an event on day ``d`` of a period of ``D`` days arrives at
``d / D`` of the exercise's duration, so a month of real violence unfolds over a day of exercise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

import numpy as np

from pochub.core.models.alerts import Phase, Tier, Urgency, Verification
from pochub.core.models.capacities import Unit
from pochub.core.models.places import Community
from pochub.core.models.taxonomy import ThreatType
from pochub.core.text import N_, Message, Text, from_document, to_document
from pochub.core.threats import responses
from pochub.errors import InvalidInput


class InjectKind(StrEnum):
    """What an inject is."""

    COMMUNITY_ALERT = "community_alert"
    RUMOUR = "rumour"
    EVENT = "event"
    ROAD_CUT = "road_cut"
    UNIT_UNAVAILABLE = "unit_unavailable"


ALERT_KINDS = frozenset({InjectKind.COMMUNITY_ALERT, InjectKind.RUMOUR, InjectKind.EVENT})
"""Injects that reach the teams as alerts through the normal lifecycle."""
SITUATION_KINDS = frozenset({InjectKind.ROAD_CUT, InjectKind.UNIT_UNAVAILABLE})
"""Injects that change the situation (what can move, and how fast) and reach the teams as messages."""

_PHASES = {
    responses.Phase.PREVENTION: Phase.PREVENTION,
    responses.Phase.PRE_EMPTION: Phase.PRE_EMPTION,
    responses.Phase.RESPONSE: Phase.RESPONSE,
    responses.Phase.CONSOLIDATION: Phase.CONSOLIDATION,
}
_THREAT_PHASES = {value: key for key, value in _PHASES.items()}


@dataclass(frozen=True)
class ExpectedResponse:
    """The answer key of one alert inject: what doctrine expects the team to find and decide."""

    verification: Verification
    respond: bool
    phase: Phase | None
    tiers: tuple[Tier, ...]
    reason: Text

    def as_dict(self) -> dict[str, object]:
        """JSON-ready values."""
        return {
            "verification": self.verification.value,
            "respond": self.respond,
            "phase": self.phase.value if self.phase else None,
            "tiers": [t.value for t in self.tiers],
            "reason": to_document(self.reason),
        }

    @classmethod
    def from_dict(cls, values: dict[str, object]) -> ExpectedResponse:
        """Read back ``as_dict``."""
        phase = values.get("phase")
        tiers = values.get("tiers") or []
        assert isinstance(tiers, list)
        return cls(
            Verification(str(values["verification"])),
            bool(values["respond"]),
            Phase(str(phase)) if phase else None,
            tuple(Tier(str(t)) for t in tiers),
            _reason(values.get("reason", "")),
        )


def _reason(value: object) -> Text:
    """A stored reason: a message (``to_document``) or the facilitator's own words."""
    found = from_document(value)
    return found if isinstance(found, Message) else str(found or "")


def answer_key(
    kind: InjectKind,
    threat_type: str | None,
    *,
    hours_since_violence: float | None,
    anticipated: bool = False,
    rules: responses.PhaseRules | None = None,
    options: responses.ResponseRules | None = None,
) -> ExpectedResponse:
    """What doctrine expects for an alert inject: the phase from the phase rules, the tiers of its options.

    A rumour is found unfounded and the community still hears back; nothing is deployed. Violence under way or
    within the response window is the response phase; a threat that is anticipated (armed men gathering, a
    warning of an attack) is pre-emption.
    """
    if kind is InjectKind.RUMOUR:
        return ExpectedResponse(
            Verification.UNFOUNDED, False, None, (),
            N_("a rumour: triangulation finds it unfounded; the community is told, nothing is deployed"),
        )  # fmt: skip
    phase_rules = rules or responses.PhaseRules()
    threat_phase = responses.phase_for(hours_since_violence, None, anticipated, phase_rules)
    tiers = tuple(
        dict.fromkeys(
            Tier(o.tier.value)
            for o in (options or responses.ResponseRules()).options(threat_phase, threat_type or "")
        )
    )
    why = (
        Message(
            N_("violence {hours:g} h ago is within the {window} h response window"),
            hours=hours_since_violence,
            window=phase_rules.response_hours,
        )
        if threat_phase is responses.Phase.RESPONSE and hours_since_violence is not None
        else Message(N_("an attack is anticipated: pre-emption"))
        if threat_phase is responses.Phase.PRE_EMPTION
        else Message(N_("phase {phase} by the phase rules"), phase=Message(threat_phase.value))
    )
    return ExpectedResponse(
        Verification.CONFIRMED, True, _PHASES[threat_phase], tiers,
        Message(
            N_("{why}; doctrine's options in that phase are tier {tiers}"),
            why=why, tiers=", ".join(t.value for t in tiers),
        ),
    )  # fmt: skip


@dataclass(frozen=True)
class Inject:
    """One inject at an exercise time."""

    kind: InjectKind
    at: datetime
    title: str
    text: str = ""
    latitude: float | None = None
    longitude: float | None = None
    pcode: str | None = None
    community_id: str | None = None
    threat_type: str | None = None
    urgency: Urgency | None = None
    road_ids: tuple[str, ...] = ()
    unit_ids: tuple[str, ...] = ()
    season: str | None = None
    until: datetime | None = None
    population: int | None = None
    expected: ExpectedResponse | None = None
    source_event: str | None = None
    source_date: date | None = None
    fatalities: int = 0
    origin: str = "scripted"

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise InvalidInput(
                Message(N_("inject {title}: its time needs a time zone"), title=repr(self.title))
            )
        if self.kind in ALERT_KINDS and not self.text.strip():
            raise InvalidInput(
                Message(
                    N_("inject {title}: an alert inject needs the community's words (text)"),
                    title=repr(self.title),
                )
            )
        if (
            self.kind in ALERT_KINDS
            and self.pcode is None
            and self.community_id is None
            and self.latitude is None
        ):
            raise InvalidInput(
                Message(
                    N_("inject {title}: an alert inject needs a place (pcode, community or lat/lon)"),
                    title=repr(self.title),
                )
            )
        if (self.latitude is None) != (self.longitude is None):
            raise InvalidInput(
                Message(
                    N_("inject {title}: give both latitude and longitude, or neither"), title=repr(self.title)
                )
            )
        if self.kind is InjectKind.ROAD_CUT and not (self.road_ids or self.season):
            raise InvalidInput(
                Message(
                    N_("inject {title}: a road cut names its roads (roads) or a season (rainy)"),
                    title=repr(self.title),
                )
            )
        if self.kind is InjectKind.UNIT_UNAVAILABLE and not self.unit_ids:
            raise InvalidInput(
                Message(N_("inject {title}: name the unavailable units (units)"), title=repr(self.title))
            )
        if self.threat_type is not None and self.threat_type not in {t.value for t in ThreatType}:
            known = ", ".join(t.value for t in ThreatType)
            raise InvalidInput(
                Message(
                    N_("inject {title}: unknown threat type {threat_type} (known: {known})"),
                    title=repr(self.title),
                    threat_type=repr(self.threat_type),
                    known=known,
                )
            )

    @property
    def is_alert(self) -> bool:
        """Does this inject reach the teams as an alert?"""
        return self.kind in ALERT_KINDS

    def details(self) -> dict[str, object]:
        """What the inject table keeps beside its columns."""
        return {
            "road_ids": list(self.road_ids),
            "unit_ids": list(self.unit_ids),
            "season": self.season,
            "until": self.until.isoformat() if self.until else None,
            "population": self.population,
            "expected": self.expected.as_dict() if self.expected else None,
            "source_event": self.source_event,
            "source_date": self.source_date.isoformat() if self.source_date else None,
            "fatalities": self.fatalities,
        }


def with_answer_key(inject: Inject, *, anticipated: bool = False) -> Inject:
    """The inject with its doctrine answer key (kept when it already has one; none for situation injects)."""
    if inject.expected is not None or not inject.is_alert:
        return inject
    hours = None if anticipated else 0.0
    return replace(inject, expected=answer_key(inject.kind, inject.threat_type, hours_since_violence=hours,
                                               anticipated=anticipated))  # fmt: skip


@dataclass(frozen=True)
class EventRecord:
    """What a scenario needs of one conflict event (from the store or read from a real file)."""

    source: str
    source_id: str
    event_date: date
    latitude: float
    longitude: float
    location: str = ""
    admin1: str = ""
    pcode: str | None = None
    threat_type: str | None = None
    event_type: str = ""
    sub_event_type: str = ""
    actor: str = ""
    fatalities: int = 0
    civilian_targeting: bool = False


def alert_text(event: EventRecord) -> str:
    """The event as a community would report it by phone: what, where, how many, by whom."""
    what = event.sub_event_type or event.event_type or "violence"
    where = ", ".join(part for part in (event.location, event.admin1) if part) or "our area"
    text = f"Caller from {where}: {what.lower()} reported"
    if event.fatalities:
        text += f", {event.fatalities} killed"
    if event.actor:
        text += f"; people say it was {event.actor}"
    return text + "."


def _severity(event: EventRecord) -> tuple[int, int, int]:
    return (
        int(event.threat_type is not None or event.civilian_targeting),
        event.fatalities,
        -event.event_date.toordinal(),
    )


def compress(
    moment: date, first: date, last: date, start: datetime, duration: timedelta, slot: int, slots: int
) -> datetime:
    """Exercise time of a real date: its day's share of the period, spread within the day by ``slot``."""
    days = (last - first).days + 1
    offset = ((moment - first).days + (slot + 0.5) / max(slots, 1)) / days
    return start + duration * min(max(offset, 0.0), 1.0)


def replay(
    events: Sequence[EventRecord],
    *,
    first: date,
    last: date,
    start: datetime,
    duration: timedelta,
    origin: str,
    limit: int = 40,
) -> tuple[Inject, ...]:
    """Real events of ``[first, last]`` as alert injects at compressed exercise times, oldest first.

    With more events than ``limit``, the ones that threaten civilians and killed most are kept (the rest would
    drown a team); each keeps its source id and real date, for the after-action review.
    """
    if last < first:
        raise InvalidInput(N_("the period ends before it starts"))
    if limit < 1:
        raise InvalidInput(N_("a scenario needs at least one inject"))
    chosen = [e for e in events if first <= e.event_date <= last]
    if not chosen:
        raise InvalidInput(
            Message(N_("no event between {first} and {last} in the chosen area"), first=first, last=last)
        )
    chosen = sorted(
        sorted(chosen, key=_severity, reverse=True)[:limit], key=lambda e: (e.event_date, e.source_id)
    )
    per_day: dict[date, list[EventRecord]] = {}
    for event in chosen:
        per_day.setdefault(event.event_date, []).append(event)
    injects = []
    for day, todays in per_day.items():
        for slot, event in enumerate(todays):
            at = compress(day, first, last, start, duration, slot, len(todays))
            injects.append(
                with_answer_key(
                    Inject(
                        InjectKind.EVENT, at, f"{event.source} {event.source_id}: {event.sub_event_type or event.event_type}",
                        alert_text(event), latitude=event.latitude, longitude=event.longitude, pcode=event.pcode,
                        threat_type=event.threat_type or ThreatType.KILLING.value,
                        urgency=Urgency.IMMEDIATE if event.fatalities else Urgency.HIGH,
                        source_event=f"{event.source}:{event.source_id}", source_date=event.event_date,
                        fatalities=event.fatalities, origin=origin,
                    )
                )
            )  # fmt: skip
    return tuple(injects)


@dataclass(frozen=True)
class Difficulty:
    """How hard a generated scenario is: how much arrives, how much of it is noise, what goes wrong."""

    name: str
    alerts: int
    rumour_share: float
    unit_outages: int
    road_cuts: int
    duration_hours: float
    period_days: int = 30

    def __post_init__(self) -> None:
        if self.alerts < 1 or not 0 <= self.rumour_share < 1 or self.unit_outages < 0 or self.road_cuts < 0:
            raise InvalidInput(
                N_("a difficulty needs at least one alert, a rumour share in [0, 1), no negative counts")
            )
        if self.duration_hours <= 0 or self.period_days < 1:
            raise InvalidInput(N_("a difficulty needs a positive duration and period"))


DIFFICULTIES: dict[str, Difficulty] = {
    d.name: d
    for d in (
        Difficulty("easy", alerts=4, rumour_share=0.0, unit_outages=0, road_cuts=0, duration_hours=12),
        Difficulty("normal", alerts=8, rumour_share=0.25, unit_outages=1, road_cuts=1, duration_hours=24),
        Difficulty("hard", alerts=14, rumour_share=0.35, unit_outages=2, road_cuts=2, duration_hours=24),
    )
}


def difficulty(name: str) -> Difficulty:
    """A named difficulty preset."""
    try:
        return DIFFICULTIES[name]
    except KeyError:
        raise InvalidInput(
            Message(
                N_("unknown difficulty {name} (known: {known})"),
                name=repr(name),
                known=", ".join(DIFFICULTIES),
            )
        ) from None


RUMOURS = (
    "People in the market say armed men will attack {name} tonight.",
    "A message on social media says the well at {name} has been poisoned.",
    "Someone called saying soldiers burned houses in {name}; nobody there confirms it.",
)


@dataclass(frozen=True)
class MissionPicture:
    """What the demo scenario draws from: recent events, the communities, the units, the roads that can flood."""

    events: tuple[EventRecord, ...]
    communities: tuple[Community, ...]
    units: tuple[Unit, ...]
    flood_prone_roads: tuple[str, ...] = ()


def demo_scenario(
    picture: MissionPicture, level: Difficulty, rng: np.random.Generator, *, start: datetime
) -> tuple[Inject, ...]:
    """A scenario from the demo mission: its latest violence replayed, rumours, unit outages and road cuts.

    The same picture, difficulty and seed give the same injects.
    """
    if not picture.events:
        raise InvalidInput(
            N_("the mission has no events to build a scenario from (load the demo mission first)")
        )
    duration = timedelta(hours=level.duration_hours)
    last = max(e.event_date for e in picture.events)
    first = last - timedelta(days=level.period_days - 1)
    rumours = round(level.alerts * level.rumour_share)
    real = [e for e in picture.events if first <= e.event_date <= last]
    if not real:
        raise InvalidInput(Message(N_("no event in the mission's last {days} days"), days=level.period_days))
    injects = list(
        replay(
            real,
            first=first,
            last=last,
            start=start,
            duration=duration,
            origin="demo",
            limit=level.alerts - rumours,
        )
    )
    communities = list(picture.communities)
    for index in range(rumours if communities else 0):
        community = communities[int(rng.integers(len(communities)))]
        at = start + duration * float(rng.uniform(0.05, 0.9))
        injects.append(
            with_answer_key(
                Inject(
                    InjectKind.RUMOUR, at, f"rumour about {community.name}",
                    RUMOURS[index % len(RUMOURS)].format(name=community.name), latitude=community.latitude,
                    longitude=community.longitude, pcode=community.pcode, community_id=community.community_id,
                    threat_type=ThreatType.KILLING.value, urgency=Urgency.HIGH, population=community.population,
                    origin="demo",
                )
            )
        )  # fmt: skip
    ground = [u for u in picture.units if not u.air]
    for _ in range(min(level.unit_outages, len(ground))):
        unit = ground[int(rng.integers(len(ground)))]
        at = start + duration * float(rng.uniform(0.1, 0.6))
        injects.append(
            Inject(
                InjectKind.UNIT_UNAVAILABLE, at, f"{unit.name} unavailable",
                f"{unit.name} is grounded for maintenance and cannot deploy for 12 hours.", unit_ids=(unit.unit_id,),
                until=at + timedelta(hours=12), origin="demo",
            )
        )  # fmt: skip
    roads = list(picture.flood_prone_roads)
    for _ in range(min(level.road_cuts, len(roads))):
        road = roads.pop(int(rng.integers(len(roads))))
        at = start + duration * float(rng.uniform(0.1, 0.7))
        injects.append(
            Inject(
                InjectKind.ROAD_CUT, at, f"road {road} cut by rain",
                f"Heavy rain has cut road {road}; it is impassable until further notice.", road_ids=(road,),
                origin="demo",
            )
        )  # fmt: skip
    return tuple(sorted(injects, key=lambda i: i.at))


def day_start(moment: date) -> datetime:
    """Midnight UTC of a date (a replayed period's exercise time starts at its first day)."""
    return datetime.combine(moment, time(0), tzinfo=UTC)
