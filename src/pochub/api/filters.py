"""Query parameters shared by the resource routers, each bounded so that no bad value reaches SQL or an engine."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator, BeforeValidator

from pochub.api.routers.events import parse_bbox

__all__ = ["AreaCode", "AsOfDate", "BBoxText", "Day", "parse_bbox"]

AreaCode = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=32,
        pattern=r"^[A-Za-z0-9_.\-]+$",
        description="Only places under this P-code (a prefix: a region's code selects its districts).",
    ),
]
_DEGREES = r"-?[0-9]{1,3}(\.[0-9]{1,12})?"
BBoxText = Annotated[
    str | None,
    Query(
        max_length=200,
        pattern=rf"^{_DEGREES},{_DEGREES},{_DEGREES},{_DEGREES}$",
        description="min_lon,min_lat,max_lon,max_lat (WGS 84 degrees; min <= max, within -180..180, -90..90).",
    ),
]

EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_text(value: object) -> object:
    """Only YYYY-MM-DD text is a day (pydantic alone would also read ``0`` as 1970-01-01)."""
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


def _plausible(value: date) -> date:
    """Days outside 1900-2199 make no sense here and overflow date arithmetic."""
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"a day between {EARLIEST} and {LATEST}")
    return value


Day = Annotated[date, BeforeValidator(_iso_text), AfterValidator(_plausible)]
"""A day given as YYYY-MM-DD, between 1900 and 2199."""

AsOfDate = Annotated[
    Day | None,
    Query(description="Assess as of the end of this day, YYYY-MM-DD (default: the day of the latest event)."),
]
