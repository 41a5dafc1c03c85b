"""Reports: event figures by month and by threat type for the charts, and the daily (flash) report: the last days'
events by area with their fatalities, and the open alerts by state."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from pochub.api.filters import BBoxText, Day, parse_bbox
from pochub.api.responses import SIGNED_IN
from pochub.core.models.filters import EventFilter
from pochub.errors import InvalidInput
from pochub.http.auth import current_user
from pochub.http.database import DbConnection
from pochub.services import event_views

router = APIRouter(
    prefix="/api/v1/reports", tags=["reports"], dependencies=[Depends(current_user)], responses=SIGNED_IN
)


class SummaryRow(BaseModel):
    """Events and deaths for one value of a key."""

    key: str
    events: int
    fatalities: int
    civilian_fatalities: int


class Summary(BaseModel):
    """Event figures for the charts."""

    start: date | None
    end: date | None
    by_month: list[SummaryRow] = Field(description="YYYY-MM, in time order.")
    by_threat_type: list[SummaryRow] = Field(description="Threat types (``none``: no civilian threatened).")


@router.get("/summary")
def summary(
    conn: DbConnection,
    start: Annotated[Day | None, Query(description="First day, YYYY-MM-DD.")] = None,
    end: Annotated[Day | None, Query(description="Last day, YYYY-MM-DD.")] = None,
    source: Annotated[str | None, Query(max_length=32)] = None,
    bbox: BBoxText = None,
) -> Summary:
    """De-duplicated events, fatalities and civilian fatalities by month and by threat type."""
    if start and end and end < start:
        raise InvalidInput("end is before start")
    chosen = EventFilter(start=start, end=end, source=source, bbox=parse_bbox(bbox))
    return Summary(
        start=start,
        end=end,
        by_month=[SummaryRow(**r) for r in event_views.summary(conn, "month", chosen)],
        by_threat_type=[SummaryRow(**r) for r in event_views.summary(conn, "threat", chosen)],
    )


class DailyEvent(BaseModel):
    """One event of the report."""

    id: int
    event_date: date
    source: str
    category: str
    threat_type: str | None
    actor1: str | None
    location: str | None
    fatalities_best: int
    civilian_fatalities: int
    notes: str | None


class DailyArea(BaseModel):
    """One area's figures for the report's days."""

    area_pcode: str = Field(description="P-code, else the source's area name; empty when unknown.")
    area_name: str
    events: int
    fatalities: int
    civilian_fatalities: int
    threat_events: int = Field(description="Events that threatened civilians.")
    items: list[DailyEvent] = Field(
        description="The area's events, deadliest first (within the report's cap)."
    )


class AlertCount(BaseModel):
    """Open alerts in one state."""

    state: str
    alerts: int


class DailyReport(BaseModel):
    """The daily (flash) report."""

    as_of: date
    start: date
    days: int
    level: int
    events: int
    fatalities: int
    civilian_fatalities: int
    areas: list[DailyArea] = Field(description="Areas with events, most fatalities first.")
    events_listed: int
    truncated: bool = Field(description="True when more events happened than ``max_events`` lists.")
    open_alerts: list[AlertCount] = Field(description="Real (non-exercise) alerts not closed, by state.")


@router.get("/daily")
def daily(
    conn: DbConnection,
    days: Annotated[
        int, Query(ge=1, le=31, description="How many days the report covers, ending as_of.")
    ] = 1,
    as_of: Annotated[Day | None, Query(description="The report's last day (default: today, UTC).")] = None,
    level: Annotated[int, Query(ge=1, le=2, description="Admin level of the areas.")] = 1,
    max_events: Annotated[int, Query(ge=0, le=2000, description="Events listed at most.")] = 200,
) -> DailyReport:
    """Events of the last ``days`` days by area with fatalities, and the open alerts by state."""
    end = as_of or datetime.now(UTC).date()
    start = end - timedelta(days=days - 1)
    figures = event_views.daily_figures(conn, start, end, level, max_events)
    areas, listed = figures.areas, figures.listed
    by_area: dict[str, list[dict[str, Any]]] = {}
    for event in listed:
        by_area.setdefault(event["area_pcode"], []).append(event)
    total = sum(a["events"] for a in areas)
    return DailyReport(
        as_of=end,
        start=start,
        days=days,
        level=level,
        events=total,
        fatalities=sum(a["fatalities"] for a in areas),
        civilian_fatalities=sum(a["civilian_fatalities"] for a in areas),
        areas=[
            DailyArea(**a, items=[DailyEvent(**e) for e in by_area.get(a["area_pcode"], [])]) for a in areas
        ],
        events_listed=len(listed),
        truncated=len(listed) < total,
        open_alerts=[AlertCount(state=s, alerts=n) for s, n in figures.open_alerts.items()],
    )
