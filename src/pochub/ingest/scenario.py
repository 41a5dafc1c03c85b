"""The facilitator's scripted injects, in YAML: community alerts, rumours, roads cut by rain, units unavailable.

```yaml
injects:
  - at: +2h                      # after the exercise start (30m, 2h, 1.5h, 1d), or an ISO time with its zone
    kind: community_alert        # community_alert | rumour | road_cut | unit_unavailable
    title: Armed men near Kalemie
    text: Caller says armed men are gathering at the river crossing and threaten to attack tonight.
    community: C0042             # or pcode: KT0103, or lat: / lon:
    threat_type: killing
    urgency: immediate           # immediate | high | routine
    anticipated: true            # an attack is expected, not under way: doctrine says pre-emption
  - at: +6h
    kind: road_cut
    title: Rain cuts the Kalemie road
    roads: [R0012, R0013]        # or season: rainy (every earth road closes or slows)
  - at: +8h
    kind: unit_unavailable
    units: [U007]
    until: +20h
```

Every error names the inject (its position and title) and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from pochub.core.exercise.scenario import ExpectedResponse, Inject, InjectKind, with_answer_key
from pochub.core.models.alerts import Phase, Tier, Urgency, Verification
from pochub.errors import InvalidInput

KNOWN_FIELDS = frozenset(
    {"at", "kind", "title", "text", "community", "pcode", "lat", "lon", "threat_type", "urgency", "anticipated",
     "roads", "season", "units", "until", "population", "expected"}
)  # fmt: skip


def parse_offset(value: object, start: datetime, where: str) -> datetime:
    """``+2h``, ``90m``, ``1.5h``, ``1d`` after ``start``, a number of hours, or an ISO time with its zone."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float):
        return start + timedelta(hours=float(value))
    else:
        text = str(value).strip()
        units = {"m": 1 / 60, "min": 1 / 60, "h": 1.0, "d": 24.0}
        for suffix in sorted(units, key=len, reverse=True):
            number = text.lstrip("+")
            if number.endswith(suffix):
                try:
                    return start + timedelta(hours=float(number[: -len(suffix)]) * units[suffix])
                except ValueError:
                    break
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInput(
                f"{where}: {value!r} is neither an offset such as +2h nor an ISO time"
            ) from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{where}: {value!r} needs a time zone (e.g. 2026-03-01T10:00:00+00:00)")
    return moment.astimezone(UTC)


def _strings(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return tuple(str(v) for v in value)
    raise InvalidInput(f"{where}: give a name or a list of names")


def _choice(enum: Any, value: object, where: str) -> Any:
    try:
        return enum(str(value))
    except ValueError:
        known = ", ".join(e.value for e in enum)
        raise InvalidInput(f"{where}: {value!r} is not one of {known}") from None


def _expected(value: object, where: str) -> ExpectedResponse:
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{where}: expected must be a mapping (verification, respond, phase, tiers)")
    tiers = value.get("tiers", [])
    if not isinstance(tiers, list):
        tiers = [tiers]
    return ExpectedResponse(
        _choice(Verification, value.get("verification", "confirmed"), f"{where}.verification"),
        bool(value.get("respond", True)),
        _choice(Phase, value["phase"], f"{where}.phase") if value.get("phase") else None,
        tuple(_choice(Tier, t, f"{where}.tiers") for t in tiers),
        str(value.get("reason", "set by the facilitator")),
    )


def _float(entry: Mapping[str, Any], name: str, where: str) -> float | None:
    if entry.get(name) is None:
        return None
    try:
        return float(entry[name])
    except (TypeError, ValueError):
        raise InvalidInput(f"{where}.{name}: {entry[name]!r} is not a number") from None


def parse_inject(entry: object, start: datetime, where: str, *, origin: str = "scripted") -> Inject:
    """One inject from its YAML (or JSON) mapping; times relative to ``start``."""
    if not isinstance(entry, Mapping):
        raise InvalidInput(f"{where}: an inject is a mapping of fields")
    unknown = set(entry) - KNOWN_FIELDS
    if unknown:
        raise InvalidInput(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))} "
                           f"(known: {', '.join(sorted(KNOWN_FIELDS))})")  # fmt: skip
    if "kind" not in entry:
        raise InvalidInput(f"{where}: kind is required ({', '.join(k.value for k in InjectKind)})")
    kind = _choice(InjectKind, entry["kind"], f"{where}.kind")
    title = str(entry.get("title") or entry.get("text") or kind.value)[:300]
    where = f"{where} ({title})"
    at = parse_offset(entry.get("at", 0), start, f"{where}.at")
    population = entry.get("population")
    inject = Inject(
        kind=kind,
        at=at,
        title=title,
        text=str(entry.get("text", "")),
        latitude=_float(entry, "lat", where),
        longitude=_float(entry, "lon", where),
        pcode=str(entry["pcode"]) if entry.get("pcode") else None,
        community_id=str(entry["community"]) if entry.get("community") else None,
        threat_type=str(entry["threat_type"]) if entry.get("threat_type") else None,
        urgency=_choice(Urgency, entry["urgency"], f"{where}.urgency") if entry.get("urgency") else None,
        road_ids=_strings(entry["roads"], f"{where}.roads") if entry.get("roads") else (),
        unit_ids=_strings(entry["units"], f"{where}.units") if entry.get("units") else (),
        season=str(entry["season"]) if entry.get("season") else None,
        until=parse_offset(entry["until"], start, f"{where}.until") if entry.get("until") else None,
        population=int(population) if isinstance(population, int) else None,
        expected=_expected(entry["expected"], f"{where}.expected") if entry.get("expected") else None,
        origin=origin,
    )
    if inject.season not in (None, "rainy", "dry"):
        raise InvalidInput(f"{where}.season: {inject.season!r} is not rainy or dry")
    return with_answer_key(inject, anticipated=bool(entry.get("anticipated", False)))


def parse_injects(text: str, start: datetime, *, source: str = "injects") -> tuple[Inject, ...]:
    """Every inject of a YAML document (a list, or a mapping with an ``injects`` list), by exercise time."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{source}: not valid YAML: {exc}") from None
    entries = document.get("injects") if isinstance(document, Mapping) else document
    if not isinstance(entries, list) or not entries:
        raise InvalidInput(f"{source}: give a list of injects (or a mapping with an 'injects' list)")
    injects = [parse_inject(entry, start, f"{source}: inject {n}") for n, entry in enumerate(entries, 1)]
    return tuple(sorted(injects, key=lambda i: i.at))


def read_injects(path: Path, start: datetime) -> tuple[Inject, ...]:
    """The injects of a facilitator's YAML file."""
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    return parse_injects(path.read_text(encoding="utf-8"), start, source=str(path))
