"""The command line: exit codes, output formats, help generated from the settings."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from pochub.config import Settings
from tests.conftest import ROOT, CliRunner, shared_file


def test_usage_error_exits_2(cli: CliRunner, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert cli("--database", db, "events", "summary").code == 2
    assert cli("--database", db, "import", "acled").code == 2
    assert cli("--database", db, "no-such-command").code == 2


def test_invalid_input_exits_1(cli: CliRunner, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    result = cli("--database", db, "import", "acled", tmp_path / "missing.csv")
    assert result.code == 1 and "no such file" in result.err
    assert cli("--database", db, "events", "summary", "--by", "colour").code == 1
    assert (
        cli(
            "--database",
            db,
            "import",
            "acled",
            shared_file("acled-mali/conflict_data_mli_hdx.csv"),
            "--grade",
            "Z9",
        ).code
        == 1
    )


def test_summary_formats_agree(cli: CliRunner, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert (
        cli("--database", db, "import", "ucdp", shared_file("ucdp-ged-ssd-hdx/conflict_data_ssd.csv")).code
        == 0
    )
    as_json = json.loads(cli("--database", db, "events", "summary", "--by", "area", "--format", "json").out)
    as_csv = list(
        csv.DictReader(
            io.StringIO(cli("--database", db, "events", "summary", "--by", "area", "--format", "csv").out)
        )
    )
    assert [(r["key"], r["events"]) for r in as_json] == [(r["key"], int(r["events"])) for r in as_csv]
    assert sum(r["events"] for r in as_json) == 941
    table = cli("--database", db, "events", "summary", "--by", "actor")
    assert table.code == 0 and "total" in table.out
    chart = tmp_path / "trend.png"
    assert cli("--database", db, "events", "summary", "--by", "month", "--chart", chart).code == 0
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_console_script_runs_in_a_fresh_process(tmp_path: Path) -> None:
    pochub = Path(sys.executable).with_name("pochub")
    done = subprocess.run(
        [str(pochub), "--database", f"sqlite:///{tmp_path / 'y.db'}", "db", "upgrade"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    settings = subprocess.run([str(pochub), "settings"], capture_output=True, text=True, check=False).stdout
    for name in Settings.model_fields:
        assert f"POCHUB_{name.upper()}" in settings


def test_readme_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.lstrip().startswith("# PoC Hub")
    assert "make demo" in readme.split("##")[0] and "make test" in readme.split("##")[0]
    for name in Settings.model_fields:
        assert f"POCHUB_{name.upper()}" in readme, f"README does not document POCHUB_{name.upper()}"
