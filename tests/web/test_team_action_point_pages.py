"""A team's recommendations made action points on the team's page, and the boards that link back to the team
(issue 17, item 2), pages and API on the demo mission, both backends: a PoC adviser makes them action points of the
PoC working group owned by Besu's head of office; the board (page and API) links each to the team's page; the owner
(Besu, the team is in Kimundaro's area) reads and closes them without ever seeing the team's number or address; a
curious partner reads no action point (403 on the API, the not-found page on the board) and a viewer cannot make
any; French pages have no English sentence of the catalogue."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.core.models.access import Role, User
from pochub.core.models.taxonomy import ThreatType
from pochub.core.teams.missions import Component, Finding, Findings, Member, Origin, Team, TeamKind
from pochub.http.app import create_app
from pochub.services import joint_teams
from pochub.services.access import create_user, issue_credential
from pochub.store import tables
from tests.api.access_helpers import auth_header, cheap_password_hashing, make_user
from tests.csrf_tokens import with_csrf_tokens
from tests.test_french_complete import assert_french

ADVISER = User(1, "adviser.tapp", Role.POC_ADVISER)
WG = "mission_poc_wg"
OWNER_POST = "head_of_office_fo_besu"
RECOMMENDED = ("a radio for the village committee", "patrols on the road to the wells")


@pytest.fixture(scope="module")
def client(demo_engine: Engine) -> Iterator[TestClient]:
    url = demo_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, workers=False))
    try:
        with with_csrf_tokens(TestClient(app)) as test_client:
            yield test_client
    finally:
        app.state.engine.dispose()


def _owner(engine: Engine) -> dict[str, str]:
    """A field officer of Besu holding its head of office's post, signed in by a token."""
    with cheap_password_hashing():
        user = create_user(
            engine, f"ho-besu-{secrets.token_hex(3)}", secrets.token_urlsafe(16), Role.FIELD_OFFICER,
            field_office="fo_besu", structure_role=OWNER_POST, actor="test",
        )  # fmt: skip
    return auth_header(issue_credential(engine, user, "token", timedelta(days=1), name="test"))


def _kimundaro_team(engine: Engine) -> int:
    """A team reported in Kimundaro's area (KT04) with two recommendations."""
    now = datetime.now(UTC)
    with engine.connect() as conn:
        community = conn.execute(
            select(tables.communities.c.community_id)
            .where(tables.communities.c.pcode.like("KT04%"))
            .order_by(tables.communities.c.community_id.desc())
        ).scalar()
    assert community is not None
    team_id = joint_teams.request_team(
        engine, ADVISER,
        Team(TeamKind.JPT, Origin.COMMUNITY, community, community, "hear them",
             (Member(Component.HUMAN_RIGHTS, "chief_human_rights"),)),
        now=now,
    )  # fmt: skip
    joint_teams.plan_team(engine, ADVISER, team_id, departs=now, season="dry", now=now)
    joint_teams.deploy_team(engine, ADVISER, team_id, now=now)
    findings = Findings((Finding(ThreatType.ABDUCTION, "the riders"),), (), RECOMMENDED)
    joint_teams.report_team(engine, ADVISER, team_id, findings, now=now)
    return team_id


