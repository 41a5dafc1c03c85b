"""`pochub coverage` and `pochub allocate` on the demo mission and on real Geo-PKO bases with real places."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from pochub.config import Settings
from pochub.services.demo_mission import load_demo
from tests.conftest import CliRunner, shared_file


@pytest.fixture
def demo(engine: Engine) -> Engine:
    load_demo(engine, Settings(), seed=6, n_communities=300, n_events=3000)
    return engine


def test_demo_coverage_and_plans(demo: Engine, database_url: str, cli: CliRunner, tmp_path: Path) -> None:
    result = cli(
        "--database", database_url, "coverage", "--standard", "1h", "--standard", "4h", "--format", "json"
    )
    assert result.code == 0, result.err
    body = json.loads(result.out)
    assert len(body["communities"]) == 300 and body["roads"] is True
    shares = [s["covered_share"] for s in body["standards"]]
    assert shares == sorted(shares), "a longer standard never covers less"
    mclp = cli(
        "--database",
        database_url,
        "allocate",
        "mclp",
        "--p",
        "2",
        "--standard",
        "1h",
        "--format",
        "json",
        "-o",
        tmp_path / "plan.png",
    )
    assert mclp.code == 0, mclp.err
    plan = json.loads(mclp.out)
    assert plan["model"] == "mclp" and plan["status"] in ("optimal", "time_limit") and len(plan["sites"]) == 2
    assert 0 < plan["covered_weight"] <= plan["total_weight"]
    assert (tmp_path / "plan.png").read_bytes()[:4] == b"\x89PNG"
    for site in plan["sites"]:  # where each new site is, what community is nearest, whom it newly covers
        assert site["area_pcode"] and site["area_name"] and site["nearest_community"]
        assert site["nearest_community_km"] >= 0
    gained = [site["population_newly_covered"] for site in plan["sites"]]
    assert gained == sorted(gained, reverse=True)  # marginal, in the order of the proposal
    table = cli("--database", database_url, "allocate", "mclp", "--p", "2", "--standard", "1h")
    assert table.code == 0, table.err
    shown = " ".join(table.out.split())
    assert "nearest community" in shown and "population newly covered" in shown
    assert f"reached by no site above it ({sum(gained):,} in all)" in shown
    first = plan["sites"][0]
    assert f"{first['area_name']} ({first['area_pcode']})" in shown
    lscp = json.loads(
        cli("--database", database_url, "allocate", "lscp", "--standard", "3h", "--format", "json").out
    )
    assert lscp["covered_weight"] == pytest.approx(lscp["total_weight"])
    too_many = cli("--database", database_url, "allocate", "mclp", "--p", "1000")
    assert too_many.code == 1 and "candidates" in too_many.err


def test_real_geopko_bases_cover_real_places(
    engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    cities = tmp_path / "places.csv"
    with shared_file("geonames-cities/geonames_cities500_cd_ss_cf_ml_sd.csv").open(
        encoding="utf-8"
    ) as source:
        rows = [r for r in csv.DictReader(source) if r["countrycode"] == "CD"]
    with cities.open("w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(["id", "name", "lat", "lon", "population"])
        writer.writerows(
            [r["geonameid"], r["name"], r["latitude"], r["longitude"], r["population"]] for r in rows
        )
    assert cli("--database", database_url, "import", "communities", cities).code == 0
    assert (
        cli(
            "--database",
            database_url,
            "import",
            "bases",
            shared_file("geo-pko/geopko_v1_africa_1994_2018.csv"),
            "--mission",
            "MONUSCO",
        ).code
        == 0
    )
    body = json.loads(
        cli(
            "--database",
            database_url,
            "coverage",
            "--standard",
            "24h",
            "--offroad-speed",
            "30",
            "--format",
            "json",
        ).out
    )
    assert len(body["communities"]) == len(rows) > 50
    plan = json.loads(
        cli(
            "--database",
            database_url,
            "allocate",
            "mclp",
            "--p",
            "3",
            "--standard",
            "12h",
            "--offroad-speed",
            "30",
            "--format",
            "json",
        ).out
    )
    assert len(plan["sites"]) == 3 and plan["covered_weight"] <= plan["total_weight"]
    impossible = cli(
        "--database",
        database_url,
        "allocate",
        "mclp",
        "--p",
        "3",
        "--standard",
        "1m",
        "--candidates",
        write_far_candidates(tmp_path),
    )
    assert impossible.code == 1


def write_far_candidates(tmp_path: Path) -> Path:
    path = tmp_path / "candidates.csv"
    path.write_text("id,lat,lon\nX1,60.0,10.0\nX2,61.0,11.0\nX3,62.0,12.0\n")
    return path
