"""UCDP GED files: HDX copy with an HXL row, a gzip special release, and a file without a header."""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from pochub.ingest.events import ImportOptions, read_events
from pochub.ingest.ucdp import COLUMNS, UCDP
from tests.conftest import shared_file


def read_all(path: Path) -> tuple[pl.DataFrame, list[object]]:
    frames, errors = [], []
    for batch in read_events(path, UCDP, ImportOptions()):
        frames.append(batch.events)
        errors += batch.errors
    return pl.concat(frames), errors


def test_hdx_file_matches_the_source() -> None:
    path = shared_file("ucdp-ged-ssd-hdx/conflict_data_ssd.csv")
    events, errors = read_all(path)
    with path.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if not r["year"].startswith("#")]
    assert errors == [] and events.height == len(rows) == 941
    assert Counter(r["type_of_violence"] for r in rows) == {"1": 384, "2": 201, "3": 356}
    by_type = dict(events.group_by("source_event_type").len().iter_rows())
    assert by_type == {"state-based conflict": 384, "non-state conflict": 201, "one-sided violence": 356}
    assert events["civilian_fatalities"].sum() == sum(int(r["deaths_civilians"]) for r in rows) == 3825
    assert events["fatalities_best"].sum() == sum(int(r["best"]) for r in rows) == 13579
    assert events.filter(pl.col("source_event_type") == "one-sided violence")[
        "threat_type"
    ].unique().to_list() == ["killing"]
    first = events.filter(pl.col("source_id") == rows[0]["id"]).row(0, named=True)
    assert first["event_date"].isoformat() == rows[0]["date_start"][:10]
    assert first["latitude"] == pytest.approx(float(rows[0]["latitude"]))


def test_gzip_release_and_headerless_copy_agree(tmp_path: Path) -> None:
    path = shared_file("ucdp-ged-syria/ged_syria_20160101_20191130.csv.gz")
    events, errors = read_all(path)
    assert errors == [] and events.height == 16566
    assert dict(events.group_by("source_event_type").len().iter_rows()) == {
        "state-based conflict": 11507,
        "non-state conflict": 4577,
        "one-sided violence": 482,
    }
    assert events["civilian_fatalities"].sum() == 26653
    # the same rows in the full release's 49-column order, without a header
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for r in rows[:500]:
        writer.writerow([r.get(c, "") for c in COLUMNS])
    headerless = tmp_path / "ged_noheader.csv"
    headerless.write_text(buffer.getvalue(), encoding="utf-8")
    again, errors = read_all(headerless)
    assert errors == []
    keep = [
        "source_id",
        "event_date",
        "latitude",
        "longitude",
        "category",
        "fatalities_best",
        "civilian_fatalities",
    ]
    assert again.select(keep).equals(events.head(500).select(keep))


def test_unknown_type_of_violence_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        "id,type_of_violence,latitude,longitude,date_start,date_end,best\n"
        "1,3,1.0,30.0,2020-01-01,2020-01-01,2\n2,4,1.0,30.0,2020-01-01,2020-01-01,2\n"
    )
    _, errors = read_all(path)
    assert [(e.line, e.column) for e in errors] == [(3, "type_of_violence")]  # type: ignore[attr-defined]
    assert "known: 1, 2, 3" in errors[0].reason  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "name", ["ucdp-ged-ssd-hdx/conflict_data_ssd.csv", "ucdp-ged-syria/ged_syria_20160101_20191130.csv.gz"]
)
def test_missing_sides_come_from_the_dyad_name(name: str, tmp_path: Path) -> None:
    """Every real GED file with dyad names, its side columns emptied (and, in a second copy, dropped): each side
    is read from ``dyad_name``, equal to the release's side wherever that side holds no " - " itself."""
    path = shared_file(name)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if not r["year"].startswith("#")]
    original, _ = read_all(path)
    for drop in (False, True):
        fields = [c for c in rows[0] if not (drop and c in ("side_a", "side_b"))]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({**r, "side_a": "", "side_b": ""} for r in rows)
        cut = tmp_path / f"cut_{drop}.csv"
        cut.write_text(buffer.getvalue(), encoding="utf-8")
        events, errors = read_all(cut)
        assert errors == [] and events.height == len(rows)
        assert (events["actor1"] != "").all() and (events["actor2"] != "").all()
        plain = [i for i, r in enumerate(rows) if " - " not in r["side_a"]]
        assert len(plain) > 0.9 * len(rows)
        assert [events["actor1"][i] for i in plain] == [original["actor1"][i] for i in plain]
        assert [events["actor2"][i] for i in plain] == [original["actor2"][i] for i in plain]
