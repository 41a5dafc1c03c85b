"""Forecasts, their evaluation and surges from the store: real ACLED data and the demo mission."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine

from pochub.config import Settings
from pochub.services.demo_mission import load_demo
from tests.conftest import CliRunner, shared_file

MODELS = {
    "ensemble",
    "negative_binomial_regression",
    "zero",
    "last_value",
    "mean_12",
    "conflictology",
    "poisson_last",
}


def test_real_acled_evaluation_and_forecast(
    engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    assert (
        cli(
            "--database",
            database_url,
            "import",
            "acled",
            shared_file("acled-legacy-perse/ACLED_DRC_97_14.csv"),
        ).code
        == 0
    )
    table = tmp_path / "evaluation.md"
    result = cli(
        "--database",
        database_url,
        "forecast",
        "evaluate",
        "--level",
        "1",
        "--origins",
        "12",
        "--format",
        "json",
        "-o",
        table,
    )
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert {r["model"] for r in rows} == MODELS
    assert {r["step"] for r in rows} == {"1", "2", "3", "1-3"}
    for r in rows:
        assert r["crps"] >= 0 and r["brier"] >= 0 and 0 <= r["top10_capture"] <= 1
    text = table.read_text()
    assert "| ensemble | 1 |" in text and "| negative_binomial_regression | 1 |" in text
    assert "Weights of the ensemble" in text and "- CRPS: the model" in text
    forecast = json.loads(
        cli("--database", database_url, "forecast", "run", "--level", "1", "--format", "json").out
    )
    assert forecast and all(0 <= r["p_next_month"] <= 1 and r["expected_next_month"] >= 0 for r in forecast)
    assert {r["name"] for r in forecast} >= {"Nord-Kivu", "Sud-Kivu"}
    assert forecast[0]["from"] == "2014-12-01"
    for r in forecast:  # consistent horizons: three months hold the sum of their months
        assert len(r["expected_by_month"]) == 3 and r["expected_by_month"][0] == r["expected_next_month"]
        assert abs(r["expected_next_3_months"] - sum(r["expected_by_month"])) <= 1e-6 * (
            1 + r["expected_next_3_months"]
        )
        assert r["p_next_month"] <= r["p_next_3_months"] + 1e-9


def test_forecast_as_of_outside_the_data(engine: Engine, database_url: str, cli: CliRunner) -> None:
    path = shared_file("acled-legacy-perse/ACLED_CAR_00_14.csv")
    assert cli("--database", database_url, "import", "acled", path).code == 0
    run = ("--database", database_url, "forecast", "run", "--level", "1", "--format", "json")
    before = cli(*run, "--as-of", "1990-06-30")
    assert before.code == 1 and "IndexError" not in before.err
    assert "before the first event" in before.err and "the data cover 2000-" in before.err
    after = cli(*run, "--as-of", "2016-06-30")
    assert after.code == 0, after.err
    assert "the data end on 2014-12-" in after.err
    rows = json.loads(after.out)
    assert rows and {r["from"] for r in rows} == {"2014-12-01"}
    inside = json.loads(cli(*run, "--as-of", "2013-06-15").out)
    assert {r["from"] for r in inside} == {"2013-05-01"}  # the last complete month before the day


def test_demo_surges_and_cells(engine: Engine, database_url: str, cli: CliRunner) -> None:
    load_demo(engine, Settings(), seed=5, n_communities=300, n_events=3000)
    result = cli("--database", database_url, "surges", "--format", "json")
    assert result.code == 0, result.err
    body = json.loads(result.out)
    assert body["false_alarms"]["tests"] > 0 and 0 <= body["false_alarms"]["flag_rate"] <= 1
    for flag in body["flags"]:
        assert flag["tail_probability"] <= 0.01 and flag["observed"] > flag["expected"]
    cells = json.loads(
        cli(
            "--database",
            database_url,
            "forecast",
            "run",
            "--unit",
            "cell",
            "--resolution",
            "5",
            "--format",
            "json",
        ).out
    )
    assert len(cells) > 50 and all(0 <= r["p_next_3_months"] <= 1 for r in cells)
    too_many = cli("--database", database_url, "forecast", "evaluate", "--origins", "500")
    assert too_many.code == 1 and "origins" in too_many.err
