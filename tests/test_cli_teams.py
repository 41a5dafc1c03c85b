"""`pochub teams` on the demo mission (both backends): the demo's two teams deployed with findings and one
requested; a team requested from a threat row on the command line, planned with an escort and a travel time,
deployed and reported; the listing in English and French; roles apply."""

from __future__ import annotations

import json
import os
from typing import Any

from sqlalchemy import Engine

from pochub.services.demo_mission import create_demo_accounts
from pochub.services.demo_teams import create_demo_teams
from pochub.services.structures import require_structure
from pochub.services.threats import assess


def test_teams_on_the_command_line(cli: Any, demo_engine: Engine) -> None:
    offices = require_structure(demo_engine).field_offices
    create_demo_accounts(demo_engine, offices[0].id)
    made = create_demo_teams(demo_engine, seed=1)
    assert made == {"deployed": 2, "requested": 1}
    assert create_demo_teams(demo_engine, seed=1) == {}  # made once
    db = ("--database", demo_engine.url.render_as_string(hide_password=False))
    os.environ["COLUMNS"] = "300"
    listed = cli(*db, "teams", "list", "--as", "adviser", "--json")
    assert listed.code == 0, listed.err
    teams = json.loads(listed.out)
    assert sorted(t["status"] for t in teams) == ["reported", "reported", "requested"]
    assert all(t["plan"]["escort_unit"] and t["plan"]["travel_hours"] >= 0 for t in teams if t["plan"])
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
