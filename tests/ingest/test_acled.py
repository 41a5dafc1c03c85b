"""ACLED files of every vintage, checked against the source files read independently with the csv module."""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from pochub.errors import InvalidInput
from pochub.ingest.acled import ACLED
from pochub.ingest.events import ImportOptions, read_events
from tests.conftest import shared_file

LEGACY = [
    "ACLED_DRC_97_14.csv",
    "ACLED_CAR_00_14.csv",
    "ACLED_SouthSudan_11_14.csv",
    "ACLED_AllSudan_00_14.csv",
]


def read_all(path: Path, **options: object) -> tuple[pl.DataFrame, list[object]]:
    frames, errors = [], []
    for batch in read_events(path, ACLED, ImportOptions(**options)):  # type: ignore[arg-type]
        frames.append(batch.events)
        errors += batch.errors
    return pl.concat(frames), errors


def source_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r for r in rows if not (r.get("event_id_cnty") or "").startswith("#")]


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_files_match_the_source(name: str) -> None:
    path = shared_file(f"acled-legacy-perse/{name}")
    events, errors = read_all(path)
    rows = source_rows(path)
    assert errors == []
    assert events.height == len(rows)
    assert dict(Counter(r["Event Type"] for r in rows)) == dict(
        events.group_by("source_event_type").len().iter_rows()
    )
    by_id = {r["EVENT_ID_CNTY"]: r for r in rows}
    for event in events.sample(200, seed=1).iter_rows(named=True):
        row = by_id[event["source_id"]]
        assert event["event_date"] == datetime.strptime(row["EVENT_DATE"], "%d/%m/%Y").date()
        assert event["latitude"] == pytest.approx(float(row["LATITUDE"]))
        assert event["longitude"] == pytest.approx(float(row["LONGITUDE"]))
        assert event["fatalities_best"] == int(row["Fatalities"])
        assert event["actor1"] == row["Actor"].strip()
    vac = events.filter(pl.col("category") == "Violence against civilians")
    assert vac.height == sum(r["Event Type"] == "Violence against civilians" for r in rows)
    assert vac["threat_type"].null_count() == 0, "every violence-against-civilians event has a threat type"


def test_current_export_with_hxl_row() -> None:
    path = shared_file("acled-mali/conflict_data_mli_hdx.csv")
    events, errors = read_all(path)
    rows = source_rows(path)
    assert errors == [] and events.height == len(rows) == 3990
    assert dict(Counter(r["event_type"] for r in rows)) == dict(events.group_by("category").len().iter_rows())
    threats = dict(events.group_by("threat_type").len().iter_rows())
    source_sub = Counter(r["sub_event_type"] for r in rows)
    assert threats["sexual_violence"] == source_sub["Sexual violence"]
    assert threats["abduction_forced_disappearance"] == source_sub["Abduction/forced disappearance"]
    assert threats["looting_property_destruction_arson"] == source_sub["Looting/property destruction"]
    assert events["event_date"].min().isoformat() == "1997-01-06"  # type: ignore[union-attr]
    assert events["event_date"].max().isoformat() == "2020-07-31"  # type: ignore[union-attr]


def test_text_dates_of_the_transitional_schema() -> None:
    path = shared_file("acled-mali/acled_mali_2017-01-01_2019-02-27.csv")
    events, errors = read_all(path)
    rows = source_rows(path)
    assert errors == [] and events.height == len(rows) == 1339
    for event, row in zip(events.sort("_line").iter_rows(named=True), rows, strict=True):
        assert event["event_date"] == datetime.strptime(row["event_date"], "%d %B %Y").date()


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


HEADER = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "inter1",
    "actor2",
    "inter2",
    "civilian_targeting",
    "country",
    "admin1",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "notes",
    "fatalities",
    "timestamp",
]


