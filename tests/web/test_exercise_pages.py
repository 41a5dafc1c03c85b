"""The exercise pages on both backends: a facilitator creates a demo exercise through the form (which says what is
wrong), adds two teams, starts the clock and injects; each team acts on its own alert through the play pages
(the alert page in exercise mode); refusals are shown in the page and change nothing; only trainers and
administrators reach the control pages; exercise alerts never show in the operational inbox; scores with their
explanations and the after-action review; the EXERCISE banner on every exercise page; French."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.http.app import create_app
from pochub.store import tables
from tests.api.access_helpers import auth_header, make_user
from tests.conftest import shared_file
from tests.csrf_tokens import with_csrf_tokens

BANNER = '<strong class="exercise-word">EXERCISE</strong>'


@pytest.fixture(scope="module")
def client(demo_engine: Engine) -> Iterator[TestClient]:
    url = demo_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, workers=False))
    try:
        with with_csrf_tokens(TestClient(app, follow_redirects=False)) as test_client:
            yield test_client
    finally:
        app.state.engine.dispose()


@pytest.fixture(scope="module")
def people(demo_engine: Engine) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, role in (
        ("trainer", "trainer"),
        ("admin", "admin"),
        ("viewer", "viewer"),
        ("planner", "planner"),
    ):
        user, token = make_user(demo_engine, role)
        found[name] = {"user": user, "headers": auth_header(token)}
    for name in ("blue", "red"):
        user, token = make_user(demo_engine, "field_officer", area_pcodes=("KT",))
        found[name] = {"user": user, "headers": auth_header(token)}
    return found


def play_references(page: str, exercise: int) -> list[str]:
    return re.findall(rf'<th scope="row"><a href="/exercises/{exercise}/play/([A-Z0-9-]+)">', page)


def alerts_in_store(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.alerts)).scalar_one())


def team_alerts(engine: Engine, exercise_id: int, team: str) -> dict[str, str]:
    """The team's alerts and their states."""
    alerts, teams = tables.alerts, tables.exercise_teams
    with engine.connect() as conn:
        rows = conn.execute(
            select(alerts.c.reference, alerts.c.state)
            .join(teams, teams.c.team_id == alerts.c.exercise_id)
            .where(teams.c.exercise_id == exercise_id, teams.c.name == team)
        ).all()
    return {r.reference: r.state for r in rows}


