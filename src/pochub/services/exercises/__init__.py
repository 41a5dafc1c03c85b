"""Training exercises on the mission's own engine: create, run (clock, injects, escalation), play, score, review.

Each team plays its own copy of every inject: an alert inject becomes one alert per team, received through the
normal intake and lifecycle with ``alerts.exercise_id`` set to the TEAM's id (``exercise_teams.team_id``), so that
operational lists, counts, exports, metrics and notifications leave it out, and teams never see or merge each
other's alerts. Every time stamp of an exercise alert is exercise time (the exercise clock's, not the wall
clock's); the operational escalation worker leaves exercise alerts alone and ``tick`` escalates them on
exercise time. Events replayed from real data stay in ``exercise_injects``; the ``events`` table is never written.

One module per use case, this package re-exporting their public names (``exercises.start``, ``exercises.Review``):
``scenario`` (creating an exercise, its injects), ``teams`` (teams, readiness checks), ``clock`` (start, pause,
speed, advance, finish, delivery and escalation, status), ``play`` (a team's feed and decisions), ``coverage`` (a
team's posture against the optimal plan) and ``scoring`` (scores and the after-action review), all reading the
tables through ``records``. No module of the package imports this one.
"""

from pochub.core.models.access import FACILITATOR_ROLES
from pochub.services.exercises.clock import (
    advance,
    exercise_status,
    finish,
    list_exercises,
    pause,
    set_speed,
    start,
    tick,
)
from pochub.services.exercises.coverage import Mission, Moment, Situation, coverage_at
from pochub.services.exercises.play import team_act, team_alert_view, team_feed
from pochub.services.exercises.records import FACILITATOR, exercise_by_name
from pochub.services.exercises.scenario import (
    Area,
    add_community_injects,
    add_injects,
    client_data_file,
    create_demo_exercise,
    create_replay_exercise,
    create_scripted_exercise,
    injects_of,
    is_area,
    read_real_events,
)
from pochub.services.exercises.scoring import CRITERION_STEPS, Play, Review, latest_scores, review, score
from pochub.services.exercises.teams import (
    ALERT_INJECTS,
    READINESS_STEPS,
    add_team,
    exercises_played,
    plays_under_way,
    team_alert,
    team_of,
    team_readiness,
    trainee_candidates,
)

__all__ = [
    "ALERT_INJECTS",
    "CRITERION_STEPS",
    "FACILITATOR",
    "FACILITATOR_ROLES",
    "READINESS_STEPS",
    "Area",
    "Mission",
    "Moment",
    "Play",
    "Review",
    "Situation",
    "add_community_injects",
    "add_injects",
    "add_team",
    "advance",
    "client_data_file",
    "coverage_at",
    "create_demo_exercise",
    "create_replay_exercise",
    "create_scripted_exercise",
    "exercise_by_name",
    "exercise_status",
    "exercises_played",
    "finish",
    "injects_of",
    "is_area",
    "latest_scores",
    "list_exercises",
    "pause",
    "plays_under_way",
    "read_real_events",
    "review",
    "score",
    "set_speed",
    "start",
    "team_act",
    "team_alert",
    "team_alert_view",
    "team_feed",
    "team_of",
    "team_readiness",
    "tick",
    "trainee_candidates",
]
