"""Fair scores: a criterion the team could not meet (no member may take its step) is not applicable and left out
of the total, never a 0; a team that received no alert is not scored, and the lessons say nothing was played."""

from __future__ import annotations

from pochub.core.exercise.scoring import lessons, score_team
from pochub.core.text import Message
from tests.core.test_exercise import play


def test_a_criterion_the_team_cannot_meet_is_left_out_of_the_total() -> None:
    silent = play()  # never acknowledged, never heard back: feedback scores 0 when it applies
    counted = score_team("Advisers", [silent])
    excused = score_team(
        "Advisers", [silent], not_applicable={"feedback": Message("no member may give feedback")}
    )
    assert counted.criteria["feedback"] == 0.0
    assert excused.criteria["feedback"] is None
    feedback = next(s for s in excused.decisions[0].scores if s.criterion == "feedback")
    assert feedback.value is None and "no member" in str(feedback.explanation)
    assert excused.total >= counted.total  # a 0 that did not apply no longer drags the total down


def test_a_team_without_alerts_is_not_scored() -> None:
    idle = score_team("Besu", [])
    assert not idle.decisions and all(value is None for value in idle.criteria.values())
    assert "no alert reached this team" in str(idle.explanation[0])
    assert "No alert was played" in str(lessons([idle])[0])
    assert "80 %" not in str(lessons([idle])[0])
