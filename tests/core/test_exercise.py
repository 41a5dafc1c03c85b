"""The exercise core: the clock, scenario compression and generation, the YAML injects, scoring."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pochub.core.exercise.clock import ClockStatus, ExerciseClock
from pochub.core.exercise.scenario import (
    EventRecord,
    InjectKind,
    MissionPicture,
    answer_key,
    demo_scenario,
    difficulty,
    replay,
)
from pochub.core.exercise.scoring import AlertPlay, CoverageComparison, score_play, score_team, timeliness
from pochub.core.models.alerts import Decision, Phase, Tier, Verification
from pochub.core.models.capacities import Unit, UnitType
from pochub.core.models.places import Community
from pochub.errors import InvalidInput, InvalidTransition
from pochub.ingest.scenario import parse_injects

START = datetime(2018, 4, 1, tzinfo=UTC)
REAL = datetime(2030, 1, 1, 8, tzinfo=UTC)


def clock(speed: float = 60.0) -> ExerciseClock:
    return ExerciseClock(start=START, end=START + timedelta(hours=24), speed=speed)


def test_the_clock_starts_pauses_changes_speed_and_advances() -> None:
    c = clock().started(REAL)
    assert c.now(REAL + timedelta(minutes=10)) == START + timedelta(
        hours=10
    )  # 60x: ten minutes are ten hours
    c = c.paused(REAL + timedelta(minutes=10))
    assert c.status is ClockStatus.PAUSED
    assert c.now(REAL + timedelta(days=3)) == START + timedelta(hours=10)  # paused: time stands still
    c = c.advanced(REAL, timedelta(hours=2)).started(REAL + timedelta(hours=1))
    c = c.with_speed(REAL + timedelta(hours=1, minutes=1), 3600)
    assert c.now(REAL + timedelta(hours=1, minutes=1, seconds=2)) == START + timedelta(hours=15)
    assert c.now(REAL + timedelta(days=5)) == c.end and c.over(REAL + timedelta(days=5))
    with pytest.raises(InvalidTransition):
        c.started(REAL)
    with pytest.raises(InvalidInput):
        c.with_speed(REAL, 0)


@given(
    st.lists(
        st.tuples(st.sampled_from(["start", "pause", "advance", "speed"]), st.integers(0, 10_000)),
        max_size=12,
    )
)
def test_exercise_time_never_runs_backwards_nor_past_the_end(steps: list[tuple[str, int]]) -> None:
    c = clock()
    real = REAL
    last = c.now(real)
    for change, seconds in steps:
        real += timedelta(seconds=seconds)
        try:
            if change == "start":
                c = c.started(real)
            elif change == "pause":
                c = c.paused(real)
            elif change == "advance":
                c = c.advanced(real, timedelta(seconds=seconds + 1))
            else:
                c = c.with_speed(real, 1 + seconds % 500)
        except InvalidTransition:
            pass
        now = c.now(real)
        assert last <= now <= c.end
        last = now


def event(day: int, fatalities: int = 0, source_id: str | None = None) -> EventRecord:
    return EventRecord(
        "ucdp", source_id or f"E{day}-{fatalities}", date(2018, 4, day), 9.2, 29.8, "Bentiu", "Unity state",
        None, "killing", "one-sided violence", "", "SPLA-IO", fatalities, True,
    )  # fmt: skip


@given(st.lists(st.tuples(st.integers(1, 30), st.integers(0, 50)), min_size=1, max_size=40, unique=True))
def test_a_replayed_period_keeps_its_order_inside_the_exercise(days: list[tuple[int, int]]) -> None:
    events = [event(d, f) for d, f in days]
    injects = replay(
        events, first=date(2018, 4, 1), last=date(2018, 4, 30), start=START, duration=timedelta(hours=24),
        origin="ucdp", limit=10,
    )  # fmt: skip
    assert 1 <= len(injects) <= 10
    assert all(START <= i.at <= START + timedelta(hours=24) for i in injects)
    real_dates = [i.source_date for i in injects]
    assert real_dates == sorted(real_dates)  # type: ignore[type-var]
    assert [i.at for i in injects] == sorted(i.at for i in injects)
    assert all(
        i.kind is InjectKind.EVENT and i.expected and i.expected.phase is Phase.RESPONSE for i in injects
    )


def test_a_replay_keeps_the_deadliest_events_when_there_are_too_many() -> None:
    events = [event(d, d) for d in range(1, 21)]
    injects = replay(events, first=date(2018, 4, 1), last=date(2018, 4, 30), start=START,
                     duration=timedelta(hours=24), origin="ucdp", limit=3)  # fmt: skip
    assert [i.fatalities for i in injects] == [18, 19, 20]
    with pytest.raises(InvalidInput, match="no event"):
        replay(events, first=date(2019, 1, 1), last=date(2019, 1, 2), start=START, duration=timedelta(hours=1),
               origin="ucdp")  # fmt: skip


def test_the_demo_scenario_follows_its_difficulty_and_seed() -> None:
    picture = MissionPicture(
        tuple(event(d, d % 3) for d in range(1, 31)),
        tuple(Community(f"C{i}", f"Village {i}", 9.0 + i / 100, 29.0, 500 + i) for i in range(10)),
        tuple(Unit(f"U{i}", f"Company {i}", UnitType.INFANTRY_COMPANY, 120, "B1") for i in range(3)),
        ("R1", "R2", "R3"),
    )
    hard = demo_scenario(picture, difficulty("hard"), np.random.default_rng(3), start=START)
    again = demo_scenario(picture, difficulty("hard"), np.random.default_rng(3), start=START)
    assert hard == again
    kinds = [i.kind for i in hard]
    assert kinds.count(InjectKind.UNIT_UNAVAILABLE) == 2 and kinds.count(InjectKind.ROAD_CUT) == 2
    assert kinds.count(InjectKind.RUMOUR) == round(14 * 0.35)
    easy = demo_scenario(picture, difficulty("easy"), np.random.default_rng(3), start=START)
    assert {i.kind for i in easy} == {InjectKind.EVENT}
    with pytest.raises(InvalidInput, match="unknown difficulty"):
        difficulty("nightmare")


def test_the_facilitator_scripts_injects_in_yaml() -> None:
    injects = parse_injects(
        """
