"""Who may use the exercise pages: facilitators (trainers and administrators) run exercises, trainees play
in a team of one under way; the page that says why someone may not."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from pochub.core.models.access import User
from pochub.services import exercises
from pochub.web.rendering import environment, render


def is_facilitator(user: User) -> bool:
    """May ``user`` create and run exercises (trainers and administrators)?"""
    return user.role in exercises.FACILITATOR_ROLES


def exercise_player(request: Request, user: User) -> bool:
    """Does ``user`` play in a team of an exercise under way (running or paused)? The layout's navigation then
    offers "Exercises"."""
    return exercises.plays_under_way(request.app.state.engine, user)


environment().globals["exercise_player"] = exercise_player


def refused(request: Request, user: User, status: int, code: str, detail: str = "") -> Response:
    """The page saying why ``user`` may not do this, with its status and message code."""
    return render(request, "exercise_refused.html", status_code=status, user=user, code=code, detail=detail)
