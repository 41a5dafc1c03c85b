"""Exercises on both backends: a demo exercise and a replay of real data, two teams playing through the CLI and
the service, scores and the after-action review, and no exercise record in operational counts, lists, exports,
metrics, escalation or notifications."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import Engine, func, select

from pochub.config import Settings
from pochub.core.models.access import User
from pochub.core.models.alerts import Decision, Phase, Tier, Verification
from pochub.core.models.filters import AlertFilter
from pochub.core.workflow import lifecycle as lc
from pochub.errors import Forbidden, InvalidTransition
from pochub.services import exercises
from pochub.services.alert_metrics import response_times
from pochub.services.alert_views import export_alerts, list_alerts
from pochub.services.alerts import count_alerts, escalate_overdue
from pochub.services.notifications import add_endpoint, deliver_pending
from pochub.store import tables
from tests.api.access_helpers import make_user
from tests.conftest import CliRunner, shared_file


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def operational_picture(engine: Engine, admin: User) -> dict[str, Any]:
    """Everything real operations count, list, export or measure."""
    settings = Settings(database_url=url_of(engine))
    with engine.connect() as conn:
        events = conn.execute(select(func.count()).select_from(tables.events)).scalar_one()
    _, listed = list_alerts(engine, settings, admin, AlertFilter(), limit=10, offset=0)
    return {
        "alerts": count_alerts(engine),
        "listed": listed,
        "export": export_alerts(engine, settings, admin, AlertFilter(), fmt="csv"),
        "events": events,
        "metrics": response_times(engine).as_dict()["overall"],
    }


def exercise_leaks(engine: Engine) -> dict[str, int]:
    """Exercise alerts in the real notification path: real outbox rows (exercise_id NULL) about an exercise
    alert, and deliveries of an exercise's notification. (The real outbox and deliveries themselves change
    while a test runs: the escalation and delivery calls also serve other tests' real alerts.)"""
    exercise_alerts = select(tables.alerts.c.alert_id).where(tables.alerts.c.exercise_id.is_not(None))
    with engine.connect() as conn:
        played = conn.execute(select(func.count()).select_from(exercise_alerts.subquery())).scalar_one()
        real_rows = conn.execute(
            select(func.count()).select_from(tables.outbox).where(
                tables.outbox.c.exercise_id.is_(None), tables.outbox.c.alert_id.in_(exercise_alerts)
            )
        ).scalar_one()  # fmt: skip
        delivered = conn.execute(
            select(func.count()).select_from(tables.deliveries).join(
                tables.outbox, tables.outbox.c.effect_id == tables.deliveries.c.effect_id
            ).where(
                (tables.outbox.c.exercise_id.is_not(None)) | tables.outbox.c.alert_id.in_(exercise_alerts)
            )
        ).scalar_one()  # fmt: skip
    return {"exercise alerts": played, "real outbox rows": real_rows, "deliveries": delivered}


def play_alert(act: Any, reference: str, rumour: bool, good: bool, unit: str) -> None:
    """A good team triangulates rumours and answers violence with tier II in the response phase; a poor one
    believes rumours and answers with dialogue in the prevention phase, and forgets to close."""
    act(reference, "acknowledge", {})
    if rumour and good:
        act(reference, "verify", {"result": "unfounded"})
        act(reference, "give-feedback", {"channel": "phone", "message": "We checked: nothing happened."})
        act(reference, "close", {})
        return
    act(reference, "verify", {"result": "confirmed"})
    act(reference, "classify", {"threat_type": "killing", "urgency": "immediate"})
    act(reference, "transmit", {})
    if good:
        act(reference, "decide", {"decision": "respond", "tier": "II", "phase": "response", "units": [unit]})
    else:
        act(reference, "decide", {"decision": "respond", "tier": "I", "phase": "prevention"})
    act(reference, "deploy", {})
    act(reference, "record-outcome", {"outcome": "patrol at the village"})
    act(reference, "give-feedback", {"channel": "radio", "message": "A patrol was sent."})
    if good:
        act(reference, "close", {})


