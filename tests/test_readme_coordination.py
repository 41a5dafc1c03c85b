"""README's "Coordination in practice" runs as written on a fresh demo mission (`pochub demo --seed 1`, as `make demo`
builds it): its meeting file is written from the README, then every `pochub` command of its block runs in-process
and the figures its comments give are checked (the meeting 16, AP-62 escalated to the senior management group and
closed by its owner, team 4 planned with a travel time and its recommendation made an action point linked to it, the
sitrep counting AP-62 opened and done), so the section cannot rot. The action point's owner is the demo's `head`,
who holds Besu's head of office's post."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from tests.test_readme_walkthrough import FENCE, README

SECTION = "### Coordination in practice"


def section() -> tuple[dict[str, str], list[list[str]]]:
    """The files (blocks with ``title=NAME``) and the commands (lines of ``sh`` blocks) of the section."""
    import shlex

    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = min(i for i in (text.find("\n### ", start + 1), text.find("\n## ", start + 1)) if i > 0)
    files: dict[str, str] = {}
    commands: list[list[str]] = []
    for block in FENCE.finditer(text[start:end]):
        info, body = block.group("info").strip(), block.group("body")
        title = re.search(r"title=(\S+)", info)
        if title:
            files[title.group(1)] = body
        elif info == "sh":
            commands += [words for line in body.splitlines() if (words := shlex.split(line, comments=True))]
    return files, commands


def test_the_section_is_found() -> None:
    files, commands = section()
    assert set(files) == {"meeting.yaml"}
    assert all(c[0] == "pochub" for c in commands)
    assert {(c[1], c[2]) for c in commands if len(c) > 2} >= {
        ("forums", "agenda"), ("forums", "record"), ("actions", "list"), ("actions", "update"),
        ("actions", "escalate"), ("teams", "request"), ("teams", "plan"), ("report", "weekly"),
    }  # fmt: skip


@pytest.mark.slow
def test_every_command_of_the_section_runs_on_the_demo(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, commands = section()
    monkeypatch.chdir(tmp_path)
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    database = ("--database", f"sqlite:///{tmp_path / 'demo.db'}")
    assert cli(*database, "db", "upgrade").code == 0
    built = cli(*database, "demo", "--seed", "1")  # its sign-ins too: the adviser of the section
    assert built.code == 0, built.err
    said: dict[str, str] = {}  # what each command printed, by its words after `pochub`
    for words in commands:
        result = cli(*database, *words[1:])
        assert result.code == 0, f"{' '.join(words)} failed: {result.err[-2000:]}"
        said[" ".join(words[1:])] = result.out + result.err

    def output(start: str) -> str:
        (found,) = [text for command, text in said.items() if command.startswith(start)]
        return found

    assert output("forums record").split()[0] == "16"
    assert "AP-62" in output("actions escalate").split()
    listing = json.loads(output("actions list --as adviser --body mission_poc_wg --all --format json"))
    closed = next(p for p in listing if p["id"] == 62)
    assert (closed["status"], closed["escalated_to"]) == ("done", "smg_protection")
    planned = re.search(r"escort U07 from B08, ([0-9.]+) h by road", output("teams plan 4"))
    assert planned and float(planned.group(1)) > 0
    profile = output("communities show KT-C0140")
    assert "version: 1" in profile and "the Wingila recruiters" in profile
    assert output("actions from-team 4").split()[0] == "63"
    linked = output("actions list --as adviser --team 4")
    assert "AP-63" in linked and "team 4" in linked
    assert (tmp_path / "sitrep.pdf").read_bytes()[:4] == b"%PDF"
    assert (tmp_path / "minutes.pdf").read_bytes()[:4] == b"%PDF"
    this_week = re.sub(r"<[^>]+>|\s+", " ", (tmp_path / "sitrep.html").read_text(encoding="utf-8"))
    counted = re.search(r"Action points opened: (\d+); done: (\d+);", this_week)
    assert (
        counted and int(counted.group(1)) >= 1 and int(counted.group(2)) >= 1
    )  # AP-62, made and closed today
