"""Response times of the alerts: median and 90th-percentile hours from receipt to each step, by group.

Every signed-in role may read them (they are counts and hours, no informant or place); field officers and CLAs
get the figures of their own area of responsibility only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import Engine

from pochub.core.workflow.metrics import DIMENSIONS, GroupTimes, ResponseTimes, StepTimes
from pochub.http.auth import CurrentUser
from pochub.http.database import get_engine
from pochub.services.alert_metrics import response_times

router = APIRouter(prefix="/api/v1/alerts/stats", tags=["alerts"])

Db = Annotated[Engine, Depends(get_engine)]


class Grouping(StrEnum):
    """Which groups to return."""

    field_office = "field_office"
    alert_network = "alert_network"
    both = "both"


class StepTimesOut(BaseModel):
    """Hours from receipt to one step: how many reached it, median, p90, and how many still wait."""

    step: str
    count: int
    median_hours: float | None
    p90_hours: float | None
    waiting: int
    longest_waiting_hours: float | None


class GroupTimesOut(BaseModel):
    """The step times of one field office, one alert network, or all alerts."""

    dimension: str
    group: str
    alerts: int
    steps: dict[str, StepTimesOut]


class ResponseTimesOut(BaseModel):
    """Response times overall and per group (the dimensions asked for; the others are null)."""

    as_of: datetime | None
    steps: list[str]
    overall: GroupTimesOut
    field_office: list[GroupTimesOut] | None = None
    alert_network: list[GroupTimesOut] | None = None


def _step(times: StepTimes) -> StepTimesOut:
    return StepTimesOut(**times.as_dict())


def _group(group: GroupTimes) -> GroupTimesOut:
    return GroupTimesOut(
        dimension=group.dimension,
        group=group.group,
        alerts=group.alerts,
        steps={s.step: _step(s) for s in group.steps},
    )


def response_times_out(result: ResponseTimes) -> ResponseTimesOut:
    """The API view of ``result``."""
    groups = {dimension: [_group(g) for g in found] for dimension, found in result.groups.items()}
    return ResponseTimesOut(
        as_of=result.as_of,
        steps=[s.step for s in result.overall.steps],
        overall=_group(result.overall),
        field_office=groups.get("field_office"),
        alert_network=groups.get("alert_network"),
    )


@router.get("")
def get_response_times(
    user: CurrentUser,
    engine: Db,
    since: Annotated[
        datetime | None, Query(description="Alerts received from (ISO 8601; UTC if naive).")
    ] = None,
    until: Annotated[datetime | None, Query(description="Alerts received before (ISO 8601).")] = None,
    field_office: Annotated[str | None, Query(max_length=64, description="Only this field office.")] = None,
    by: Annotated[
        Grouping, Query(description="Group by field office, alert network or both.")
    ] = Grouping.both,
) -> ResponseTimesOut:
    """Hours from receipt to acknowledge, verify, decide, deploy and give feedback: median and p90."""
    dimensions = DIMENSIONS if by == Grouping.both else (by.value,)
    result = response_times(
        engine,
        since=since,
        until=until,
        field_office=field_office,
        viewer=user,
        dimensions=dimensions,
        now=datetime.now(UTC),
    )
    return response_times_out(result)
