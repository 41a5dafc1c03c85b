"""Joint team pages and API on the demo mission (both backends): an adviser requests a team from a threat row on
the form (missing components flagged), plans it (escort and travel time shown), deploys it and reports findings on
the team's page; the community's profile gains the threat heard; illegal steps are refused on the page; another
office's officer gets the not-found page; text typed by people is escaped; French pages have no English sentence
of the catalogue; the API lists the team and its recommendation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.core.models.access import Role, User
from pochub.http.app import create_app
from pochub.services import profiles
from pochub.services.threats import assess
from pochub.store import tables
from tests.api.access_helpers import auth_header, make_user
from tests.csrf_tokens import with_csrf_tokens
from tests.test_french_complete import assert_french


@pytest.fixture(scope="module")
def client(demo_engine: Engine) -> Iterator[TestClient]:
    url = demo_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, workers=False))
    try:
        with with_csrf_tokens(TestClient(app)) as test_client:
            yield test_client
    finally:
        app.state.engine.dispose()


def test_a_team_on_the_pages(client: TestClient, demo_engine: Engine) -> None:
    adviser = auth_header(make_user(demo_engine, "poc_adviser", display_name="adviser post")[1])
    other = auth_header(make_user(demo_engine, "field_officer", field_office="fo_kimundaro")[1])
    key = assess(demo_engine, level=2).records[0].key
    with demo_engine.connect() as conn:
        community = (
            conn.execute(
                select(tables.communities.c.community_id)
                .where(tables.communities.c.pcode.like("KT02%"))
                .order_by(tables.communities.c.community_id)
            )
            .scalars()
            .first()
        )
    assert community is not None
    matrix = client.get("/threats", headers=adviser)
    assert "/teams/new?threat=" in matrix.text  # each threat row offers a team
    page = client.get(f"/communities/{community}", headers=adviser)
    assert f'href="/teams/new?community={community}"' in page.text  # and so does a community's page
    form = client.get("/teams/new", params={"threat": key, "community": community}, headers=adviser)
    assert form.status_code == 200 and key in form.text
    fields = {"kind": "jpt", "origin": "threat", "origin_ref": key, "community_id": community,
              "purpose": "<script>hear them</script>", "post_civil_affairs": "chief_civil_affairs",
              "post_force": "force_u3"}  # fmt: skip
    made = client.post("/teams/new", data=fields, headers=adviser, follow_redirects=False)
    assert made.status_code == 303, made.text
    page_url = made.headers["location"].split("?")[0]
    page = client.get(page_url, headers=adviser)
    assert "&lt;script&gt;hear them" in page.text and "<script>hear them" not in page.text
    assert "Missing components" in page.text and "human rights" in page.text
    assert "civil affairs: chief_civil_affairs" not in page.text  # members named by their post's title
    assert 'href="/threats#threat-' in page.text  # back to the row it answers
    refused = client.post(page_url, data={"action": "deploy"}, headers=adviser, follow_redirects=False)
    assert "error=changed" in refused.headers["location"]
    planned = client.post(page_url, data={"action": "plan", "departs": "2026-12-01T06:00", "season": "dry"},
                          headers=adviser, follow_redirects=False)  # fmt: skip
    assert "done=plan" in planned.headers["location"], planned.headers["location"]
    page = client.get(page_url, headers=adviser)
    assert "Escort:" in page.text and "h by road in the dry season" in page.text
    assert (
        client.post(page_url, data={"action": "deploy"}, headers=adviser, follow_redirects=False).status_code
        == 303
    )
    before = profiles.community_profile(demo_engine, User(0, "x", Role.ADMIN), community).version
    reported = client.post(page_url, data={"action": "report", "threat_0": "forced_recruitment",
                                           "perpetrator_0": "the recruiters", "needs": "a water point",
                                           "recommendations": "patrol on market days"},
                           headers=adviser, follow_redirects=False)  # fmt: skip
    assert "done=report" in reported.headers["location"]
    after = profiles.community_profile(demo_engine, User(0, "x", Role.ADMIN), community)
    assert after.version == before + 1
    assert "the recruiters" in {t.perpetrator for t in after.profile.named_threats}
    page = client.get(page_url, headers=adviser)
    assert "patrol on market days" in page.text and "Threats heard" in page.text

    assert client.get(page_url, headers=other).status_code == 404
    listing = client.get("/teams", headers=adviser)
    assert listing.status_code == 200 and f'href="{page_url}"' in listing.text
    team_id = int(page_url.rsplit("/", 1)[1])
    api = client.get("/api/v1/teams", headers=adviser).json()
    assert team_id in {t["team"] for t in api}
    recommended = client.get("/api/v1/teams/recommendations", headers=adviser).json()
    assert ("patrol on market days", team_id) in {(r["text"], r["team_id"]) for r in recommended}

    french = {**adviser, "Accept-Language": "fr"}
    for path in ("/teams", page_url, f"/teams/new?community={community}"):
        shown = client.get(path, headers=french)
        assert shown.status_code == 200 and '<html lang="fr">' in shown.text, path
        assert_french(path, shown.text)


def test_a_team_over_the_api(client: TestClient, demo_engine: Engine) -> None:
    adviser = auth_header(make_user(demo_engine, "poc_adviser")[1])
    cla = auth_header(make_user(demo_engine, "cla", field_office="fo_besu")[1])
    with demo_engine.connect() as conn:
        community = (
            conn.execute(
                select(tables.communities.c.community_id)
                .where(tables.communities.c.pcode.like("KT02%"))
                .order_by(tables.communities.c.community_id.desc())
            )
            .scalars()
            .first()
        )
    body = {"kind": "jam", "origin": "community", "origin_ref": community, "community_id": community,
            "purpose": "assess the return of displaced families",
            "members": [{"component": c, "post": f"{c} post"} for c in
                        ("civil_affairs", "human_rights", "child_protection", "unpol")]}  # fmt: skip
    assert client.post("/api/v1/teams", json=body, headers=cla).status_code == 403
    made = client.post("/api/v1/teams", json=body, headers=adviser)
    assert made.status_code == 201, made.text
    assert made.json()["missing_components"] == ["force"]
    team_id = made.json()["team_id"]
    assert client.post(f"/api/v1/teams/{team_id}/deploy", headers=adviser).status_code == 409
    planned = client.post(f"/api/v1/teams/{team_id}/plan", json={"departs": "2026-12-01T06:00:00Z", "season": "rainy"},
                          headers=adviser)  # fmt: skip
    assert planned.status_code == 200, planned.text
    assert planned.json()["escort_unit"] and planned.json()["travel_hours"] >= 0
    assert client.post(f"/api/v1/teams/{team_id}/cancel", json={"reason": "the bridge is down"},
                       headers=adviser).json() == {"status": "cancelled"}  # fmt: skip
    shown = client.get(f"/api/v1/teams/{team_id}", headers=adviser).json()
    assert [s["action"] for s in shown["steps"]] == ["request", "plan", "cancel"]
    assert shown["cancel_reason"] == "the bridge is down"
    assert client.get("/api/v1/teams/999999", headers=adviser).status_code == 404
