"""README's "Your mission's data" walkthrough runs as written: its files are written from the README, then every
`pochub` command of its fenced block runs in-process on a temporary database with the shared datasets' paths, so
the walkthrough cannot rot."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import CliRunner, shared_file

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL)


def walkthrough() -> tuple[dict[str, str], list[list[str]]]:
    """The files (``csv title=NAME`` blocks) and the commands (lines of ``sh`` blocks) of the section."""
    text = README.read_text(encoding="utf-8")
    start = text.index("## Your mission's data")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end > 0 else None]
    files: dict[str, str] = {}
    commands: list[list[str]] = []
    for block in FENCE.finditer(section):
        info, body = block.group("info").strip(), block.group("body")
        title = re.search(r"title=(\S+)", info)
        if title:
            files[title.group(1)] = body
        elif info == "sh":
            for line in body.splitlines():
                words = shlex.split(line, comments=True)
                if words:
                    commands.append(words)
    return files, commands


def test_the_walkthrough_is_found() -> None:
    files, commands = walkthrough()
    assert set(files) == {"units.csv"}, (
        "places come as published (GeoNames), units are the mission's own list"
    )
    assert all(c[0] == "pochub" for c in commands), "every step is a pochub command"
    assert {c[1] for c in commands} >= {"import", "assess", "coverage", "allocate", "actors"}


@pytest.mark.slow
def test_every_command_of_the_walkthrough_runs(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, commands = walkthrough()
    monkeypatch.chdir(tmp_path)
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    shared = str(shared_file("cod-ab-car").parent)
    database = f"sqlite:///{tmp_path / 'walkthrough.db'}"
    empty = cli("--database", database, "events", "summary", "--by", "area")
    assert empty.code == 1 and "pochub import acled" in empty.err, "an empty store says what to import first"
    for words in commands:
        args = [w.replace("$POCHUB_SHARED", shared) for w in words[1:]]
        result = cli("--database", database, *args)
        assert result.code == 0, f"{' '.join(words)} failed: {result.err[-2000:]}"
    assert (tmp_path / "matrix.html").stat().st_size > 0
    assert (tmp_path / "plan.png").read_bytes()[:4] == b"\x89PNG"