@pytest.fixture(scope="module")
def exercise(client: TestClient, people: dict[str, Any], demo_engine: Engine) -> dict[str, Any]:
    """A demo exercise created, staffed with two teams, started, moved on and given an inject, all through the
    facilitator's pages (each step checked); its id and name."""
    trainer = people["trainer"]["headers"]
    listing = client.get("/exercises", headers=trainer)
    assert listing.status_code == 200 and BANNER in listing.text
    assert 'action="/exercises" id="create-form"' in listing.text

    # the form says what is wrong, field by field, and creates nothing
    bad = client.post(
        "/exercises", headers=trainer,
        data={"name": "", "source": "real", "file": "", "format": "acled", "first": "2024-02-30", "last": "",
              "speed": "0", "standard_hours": "2", "duration_hours": "24", "limit": "12", "bbox": "1,2,3"},
    )  # fmt: skip
    assert bad.status_code == 422
    for message in (
        "Give the exercise a name.",
        "Give the path of the data file on the server.",
        "Write the date as YYYY-MM-DD, for example 2024-01-31.",
        "Enter the date, for example 2024-01-31.",
        "Enter a speed above 0 and at most 10000 exercise seconds a real second.",
        "Write the box as four numbers",
    ):
        assert message in bad.text, message
    assert 'id="new-name" name="name" type="text" value="" aria-invalid="true"' in bad.text
    missing = client.post(
        "/exercises", headers=trainer,
        data={"name": f"missing-{uuid.uuid4().hex[:6]}", "source": "real", "file": "/no/such/file.csv",
              "format": "acled", "first": "2024-01-01", "last": "2024-01-31", "speed": "60", "standard_hours": "2",
              "duration_hours": "24", "limit": "12"},
    )  # fmt: skip
    assert missing.status_code == 422 and "no such file" in missing.text
    scripted = client.post(
        "/exercises", headers=trainer,
        data={"name": f"yaml-{uuid.uuid4().hex[:6]}", "source": "scripted", "injects": "- kind: nonsense\n",
              "start": "2026-03-01T08:00", "speed": "60", "standard_hours": "2", "duration_hours": "24"},
    )  # fmt: skip
    assert scripted.status_code == 422 and "is not one of" in scripted.text  # the parser names the field

    name = f"web-{uuid.uuid4().hex[:6]}"
    form = {
        "name": name,
        "source": "demo",
        "difficulty": "easy",
        "seed": "1",
        "speed": "1",
        "standard_hours": "2",
    }
    made = client.post("/exercises", headers=trainer, data=form)
    assert made.status_code == 303, made.text
    exercise_id = int(re.fullmatch(r"/exercises/(\d+)\?created=1", made.headers["location"]).group(1))  # type: ignore[union-attr]
    again = client.post("/exercises", headers=trainer, data=form)
    assert again.status_code == 409 and "An exercise has this name already" in again.text
    base = f"/exercises/{exercise_id}"

    control = client.get(base, headers=trainer)
    assert control.status_code == 200 and BANNER in control.text
    assert "planned (not started)" in control.text and "No team yet" in control.text
    no_team = client.post(f"{base}/clock", headers=trainer, data={"change": "start"})
    assert no_team.status_code == 409 and "add at least one team" in no_team.text

    nameless = client.post(f"{base}/teams", headers=trainer, data={"team_name": "", "username": ""})
    assert nameless.status_code == 422
    assert "Give the team a name." in nameless.text and "Give at least one member" in nameless.text
    unknown = client.post(
        f"{base}/teams", headers=trainer, data={"team_name": "Ghosts", "username": "nobody-here"}
    )
    assert unknown.status_code == 404 and "nobody-here" in unknown.text
    for team in ("blue", "red"):
        added = client.post(
            f"{base}/teams", headers=trainer,
            data={"team_name": team.title(), "username": [people[team]["user"].username, ""],
                  "post": ["poc_officer", ""]},
        )  # fmt: skip
        assert added.status_code == 303, added.text
    clash = client.post(
        f"{base}/teams",
        headers=trainer,
        data={"team_name": "Green", "username": people["blue"]["user"].username},
    )
    assert clash.status_code == 409 and "in another team" in clash.text

    assert client.post(f"{base}/clock", headers=trainer, data={"change": "start"}).status_code == 303
    assert client.post(f"{base}/clock", headers=trainer, data={"change": "pause"}).status_code == 303
    slow = client.post(f"{base}/clock", headers=trainer, data={"change": "speed", "speed": "-3"})
    assert slow.status_code == 422 and "Enter a speed above 0" in slow.text
    assert (
        client.post(f"{base}/clock", headers=trainer, data={"change": "advance", "hours": "11.8"}).status_code
        == 303
    )

    wordless = client.post(f"{base}/injects", headers=trainer, data={"kind": "community_alert", "at": "soon"})
    assert wordless.status_code == 422
    for message in ("An alert or a rumour needs its text.", "Write the time as an offset from now",
                    "An alert or a rumour needs the P-code of its place."):  # fmt: skip
        assert message in wordless.text, message
    nowhere = client.post(
        f"{base}/injects", headers=trainer, data={"kind": "rumour", "at": "0m", "text": "x", "pcode": "ZZ99"}
    )
    assert nowhere.status_code == 422 and "No admin area has this P-code." in nowhere.text
    injected = client.post(
        f"{base}/injects", headers=trainer,
        data={"kind": "rumour", "at": "0m", "text": "People say the school at Kibali was attacked.", "pcode": "KT01"},
    )  # fmt: skip
    assert injected.status_code == 303, injected.text
    assert client.post(f"{base}/clock", headers=trainer, data={"change": "start"}).status_code == 303

    control = client.get(base, headers=trainer)
    assert "running" in control.text
    assert (
        people["blue"]["user"].username in control.text and "Protection of Civilians Officer" in control.text
    )
    assert "People say the school at Kibali was attacked." in control.text
    assert 'class="pending-flag"' not in control.text  # every inject due was delivered
    assert control.text.count('class="delivered-flag"') >= 5
    return {"id": exercise_id, "name": name, "base": base}


