"""Events: counts, summaries and GeoJSON, filtered by bounding box, dates, source and category (signed in)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from pochub.api.responses import SIGNED_IN
from pochub.core.models.filters import EventFilter
from pochub.documents.event_exports import feature
from pochub.errors import InvalidInput
from pochub.http.auth import current_user
from pochub.http.database import DbConnection
from pochub.services import event_views

router = APIRouter(
    prefix="/api/v1/events", tags=["events"], dependencies=[Depends(current_user)], responses=SIGNED_IN
)


def parse_bbox(bbox: str | None) -> tuple[float, float, float, float] | None:
    """``min_lon,min_lat,max_lon,max_lat`` as four floats, checked."""
    if not bbox:
        return None
    try:
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in bbox.split(","))
    except ValueError as exc:
        raise InvalidInput("bbox must be min_lon,min_lat,max_lon,max_lat") from exc
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise InvalidInput("bbox must be min_lon,min_lat,max_lon,max_lat within -180..180 and -90..90")
    return min_lon, min_lat, max_lon, max_lat


def event_filter(
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")] = None,
    start: Annotated[date | None, Query(description="first date, YYYY-MM-DD")] = None,
    end: Annotated[date | None, Query(description="last date, YYYY-MM-DD")] = None,
    source: Annotated[str | None, Query(max_length=32)] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    threat_only: bool = False,
    include_duplicates: bool = False,
) -> EventFilter:
    """The common event filter from query parameters."""
    if start and end and end < start:
        raise InvalidInput("end is before start")
    return EventFilter(
        start=start,
        end=end,
        bbox=parse_bbox(bbox),
        source=source,
        category=category,
        threat_only=threat_only,
        include_duplicates=include_duplicates,
    )


@router.get("/count")
def count_events(
    conn: DbConnection,
    bbox: str | None = None,
    start: date | None = None,
    end: date | None = None,
    source: Annotated[str | None, Query(max_length=32)] = None,
    include_duplicates: bool = False,
) -> dict[str, int]:
    """Number of (de-duplicated) events matching the filter."""
    chosen = event_filter(bbox, start, end, source, None, False, include_duplicates)
    return {"events": event_views.count(conn, chosen)}


@router.get("")
def events_geojson(
    conn: DbConnection,
    bbox: str | None = None,
    start: date | None = None,
    end: date | None = None,
    source: Annotated[str | None, Query(max_length=32)] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    threat_only: bool = False,
    include_duplicates: bool = False,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 5000,
) -> dict[str, Any]:
    """Events as a GeoJSON FeatureCollection (at most ``limit``; ``truncated`` says when more matched)."""
    chosen = event_filter(bbox, start, end, source, category, threat_only, include_duplicates)
    features = []
    for row in event_views.stream(conn, chosen, limit=limit + 1):
        item = feature(row, as_text=False)
        item["id"] = row["id"]
        item["properties"]["duplicate_of"] = row["duplicate_of"]
        item["properties"].pop("raw", None)
        features.append(item)
    truncated = len(features) > limit
    return {"type": "FeatureCollection", "features": features[:limit], "truncated": truncated}


@router.get("/summary")
def events_summary(
    conn: DbConnection,
    by: Annotated[str, Query(pattern="^(" + "|".join(event_views.SUMMARY_KEYS) + ")$")] = "type",
    start: date | None = None,
    end: date | None = None,
    source: Annotated[str | None, Query(max_length=32)] = None,
) -> list[dict[str, Any]]:
    """Events, fatalities and civilian fatalities by a key."""
    return event_views.summary(conn, by, event_filter(None, start, end, source))
