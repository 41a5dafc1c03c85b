"""Who may use the exercise pages: facilitators (trainers and administrators) run exercises, trainees play
in a team of one under way; the page that says why someone may not."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import exists, select

from pochub.core.exercise.clock import ClockStatus
from pochub.core.models.access import User
from pochub.services import exercises
from pochub.store import tables
from pochub.web.rendering import environment, render

UNDER_WAY = (ClockStatus.RUNNING.value, ClockStatus.PAUSED.value)


def is_facilitator(user: User) -> bool:
    """May ``user`` create and run exercises (trainers and administrators)?"""
    return user.role in exercises.FACILITATOR_ROLES


def exercise_player(request: Request, user: User) -> bool:
    """Does ``user`` play in a team of an exercise under way (running or paused)? The layout's navigation then
    offers "Exercises"."""
    query = select(
        exists()
        .where(tables.exercise_members.c.user_id == user.user_id)
        .where(tables.exercise_members.c.team_id == tables.exercise_teams.c.team_id)
        .where(tables.exercise_teams.c.exercise_id == tables.exercises.c.exercise_id)
        .where(tables.exercises.c.status.in_(UNDER_WAY))
    )
    with request.app.state.engine.connect() as conn:
        return bool(conn.execute(query).scalar())


environment().globals["exercise_player"] = exercise_player


def refused(request: Request, user: User, status: int, code: str, detail: str = "") -> Response:
    """The page saying why ``user`` may not do this, with its status and message code."""
    return render(request, "exercise_refused.html", status_code=status, user=user, code=code, detail=detail)
