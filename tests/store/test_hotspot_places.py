"""Hot spots an analyst can read: every listed cell named by its centre, area and nearest community; the p-value
shown is the one that decided the class; no advice contradicts the options in force (both backends)."""

from __future__ import annotations

import json

import h3
import numpy as np
from sqlalchemy import Engine

from pochub.config import Settings
from pochub.core.geography.fuzzing import great_circle_km
from pochub.services.demo_mission import load_demo
from pochub.services.warning import hotspots
from pochub.store import repositories
from tests.conftest import CliRunner, shared_file


def test_significant_cells_carry_centre_area_and_nearest_community(engine: Engine) -> None:
    load_demo(engine, Settings(), seed=4, n_communities=300, n_events=3000)
    run = hotspots(engine, resolution=5, window_days=365)
    result = run.result
    assert result.permutations == 0 and result.fdr
    significant = [c for c, cls in zip(result.cells, result.classes, strict=True) if cls != "none"]
    assert significant and set(significant) <= set(run.places)
    with engine.connect() as conn:
        communities = repositories.load_communities(conn)
        areas = {a.pcode: a for a in repositories.load_admin_areas(conn)}
    for cell in significant:
        place = run.places[cell]
        assert (place.latitude, place.longitude) == h3.cell_to_latlng(cell)
        if place.area_pcode is not None:
            assert areas[place.area_pcode].name == place.area_name
        distances = [
            great_circle_km(place.latitude, place.longitude, c.latitude, c.longitude) for c in communities
        ]
        best = int(np.argmin(distances))
        assert place.community_km is not None and abs(place.community_km - distances[best]) < 0.2
        assert place.community == communities[best].name or np.isclose(
            sorted(distances)[1], distances[best], atol=0.2
        )
    assert sum(run.places[c].area_pcode is not None for c in significant) > 0.9 * len(significant)


def test_cli_shows_the_deciding_p_and_no_contradicting_advice(
    engine: Engine, database_url: str, cli: CliRunner
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
    base = ("--database", database_url, "hotspots", "--window", "1y", "--as-of", "2014-12-31")
    rows = json.loads(cli(*base, "--format", "json").out)
    assert {
        "latitude",
        "longitude",
        "area_pcode",
        "area_name",
        "nearest_community",
        "p_class",
        "p_basis",
    } <= set(rows[0])
    assert all(r["p_basis"] == "fdr" and r["p_class"] == r["p_fdr"] for r in rows)
    assert any(r["class"].startswith("hot") for r in rows)
    raw = json.loads(cli(*base, "--no-fdr", "--format", "json").out)
    assert all(r["p_basis"] == "raw" and r["p_class"] == r["p"] for r in raw)
    table = cli(*base)
    assert table.code == 0, table.err
    assert "p, FDR-adjusted" in table.out and "normal approximation, FDR-adjusted" in table.out
    assert "--permutations 9999" not in table.out + table.err
    coarse = cli(*base, "--permutations", "99")
    assert coarse.code == 0
    assert "--permutations 9999" not in coarse.err
