"""Community profiles imported from a table (CSV with group paths as KoBo writes them, XLSX), on both backends:
lists and pairs read, every bad value named by file, line and column with nothing written, a community outside the
user's area refused like a bad value, unchanged rows making no new version; and `pochub communities import`."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from sqlalchemy import Engine, insert

from pochub.core.models.access import Role, User
from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.profiles import Access, Strategy, Trust, VulnerableGroup
from pochub.errors import InvalidRows
from pochub.ingest.community_profiles import read_profiles
from pochub.services import profiles
from pochub.store import tables

CLA = User(1, "cla.beni", Role.CLA, field_office="Beni", area_pcodes=("CD61",))
HEADER = ["_uuid", "profile/community_id", "profile/vulnerable_groups", "profile/named_threats", "profile/strategies",
          "alert/phone_operators", "alert/radio_coverage", "alert/languages", "alert/focal_point",
          "access_by_season", "trust", "needs"]  # fmt: skip
GOOD = ["u1", "C1", "children displaced_people", "abduction_forced_disappearance: the men from the hills; killing:",
        "night_watch safe_places", "Vodacom: yes; Airtel: no", "oui", "Kinande, Swahili", "Mama K +243 81 000 0222",
        "dry: open; rainy: limited", "the police: distrusted", "a night patrol; a health post"]  # fmt: skip


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


@pytest.fixture
def mission(engine: Engine) -> Engine:
    with engine.begin() as conn:
        conn.execute(insert(tables.communities), [
            {"community_id": "C1", "name": "Mavivi", "latitude": 0.4, "longitude": 29.4, "pcode": "CD6101"},
            {"community_id": "C2", "name": "Oicha", "latitude": 0.7, "longitude": 29.5, "pcode": "CD6102"},
            {"community_id": "C9", "name": "Bunia", "latitude": 1.6, "longitude": 30.2, "pcode": "CD5401"},
        ])  # fmt: skip
    return engine


def test_a_profile_table_is_read_as_people_write_it(tmp_path: Path) -> None:
    [row] = read_profiles(_csv(tmp_path / "p.csv", [GOOD]))
    p = row.profile
    assert row.community_id == "C1" and row.line == 2
    assert p.vulnerable_groups == {VulnerableGroup.CHILDREN, VulnerableGroup.DISPLACED}
    assert [(t.threat_type, t.perpetrator) for t in p.named_threats] == [
        (ThreatType.ABDUCTION, "the men from the hills"),
        (ThreatType.KILLING, ""),
    ]
    assert p.strategies == {Strategy.NIGHT_WATCH, Strategy.SAFE_PLACES}
    assert p.phone_operators == {"Vodacom": True, "Airtel": False} and p.radio_coverage is True
    assert p.languages == ("Kinande", "Swahili") and p.access_by_season == {
        "dry": Access.OPEN,
        "rainy": Access.LIMITED,
    }
    assert p.trust == {"the police": Trust.DISTRUSTED} and p.needs == ("a night patrol", "a health post")
    # the same as a workbook
    book = tmp_path / "p.xlsx"
    workbook = xlsxwriter.Workbook(str(book))
    sheet = workbook.add_worksheet("profiles")
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, GOOD)
    workbook.close()
    assert read_profiles(book)[0].profile == p


def test_every_bad_value_is_named_and_nothing_is_read(tmp_path: Path) -> None:
    bad: list[Any] = [
        [*GOOD[:4], "night_watch prayer", *GOOD[5:]],
        ["u2", "C2", "", "witchcraft: x", "", "Vodacom", "maybe", "", "", "dry: closed", "police: loved", ""],
        ["u3", "C1", *GOOD[2:]],
        ["u4", "", *GOOD[2:]],
    ]
    with pytest.raises(InvalidRows) as refused:
        read_profiles(_csv(tmp_path / "bad.csv", bad))
    found = sorted((e.line, e.column) for e in refused.value.errors)
    assert found == [(2, "profile/strategies"), (3, "alert/phone_operators"), (3, "alert/radio_coverage"),
                     (3, "profile/named_threats"), (3, "trust"), (4, "profile/community_id"), (5, "profile/community_id")]  # fmt: skip
    assert "already on line 2" in str(refused.value)


def test_imported_as_new_versions_all_or_none(mission: Engine, tmp_path: Path, cli: Any) -> None:
    outside = _csv(tmp_path / "outside.csv", [GOOD, ["u9", "C9", *GOOD[2:]]])
    with pytest.raises(InvalidRows, match="no community of your area"):
        profiles.import_profiles(mission, CLA, outside)
    assert profiles.community_profile(mission, CLA, "C1").version == 0  # nothing written
    table = _csv(tmp_path / "ok.csv", [GOOD, ["u2", "C2", "", "", "youth_group", "", "", "", "", "", "", ""]])
    done = profiles.import_profiles(mission, CLA, table)
    assert (done.saved, done.unchanged) == (2, 0)
    again = profiles.import_profiles(mission, CLA, table)
    assert (again.saved, again.unchanged) == (0, 2)
    current = profiles.community_profile(mission, CLA, "C1")
    assert current.version == 1 and current.note == "imported from ok.csv"
    # the same through the command line, as a stored CLA of the office, in French
    from tests.api.access_helpers import make_user

    make_user(mission, "cla", username="cla_cli", area_pcodes=("CD61",))
    run = cli("--database", mission.url.render_as_string(hide_password=False), "communities", "import",
              _csv(tmp_path / "cli.csv", [[*GOOD[:4], "early_warning_committee", *GOOD[5:]]]), "--as", "cla_cli",
              "--language", "fr")  # fmt: skip
    assert run.code == 0, run.err
    assert "1 profils enregistrés comme nouvelles versions, 0 inchangés" in " ".join(run.err.split())
