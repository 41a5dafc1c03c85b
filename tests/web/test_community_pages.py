"""The community pages on the demo mission (both backends), as their people use them: a CLA records a visit with
a concern and a commitment through the form (mistakes said in the form, nothing stored); the field officer closes
the commitment with feedback on the board; the community page shows both, the survey trend with withheld figures,
the plan; another office's CLA cannot reach the community (the not-found page); French pages have no English
sentence of the catalogue; text typed by people is never HTML."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.core.models.access import Role, User
from pochub.core.perspectives.profiles import CommunityProfile
from pochub.http.app import create_app
from pochub.services.demo_perspectives import create_demo_perspectives
from pochub.store import tables
from tests.api.access_helpers import auth_header, make_user
from tests.csrf_tokens import with_csrf_tokens
from tests.test_french_complete import assert_french

OFFICE = "fo_besu"  # province KT02
OTHER_OFFICE = "fo_kimundaro"  # province KT04


@pytest.fixture(scope="module")
def client(demo_engine: Engine) -> Iterator[TestClient]:
    create_demo_perspectives(demo_engine, seed=3)
    url = demo_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, workers=False))
    try:
        with with_csrf_tokens(TestClient(app)) as test_client:
            yield test_client
    finally:
        app.state.engine.dispose()


@pytest.fixture(scope="module")
def people(demo_engine: Engine) -> dict[str, dict[str, str]]:
    roles = {"cla": ("cla", OFFICE), "officer": ("field_officer", OFFICE), "other": ("cla", OTHER_OFFICE),
             "adviser": ("poc_adviser", None), "partner": ("partner", None)}  # fmt: skip
    return {
        n: auth_header(make_user(demo_engine, r, field_office=o, display_name=f"{n} post")[1])
        for n, (r, o) in roles.items()
    }


def _community(engine: Engine) -> tuple[str, str]:
    with engine.connect() as conn:
        row = conn.execute(
            select(tables.communities.c.community_id, tables.communities.c.name)
            .where(tables.communities.c.pcode.like("KT02%"))
            .order_by(tables.communities.c.community_id)
        ).first()
    assert row is not None
    return row.community_id, row.name


def _engagements(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.engagements)).scalar_one())


def test_a_visit_recorded_on_the_form_and_its_commitment_closed_on_the_board(
    client: TestClient, people: dict[str, dict[str, str]], demo_engine: Engine
) -> None:
    community, name = _community(demo_engine)
    form = client.get(f"/engagements/new?community={community}", headers=people["cla"])
    assert form.status_code == 200 and 'name="csrf_token"' in form.text and f"[{community}]" in form.text
    when = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    fields = {
        "community_id": f"{name} [{community}]", "kind": "focus_group", "held_on": when, "post": "CLA Besu",
        "p-female-18_59": "11", "p-female-60_plus": "x", "threat": "abduction_forced_disappearance",
        "place": "the field road", "perpetrator": "<script>alert(1)</script>", "request": "a patrol",
        "what": "Patrol the field road on market days <b>", "owner": "FO Besu",
        "due": (datetime.now(UTC) + timedelta(days=10)).date().isoformat(),
    }  # fmt: skip
    before = _engagements(demo_engine)
    wrong = client.post("/engagements/new", data=fields, headers=people["cla"])
    assert wrong.status_code == 422 and "Count people as a whole number from 0." in wrong.text
    assert (
        'value="x"' in wrong.text and _engagements(demo_engine) == before
    )  # kept in the form, nothing stored
    saved = client.post(
        "/engagements/new",
        data={**fields, "p-female-60_plus": "4"},
        headers=people["cla"],
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    page = client.get(saved.headers["location"], headers=people["officer"])
    assert page.status_code == 200 and "The engagement was recorded." in page.text
    assert "Focus group" in page.text and "15 participants" in page.text
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    assert "Patrol the field road on market days &lt;b&gt;" in page.text

    board = client.get("/commitments", headers=people["officer"])
    number = re.search(r'id="c-(\d+)">\s*<h3>Patrol the field road on market days &lt;b&gt;</h3>', board.text)
    assert number is not None, board.text[:2000]
    step = f"/commitments/{number[1]}"
    delivered = client.post(step, data={"action": "deliver", "outcome": "Patrols since Monday"}, headers=people["officer"],
                            follow_redirects=False)  # fmt: skip
    assert "done=deliver" in delivered.headers["location"]
    refused = client.post(step, data={"action": "close"}, headers=people["officer"], follow_redirects=False)
    assert "error=needs_feedback" in refused.headers["location"]
    shown = client.get(refused.headers["location"].split("#")[0], headers=people["officer"])
    assert "A commitment is closed only with what the community was told" in shown.text
    closed = client.post(step, data={"action": "close", "feedback": "Told the chief at the market", "channel": "in_person"},
                         headers=people["officer"], follow_redirects=False)  # fmt: skip
    assert "done=close" in closed.headers["location"]
    page = client.get(f"/communities/{community}", headers=people["cla"])
    assert (
        "Told the community: Told the chief at the market" in page.text
        and "closed with feedback" in page.text
    )


def test_the_community_pages_read_as_their_people_need(
    client: TestClient, people: dict[str, dict[str, str]], demo_engine: Engine
) -> None:
    listing = client.get("/communities", headers=people["officer"])
    assert listing.status_code == 200 and 'href="/communities"' in listing.text  # in the navigation
    found = re.findall(r'href="/communities/([^"/]+)"', listing.text)
    assert found
    with demo_engine.connect() as conn:
        areas = dict(
            conn.execute(select(tables.communities.c.community_id, tables.communities.c.pcode)).all()
        )
    assert all(areas[c].startswith("KT02") for c in found)  # the officer's area only
    searched = client.get("/communities", params={"q": found[0]}, headers=people["officer"])
    assert found[0] in searched.text and "1 of 1 communities" in searched.text
    # a community with a survey figure and a withheld one, somewhere in the mission
    adviser_pages = [client.get(f"/communities/{c}", headers=people["adviser"]).text for c in found[:40]]
    assert any("respondents" in p for p in adviser_pages)
    plans = [c for c in found if f'href="/communities/{c}/plan"' in listing.text]
    if plans:
        plan = client.get(f"/communities/{plans[0]}/plan", headers=people["officer"])
        assert (
            plan.status_code == 200
            and "Main navigation" in plan.text
            and "Threats the community identified" in plan.text
        )
    assert client.get("/divergence", headers=people["adviser"]).status_code == 200
    # another office's CLA: the community does not exist for them, and its page is the not-found page
    elsewhere = client.get(f"/communities/{found[0]}", headers=people["other"])
    assert elsewhere.status_code == 404 and found[0] not in elsewhere.text.split("<main", 1)[1]
    assert (
        client.post("/commitments/999999", data={"action": "start"}, headers=people["other"]).status_code
        == 404
    )
    # a partner reads but does not act: no forms on the board
    board = client.get("/commitments", headers=people["partner"])
    assert board.status_code == 200 and 'class="commitment-step"' not in board.text
    assert client.get("/engagements/new", headers={}).status_code in (
        303,
        307,
        200,
    )  # not signed in: to the sign-in


def test_the_community_pages_in_french(client: TestClient, people: dict[str, dict[str, str]]) -> None:
    french = {**people["officer"], "Accept-Language": "fr"}
    listing = client.get("/communities", headers=french)
    community = re.findall(r'href="/communities/([^"/]+)"', listing.text)[0]
    for path in ("/communities", f"/communities/{community}", "/engagements/new", "/commitments", "/commitments?closed=1",
                 "/divergence"):  # fmt: skip
        page = client.get(path, headers=french)
        assert page.status_code == 200, path
        assert '<html lang="fr">' in page.text, path
        assert_french(path, re.sub(r"<[^>]+>", " ", page.text))


def test_an_alert_shows_its_communitys_profile(
    client: TestClient, people: dict[str, dict[str, str]], demo_engine: Engine
) -> None:
    from pochub.services import profiles
    from pochub.services.demo_mission import create_demo_alerts
    from pochub.services.structures import require_structure

    url = demo_engine.url.render_as_string(hide_password=False)
    create_demo_alerts(demo_engine, Settings(database_url=url))
    with demo_engine.connect() as conn:
        row = conn.execute(
            select(tables.alerts.c.reference, tables.alerts.c.community_id)
            .where(tables.alerts.c.field_office == OFFICE, tables.alerts.c.community_id.is_not(None))
            .limit(1)
        ).one()
    assert require_structure(demo_engine).field_office(OFFICE) is not None
    admin = User(0, "admin", Role.ADMIN)
    current = profiles.community_profile(demo_engine, admin, row.community_id)
    told = CommunityProfile(languages=("Kinande", "Swahili"), focal_point="Mama Kavira +243 81 000 0222")
    profiles.save_profile(demo_engine, admin, row.community_id, told, based_on=current.version)
    page = client.get(f"/alerts/{row.reference}", headers=people["officer"])
    assert page.status_code == 200 and 'class="community-voice"' in page.text
    assert "Kinande, Swahili" in page.text and "Mama Kavira" in page.text
    assert f'href="/communities/{row.community_id}"' in page.text
    adviser = client.get(f"/alerts/{row.reference}", headers=people["adviser"])
    assert "Kinande" in adviser.text  # need to know: the adviser reads the focal point too
    partner = client.get(f"/alerts/{row.reference}", headers=people["partner"])
    assert "Mama Kavira" not in partner.text and 'class="community-voice"' not in partner.text


def test_the_perceived_insecurity_layer_draws_published_figures_only(
    client: TestClient, people: dict[str, dict[str, str]], demo_engine: Engine
) -> None:
    from pochub.core.perspectives.surveys import Estimate
    from pochub.services import perspectives

    layer = client.get("/map/perceived.json", headers=people["officer"])
    assert layer.status_code == 200
    drawn = {f["properties"]["community_id"]: f["properties"] for f in layer.json()["features"]}
    results = perspectives.survey_results(demo_engine, User(0, "a", Role.ADMIN), "Perception survey")
    latest = results.waves[-1]
    published = {
        c.community_id for c in results.communities
        if c.wave == latest and isinstance(e := c.figures["feels_safe_night"], Estimate) and not e.suppressed
    }  # fmt: skip
    withheld = {c.community_id for c in results.communities if c.wave == latest} - published
    assert drawn and set(drawn) <= published and not set(drawn) & withheld
    with demo_engine.connect() as conn:
        areas = dict(
            conn.execute(select(tables.communities.c.community_id, tables.communities.c.pcode)).all()
        )
    assert all(areas[c].startswith("KT02") for c in drawn)  # the officer's area
    one = next(iter(drawn.values()))
    assert 0 <= one["low"] <= one["unsafe"] <= one["high"] <= 1 and one["respondents"] >= results.minimum
    assert client.get("/map/perceived.json").status_code in (401, 303)


def test_a_cla_updates_the_profile_on_its_page(
    client: TestClient, people: dict[str, dict[str, str]], demo_engine: Engine
) -> None:
    community, _name = _community(demo_engine)
    form = client.get(f"/communities/{community}/profile", headers=people["cla"])
    assert form.status_code == 200 and 'name="csrf_token"' in form.text and 'name="based_on"' in form.text
    based_on = re.search(r'name="based_on" value="(\d+)"', form.text)[1]  # type: ignore[index]
    fields = {"strategies": "night_watch early_warning_committee", "languages": "Kinande, Swahili",
              "phone_operators": "Vodacom: yes", "trust": "the police: distrusted", "based_on": based_on,
              "note": "visit of the day"}  # fmt: skip
    wrong = client.post(
        f"/communities/{community}/profile", data={**fields, "strategies": "prayer"}, headers=people["cla"]
    )
    assert wrong.status_code == 422 and 'href="#strategies"' in wrong.text and "prayer" in wrong.text
    saved = client.post(
        f"/communities/{community}/profile", data=fields, headers=people["cla"], follow_redirects=False
    )
    assert saved.status_code == 303
    page = client.get(saved.headers["location"], headers=people["officer"])
    assert "The profile was saved as a new version." in page.text and "night watches" in page.text
    assert "Kinande, Swahili" in page.text and "the police: distrusted" in page.text
    stale = client.post(f"/communities/{community}/profile", data=fields, headers=people["cla"])
    assert stale.status_code == 409 and "Someone saved another version meanwhile" in stale.text
    assert client.get(f"/communities/{community}/profile", headers=people["other"]).status_code == 404
    assert client.get(f"/communities/{community}/profile", headers=people["partner"]).status_code == 404
    french = client.get(
        f"/communities/{community}/profile", headers={**people["cla"], "Accept-Language": "fr"}
    )
    assert_french("profile form", re.sub(r"<[^>]+>", " ", french.text))
