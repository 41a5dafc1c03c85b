"""Response times of the stored alerts: timelines from alerts and their transitions, measured by the core.

Exercise alerts (``exercise_id`` set) are training, not response, and never enter the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Engine, func, select

from pochub.core.models.access import User, location_fuzzed
from pochub.core.text import N_
from pochub.core.workflow.metrics import (
    CLOSING_ACTIONS,
    DIMENSIONS,
    STEPS,
    AlertTimeline,
    ResponseTimes,
)
from pochub.core.workflow.metrics import response_times as measure
from pochub.errors import InvalidInput
from pochub.store.alert_repository import scope_condition
from pochub.store.database import as_utc
from pochub.store.tables import alert_transitions, alerts

MEASURED_ACTIONS = (*STEPS, *sorted(CLOSING_ACTIONS))


def alert_timelines(
    conn: Connection,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    field_office: str | None = None,
    viewer: User | None = None,
) -> list[AlertTimeline]:
    """Timelines of the real (non-exercise) alerts received in [since, until), optionally of one field office.

    An area-scoped ``viewer`` (field officer, CLA) counts only the alerts of their area of responsibility.
    """
    if since is not None and until is not None and since >= until:
        raise InvalidInput(f"--since {since.isoformat()} is not before --until {until.isoformat()}")
    chosen: ColumnElement[bool] = alerts.c.exercise_id.is_(None)
    if since is not None:
        chosen &= alerts.c.received_at >= as_utc(since)
    if until is not None:
        chosen &= alerts.c.received_at < as_utc(until)
    if field_office is not None:
        chosen &= alerts.c.field_office == field_office
    scope = None if viewer is None else scope_condition(viewer)
    if scope is not None:
        chosen &= scope
    rows = conn.execute(
        select(alerts.c.alert_id, alerts.c.received_at, alerts.c.field_office, alerts.c.alert_network)
        .where(chosen)
        .order_by(alerts.c.alert_id)
    ).all()
    firsts = conn.execute(
        select(alert_transitions.c.alert_id, alert_transitions.c.action, func.min(alert_transitions.c.at))
        .join(alerts, alerts.c.alert_id == alert_transitions.c.alert_id)
        .where(chosen, alert_transitions.c.action.in_(MEASURED_ACTIONS))
        .group_by(alert_transitions.c.alert_id, alert_transitions.c.action)
    ).all()
    first_action_at: dict[int, dict[str, datetime]] = {}
    for alert_id, action, at in firsts:
        first_action_at.setdefault(alert_id, {})[action] = as_utc(at)
    return [
        AlertTimeline(
            alert_id,
            as_utc(received_at),
            office,
            network,
            first_action_at.get(alert_id, {}),
        )
        for alert_id, received_at, office, network in rows
    ]


def response_times(
    engine: Engine,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    field_office: str | None = None,
    viewer: User | None = None,
    dimensions: Sequence[str] = DIMENSIONS,
    now: datetime | None = None,
) -> ResponseTimes:
    """Median and 90th-percentile hours from receipt to each step, per field office and per alert network.

    A ``viewer`` who sees fuzzed places is given neither the per-office groups nor the office filter: an alert's
    office follows from its true place, so counts per office over a narrow time window would say, alert by
    alert, on which side of an office boundary the true point lies (the alert lists refuse that filter too).
    """
    if viewer is not None and location_fuzzed(viewer.role):
        if field_office is not None:
            raise InvalidInput(
                N_(
                    "the field office filter is not available to roles that see approximate places: "
                    "filter by area (P-code) instead"
                )
            )
        dimensions = tuple(d for d in dimensions if d != "field_office")
    with engine.connect() as conn:
        timelines = alert_timelines(conn, since=since, until=until, field_office=field_office, viewer=viewer)
    return measure(timelines, dimensions=dimensions, now=None if now is None else as_utc(now))
