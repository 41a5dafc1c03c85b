"""`pochub hotspots` on real data and on the demo mission, on both backends."""

from __future__ import annotations

import json

import h3
import numpy as np
from sqlalchemy import Engine

from pochub.config import Settings
from pochub.core.warning.hotspots import h3_neighbours
from pochub.services.demo_mission import load_demo
from tests.conftest import CliRunner, shared_file


def test_real_acled_hotspots_json_contract(engine: Engine, database_url: str, cli: CliRunner) -> None:
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
    result = cli(
        "--database",
        database_url,
        "hotspots",
        "--window",
        "1y",
        "--as-of",
        "2014-12-31",
        "--permutations",
        "199",
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert {"cell", "count", "z", "p", "class"} <= set(rows[0])
    cells = [r["cell"] for r in rows]
    assert len(cells) == len(set(cells)) and all(h3.get_resolution(c) == 6 for c in cells)
    # every event cell is analysed together with its k-ring; empty cells count zero
    with_events = {r["cell"] for r in rows if r["count"] > 0}
    ring = {n for c in with_events for n in h3.grid_disk(c, 1)}
    assert ring == set(cells)
    assert sum(r["count"] for r in rows) > 100
    # z is the classic Gi* with binary k-ring weights including the cell
    y = np.array([r["count"] for r in rows], dtype=float)
    w = h3_neighbours(cells, 1).toarray()
    n = len(y)
    weights = w.sum(axis=1)
    mean, sd = y.mean(), y.std()
    expected = (w @ y - mean * weights) / (sd * np.sqrt((n * weights - weights**2) / (n - 1)))
    assert np.allclose([r["z"] for r in rows], expected, atol=1e-9)
    assert all(r["class"] in {"hot99", "hot95", "hot90", "none", "cold90", "cold95", "cold99"} for r in rows)
    geo = json.loads(
        cli(
            "--database",
            database_url,
            "hotspots",
            "--window",
            "1y",
            "--as-of",
            "2014-12-31",
            "--permutations",
            "0",
            "--format",
            "geojson",
        ).out
    )
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == len(rows)


def test_demo_hotspots_cover_the_boundaries(engine: Engine, database_url: str, cli: CliRunner) -> None:
    load_demo(engine, Settings(), seed=4, n_communities=300, n_events=3000)
    rows = json.loads(
        cli(
            "--database",
            database_url,
            "hotspots",
            "--resolution",
            "5",
            "--window",
            "1y",
            "--permutations",
            "999",
            "--no-fdr",
            "--format",
            "json",
        ).out
    )
    assert len(rows) > 500, "every res-5 cell of the mission area is analysed"
    hot = [r for r in rows if r["class"].startswith("hot")]
    assert hot and max(r["count"] for r in hot) > 0
    assert np.mean([r["count"] for r in hot]) > np.mean([r["count"] for r in rows])


def test_emerging_hotspots_on_the_demo(engine: Engine, database_url: str, cli: CliRunner) -> None:
    load_demo(engine, Settings(), seed=7, n_communities=300, n_events=3000)
    result = cli(
        "--database", database_url, "hotspots", "--resolution", "5", "--emerging", "12", "--format", "json"
    )
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    from pochub.core.warning.emerging import CATEGORIES

    assert rows and all(r["category"] in CATEGORIES for r in rows)
    assert any(r["category"] != "no_pattern" for r in rows)
    hot_patterns = [r for r in rows if r["category"] in ("new", "consecutive", "intensifying", "persistent")]
    assert all(r["count"] > 0 or r["z_last"] > 0 for r in hot_patterns)
