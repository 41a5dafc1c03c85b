"""`pochub alerts add|act|list|show|escalate|export` on the demo mission, on both backends."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from sqlalchemy import Engine

from tests.conftest import CliRunner


def test_alert_commands_walk_an_alert(cli: CliRunner, demo_engine: Engine, tmp_path: Path) -> None:
    url = demo_engine.url.render_as_string(hide_password=False)
    suffix = secrets.token_hex(3)
    cla, officer, viewer = f"cla-{suffix}", f"fo-{suffix}", f"viewer-{suffix}"
    for name, role in ((cla, "cla"), (officer, "field_officer"), (viewer, "viewer")):
        extra = ["--field-office", "fo_besu"] if role != "viewer" else []
        assert (
            cli(
                "--database",
                url,
                "users",
                "add",
                name,
                "--role",
                role,
                *extra,
                "--password",
                "long-password-1",
            ).code
            == 0
        )
    added = cli("--database", url, "alerts", "add", "Armed group seen near the clinic", "--as", cla,
                "--pcode", "KT0201", "--sender-number", "+243 81 000 0333")  # fmt: skip
    assert added.code == 0, added.err
    reference = added.out.strip()
    assert "fo_besu" in added.err
    confirmed = '{"result": "confirmed"}'
    refused = cli(
        "--database", url, "alerts", "act", reference, "verify", "--as", officer, "--fields", confirmed
    )
    assert refused.code == 1 and "cannot verify" in refused.err
    assert cli("--database", url, "alerts", "act", reference, "acknowledge", "--as", cla).code == 0
    bad = cli(
        "--database",
        url,
        "alerts",
        "act",
        reference,
        "verify",
        "--as",
        officer,
        "--fields",
        '{"result": "x"}',
    )
    assert bad.code == 1 and "result" in bad.err
    assert cli("--database", url, "alerts", "act", reference, "verify", "--as", officer,
               "--fields", '{"result": "probable"}').code == 0  # fmt: skip
    listed = cli("--database", url, "alerts", "list", "--as", officer, "--format", "json", "--limit", "1000")
    item = next(i for i in json.loads(listed.out)["items"] if i["reference"] == reference)
    assert (item["state"], item["next_step"]) == ("verified", "classify")
    shown = json.loads(cli("--database", url, "alerts", "show", reference, "--as", officer).out)
    assert shown["sender"]["number"] == "+243810000333"
    hidden = cli("--database", url, "alerts", "show", reference, "--as", viewer)
    assert "810000333" not in hidden.out and "sender" not in json.loads(hidden.out)
    output = tmp_path / "alerts.csv"
    assert cli("--database", url, "alerts", "export", "--as", viewer, "-o", output).code == 0
    assert reference in output.read_text() and "810000333" not in output.read_text()
    assert cli("--database", url, "alerts", "escalate").code == 0