injects:
  - at: +6h
    kind: road_cut
    title: Rain cuts the Bentiu road
    roads: [R1]
  - at: 90m
    kind: community_alert
    text: Armed youth gathering near the market, they say they will attack tonight.
    lat: 9.23
    lon: 29.79
    threat_type: killing
    urgency: immediate
    anticipated: true
  - at: +2h
    kind: rumour
    text: People say the church was burned.
    pcode: SS04
  - kind: unit_unavailable
    at: 2018-04-01T12:00:00+00:00
    units: [U1]
    until: +20h
""",
        START,
    )
    assert [i.kind for i in injects] == ["community_alert", "rumour", "road_cut", "unit_unavailable"]
    alert = injects[0]
    assert alert.at == START + timedelta(minutes=90)
    assert alert.expected is not None and alert.expected.phase is Phase.PRE_EMPTION
    assert injects[1].expected is not None and injects[1].expected.verification is Verification.UNFOUNDED
    assert injects[3].until == START + timedelta(hours=20)


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("- kind: flood\n  text: x\n  pcode: A", "inject 1.*kind.*not one of"),
        ("- kind: community_alert\n  text: help", "needs a place"),
        ("- kind: road_cut\n  title: cut", "names its roads"),
        ("- kind: rumour\n  text: x\n  pcode: A\n  at: tomorrow", "neither an offset"),
        ("- kind: rumour\n  text: x\n  pcode: A\n  colour: red", "unknown field"),
        ("- kind: rumour\n  text: x\n  pcode: A\n  threat_type: theft", "unknown threat type"),
        ("just text", "give a list of injects"),
    ],
)
def test_bad_injects_are_refused_with_their_place(yaml_text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_injects(yaml_text, START)


def play(**changes: object) -> AlertPlay:
    values: dict[str, object] = {
        "inject_id": 1, "title": "attack on Bentiu", "reference": "A1", "delivered_at": START,
        "expected": answer_key(InjectKind.EVENT, "killing", hours_since_violence=0.0),
        "deadlines": {"acknowledge": timedelta(hours=1), "verify": timedelta(hours=4), "decide": timedelta(hours=8)},
    }  # fmt: skip
    values.update(changes)
    return AlertPlay(**values)  # type: ignore[arg-type]


@given(st.integers(0, 10_000), st.integers(1, 600))
def test_timeliness_is_full_within_the_deadline_and_falls_to_nothing(minutes: int, deadline: int) -> None:
    value, why = timeliness(
        START + timedelta(minutes=minutes), START, timedelta(minutes=deadline), 2.0, "done"
    )
    assert 0.0 <= value <= 1.0
    assert (value == 1.0) == (minutes <= deadline)
    assert value == 0.0 or minutes < 2 * deadline
    assert "deadline" in str(why)


def test_a_prompt_doctrinal_response_scores_full_marks_and_says_why() -> None:
    good = play(
        acknowledged_at=START + timedelta(minutes=20), verified_at=START + timedelta(hours=1),
        verification=Verification.CONFIRMED, decided_at=START + timedelta(hours=2), decision=Decision.RESPOND,
        tier=Tier.PHYSICAL_PROTECTION, phase=Phase.RESPONSE, units=("U1",), deployed_at=START + timedelta(hours=2),
        feedback_at=START + timedelta(hours=6), closed_at=START + timedelta(hours=7),
        coverage=CoverageComparison(START, 5000, 4000, 4000, 1, 2.0),
    )  # fmt: skip
    scored = score_play(good)
    assert scored.total == 100.0
    assert "within the 1.0 h deadline" in str(scored.score("acknowledge").explanation)
    assert "4,000 of 5,000 civilians" in str(scored.score("coverage").explanation)


def test_mistakes_cost_points_with_their_reason() -> None:
    late = play(
        acknowledged_at=START + timedelta(hours=1, minutes=30), decided_at=None, decision=None,
        coverage=CoverageComparison(START, 5000, 1000, 4000, 1, 2.0),
    )  # fmt: skip
    scored = score_play(late)
    assert scored.score("acknowledge").value == pytest.approx(0.5)
    assert scored.score("respond").value == 0.0 and "never" in str(scored.score("respond").explanation)
    assert scored.score("coverage").value == pytest.approx(0.25)
    assert scored.score("feedback").value == 0.0
    rumour = play(expected=answer_key(InjectKind.RUMOUR, None, hours_since_violence=None), units=("U1",),
                  verification=Verification.CONFIRMED)  # fmt: skip
    assert score_play(rumour).score("doctrine").value == 0.0
    assert "deployed on a rumour" in str(score_play(rumour).score("doctrine").explanation)
    assert score_play(rumour).score("coverage").value is None
    unavailable = play(decision=Decision.RESPOND, tier=Tier.PHYSICAL_PROTECTION, phase=Phase.RESPONSE,
                       units=("U1",), unavailable_units=("U1",))  # fmt: skip
    assert score_play(unavailable).score("doctrine").value == 0.5
    team = score_team("Blue", [late, rumour])
    assert team.total == pytest.approx((score_play(late).total + score_play(rumour).total) / 2, abs=0.1)
    assert any("closed with feedback" in line for line in map(str, team.explanation))