def test_each_team_acts_on_its_own_alert_through_the_play_pages(
    client: TestClient, people: dict[str, Any], exercise: dict[str, Any], demo_engine: Engine
) -> None:
    base = exercise["base"]
    seen: dict[str, list[str]] = {}
    for team in ("blue", "red"):
        feed = client.get(f"{base}/play", headers=people[team]["headers"])
        assert feed.status_code == 200
        assert BANNER in feed.text and f"Your team: {team.title()}" in feed.text
        assert "Response times per field office" not in feed.text  # no operational figures in exercise mode
        seen[team] = play_references(feed.text, exercise["id"])
        assert len(seen[team]) == 5  # the easy scenario's four alerts and the rumour
    assert not set(seen["blue"]) & set(seen["red"])  # each team plays its own copy

    for team in ("blue", "red"):
        headers, reference = people[team]["headers"], seen[team][0]
        page = client.get(f"{base}/play/{reference}", headers=headers)
        assert page.status_code == 200 and BANNER in page.text
        assert f'action="{base}/play/{reference}/acknowledge"' in page.text
        assert "Exercise alert" in page.text and f'href="{base}/play"' in page.text
        done = client.post(
            f"{base}/play/{reference}/acknowledge", headers=headers, data={"note": f"{team} on it"}
        )
        assert (
            done.status_code == 303
            and done.headers["location"] == f"{base}/play/{reference}?done=acknowledge#history"
        )
        after = client.get(done.headers["location"], headers=headers)
        assert "Done: Acknowledge. The alert is now acknowledged." in after.text
        assert f"{team} on it" in after.text
        verified = client.post(
            f"{base}/play/{reference}/verify", headers=headers, data={"result": "confirmed"}
        )
        assert verified.status_code == 303
    with demo_engine.connect() as conn:
        decisions = conn.execute(
            select(tables.exercise_decisions.c.action, tables.exercise_decisions.c.post_id).where(
                tables.exercise_decisions.c.exercise_id == exercise["id"]
            )
        ).all()
    assert sorted(d.action for d in decisions) == ["acknowledge", "acknowledge", "verify", "verify"]
    assert {d.post_id for d in decisions} == {"poc_officer"}


def test_refusals_are_shown_in_the_play_pages_and_change_nothing(
    client: TestClient, people: dict[str, Any], exercise: dict[str, Any], demo_engine: Engine
) -> None:
    base, blue, red = exercise["base"], people["blue"]["headers"], people["red"]["headers"]
    states = team_alerts(demo_engine, exercise["id"], "Blue")
    verified = [r for r, state in states.items() if state == "verified"]
    mine = verified + sorted(r for r, state in states.items() if state == "received")
    theirs = play_references(client.get(f"{base}/play", headers=red).text, exercise["id"])
    assert len(verified) == 1 and set(mine) == set(states) and not set(theirs) & set(states)
    before = alerts_in_store(demo_engine)

    other = client.post(f"{base}/play/{theirs[1]}/acknowledge", headers=blue, data={})
    assert other.status_code == 404 and "No such alert in your team's play" in other.text
    assert client.get(f"{base}/play/{theirs[1]}", headers=blue).status_code == 404
    twice = client.post(f"{base}/play/{mine[0]}/acknowledge", headers=blue, data={})
    assert (
        twice.status_code == 409
        and "The action was not taken: it is not possible while the alert is" in twice.text
    )
    empty = client.post(f"{base}/play/{mine[1]}/decide", headers=blue, data={"decision": "respond"})
    assert empty.status_code == 422 and "A response needs its tier and its phase." in empty.text
    assert BANNER in empty.text and '<div class="errors" role="alert"' in empty.text

    trainer = people["trainer"]["headers"]
    assert client.post(f"{base}/clock", headers=trainer, data={"change": "pause"}).status_code == 303
    paused = client.post(f"{base}/play/{mine[1]}/acknowledge", headers=blue, data={})
    assert paused.status_code == 409 and "the exercise is not running" in paused.text
    assert "actions are refused until the facilitator starts or resumes it" in paused.text
    assert client.post(f"{base}/clock", headers=trainer, data={"change": "start"}).status_code == 303
    assert client.post(f"{base}/play/{mine[1]}/acknowledge", headers=blue, data={}).status_code == 303
    assert client.post(f"{base}/play/{mine[1]}/after_action_review", headers=blue, data={}).status_code == 404
    assert alerts_in_store(demo_engine) == before
    after = team_alerts(demo_engine, exercise["id"], "Blue")
    assert after == {**states, mine[1]: "acknowledged"}  # only the accepted action changed anything