def test_two_teams_play_a_demo_exercise_through_the_cli(
    demo_engine: Engine, cli: CliRunner, tmp_path: Path
) -> None:
    db = url_of(demo_engine)
    admin, _ = make_user(demo_engine, "admin")
    trainer, _ = make_user(demo_engine, "trainer")
    blue, _ = make_user(demo_engine, "field_officer", area_pcodes=("KT",))
    red, _ = make_user(demo_engine, "field_officer", area_pcodes=("KT",))
    before = operational_picture(demo_engine, admin)
    name = f"demo-{uuid.uuid4().hex[:6]}"

    made = cli("--database", db, "exercise", "create", name, "--demo", "--difficulty", "normal", "--speed", "1",
               "--as", trainer.username)  # fmt: skip
    assert made.code == 0, made.err
    exercise = made.out.strip()
    for team, user in (("Blue", blue), ("Red", red)):
        added = cli("--database", db, "exercise", "team", exercise, team, "--as", trainer.username,
                    "--member", f"{user.username}:poc_officer")  # fmt: skip
        assert added.code == 0, added.err
    refused = cli("--database", db, "exercise", "start", exercise, "--as", blue.username)
    assert refused.code == 1 and "trainers" in refused.err
    assert cli("--database", db, "exercise", "start", exercise, "--as", trainer.username).code == 0
    assert cli("--database", db, "exercise", "pause", exercise, "--as", trainer.username).code == 0
    assert cli("--database", db, "exercise", "advance", exercise, "23.7", "--as", trainer.username).code == 0
    assert cli("--database", db, "exercise", "start", exercise, "--as", trainer.username).code == 0

    injects = {i["text"]: i for i in exercises.injects_of(demo_engine, int(exercise))}
    with demo_engine.connect() as conn:
        units = list(conn.execute(select(tables.units.c.unit_id)).scalars())
    for user, good in ((blue, True), (red, False)):
        feed = json.loads(cli("--database", db, "exercise", "feed", exercise, "--as", user.username).out)
        assert feed["alerts_total"] >= 4
        assert any(m["kind"] in ("road_cut", "unit_unavailable") for m in feed["messages"])

        def act(reference: str, action: str, fields: dict[str, Any], user: User = user) -> None:
            done = cli("--database", db, "exercise", "act", exercise, reference, action, "--as", user.username,
                       "--fields", json.dumps(fields))  # fmt: skip
            assert done.code == 0, done.err

        for item in feed["alerts"]:
            play_alert(act, item["reference"], injects[item["text"]]["kind"] == "rumour", good, units[-1])

    other = json.loads(cli("--database", db, "exercise", "feed", exercise, "--as", red.username).out)[
        "alerts"
    ][0]
    stolen = cli(
        "--database",
        db,
        "exercise",
        "act",
        exercise,
        other["reference"],
        "acknowledge",
        "--as",
        blue.username,
    )
    assert stolen.code == 1 and "your team" in stolen.err  # a team acts only on its own copy

    scored = cli("--database", db, "exercise", "score", exercise, "--as", trainer.username)
    assert scored.code == 0, scored.err
    document = json.loads(scored.out)
    totals = {t["team"]: t for t in document["teams"]}
    assert totals["Blue"]["total"] > totals["Red"]["total"]
    assert document["ranking"][0] == "Blue"
    blue_scores = totals["Blue"]["decisions"][0]["scores"]
    assert all(s["explanation"] for s in blue_scores)
    assert totals["Red"]["criteria"]["feedback"] == 0.5  # fed back, never closed
    assert any("rumour" in s["explanation"] for d in totals["Red"]["decisions"] for s in d["scores"])
    assert document["lessons"]

    for suffix in ("html", "pdf"):
        out = tmp_path / f"aar.{suffix}"
        made = cli("--database", db, "exercise", "report", exercise, "--as", trainer.username, "-o", out)
        assert made.code == 0, made.err
    html = (tmp_path / "aar.html").read_text(encoding="utf-8")
    assert "After-action review" in html and "<svg" in html and "optimal plan" in html
    assert "Blue" in html and "Red" in html and "Timeline" in html
    assert (tmp_path / "aar.pdf").read_bytes().startswith(b"%PDF")

    # exercise alerts exist, each team's apart, and none reaches operations
    with demo_engine.connect() as conn:
        teams = [t["team_id"] for t in exercises.exercise_status(demo_engine, int(exercise))["teams"]]
        copies = conn.execute(
            select(func.count()).select_from(tables.alerts).where(tables.alerts.c.exercise_id.in_(teams))
        ).scalar_one()
    assert copies >= 8
    escalate_overdue(demo_engine, now=datetime(2100, 1, 1, tzinfo=UTC))  # the real worker leaves them alone
    add_endpoint(demo_engine, f"hook-{name}", "https://example.org/hook")
    posted: list[bytes] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        posted.append(request.content)
        return httpx2.Response(200)

    with httpx2.Client(transport=httpx2.MockTransport(handle)) as client:
        deliver_pending(demo_engine, datetime(2100, 1, 1, tzinfo=UTC), client=client, limit=1000)
    assert not any(b'"exercise"' in body or name.encode() in body for body in posted)
    with demo_engine.connect() as conn:
        exercise_rows = conn.execute(
            select(tables.outbox.c.status).where(tables.outbox.c.exercise_id.in_(teams))
        ).scalars().all()  # fmt: skip
        exercise_deliveries = conn.execute(
            select(func.count()).select_from(tables.deliveries).join(
                tables.outbox, tables.outbox.c.effect_id == tables.deliveries.c.effect_id
            ).where(tables.outbox.c.exercise_id.in_(teams))
        ).scalar_one()  # fmt: skip
    assert exercise_rows and "delivered" not in exercise_rows and exercise_deliveries == 0
    assert operational_picture(demo_engine, admin) == before
    leaks = exercise_leaks(demo_engine)
    assert leaks["exercise alerts"] > 0 and leaks["real outbox rows"] == leaks["deliveries"] == 0, leaks


