"""`pochub teams` on the demo mission (both backends): the demo's two teams deployed with findings and one
requested; a team requested from a threat row on the command line, planned with an escort and a travel time,
deployed and reported; the listing in English and French; roles apply."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from pochub.core.coordination_practice.actions import ActionLinks, ActionPoint
from pochub.core.coordination_practice.forums import Decision, Meeting
from pochub.core.models.access import Role, User
from pochub.services.demo_mission import create_demo_accounts
from pochub.services.demo_teams import create_demo_teams
from pochub.services.forums import record_meeting
from pochub.services.structures import require_structure
from pochub.services.threats import assess
from tests.api.access_helpers import make_user


def test_teams_on_the_command_line(cli: Any, demo_engine: Engine) -> None:
    offices = require_structure(demo_engine).field_offices
    create_demo_accounts(demo_engine, offices[0].id)
    made = create_demo_teams(demo_engine, seed=1)
    assert made == {"deployed": 2, "requested": 1, "action_points": 2}
    assert create_demo_teams(demo_engine, seed=1) == {}  # made once
    db = ("--database", demo_engine.url.render_as_string(hide_password=False))
    os.environ["COLUMNS"] = "300"
    listed = cli(*db, "teams", "list", "--as", "adviser", "--json")
    assert listed.code == 0, listed.err
    teams = json.loads(listed.out)
    assert sorted(t["status"] for t in teams) == ["reported", "reported", "requested"]
    assert all(t["plan"]["escort_unit"] and t["plan"]["travel_hours"] > 0 for t in teams if t["plan"])
    assert any("child_protection" in t["missing_components"] for t in teams)

    key = assess(demo_engine, level=2).records[-1].key
    community = next(t["community_id"] for t in teams if t["status"] == "requested")
    requested = cli(*db, "teams", "request", community, "--as", "adviser", "--purpose", "hear them",
                    "--member", "civil_affairs:chief_civil_affairs", "--member", "force:force_u3",
                    "--threat", key)  # fmt: skip
    assert requested.code == 0, requested.err
    assert "missing components" in requested.err and "human rights" in requested.err
    number = requested.err.split()[1]
    refused = cli(*db, "teams", "deploy", number, "--as", "adviser")
    assert refused.code != 0 and "cannot be deployed" in refused.err
    planned = cli(
        *db, "teams", "plan", number, "--as", "adviser", "--departs", "2026-12-01T06:00", "--season", "rainy"
    )
    assert planned.code == 0, planned.err
    assert "escort" in planned.err and "h by road" in planned.err
    assert cli(*db, "teams", "deploy", number, "--as", "adviser").code == 0
    reported = cli(*db, "teams", "report", number, "--as", "adviser", "--threat", "forced_recruitment:the recruiters",
                   "--need", "water", "--recommend", "patrol the market road")  # fmt: skip
    assert reported.code == 0 and "reported" in reported.err
    viewer = cli(
        *db, "teams", "request", community, "--as", "viewer", "--purpose", "x", "--member", "force:f"
    )
    assert viewer.code != 0

    french = cli(*db, "teams", "list", "--as", "adviser", "--language", "fr")
    assert french.code == 0, french.err
    assert "Équipes conjointes" in french.out and "composantes manquantes" in french.out


def test_the_threat_row_a_team_or_an_action_point_answers_is_read_not_keyed(
    cli: Any, demo_engine: Engine
) -> None:
    """`pochub teams show` and `pochub actions list` name a threat row as the forum agendas do (area: threat
    (perpetrator)), in English and French, never by its key."""
    create_demo_teams(demo_engine, seed=1)  # made once: the first test's, or now
    db = ("--database", demo_engine.url.render_as_string(hide_password=False))
    os.environ["COLUMNS"] = "300"
    adviser = make_user(demo_engine, "poc_adviser")[0].username
    teams = json.loads(cli(*db, "teams", "list", "--as", adviser, "--json").out)
    team = next(t for t in teams if t["origin"] == "threat")
    key = team["origin_ref"]
    row = next(r for r in assess(demo_engine, level=2).records if r.key == key)
    held = datetime.now(UTC)
    record_meeting(
        demo_engine, User(0, "cli.secretariat", Role.POC_ADVISER),
        Meeting("mission_poc_wg", held.date(), (), ("senior_poc_adviser",), (Decision("Brief", (ActionPoint(
            "Brief the sector on the row", "head_of_office_fo_besu", held.date() + timedelta(days=9),
            "mission_poc_wg", links=ActionLinks(threat_key=key)),)),)),
        now=held,
    )  # fmt: skip
    threat = {"en": "Killing", "fr": "Meurtres"} if row.threat_type == "killing" else None
    for language in ("en", "fr"):
        shown = cli(*db, "teams", "show", str(team["team"]), "--as", adviser, "--language", language)
        assert shown.code == 0, shown.err
        assert key not in shown.out and "|" not in shown.out
        colon = " : " if language == "fr" else ": "
        assert f"{row.area_name}{colon}" in shown.out and f"({row.perpetrator})" in shown.out
        if threat:
            assert f"{colon}{threat[language]} (" in shown.out
        board = cli(
            *db, "actions", "list", "--as", adviser, "--body", "mission_poc_wg", "--language", language
        )
        assert board.code == 0, board.err
        line = next(line for line in board.out.splitlines() if "Brief the sector on the row" in line)
        assert key not in board.out and f"{row.area_name}{colon}" in line
    as_json = json.loads(cli(*db, "teams", "show", str(team["team"]), "--as", adviser, "--json").out)
    assert as_json["origin_ref"] == key  # the key stays in the data
