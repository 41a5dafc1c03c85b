"""Conflict events from any source, in one model.

Imports work on columnar batches (``EVENT_SCHEMA``) for speed; ``Event`` is the same record as a value, used by
services, the API and tests. Both hold the same fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum, StrEnum
from typing import Any

import polars as pl

from pochub.core.models.taxonomy import EventCategory, ThreatType


class DatePrecision(StrEnum):
    """How precisely the date of an event is known."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class GeoPrecision(IntEnum):
    """How precisely the location of an event is known, harmonised across sources (1 = most precise)."""

    EXACT = 1
    NEAR = 2
    ADMIN2 = 3
    ADMIN1 = 4
    COUNTRY = 5


_GRADE = re.compile(r"^[A-F][1-6]$")


@dataclass(frozen=True)
class SourceGrade:
    """The standard intelligence grid: reliability of the source (A-F) and credibility of the information (1-6)."""

    reliability: str
    credibility: int

    @classmethod
    def parse(cls, text: str) -> SourceGrade:
        """Parse a grade such as ``B2``; raise ValueError otherwise."""
        cleaned = text.strip().upper()
        if not _GRADE.match(cleaned):
            raise ValueError(f"source grade {text!r} is not reliability A-F followed by credibility 1-6")
        return cls(cleaned[0], int(cleaned[1]))

    def __str__(self) -> str:
        return f"{self.reliability}{self.credibility}"


def is_valid_grade(text: str) -> bool:
    """True when ``text`` is a grade such as B2."""
    return bool(_GRADE.match(text))


@dataclass(frozen=True)
class Event:
    """One conflict event as reported by one source."""

    source: str
    source_id: str
    event_date: date
    latitude: float
    longitude: float
    category: EventCategory
    source_event_type: str
    date_end: date | None = None
    date_precision: DatePrecision = DatePrecision.DAY
    geo_precision: GeoPrecision = GeoPrecision.EXACT
    country: str = ""
    iso3: str = ""
    admin1_name: str = ""
    admin2_name: str = ""
    admin3_name: str = ""
    location: str = ""
    admin1_pcode: str | None = None
    admin2_pcode: str | None = None
    source_sub_event_type: str = ""
    threat_type: ThreatType | None = None
    actor1: str = ""
    assoc_actor1: str = ""
    actor2: str = ""
    assoc_actor2: str = ""
    inter1: int | None = None
    inter2: int | None = None
    civilian_targeting: bool = False
    fatalities_low: int = 0
    fatalities_best: int = 0
    fatalities_high: int = 0
    civilian_fatalities: int = 0
    notes: str = ""
    source_grade: str = "B2"
    source_updated: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


EVENT_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),
    "source_id": pl.String(),
    "event_date": pl.Date(),
    "date_end": pl.Date(),
    "date_precision": pl.String(),
    "latitude": pl.Float64(),
    "longitude": pl.Float64(),
    "geo_precision": pl.Int16(),
    "country": pl.String(),
    "iso3": pl.String(),
    "admin1_name": pl.String(),
    "admin2_name": pl.String(),
    "admin3_name": pl.String(),
    "location": pl.String(),
    "admin1_pcode": pl.String(),
    "admin2_pcode": pl.String(),
    "category": pl.String(),
    "source_event_type": pl.String(),
    "source_sub_event_type": pl.String(),
    "threat_type": pl.String(),
    "actor1": pl.String(),
    "assoc_actor1": pl.String(),
    "actor2": pl.String(),
    "assoc_actor2": pl.String(),
    "inter1": pl.Int16(),
    "inter2": pl.Int16(),
    "civilian_targeting": pl.Boolean(),
    "fatalities_low": pl.Int32(),
    "fatalities_best": pl.Int32(),
    "fatalities_high": pl.Int32(),
    "civilian_fatalities": pl.Int32(),
    "notes": pl.String(),
    "source_grade": pl.String(),
    "source_updated": pl.Int64(),
    "raw": pl.String(),
}
"""Columns of an event batch, in store order. ``raw`` is the source row as JSON."""

EVENT_COLUMNS: tuple[str, ...] = tuple(EVENT_SCHEMA)