def test_a_real_period_of_real_data_is_replayed_and_scored(demo_engine: Engine) -> None:
    settings = Settings(database_url=url_of(demo_engine))
    admin, _ = make_user(demo_engine, "admin")
    trainer, _ = make_user(demo_engine, "trainer")
    first, second = make_user(demo_engine, "poc_adviser")[0], make_user(demo_engine, "poc_adviser")[0]
    helpers = [make_user(demo_engine, "cla", area_pcodes=("KT",))[0] for _ in range(2)]
    before = operational_picture(demo_engine, admin)
    moment = datetime(2031, 5, 1, 8, tzinfo=UTC)
    made = exercises.create_replay_exercise(
        demo_engine, trainer, name=f"unity-{uuid.uuid4().hex[:6]}",
        path=shared_file("ucdp-ged-ssd-hdx/conflict_data_ssd.csv"), fmt="ucdp", first=date(2018, 4, 1),
        last=date(2018, 4, 30), area=exercises.Area(("Unity state",)), duration_hours=12, limit=6, speed=60,
        now=moment,
    )  # fmt: skip
    exercise = made["exercise_id"]
    injects = exercises.injects_of(demo_engine, exercise)
    assert 1 <= len(injects) <= 6 and made["scenario_start"].startswith("2018-04-01")
    assert all(
        i["source_date"].startswith("2018-04") and i["source_event"].startswith("ucdp:") for i in injects
    )
    assert all(i["expected"]["phase"] == "response" for i in injects)
    with pytest.raises(Forbidden):
        exercises.start(demo_engine, exercise, first, now=moment)
    with pytest.raises(InvalidTransition, match="team"):
        exercises.start(demo_engine, exercise, trainer, now=moment)
    exercises.add_team(demo_engine, exercise, trainer, name="North",
                       members=[(first.username, "senior_poc_adviser"), (helpers[0].username, None)])  # fmt: skip
    exercises.add_team(demo_engine, exercise, trainer, name="South", members=[(second.username, None)])
    exercises.start(demo_engine, exercise, trainer, now=moment)
    status = exercises.advance(demo_engine, exercise, trainer, 11.9, now=moment)
    assert status["injects"]["delivered"] == len(injects)

    feed = exercises.team_feed(demo_engine, settings, exercise, first, now=moment)
    assert feed["alerts_total"] == len(injects) and feed["team"]["name"] == "North"
    for item in feed["alerts"]:
        ref = item["reference"]
        for step in (
            lc.Acknowledge(), lc.Verify(Verification.CONFIRMED), lc.Classify(), lc.Transmit(),
            lc.Decide(Decision.RESPOND, Tier.DIALOGUE_ENGAGEMENT, Phase.RESPONSE),
        ):  # fmt: skip
            exercises.team_act(demo_engine, settings, exercise, ref, step, first, now=moment)
    south = exercises.team_feed(demo_engine, settings, exercise, second, now=moment)["alerts"]
    exercises.team_act(
        demo_engine, settings, exercise, south[0]["reference"], lc.Acknowledge(), second, now=moment
    )
    with pytest.raises(Forbidden):  # a CLA of the demo area cannot decide a response (the lifecycle's rule)
        exercises.team_act(demo_engine, settings, exercise, feed["alerts"][0]["reference"], lc.Deploy(), helpers[0],
                           now=moment)  # fmt: skip
    exercises.pause(demo_engine, exercise, trainer, now=moment)
    with pytest.raises(InvalidTransition, match="paused"):
        exercises.team_act(
            demo_engine, settings, exercise, south[0]["reference"], lc.Verify(), second, now=moment
        )

    document = exercises.score(demo_engine, exercise, trainer, now=moment)
    north, south_score = document["teams"]
    assert north["team"] == "North" and north["total"] > south_score["total"]
    assert north["criteria"]["acknowledge"] is not None
    review = exercises.review(demo_engine, exercise, trainer, now=moment)
    assert [e["at"] for e in review.timeline] == sorted(e["at"] for e in review.timeline)
    assert any(e["who"] == "facilitator" and "real date 2018-04" in e["detail"] for e in review.timeline)
    assert any(e["kind"] == "decide" for e in review.timeline)
    assert review.moments  # the map at the end of each team's play
    # no real event was stored, no exercise alert counted, listed, exported or measured, or notified for real
    assert operational_picture(demo_engine, admin) == before
    leaks = exercise_leaks(demo_engine)
    assert leaks["exercise alerts"] > 0 and leaks["real outbox rows"] == leaks["deliveries"] == 0, leaks