def test_recommendations_made_action_points_on_the_pages(client: TestClient, demo_engine: Engine) -> None:
    adviser = auth_header(make_user(demo_engine, "poc_adviser")[1])
    viewer = auth_header(make_user(demo_engine, "viewer")[1])
    partner = auth_header(make_user(demo_engine, "partner")[1])
    owner = _owner(demo_engine)
    team_id = _kimundaro_team(demo_engine)
    page_url = f"/teams/{team_id}"
    due = (datetime.now(UTC).date() + timedelta(days=14)).isoformat()

    page = client.get(page_url, headers=viewer)
    assert page.status_code == 200 and "Make the recommendations action points" not in page.text
    refused = client.post(page_url, data={"action": "action_points", "body": WG, "owner": OWNER_POST, "due": due},
                          headers=viewer, follow_redirects=False)  # fmt: skip
    assert "error=not_running" in refused.headers["location"]
    page = client.get(page_url, headers=adviser)
    assert "Make the recommendations action points" in page.text
    made = client.post(page_url, data={"action": "action_points", "body": WG, "owner": OWNER_POST, "due": due},
                       headers=adviser, follow_redirects=False)  # fmt: skip
    assert "done=action_points" in made.headers["location"], made.headers["location"]
    page = client.get(page_url, headers=adviser)
    references = re.findall(r">(AP-\d+)</a>", page.text)
    assert len(references) == 2
    assert client.post(page_url, data={"action": "action_points", "body": WG, "owner": OWNER_POST, "due": "soon"},
                       headers=adviser, follow_redirects=False).headers["location"].endswith(
                           "error=action_points#team-points")  # fmt: skip

    # the adviser's board links each to the team's page, on the page and over the API
    board = client.get("/action-points", params={"body": WG}, headers=adviser)
    assert board.text.count(f'href="/teams/{team_id}"') == 2
    api = client.get("/api/v1/action-points", params={"team": team_id}, headers=adviser).json()
    assert sorted(p["reference"] for p in api) == sorted(references)
    assert {p["team"]["page"] for p in api} == {page_url}
    again = client.post(f"/api/v1/teams/{team_id}/action-points", json={"body": WG, "owner": OWNER_POST, "due": due},
                        headers=adviser)  # fmt: skip
    assert again.status_code == 201 and again.json() == {"action_points": []}

    # the owner, in Besu, reads and closes them, never seeing Kimundaro's team
    mine = client.get("/action-points", params={"post": OWNER_POST}, headers=owner)
    assert all(r in mine.text for r in references) and RECOMMENDED[0] in mine.text
    assert page_url not in mine.text and f"Joint team {team_id}" not in mine.text
    listed = client.get("/api/v1/action-points", params={"post": OWNER_POST}, headers=owner).json()
    ours = [p for p in listed if p["reference"] in references]
    assert len(ours) == 2 and all(p["team"] is None and p["links"]["team_id"] is None for p in ours)
    assert client.get("/api/v1/action-points", params={"team": team_id}, headers=owner).json() == []
    one = client.get(f"/api/v1/action-points/{ours[0]['id']}", headers=owner).json()
    assert one["team"] is None and page_url not in str(one)
    assert client.get(page_url, headers=owner).status_code == 404
    assert client.post(f"/api/v1/teams/{team_id}/action-points", json={"body": WG, "owner": OWNER_POST, "due": due},
                       headers=owner).status_code in (403, 404)  # fmt: skip
    closed = client.post(f"/action-points/{ours[0]['id']}", data={"step": "complete", "post": OWNER_POST},
                         headers=owner, follow_redirects=False)  # fmt: skip
    assert "done=complete" in closed.headers["location"]
    after = client.get("/action-points", params={"post": OWNER_POST, "ended": "1"}, headers=owner)
    assert page_url not in after.text

    # a curious partner reads no action point: not by the board, not by team, not by number
    for path in (
        "/api/v1/action-points",
        f"/api/v1/action-points?team={team_id}",
        f"/api/v1/action-points/{ours[0]['id']}",
    ):
        assert client.get(path, headers=partner).status_code == 403, path
    assert client.get("/action-points", headers=partner).status_code == 404
    partner_view = client.get(page_url, headers=partner)  # partners read teams mission-wide, no action point
    assert partner_view.status_code == 200 and "AP-" not in partner_view.text

    french = {**adviser, "Accept-Language": "fr"}
    for path in (page_url, f"/action-points?body={WG}"):
        shown = client.get(path, headers=french)
        assert shown.status_code == 200 and '<html lang="fr">' in shown.text, path
        assert_french(path, shown.text)
    assert "Faire des recommandations des points d'action" in client.get(page_url, headers=french).text