def test_only_facilitators_reach_the_control_pages(
    client: TestClient, people: dict[str, Any], exercise: dict[str, Any]
) -> None:
    base = exercise["base"]
    for who in ("viewer", "planner"):
        headers = people[who]["headers"]
        assert client.get("/exercises", headers=headers).status_code == 403
        assert (
            client.post("/exercises", headers=headers, data={"name": "x", "source": "demo"}).status_code
            == 403
        )
        assert client.get(f"{base}/play", headers=headers).status_code == 403  # in no team
    blue = people["blue"]["headers"]
    mine = client.get("/exercises", headers=blue)  # a trainee sees the exercises they play in, and no form
    assert (
        mine.status_code == 200 and f'href="{base}/play"' in mine.text and 'id="create-form"' not in mine.text
    )
    for path in (base, f"{base}/clock", f"{base}/teams", f"{base}/injects", f"{base}/score"):
        response = (
            client.get(path, headers=blue) if path == base else client.post(path, headers=blue, data={})
        )
        assert response.status_code == 403, path
        assert "Only trainers and administrators create and run exercises." in response.text
    assert client.get("/exercises/99999999", headers=people["admin"]["headers"]).status_code == 404
    assert client.get(base).status_code == 303  # not signed in: to the login page

    # the navigation: "Exercises" for facilitators and for the players of an exercise under way, not for others
    entry = '<a href="/exercises"'
    assert entry in client.get("/charts", headers=people["trainer"]["headers"]).text
    assert entry in client.get("/charts", headers=people["admin"]["headers"]).text
    assert entry in client.get("/charts", headers=blue).text
    assert entry not in client.get("/charts", headers=people["viewer"]["headers"]).text


def test_exercise_alerts_never_show_in_the_operational_inbox(
    client: TestClient, people: dict[str, Any], exercise: dict[str, Any]
) -> None:
    references = play_references(
        client.get(f"{exercise['base']}/play", headers=people["blue"]["headers"]).text, exercise["id"]
    )
    assert references
    for who in ("admin", "blue"):
        inbox = client.get("/alerts?show=all", headers=people[who]["headers"])
        assert inbox.status_code == 200
        assert not [r for r in references if r in inbox.text], who
    # and the operational action route refuses them
    refused = client.post(f"/alerts/{references[2]}/acknowledge", headers=people["blue"]["headers"], data={})
    assert refused.status_code == 409


def test_scores_with_their_explanations_and_the_review(
    client: TestClient, people: dict[str, Any], exercise: dict[str, Any]
) -> None:
    base, trainer = exercise["base"], people["trainer"]["headers"]
    assert "Score every team now" in client.get(base, headers=trainer).text
    scored = client.post(f"{base}/score", headers=trainer)
    assert scored.status_code == 303, scored.text
    control = client.get(scored.headers["location"], headers=trainer)
    assert "Done: every team was scored." in control.text
    for team in ("Blue", "Red"):
        assert re.search(rf"{team}: <span class=\"score-total\">[\d.]+ out of 100</span>", control.text), team
    assert "time to acknowledge" in control.text and "Per decision" in control.text
    assert control.text.count('<span class="why">') > 5  # every per-decision score says why
    assert f'href="/api/v1/exercises/{exercise["id"]}/report?format=pdf"' in control.text
    review = client.get(f"/api/v1/exercises/{exercise['id']}/report", headers=trainer)
    assert review.status_code == 200 and "After-action review" in review.text
    # the review is also a page of the site, with its navigation, a trail back and the documents a link away
    assert f'href="/exercises/{exercise["id"]}/review"' in control.text
    page = client.get(f"/exercises/{exercise['id']}/review", headers=trainer)
    assert page.status_code == 200 and "Main navigation" in page.text
    assert (
        '<article class="document"' in page.text
        and "<html" not in page.text.split('<article class="document"')[1]
    )
    assert f'href="{base}">' in page.text  # the trail back to the control page
    french_review = client.get(
        f"/exercises/{exercise['id']}/review", headers={**trainer, "Cookie": "pochub_lang=fr"}
    )
    assert "Revue après action" in french_review.text
    # a trainee of a team is not the facilitator: no review page for them
    assert client.get(
        f"/exercises/{exercise['id']}/review", headers=people["red"]["headers"]
    ).status_code in (403, 404)

    french = client.get(base, headers={**trainer, "Cookie": "pochub_lang=fr"})
    assert '<strong class="exercise-word">EXERCICE</strong>' in french.text
    assert "L'horloge de l'exercice" in french.text or "L&#39;horloge de l&#39;exercice" in french.text
    feed = client.get(f"{base}/play", headers={**people["red"]["headers"], "Cookie": "pochub_lang=fr"})
    assert "EXERCICE" in feed.text and "Messages de situation" in feed.text


