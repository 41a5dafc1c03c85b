"""The first hour: `make demo` fills the database the CLI uses by default, and a command on an empty store says
what to import first instead of printing zeros."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pochub.config import Settings
from tests.conftest import CliRunner

ROOT = Path(__file__).resolve().parents[1]


def test_make_demo_uses_the_clis_default_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POCHUB_DATABASE_URL", raising=False)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    demo_database = re.search(r"^DEMO_DB \?= (\S+)", makefile, re.MULTILINE)
    assert demo_database is not None
    assert demo_database.group(1) == Settings().database_url
    recipe = makefile[makefile.index("\ndemo:") :].split("\n\n")[0]
    assert "rm -f" not in recipe, "make demo never deletes a database"


EMPTY_STORE = [
    (["events", "summary", "--by", "area"], "pochub import acled"),
    (["events", "summary", "--by", "actor"], "pochub import acled"),
    (["hotspots"], "pochub import acled"),
    (["surges"], "pochub import acled"),
    (["forecast", "run"], "pochub import acled"),
    (["assess"], "pochub import acled"),
    (["coverage"], "pochub import communities"),
    (["allocate", "mclp", "--p", "1"], "pochub import communities"),
    (["alerts", "list", "--as", "officer"], "pochub users add"),
]


@pytest.mark.parametrize(("command", "advice"), EMPTY_STORE, ids=[" ".join(c) for c, _ in EMPTY_STORE])
def test_a_command_on_an_empty_store_says_what_to_import(
    cli: CliRunner, tmp_path: Path, command: list[str], advice: str
) -> None:
    result = cli("--database", f"sqlite:///{tmp_path / 'empty.db'}", *command)
    assert result.code == 1
    assert advice in result.err and "pochub demo" in result.err
    assert result.out == "", "no table of zeros"
