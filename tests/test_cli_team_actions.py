"""`pochub actions from-team` and the board's team column on the command line (issue 17, item 2), both backends, on
the demo mission: a PoC adviser makes a reported team's recommendations action points of the PoC working group,
owned by Besu's head of office (asking again makes none); `pochub actions list` shows the team to the adviser, and
to the owner only when the team is in the owner's area; a viewer may not make them; French output has no English
sentence of the catalogue."""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from pochub.core.models.access import Role, User
from pochub.core.teams.missions import Component, Findings, Member, Origin, Team, TeamKind
from pochub.services import joint_teams
from pochub.services.access import create_user
from pochub.store import tables
from tests.api.access_helpers import cheap_password_hashing, make_user
from tests.test_french_complete import assert_french

ADVISER = User(1, "adviser.tcli", Role.POC_ADVISER)


def _reported(engine: Engine, area: str, recommendation: str) -> int:
    now = datetime.now(UTC)
    with engine.connect() as conn:
        community = conn.execute(
            select(tables.communities.c.community_id).where(tables.communities.c.pcode.like(f"{area}%"))
        ).scalar()
    assert community is not None
    team_id = joint_teams.request_team(
        engine, ADVISER,
        Team(TeamKind.JAM, Origin.COMMUNITY, community, community, "assess", (Member(Component.UNPOL, "p"),)),
        now=now,
    )  # fmt: skip
    joint_teams.plan_team(engine, ADVISER, team_id, departs=now, season="dry", now=now)
    joint_teams.deploy_team(engine, ADVISER, team_id, now=now)
    joint_teams.report_team(engine, ADVISER, team_id, Findings(recommendations=(recommendation,)), now=now)
    return team_id


def test_team_recommendations_become_action_points_on_the_command_line(cli: Any, demo_engine: Engine) -> None:
    adviser = make_user(demo_engine, "poc_adviser")[0].username
    viewer = make_user(demo_engine, "viewer")[0].username
    owner = f"ho-besu-cli-{secrets.token_hex(3)}"
    with cheap_password_hashing():
        create_user(demo_engine, owner, secrets.token_urlsafe(16), Role.FIELD_OFFICER, field_office="fo_besu",
                    structure_role="head_of_office_fo_besu", actor="test")  # fmt: skip
    here = _reported(demo_engine, "KT02", "weekly phone test with the alert network")  # Besu's area
    there = _reported(demo_engine, "KT04", "escort for the market convoy")  # Kimundaro's
    db = ("--database", demo_engine.url.render_as_string(hide_password=False))
    os.environ["COLUMNS"] = "300"
    due = (datetime.now(UTC).date() + timedelta(days=10)).isoformat()
    args = ("--body", "mission_poc_wg", "--owner", "head_of_office_fo_besu", "--due", due)

    assert cli(*db, "actions", "from-team", str(here), "--as", viewer, *args).code != 0
    made = {}
    for team in (here, there):
        result = cli(*db, "actions", "from-team", str(team), "--as", adviser, *args)
        assert result.code == 0, result.err
        (made[team],) = result.out.split()
    again = cli(*db, "actions", "from-team", str(here), "--as", adviser, *args, "--language", "fr")
    assert again.code == 0 and again.out.strip() == "" and "0 point(s) d'action" in again.err

    table = cli(*db, "actions", "list", "--as", adviser, "--body", "mission_poc_wg")
    assert table.code == 0, table.err
    lines = {n: next(line for line in table.out.splitlines() if f"AP-{n} " in line) for n in made.values()}
    assert f"team {here}" in lines[made[here]] and f"team {there}" in lines[made[there]]
    listed = json.loads(
        cli(*db, "actions", "list", "--as", adviser, "--team", str(there), "--format", "json").out
    )
    assert [p["id"] for p in listed] == [int(made[there])] and listed[0]["team"]["page"] == f"/teams/{there}"

    mine = cli(*db, "actions", "list", "--as", owner, "--post", "head_of_office_fo_besu")
    assert mine.code == 0, mine.err
    own = {n: next(line for line in mine.out.splitlines() if f"AP-{n} " in line) for n in made.values()}
    assert f"team {here}" in own[made[here]]
    assert f"team {there}" not in own[made[there]] and f"/teams/{there}" not in mine.out
    as_json = json.loads(cli(*db, "actions", "list", "--as", owner, "--format", "json").out)
    assert {p["id"]: p["team"] for p in as_json if str(p["id"]) in made.values()} == {
        int(made[here]): {"id": here, "page": f"/teams/{here}", "api": f"/api/v1/teams/{here}"},
        int(made[there]): None,
    }
    french = cli(*db, "actions", "list", "--as", adviser, "--team", str(here), "--language", "fr")
    assert french.code == 0 and f"équipe {here}" in french.out
    assert_french("pochub actions list --language fr", french.out)