def test_a_facilitator_creates_an_exercise_from_a_real_period_through_the_form(
    client: TestClient, people: dict[str, Any]
) -> None:
    admin = people["admin"]["headers"]
    path = shared_file("ucdp-ged-ssd-hdx/conflict_data_ssd.csv")
    form = {
        "name": f"unity-{uuid.uuid4().hex[:6]}", "source": "real", "file": str(path), "format": "ucdp",
        "first": "2018-04-30", "last": "2018-04-01", "admin1": "Unity state", "duration_hours": "12", "limit": "6",
        "speed": "60", "standard_hours": "2",
    }  # fmt: skip
    backwards = client.post("/exercises", headers=admin, data=form)
    assert backwards.status_code == 422 and "The last date is before the first date." in backwards.text
    assert f'value="{path}"' in backwards.text  # the form keeps what was entered
    made = client.post(
        "/exercises", headers=admin, data={**form, "first": "2018-04-01", "last": "2018-04-30"}
    )
    assert made.status_code == 303, made.text
    control = client.get(made.headers["location"], headers=admin)
    assert "real data (UCDP GED)" in control.text and "conflict_data_ssd.csv: Unity state" in control.text
    assert 1 <= len(re.findall(r"real date 2018-04-\d\d", control.text)) <= 6
    assert form["name"] in client.get("/exercises", headers=admin).text


def test_start_needs_a_team_finish_asks_and_unfair_teams_are_flagged(
    client: TestClient, people: dict[str, Any]
) -> None:
    """Start is disabled without a team (and refused by the server); a team that cannot take an alert to its
    close, or whose area receives none of the injects, is flagged before the start; finishing asks first."""
    trainer = people["trainer"]["headers"]
    made = client.post(
        "/exercises",
        headers=trainer,
        data={"name": f"fair-{uuid.uuid4().hex[:6]}", "source": "demo", "difficulty": "easy", "seed": "1",
              "speed": "1", "standard_hours": "2"},
    )  # fmt: skip
    assert made.status_code == 303, made.text
    base = made.headers["location"].split("?")[0]
    empty = client.get(base, headers=trainer).text
    assert 'value="start" class="primary" disabled' in empty and "Add a team before starting." in empty
    assert client.post(f"{base}/clock", headers=trainer, data={"change": "start"}).status_code == 409

    # a planner alone may neither acknowledge nor close an alert: flagged, the steps named
    added = client.post(
        f"{base}/teams", headers=trainer,
        data={"team_name": "Planners", "username": [people["planner"]["user"].username], "post": [""]},
    )  # fmt: skip
    assert added.status_code == 303, added.text
    flagged = client.get(base, headers=trainer).text
    assert "Before starting:" in flagged and "the team cannot take an alert to its close" in flagged
    assert "acknowledge" in flagged

    asked = client.post(f"{base}/clock", headers=trainer, data={"change": "finish"})
    assert asked.status_code == 200 and 'id="confirm-finish"' in asked.text
    assert "planned (not started)" in asked.text  # nothing changed yet
    done = client.post(f"{base}/clock", headers=trainer, data={"change": "finish", "confirm": "yes"})
    assert done.status_code in (303, 409), done.text
