"""`structure import` and `structure validate --boundaries-from-store` check the offices' P-codes against the
stored boundaries through their ``parent_pcode`` (not by prefix) and name the unknown ones (real COD-AB CAR)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from sqlalchemy import Engine

from pochub.demo.generator import DemoFiles, generate_demo
from tests.conftest import CliRunner, shared_file
from tests.e2e.test_mission_data import ok

ADM2 = "cod-ab-car/caf_admbnda_adm2_200k_sigcaf_reach_itos_v2.geojson"
ADM3 = "cod-ab-car/caf_admbnda_adm3_200k_sigcaf_reach_itos_v2.geojson"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return generate_demo(tmp_path_factory.mktemp("demo"), seed=1, n_communities=100, n_events=50)


def prefectures() -> list[str]:
    """The CAR prefectures' P-codes, as the COD-AB sub-prefectures name their parents."""
    features = orjson.loads(shared_file(ADM2).read_bytes())["features"]
    return sorted({f["properties"]["admin1Pcod"] for f in features})


def car_structure(demo: DemoFiles, folder: Path, areas: list[list[str]]) -> Path:
    """The demo mission's structure with its three field offices given these areas."""
    document: dict[str, Any] = yaml.safe_load(demo.structure.read_text(encoding="utf-8"))
    for office, codes in zip(document["field_offices"], areas, strict=True):
        office["area_pcodes"] = codes
    path = folder / "car.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def test_offices_cover_the_map_through_parent_pcodes(
    engine: Engine, database_url: str, cli: CliRunner, demo: DemoFiles, tmp_path: Path
) -> None:
    db = ("--database", database_url)
    ok(cli(*db, "import", "boundaries", shared_file(ADM2), "--level", "2"))
    ok(cli(*db, "import", "boundaries", shared_file(ADM3), "--level", "3"))
    codes = prefectures()
    # prefectures are not stored, but the sub-prefectures name them as parents: an office may hold one
    structure = car_structure(demo, tmp_path, [codes[:1], codes[1:2], codes[2:]])
    result = cli(*db, "structure", "validate", structure, "--boundaries-from-store")
    assert result.code == 0, result.out + result.err
    ok(cli(*db, "structure", "import", structure, "--boundaries-from-store"))

    # a prefecture left out: its communes are named as uncovered
    gap = car_structure(demo, tmp_path, [codes[:1], codes[1:2], codes[3:]])
    result = cli(*db, "structure", "validate", gap, "--boundaries-from-store")
    assert result.code == 1
    missing = re.findall(r"area (\S+) \(from boundaries\) is not covered by any field office", result.out)
    features = orjson.loads(shared_file(ADM3).read_bytes())["features"]
    under = {f["properties"]["admin3Pcod"] for f in features if f["properties"]["admin1Pcod"] == codes[2]}
    assert set(missing) == under

    # a sub-prefecture inside another office's prefecture overlaps it (found by parent, not by prefix)
    inner = next(f["properties"]["admin2Pcod"] for f in features if f["properties"]["admin1Pcod"] == codes[0])
    overlap = car_structure(demo, tmp_path, [codes[:1], [*codes[1:2], inner], codes[2:]])
    result = cli(*db, "structure", "validate", overlap, "--boundaries-from-store")
    assert result.code == 1 and f"area {inner} overlaps area {codes[0]}" in result.out


def test_structure_import_names_p_codes_in_no_stored_boundary(
    engine: Engine, database_url: str, cli: CliRunner, demo: DemoFiles, tmp_path: Path
) -> None:
    db = ("--database", database_url)
    ok(cli(*db, "import", "boundaries", shared_file(ADM2), "--level", "2"))
    codes = prefectures()
    structure = car_structure(demo, tmp_path, [codes[:1], ["CF99", "XX1"], codes[2:]])
    result = cli(*db, "structure", "import", structure)
    assert result.code == 1 and "nothing was stored" in result.err
    for unknown in ("CF99", "XX1"):
        assert f"area {unknown} is in no stored boundary (unknown P-code)" in result.err
    # a prefix of stored codes is not an area: CF1 holds no sub-prefecture by parent_pcode
    structure = car_structure(demo, tmp_path, [["CF1"], codes[1:2], codes[2:]])
    result = cli(*db, "structure", "import", structure)
    assert result.code == 1 and "area CF1 is in no stored boundary" in result.err


def test_import_structure_checks_the_map_too(
    engine: Engine, database_url: str, cli: CliRunner, demo: DemoFiles, tmp_path: Path
) -> None:
    db = ("--database", database_url)
    ok(cli(*db, "import", "boundaries", shared_file(ADM2), "--level", "2"))
    codes = prefectures()
    result = cli(*db, "import", "structure", car_structure(demo, tmp_path, [codes[:1], ["CF99"], codes[2:]]))
    assert result.code == 1 and "area CF99 is in no stored boundary (unknown P-code)" in result.err
    ok(cli(*db, "import", "structure", car_structure(demo, tmp_path, [codes[:1], codes[1:2], codes[2:]])))
