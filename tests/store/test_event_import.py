"""Event imports into real SQLite and PostgreSQL: counts against the source, idempotence, updates, deletions,
all-or-nothing on bad rows, rejects, and cross-source duplicates."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from pochub.config import Settings
from pochub.errors import InvalidRows
from pochub.ingest.acled import ACLED
from pochub.ingest.events import ImportOptions
from pochub.ingest.ucdp import UCDP
from pochub.services.imports import import_events
from pochub.store import event_queries, tables
from pochub.store.event_queries import EventFilter
from tests.conftest import CliRunner, shared_file

SETTINGS = Settings()


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.events)).scalar_one())


def test_real_acled_counts_dates_and_types(engine: Engine, database_url: str, cli: CliRunner) -> None:
    path = shared_file("acled-legacy-perse/ACLED_CAR_00_14.csv")
    result = cli("--database", database_url, "import", "acled", path, "--format", "json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary["stored"] == summary["rows_read"] == 2375
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    result = cli("--database", database_url, "events", "summary", "--by", "type", "--format", "json")
    by_type = {r["key"]: r for r in json.loads(result.out)}
    assert {k: v["events"] for k, v in by_type.items()} == dict(Counter(r["Event Type"] for r in rows))
    assert sum(v["fatalities"] for v in by_type.values()) == sum(int(r["Fatalities"]) for r in rows) == 7972
    with engine.connect() as conn:
        first = conn.execute(
            select(tables.events).where(tables.events.c.source_id == rows[0]["EVENT_ID_CNTY"])
        ).one()
    assert first.event_date.strftime("%d/%m/%Y") == rows[0]["EVENT_DATE"]
    assert first.latitude == pytest.approx(float(rows[0]["LATITUDE"]))
    assert first.longitude == pytest.approx(float(rows[0]["LONGITUDE"]))
    months = json.loads(
        cli("--database", database_url, "events", "summary", "--by", "month", "--format", "json").out
    )
    assert sum(m["events"] for m in months) == 2375 and months[0]["key"] == "2000-01"


def test_reimport_adds_nothing_and_overlapping_files_share_ids(
    engine: Engine, database_url: str, cli: CliRunner
) -> None:
    south = shared_file("acled-legacy-perse/ACLED_SouthSudan_11_14.csv")
    both = shared_file("acled-legacy-perse/ACLED_AllSudan_00_14.csv")
    assert cli("--database", database_url, "import", "acled", south).code == 0
    again = json.loads(cli("--database", database_url, "import", "acled", south, "--format", "json").out)
    assert (again["stored"], again["updated"], again["unchanged"]) == (0, 0, 1643)
    overlap = json.loads(cli("--database", database_url, "import", "acled", both, "--format", "json").out)
    with south.open(encoding="utf-8") as a, both.open(encoding="utf-8") as b:
        south_rows = {r["EVENT_ID_CNTY"]: r for r in csv.DictReader(a)}
        changed = sum(
            1
            for r in csv.DictReader(b)
            if r["EVENT_ID_CNTY"] in south_rows and r != south_rows[r["EVENT_ID_CNTY"]]
        )
    assert changed > 0, "the two vintages differ in some rows (text encoding of the notes)"
    assert overlap["stored"] == 7537 - 1643 and overlap["updated"] == changed
    assert stored(engine) == 7537


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


ACLED_HEADER = [
    "event_id_cnty",
    "event_date",
    "year",
    "event_type",
    "sub_event_type",
    "actor1",
    "inter1",
    "actor2",
    "inter2",
    "civilian_targeting",
    "admin1",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "fatalities",
    "timestamp",
]


def acled_row(
    event_id: str,
    date: str = "2023-03-01",
    event_type: str = "Violence against civilians",
    sub: str = "Attack",
    lat: str = "1.50",
    lon: str = "29.10",
    fatalities: str = "2",
    stamp: str = "1",
) -> list[str]:
    return [
        event_id,
        date,
        date[:4],
        event_type,
        sub,
        "Militia A",
        "3",
        "Civilians",
        "7",
        "Civilian targeting",
        "North",
        "Town",
        lat,
        lon,
        "1",
        fatalities,
        stamp,
    ]


def test_changed_rows_update_and_deletions_remove(
    engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    first = write_rows(tmp_path / "v1.csv", ACLED_HEADER, [acled_row("X1"), acled_row("X2"), acled_row("X3")])
    second = write_rows(
        tmp_path / "v2.csv",
        ACLED_HEADER,
        [acled_row("X1"), acled_row("X2", fatalities="5", stamp="2"), acled_row("X3")],
    )
    assert cli("--database", database_url, "import", "acled", first).code == 0
    summary = json.loads(cli("--database", database_url, "import", "acled", second, "--format", "json").out)
    assert (summary["stored"], summary["updated"], summary["unchanged"]) == (0, 1, 2)
    with engine.connect() as conn:
        fatalities = conn.execute(
            select(tables.events.c.fatalities_best).where(tables.events.c.source_id == "X2")
        ).scalar_one()
    assert fatalities == 5
    deletions = tmp_path / "deleted.csv"
    deletions.write_text("event_id_cnty,deleted_timestamp\nX3,1700000000\nNOPE,1700000000\n")
    assert cli("--database", database_url, "import", "acled-deletions", deletions).code == 0
    assert stored(engine) == 2


def test_bad_row_writes_nothing_and_names_line_and_column(
    engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    good = write_rows(tmp_path / "good.csv", ACLED_HEADER, [acled_row("G1")])
    assert cli("--database", database_url, "import", "acled", good).code == 0
    rows = [acled_row(f"B{i}") for i in range(1, 8)]
    rows[4][1] = "2023-13-45"
    bad = write_rows(tmp_path / "bad.csv", ACLED_HEADER, rows)
    result = cli("--database", database_url, "import", "acled", bad)
    assert result.code == 1
    assert f"{bad}:6: column 'event_date'" in result.err
    assert stored(engine) == 1, "a failed import writes nothing"
    rejects = tmp_path / "rejects.csv"
    result = cli(
        "--database",
        database_url,
        "import",
        "acled",
        bad,
        "--skip-invalid",
        "--rejects",
        rejects,
        "--format",
        "json",
    )
    assert result.code == 0
    assert json.loads(result.out)["stored"] == 6 and json.loads(result.out)["rejected"] == 1
    with rejects.open() as handle:
        assert list(csv.reader(handle))[1][:3] == ["6", "event_date", "2023-13-45"]
    assert stored(engine) == 7


def test_acled_and_ucdp_reports_of_one_event_are_linked(engine: Engine, tmp_path: Path) -> None:
    acled = write_rows(
        tmp_path / "a.csv",
        ACLED_HEADER,
        [
            acled_row("A1", lat="1.500", lon="29.100"),  # same event as U1
            acled_row("A2", lat="1.500", lon="29.100", date="2023-03-09"),  # a week later: different
            acled_row("A3", lat="3.000", lon="29.100"),  # 160 km away: different
            acled_row("A4", lat="1.500", lon="29.100", event_type="Protests", sub="Peaceful protest"),
        ],
    )
    ucdp = tmp_path / "u.csv"
    ucdp.write_text(
        "id,type_of_violence,latitude,longitude,date_start,date_end,best,deaths_civilians,side_a,side_b\n"
        "U1,3,1.53,29.12,2023-03-02,2023-03-02,2,2,Militia A,Civilians\n"
        "U2,1,1.50,29.10,2023-03-01,2023-03-01,4,0,Gov,Militia A\n"
    )
    import_events(engine, acled, ACLED, ImportOptions(), SETTINGS, kind="acled")
    summary = import_events(engine, ucdp, UCDP, ImportOptions(), SETTINGS, kind="ucdp")
    assert summary.duplicates_linked == 1
    with engine.connect() as conn:
        ev = tables.events.c
        links = conn.execute(select(ev.source_id, ev.duplicate_of).where(ev.duplicate_of.is_not(None))).all()
        canonical = conn.execute(select(ev.id).where(ev.source_id == "A1")).scalar_one()
        assert [(r[0], r[1]) for r in links] == [("U1", canonical)]
        assert event_queries.count(conn, EventFilter()) == 5
        assert event_queries.count(conn, EventFilter(include_duplicates=True)) == 6
    again = import_events(engine, ucdp, UCDP, ImportOptions(), SETTINGS, kind="ucdp")
    assert again.duplicates_linked == 0 and again.stored == 0


def test_invalid_rows_raise_with_all_errors(engine: Engine, tmp_path: Path) -> None:
    rows = [acled_row(f"E{i}", lat="95") for i in range(30)]
    path = write_rows(tmp_path / "e.csv", ACLED_HEADER, rows)
    with pytest.raises(InvalidRows) as caught:
        import_events(engine, path, ACLED, ImportOptions(batch_rows=7), SETTINGS, kind="acled")
    assert caught.value.total == 30
    assert "and 10 more" in str(caught.value)
    assert stored(engine) == 0
