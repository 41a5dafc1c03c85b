"""Exports in CSV, HXL and GeoJSON import back unchanged (re-export is byte-identical), on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.conftest import CliRunner, shared_file


@pytest.mark.parametrize("fmt", ["csv", "hxl", "geojson"])
def test_round_trip(engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path, fmt: str) -> None:
    assert (
        cli(
            "--database", database_url, "import", "acled", shared_file("acled-mali/conflict_data_mli_hdx.csv")
        ).code
        == 0
    )
    assert (
        cli(
            "--database",
            database_url,
            "import",
            "ucdp",
            shared_file("ucdp-ged-ssd-hdx/conflict_data_ssd.csv"),
        ).code
        == 0
    )
    suffix = "geojson" if fmt == "geojson" else "csv"
    first = tmp_path / f"first.{suffix}"
    assert cli("--database", database_url, "export", "events", "--format", fmt, "-o", first).code == 0
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    command = "geojson" if fmt == "geojson" else "hxl"
    result = cli("--database", fresh, "import", command, first, "--format", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["stored"] == 3990 + 941
    second = tmp_path / f"second.{suffix}"
    assert cli("--database", fresh, "export", "events", "--format", fmt, "-o", second).code == 0
    assert first.read_bytes() == second.read_bytes()
    again = json.loads(cli("--database", database_url, "import", command, first, "--format", "json").out)
    assert again["stored"] == 0 and again["updated"] == 0, (
        "importing an export into its own store changes nothing"
    )
