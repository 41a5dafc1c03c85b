"""Team play: what a trainee's team sees (its alerts and situation messages) and a trainee's lifecycle action on
the team's alert at exercise time, recorded as the team's decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Engine, insert, select

from pochub.config import Settings
from pochub.core.exercise.clock import ClockStatus
from pochub.core.models.access import User
from pochub.core.models.filters import AlertFilter
from pochub.core.text import N_, Message
from pochub.core.workflow.lifecycle import Action
from pochub.errors import InvalidTransition
from pochub.services import alerts as alert_service
from pochub.services.alert_actions import TRAINEE_ACTIONS
from pochub.services.alert_views import alert_detail, list_alerts
from pochub.services.exercises.clock import tick
from pochub.services.exercises.records import (
    DECISIONS,
    DELIVERIES,
    INJECTS,
    aware,
    real_moment,
)
from pochub.services.exercises.teams import team_alert, team_of


def team_feed(
    engine: Engine, settings: Settings, exercise_id: int, user: User, *, now: datetime | None = None
) -> dict[str, Any]:
    """What a trainee's team sees: its alerts (as the normal alert list shows them) and situation messages."""
    status = tick(engine, exercise_id, settings=settings, now=now)
    with engine.connect() as conn:
        team_id, name, post = team_of(conn, exercise_id, user)
        messages = conn.execute(
            select(INJECTS.c.at, INJECTS.c.kind, INJECTS.c.title, INJECTS.c.text)
            .join(DELIVERIES, DELIVERIES.c.inject_id == INJECTS.c.inject_id)
            .where(DELIVERIES.c.team_id == team_id, DELIVERIES.c.alert_reference.is_(None))
            .order_by(INJECTS.c.at)
        ).all()
    items, total = list_alerts(engine, settings, user, AlertFilter(exercise_id=team_id), limit=500, offset=0)
    for item in items:  # overdue on exercise time, not on the wall clock
        due = item["due_at"]
        item["overdue"] = bool(
            due and datetime.fromisoformat(due) < datetime.fromisoformat(status["exercise_time"])
        )
    return {
        "exercise_time": status["exercise_time"],
        "status": status["status"],
        "team": {"team_id": team_id, "name": name, "post": post},
        "alerts": items,
        "alerts_total": total,
        "messages": [
            {"at": aware(m.at).isoformat(), "kind": m.kind, "title": m.title, "text": m.text}
            for m in messages
        ],
    }


def team_alert_view(
    engine: Engine, settings: Settings, exercise_id: int, reference: str, user: User
) -> dict[str, Any]:
    """One of the trainee's team's alerts (``team_alert``: no other), as ``alert_detail`` shows it, overdue on
    exercise time, with only the actions trainees take; with the exercise's status and the team."""
    status = tick(engine, exercise_id, settings=settings)
    with engine.connect() as conn:
        team_id, name, post = team_alert(conn, exercise_id, reference, user)
    view = alert_detail(engine, settings, reference, user)
    now = datetime.fromisoformat(status["exercise_time"])
    view["overdue"] = bool(view["due_at"] and datetime.fromisoformat(view["due_at"]) < now)
    view["allowed_actions"] = [a for a in view["allowed_actions"] if a in TRAINEE_ACTIONS]
    return {"exercise": status, "team": {"team_id": team_id, "name": name, "post": post}, "alert": view}


def _decision_detail(action: Action, state: Any) -> dict[str, Any]:
    detail: dict[str, Any] = {"status": state.status.value}
    if state.verification is not None:
        detail["verification"] = state.verification.value
    if state.response is not None:
        response = state.response
        detail.update(
            decision=response.decision.value,
            tier=response.tier.value if response.tier else None,
            phase=response.phase.value if response.phase else None,
            units=list(response.units),
            reason=response.reason,
        )
    if action.name.value == "deploy":
        detail["deployed_units"] = list(state.deployed_units)
    if state.feedback is not None:
        detail["feedback_channel"] = state.feedback.channel.value
    return detail


def team_act(
    engine: Engine,
    settings: Settings,
    exercise_id: int,
    reference: str,
    action: Action,
    user: User,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A trainee's lifecycle action on their team's alert, at exercise time, through the normal lifecycle."""
    moment = real_moment(now)
    status = tick(engine, exercise_id, settings=settings, now=now)
    if status["status"] != ClockStatus.RUNNING.value:
        raise InvalidTransition(
            Message(N_("the exercise is {status}: trainees act only while it runs"), status=status["status"])
        )
    at = datetime.fromisoformat(status["exercise_time"])
    with engine.connect() as conn:
        team_id, _, post = team_alert(conn, exercise_id, reference, user)
    state = alert_service.act(engine, settings, reference, action, user, now=at, exercise=True)
    with engine.begin() as conn:
        conn.execute(
            insert(DECISIONS).values(
                exercise_id=exercise_id, team_id=team_id, alert_reference=reference, action=action.name.value,
                actor=user.username, post_id=post, at=at, real_at=moment,
                detail=orjson.dumps(_decision_detail(action, state)).decode(),
            )
        )  # fmt: skip
    return {
        "reference": reference,
        "state": state.status.value,
        "next_step": state.next_step,
        "due_at": state.due_at.isoformat() if state.due_at else None,
        "exercise_time": at.isoformat(),
    }
