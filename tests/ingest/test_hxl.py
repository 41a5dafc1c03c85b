"""HXL: columns found by hashtags, on a real HDX file and on tag-matching rules."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from pochub.errors import InvalidInput
from pochub.ingest.events import ImportOptions, read_events
from pochub.ingest.hxl import HXL, match_columns
from tests.conftest import shared_file


def read_all(path: Path) -> tuple[pl.DataFrame, list[object]]:
    frames, errors = [], []
    for batch in read_events(path, HXL, ImportOptions(source_name="acled-hdx")):
        frames.append(batch.events)
        errors += batch.errors
    return pl.concat(frames), errors


def test_real_hdx_acled_file_by_tags() -> None:
    import csv

    path = shared_file("acled-mali/conflict_data_mli_hdx.csv")
    events, errors = read_all(path)
    with path.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if not r["event_id_cnty"].startswith("#")]
    assert errors == [] and events.height == len(rows)
    assert set(events["source"].unique()) == {"acled-hdx"}
    assert dict(Counter(r["event_type"] for r in rows)) == dict(events.group_by("category").len().iter_rows())
    assert events["fatalities_best"].sum() == sum(int(r["fatalities"]) for r in rows)


def test_specific_tags_win_over_general_ones() -> None:
    columns = match_columns(
        {
            "a": "#affected+killed",
            "b": "#affected+killed+civilians",
            "c": "#date+occurred",
            "d": "#event+type",
            "e": "#geo+lat",
            "f": "#geo+lon",
            "g": "#affected+injured",
        }
    )
    assert columns["fatalities_best"] == "a"
    assert columns["civilian_fatalities"] == "b"
    assert columns["event_date"] == "c"


def test_a_file_without_the_needed_tags_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("when,where\n#date+occurred,#loc+name\n2020-01-01,Town\n")
    with pytest.raises(InvalidInput, match="no column for latitude"):
        read_all(path)


def test_threat_words_are_accepted_as_event_types(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        "date,lat,lon,type,killed\n#date+occurred,#geo+lat,#geo+lon,#event+type,#affected+killed\n"
        "2020-01-01,1,30,abduction_forced_disappearance,0\n2020-01-02,1,30,Forced recruitment,0\n"
    )
    events, errors = read_all(path)
    assert errors == []
    assert events["threat_type"].to_list() == ["abduction_forced_disappearance", "forced_recruitment"]
    assert events["source_id"].n_unique() == 2, "rows without ids get stable content ids"


HXL_FILES = ["acled-mali/conflict_data_mli_hdx.csv"]
"""The shared HXL event files `import hxl` reads (UCDP's HDX copy has no #event+type: `import ucdp` reads it by
its column names, its sides from ``dyad_name`` when missing, tests/ingest/test_ucdp.py)."""


@pytest.mark.parametrize("name", HXL_FILES)
@pytest.mark.parametrize(
    "first, second",
    [
        ("#org+name+first", "#org+name+second"),
        ("#org+first", "#org+second"),
        ("#group+name", "#group+second"),
    ],
)
def test_actors_tagged_org_or_group_variants_read_as_the_group_tags(
    name: str, first: str, second: str, tmp_path: Path
) -> None:
    """Every real HXL file, its #group+name+first/second actor tags rewritten as #org or other #group variants:
    the same actors are read (and so registered)."""
    import csv

    path = shared_file(name)
    with path.open(encoding="utf-8") as handle:
        header, tags, *rows = list(csv.reader(handle))
    assert "#group+name+first" in tags and "#group+name+second" in tags
    tags = [
        first
        if t == "#group+name+first"
        else second
        if t == "#group+name+second"
        else t.replace("#group", "#org")
        for t in tags
    ]
    retagged = tmp_path / "retagged.csv"
    with retagged.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, tags, *rows])
    original, _ = read_all(path)
    again, errors = read_all(retagged)
    assert errors == []
    assert (
        again["actor1"].to_list() == original["actor1"].to_list() and original["actor1"].str.len_chars().min()
    )
    assert again["actor2"].to_list() == original["actor2"].to_list()
