"""`pochub forums | actions` on the demo mission (both backends), as the people who use them: the demo quarter of
forums has action points in every state; the PoC working group's next agenda is drafted from the data; a meeting
recorded from YAML gives an action point owned by a field office's post, which its adviser starts and completes;
minutes written as HTML, PDF and DOCX in French; a viewer may not record; French output has no English sentence
of the catalogue."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine

from pochub.services.demo_forums import create_demo_forums
from pochub.services.demo_mission import create_demo_accounts
from pochub.services.structures import require_structure
from tests.test_french_complete import assert_french


def test_forums_and_action_points_on_the_command_line(cli: Any, demo_engine: Engine, tmp_path: Path) -> None:
    structure = require_structure(demo_engine)
    create_demo_accounts(demo_engine, structure.field_offices[0].id)
    counts = create_demo_forums(demo_engine, seed=1)
    assert counts["meetings"] >= 6
    db = ("--database", demo_engine.url.render_as_string(hide_password=False))
    os.environ["COLUMNS"] = "300"

    board = cli(*db, "actions", "list", "--as", "adviser", "--all", "--format", "json")
    assert board.code == 0, board.err
    points = json.loads(board.out)
    assert {p["status"] for p in points} == {"open", "in_progress", "done", "dropped"}
    assert any(p["overdue"] and p["escalated_to"] for p in points)

    agenda = cli(*db, "forums", "agenda", "--body", "mission_poc_wg", "--as", "adviser", "--format", "json")
    assert agenda.code == 0, agenda.err
    items = {i["key"]: i for i in json.loads(agenda.out)["items"]}
    assert items["action_points"]["lines"] and "risks" in items
    french = cli(*db, "forums", "agenda", "--body", "mission_poc_wg", "--as", "adviser", "--language", "fr")
    assert french.code == 0 and "Points d'action ouverts" in french.out
    assert_french("pochub forums agenda --language fr", french.out)

    office = structure.field_offices[0]
    body = next(b for b in structure.bodies if b.field_office == office.id)
    held = (datetime.now(UTC) - timedelta(days=1)).date()
    document = {
        "body": body.id, "held_on": held.isoformat(), "agenda": ["Top risks"], "attendance": list(body.member_roles),
        "decisions": [{"text": "Patrol the market road", "action_points": [
            {"what": "Night patrol on market days", "owner": body.chair, "due": (held + timedelta(days=7)).isoformat()}
        ]}],
    }  # fmt: skip
    file = tmp_path / "meeting.yaml"
    file.write_text(yaml.safe_dump(document), encoding="utf-8")
    refused = cli(*db, "forums", "record", "--file", str(file), "--as", "viewer")
    assert refused.code != 0
    recorded = cli(*db, "forums", "record", "--file", str(file), "--as", "adviser")
    assert recorded.code == 0, recorded.err
    meeting_id = recorded.out.strip()
    mine = json.loads(
        cli(*db, "actions", "list", "--as", "adviser", "--post", body.chair, "--format", "json").out
    )
    number = str(next(p["id"] for p in mine if p["what"] == "Night patrol on market days"))
    assert cli(*db, "actions", "update", number, "start", "--as", "adviser").code == 0
    assert cli(*db, "actions", "update", number, "drop", "--as", "adviser").code != 0  # no reason
    done = cli(*db, "actions", "update", number, "complete", "--as", "adviser", "--language", "fr")
    assert done.code == 0 and "fait" in done.err

    for suffix in ("html", "pdf", "docx"):
        output = tmp_path / f"minutes.{suffix}"
        written = cli(
            *db, "forums", "minutes", meeting_id, "--as", "adviser", "-o", str(output), "--language", "fr"
        )
        assert written.code == 0, written.err
        assert output.stat().st_size > 500
    html = (tmp_path / "minutes.html").read_text("utf-8")
    assert "Procès-verbal" in html and "Night patrol on market days" in html
