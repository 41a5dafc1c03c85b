"""Property: any event written by the HXL export is read back with the same values."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pochub.core.models.events import EVENT_COLUMNS
from pochub.documents.event_exports import write_csv, write_geojson
from pochub.ingest.events import ImportOptions, read_events
from pochub.ingest.hxl import HXL

text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30).map(str.strip)

event = st.fixed_dictionaries(
    {
        "source": st.sampled_from(["acled", "ucdp", "mission"]),
        "source_id": st.text(alphabet="ABCDEFGHIJKLMNOP0123456789-", min_size=1, max_size=12),
        "event_date": st.dates(date(1990, 1, 1), date(2030, 12, 31)),
        "date_end": st.none() | st.dates(date(2031, 1, 1), date(2031, 12, 31)),
        "date_precision": st.sampled_from(["day", "week", "month", "year"]),
        "latitude": st.floats(-90, 90).map(lambda v: round(v, 6)),
        "longitude": st.floats(-180, 180).map(lambda v: round(v, 6)),
        "geo_precision": st.integers(1, 5),
        "country": text,
        "iso3": st.sampled_from(["", "COD", "SSD"]),
        "admin1_name": text,
        "admin2_name": text,
        "admin3_name": text,
        "location": text,
        "admin1_pcode": st.none() | st.sampled_from(["CD61", "SS01"]),
        "admin2_pcode": st.none() | st.sampled_from(["CD6101"]),
        "category": st.sampled_from(["Battles", "Violence against civilians", "Protests"]),
        "source_event_type": st.sampled_from(["Battles", "one-sided violence", "Violence against civilians"]),
        "source_sub_event_type": st.sampled_from(["", "Attack", "Armed clash"]),
        "threat_type": st.none() | st.sampled_from(["killing", "abduction_forced_disappearance"]),
        "actor1": text,
        "assoc_actor1": text,
        "actor2": text,
        "assoc_actor2": text,
        "inter1": st.none() | st.integers(0, 8),
        "inter2": st.none() | st.integers(0, 8),
        "civilian_targeting": st.booleans(),
        "fatalities_low": st.just(1),
        "fatalities_best": st.integers(1, 5),
        "fatalities_high": st.integers(5, 9),
        "civilian_fatalities": st.integers(0, 5),
        "notes": text,
        "source_grade": st.sampled_from(["A1", "B2", "F6"]),
        "source_updated": st.none() | st.integers(0, 2_000_000_000),
        "raw": st.just('{"k":"v"}'),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(event, min_size=1, max_size=8, unique_by=lambda e: e["source_id"]), st.booleans())
def test_export_then_import_gives_the_same_events(
    tmp_path: Path, events: list[dict[str, object]], as_geojson: bool
) -> None:
    buffer = io.StringIO()
    if as_geojson:
        write_geojson(events, buffer)
        path = tmp_path / "events.geojson"
    else:
        write_csv(events, buffer, hxl=True)
        path = tmp_path / "events.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    batches = list(read_events(path, HXL, ImportOptions()))
    assert [e for b in batches for e in b.errors] == []
    back = [row for b in batches for row in b.events.drop("_line").iter_rows(named=True)]
    assert len(back) == len(events)
    for original, read in zip(events, back, strict=True):
        for column in EVENT_COLUMNS:
            want = original[column]
            if column in (
                "country",
                "admin1_name",
                "admin2_name",
                "admin3_name",
                "location",
                "actor1",
                "assoc_actor1",
                "actor2",
                "assoc_actor2",
                "notes",
            ):
                want = want or ""
            assert read[column] == want, column