def row(event_id: str, **values: str) -> list[str]:
    base = dict(
        event_id_cnty=event_id,
        event_date="2023-03-01",
        year="2023",
        time_precision="1",
        event_type="Violence against civilians",
        sub_event_type="Attack",
        actor1="Group A",
        inter1="Political militia",
        actor2="Civilians (X)",
        inter2="Civilians",
        civilian_targeting="Civilian targeting",
        country="X",
        admin1="North",
        location="Town",
        latitude="1.5",
        longitude="29.1",
        geo_precision="1",
        notes="n",
        fatalities="2",
        timestamp="1680000000",
    )
    base.update(values)
    return [base[h] for h in HEADER]


def test_bad_date_names_line_and_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", HEADER, [row("A1"), row("A2"), row("A3", event_date="31/02/2023")])
    _, errors = read_all(path)
    assert [(e.line, e.column) for e in errors] == [(4, "event_date")]  # type: ignore[attr-defined]
    assert "not a date" in errors[0].reason  # type: ignore[attr-defined]


def test_unknown_event_type_lists_the_known_ones(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", HEADER, [row("A1", event_type="Skirmish")])
    _, errors = read_all(path)
    assert errors[0].column == "event_type"  # type: ignore[attr-defined]
    assert "'violence against civilians'" in errors[0].reason  # type: ignore[attr-defined]


def test_text_inter_labels_and_numeric_codes_agree(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", HEADER, [row("A1"), row("A2", inter1="3", inter2="7")])
    events, errors = read_all(path)
    assert errors == []
    assert events["inter1"].to_list() == [3, 3] and events["inter2"].to_list() == [7, 7]


def test_gzip_and_many_batches_give_the_same_events(tmp_path: Path) -> None:
    source = shared_file("acled-mali/conflict_data_mli_hdx.csv")
    packed = tmp_path / "mli.csv.gz"
    packed.write_bytes(gzip.compress(source.read_bytes()))
    plain, _ = read_all(source)
    zipped, _ = read_all(packed, batch_rows=333)
    assert plain.drop("_line").equals(zipped.drop("_line"))


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [h for h in HEADER if h != "latitude"], [row("A1")[:-1]])
    with pytest.raises(InvalidInput, match="missing column\\(s\\) latitude"):
        read_all(path)


def test_long_row_is_reported_with_its_line(tmp_path: Path) -> None:
    rows = [row(f"A{i}") for i in range(1, 30)]
    rows[24] = [*rows[24], "extra"]
    path = write_csv(tmp_path / "x.csv", HEADER, rows)
    events, errors = read_all(path, batch_rows=10)
    assert [(e.line, e.reason) for e in errors] == [(26, "expected 20 fields, found 21")]  # type: ignore[attr-defined]
    assert events.height == 28 and events["_line"].to_list() == [n for n in range(2, 31) if n != 26]


def test_short_row_reads_missing_fields_as_empty_and_validates_them(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", HEADER, [row("A1"), row("A2")[:5]])
    _, errors = read_all(path)
    assert {(e.line, e.column) for e in errors} >= {(3, "latitude"), (3, "longitude")}  # type: ignore[attr-defined]


def test_other_encodings_detected_or_by_option(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    lines = [",".join(HEADER), ",".join(row("A1", location="Bangassou-Sélé"))]
    path.write_bytes("\n".join(lines).encode("cp1252"))
    with pytest.raises(InvalidInput, match="not utf-8 text"):
        read_all(path, encoding="utf-8")
    for encoding in ("auto", "cp1252"):
        events, errors = read_all(path, encoding=encoding)
        assert errors == [] and events["location"].to_list() == ["Bangassou-Sélé"]


def test_quoted_newlines_keep_line_numbers_right(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", HEADER, [row("A1", notes="two\nlines"), row("A2", latitude="x")])
    _, errors = read_all(path)
    assert [(e.line, e.column) for e in errors] == [(4, "latitude")]  # type: ignore[attr-defined]
