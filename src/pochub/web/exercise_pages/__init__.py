"""The exercise pages: the facilitator's (the list and the creation form, one exercise's control page with its
clock, teams, injects, scores and after-action review) and the trainees' (their team's feed and the alert page in
exercise mode).

Trainees use the normal alert pages' templates (the inbox's layout, the alert page's forms) with their links and
forms pointing here, and every action goes through ``services.exercises.team_act``: the exercise's clock, the
team's own alerts and the normal lifecycle decide. Every exercise page carries an "EXERCISE" banner in words, so
nobody takes training for operations. Forms are plain posts rendered on the server; what is wrong is said in the
page, in the user's language (the services' own words shown beside it).

One module per use case, each with its router, mounted here in this order: ``setup`` (the list and the creation
form), ``control`` (one exercise's control page and its forms, the review page) and ``play`` (the trainees');
``access`` (who may) and ``fields`` (reading forms) serve them. No module of the package imports this one.
"""

from fastapi import APIRouter

from pochub.web.exercise_pages import control, play, setup
from pochub.web.exercise_pages.access import exercise_player
from pochub.web.exercise_pages.control import check_inject
from pochub.web.exercise_pages.setup import check_new_exercise

router = APIRouter(include_in_schema=False)
for pages in (setup, control, play):
    router.include_router(pages.router)

__all__ = ["check_inject", "check_new_exercise", "exercise_player", "router"]
