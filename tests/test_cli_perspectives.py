"""`pochub communities | surveys | engagements | plans | divergence` on the demo mission (both backends), as the
people who use them: a profile shown and edited back, a commitment closed with feedback, the board, survey results
with withheld figures, a plan written as a French PDF and HTML, the divergence list; roles and areas apply; French
output has no English sentence of the catalogue."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine

from pochub.services.demo_mission import create_demo_accounts
from pochub.services.demo_perspectives import create_demo_perspectives
from pochub.services.structures import require_structure
from tests.test_french_complete import assert_french


def test_local_perspectives_on_the_command_line(cli: Any, demo_engine: Engine, tmp_path: Path) -> None:
    offices = require_structure(demo_engine).field_offices
    create_demo_accounts(demo_engine, offices[0].id)
    create_demo_perspectives(demo_engine, seed=1)
    db = ("--database", demo_engine.url.render_as_string(hide_password=False))
    os.environ["COLUMNS"] = "300"
    try:
        board = cli(*db, "engagements", "board", "--as", "officer")
        assert board.code == 0, board.err
        assert "Commitments to communities" in board.out and "overdue" in board.out
        french = cli(*db, "engagements", "board", "--as", "officer", "--language", "fr")
        assert "Engagements envers les communautés" in french.out
        assert_french("pochub engagements board --language fr", french.out)

        # the officer closes one of their office's commitments with feedback
        listed = cli(*db, "engagements", "board", "--as", "officer", "--closed")
        number = next(
            line.split("│")[1].strip()
            for line in listed.out.splitlines()
            if "awaiting" in line or "not yet told" in line
        )
        refused = cli(*db, "engagements", "act", number, "close", "--as", "officer")
        assert refused.code != 0 and "only with the feedback" in refused.err
        closed = cli(*db, "engagements", "act", number, "close", "--as", "officer", "--feedback", "Told the chief by phone",
                     "--channel", "phone")  # fmt: skip
        assert closed.code == 0 and "closed with feedback" in closed.err
        # a CLA of another office cannot reach it: the same answer as a commitment that does not exist
        assert len(offices) > 1  # the demo's other offices have their own staff (made with the demo)
        other = f"{offices[1].id}_cla"
        elsewhere = cli(*db, "engagements", "act", number, "start", "--as", other)
        missing = cli(*db, "engagements", "act", "999999", "start", "--as", other)
        assert elsewhere.code == missing.code != 0
        assert elsewhere.err.replace(number, "N") == missing.err.replace("999999", "N")

        results = cli(*db, "surveys", "results", "Perception survey", "--as", "adviser", "--format", "json")
        assert results.code == 0, results.err
        figures = [
            f for c in json.loads(results.out)["communities"] for f in [c["figures"]["feels_safe_night"]]
        ]
        assert any("withheld" in f for f in figures) and any("share" in f for f in figures)
        shown = cli(*db, "surveys", "results", "Perception survey", "--as", "adviser", "--language", "fr")
        assert "Vous sentez-vous en sécurité la nuit" in shown.out and "moins de 10 répondants" in shown.out

        # a profile shown, edited and saved back as the next version
        mine = cli(*db, "surveys", "results", "Perception survey", "--as", "officer", "--format", "json")
        community = json.loads(mine.out)["communities"][0][
            "community_id"
        ]  # a community of the officer's area
        profile = cli(*db, "communities", "show", community, "--as", "officer")
        assert profile.code == 0, profile.err
        document = yaml.safe_load(profile.out)
        document["profile"]["needs"] = ["a night patrol"]
        edited = tmp_path / "profile.yaml"
        edited.write_text(yaml.safe_dump(document), encoding="utf-8")
        saved = cli(
            *db,
            "communities",
            "edit",
            community,
            "--file",
            edited,
            "--as",
            "officer",
            "--note",
            "meeting",
        )
        assert saved.code == 0, saved.err
        assert f"saved version {document['version'] + 1}" in saved.err
        again = cli(*db, "communities", "edit", community, "--file", edited, "--as", "officer")
        assert again.code != 0 and "since you opened" in again.err  # no lost update

        plans = cli(*db, "plans", "list", "--as", "adviser", "--language", "fr")
        assert plans.code == 0 and "Plans de protection" in plans.out
        first = next(line for line in plans.out.splitlines() if "(" in line and "│" in line)
        plan_community = first.split("(")[1].split(")")[0]
        pdf, html = tmp_path / "plan.pdf", tmp_path / "plan.html"
        assert (
            cli(
                *db, "plans", "document", plan_community, "--as", "adviser", "-o", pdf, "--language", "fr"
            ).code
            == 0
        )
        assert pdf.read_bytes().startswith(b"%PDF")
        assert (
            cli(
                *db, "plans", "document", plan_community, "--as", "adviser", "-o", html, "--language", "fr"
            ).code
            == 0
        )
        assert "Plan communautaire de protection" in html.read_text(encoding="utf-8")

        divergence = cli(*db, "divergence", "--as", "adviser", "--days", "3650", "--language", "fr")
        assert divergence.code == 0, divergence.err
        assert_french("pochub divergence --language fr", divergence.out)
        assert cli(*db, "divergence", "--as", "viewer").code == 0  # every role may read it, within its area
    finally:
        os.environ.pop("COLUMNS", None)
