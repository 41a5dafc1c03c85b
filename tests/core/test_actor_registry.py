"""One actor registry: which source names are one actor, which must stay apart, and the matching's invariants;
on the names of every ACLED and UCDP file of the shared datasets."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pochub.core.evidence.actor_registry import (
    acronym_form,
    build_registry,
    dyad_sides,
    field_actor,
    normalise,
    split_names,
)
from tests.conftest import shared_file


def groups(names: list[str], aliases: list[tuple[str, str]] | None = None) -> set[frozenset[str]]:
    return {frozenset(a.source_names) for a in build_registry(names, aliases or []).actors}


def test_cpc_spellings_of_acled_and_ucdp_are_one_actor() -> None:
    registry = build_registry(
        ["CPC: Coalition of Patriots for Change", "CPC", "Coalition of Patriots for Change", "cpc "]
    )
    assert [a.name for a in registry.actors] == ["CPC: Coalition of Patriots for Change"]
    assert registry.actor_of("CPC") == "CPC: Coalition of Patriots for Change"


def test_regime_periods_merge_but_countries_and_units_stay_apart() -> None:
    found = groups(
        [
            "Military Forces of the Democratic Republic of Congo (2019-)",
            "Military Forces of the Democratic Republic of Congo (2001-2019)",
            "Military Forces of the Republic of Congo (1997-)",
            "Military Forces of Sudan (1989-)",
            "Military Forces of South Sudan (2011-)",
            "Former Military Forces of South Sudan (2011-)",
            "Mutiny of Military Forces of South Sudan (2011-)",
            "Military Forces of South Sudan (2011-) Presidential Security Unit",
            "Unidentified Armed Group (Sudan)",
            "Unidentified Armed Group (South Sudan)",
            "Unidentified Armed Group",
        ]
    )
    assert (
        frozenset(
            {
                "Military Forces of the Democratic Republic of Congo (2019-)",
                "Military Forces of the Democratic Republic of Congo (2001-2019)",
            }
        )
        in found
    )
    assert len(found) == 10, "only the two periods of one army merge"


def test_case_accents_punctuation_and_spacing_are_ignored() -> None:
    assert normalise("Forces Armées  de la RDC") == normalise("forces armees de la rdc")
    assert normalise("SPLM/A - IO") == normalise("SPLM/A-IO")
    assert normalise("Military Forces of South Sudan (2011-)\u00a0Presidential Security Unit") == normalise(
        "Military Forces of South Sudan (2011-) Presidential Security Unit"
    )
    assert normalise("Civilians (Sudan)") != normalise("Civilians (South Sudan)")


def test_an_acronym_for_two_full_names_is_ambiguous_and_joins_neither() -> None:
    registry = build_registry(
        [
            "UPC: Unity for Peace in Central Africa",
            "UPC: Union of Congolese Patriots",
            "UPC",
            "Union of Congolese Patriots",
        ]
    )
    assert registry.ambiguous_acronyms == ("upc",)
    assert len(registry.actors) == 3
    assert registry.actor_of("Union of Congolese Patriots") == "UPC: Union of Congolese Patriots"
    assert registry.actor_of("UPC") == "UPC"


def test_full_names_with_reordered_words_are_one_group() -> None:
    found = groups(
        ["SSLM/A: South Sudan Liberation Movement/Army", "SSLA/M: South Sudan Liberation Army/Movement"]
    )
    assert len(found) == 1


def test_aliases_merge_and_name_the_actor() -> None:
    names = ["SPLA/M-In Opposition: Sudanese People's Liberation Army/Movement-In Opposition", "SPLM/A - IO"]
    assert len(groups(names)) == 2
    registry = build_registry(names, [("SPLM/A - IO", "SPLM/A-IO"), (names[0], "SPLM/A-IO")])
    assert [(a.name, a.source_names) for a in registry.actors] == [("SPLM/A-IO", tuple(sorted(names)))]


def test_fields_and_dyads() -> None:
    assert split_names("JEM: Justice and Equality Movement; SPLM-N ;") == (
        "JEM: Justice and Equality Movement",
        "SPLM-N",
    )
    assert dyad_sides("Government of Syria - Syrian insurgents") == (
        "Government of Syria",
        "Syrian insurgents",
    )
    assert dyad_sides("Murle") is None
    assert acronym_form("Militia (Pro-Government)") is None
    assert (
        field_actor(
            "CPC; CPC: Coalition of Patriots for Change",
            {"CPC": "X", "CPC: Coalition of Patriots for Change": "X"},
        )
        == "X"
    )


WORDS = [
    "Military",
    "Forces",
    "of",
    "Sudan",
    "South",
    "CPC",
    "UPC",
    "Congo",
    "Liberation",
    "Army",
    "Movement",
    "Ã©",
]
NAME = st.one_of(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join),
    st.tuples(
        st.sampled_from(["CPC", "UPC", "SLM/A", "LRA"]), st.sampled_from(WORDS), st.sampled_from(WORDS)
    ).map(lambda t: f"{t[0]}: {t[1]} {t[2]}"),
    st.tuples(
        st.sampled_from(WORDS), st.sampled_from(["(2011-)", "(1993-2003)", "(Sudan)", "(South Sudan)"])
    ).map(" ".join),
    st.text(min_size=1, max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(NAME, max_size=25), st.lists(st.tuples(NAME, NAME), max_size=3), st.randoms())
def test_matching_is_order_independent_and_idempotent(
    names: list[str], aliases: list[tuple[str, str]], random: object
) -> None:
    first = build_registry(names, aliases)
    shuffled = list(names)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    assert build_registry(shuffled, list(reversed(aliases))) == first
    again = build_registry([*names, *(a.name for a in first.actors)], aliases)
    mapping = again.mapping()
    for actor in first.actors:
        assert {mapping[n] for n in actor.source_names} == {mapping[actor.name]}, "no group splits or renames"
        assert mapping[actor.name] == actor.name
    assert len({a.name for a in first.actors}) == len(first.actors)


def _acled_names(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    rows = csv.DictReader(io.StringIO(text))
    fields = [
        f
        for f in rows.fieldnames or []
        if f.lower().replace("ally_", "assoc_")
        in {"actor", "actor1", "actor2", "assoc_actor_1", "assoc_actor_2"}
    ]
    return sorted(
        {n for row in rows for f in fields for n in split_names(row.get(f)) if not n.startswith("#")}
    )


def _ucdp_names(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        rows = csv.DictReader(handle)
        return sorted(
            {
                row[f].strip()
                for row in rows
                for f in ("side_a", "side_b")
                if row[f] and not row[f].startswith("#")
            }
        )


EVENT_FILES = [
    ("acled", "acled-legacy-perse/ACLED_AllSudan_00_14.csv"),
    ("acled", "acled-legacy-perse/ACLED_CAR_00_14.csv"),
    ("acled", "acled-legacy-perse/ACLED_DRC_97_14.csv"),
    ("acled", "acled-legacy-perse/ACLED_SouthSudan_11_14.csv"),
    ("acled", "acled-mali/acled_mali_2017-01-01_2019-02-27.csv"),
    ("acled", "acled-mali/conflict_data_mli_hdx.csv"),
    ("ucdp", "ucdp-ged-ssd-hdx/conflict_data_ssd.csv"),
    ("ucdp", "ucdp-ged-syria/ged_syria_20160101_20191130.csv.gz"),
]


@pytest.mark.parametrize(("kind", "relative"), EVENT_FILES, ids=[r for _, r in EVENT_FILES])
def test_real_names_never_merge_two_countries(kind: str, relative: str) -> None:
    """On every file's names: each name has one actor, and no actor holds two country suffixes."""
    path = shared_file(relative)
    names = _acled_names(path) if kind == "acled" else _ucdp_names(path)
    assert names
    registry = build_registry(names)
    assert sorted(registry.mapping()) == names
    for actor in registry.actors:
        countries = {
            n.rsplit("(", 1)[1]
            for n in actor.source_names
            if n.endswith(")") and "(" in n and not n[-2].isdigit() and not n.endswith("-)")
        }
        assert len({normalise(c) for c in countries}) <= 1, actor


def test_car_armies_of_three_regimes_are_one_and_its_neighbours_are_not() -> None:
    names = _acled_names(shared_file("acled-legacy-perse/ACLED_CAR_00_14.csv"))
    registry = build_registry(names)
    army = registry.actor_of("Military Forces of Central African Republic (2003-2013)")
    assert army == registry.actor_of("Military Forces of Central African Republic (1993-2003)")
    assert army == registry.actor_of("Military Forces of Central African Republic (2013-)")
    for other in (
        "Military Forces of Chad (1990-)",
        "Former Military Forces of Central African Republic (2003-2013)",
        "Mutiny of Military Forces of Central African Republic (1993-2003)",
        "Military Forces of Central African Republic (2003-2013) Gendarmerie",
    ):
        assert registry.actor_of(other) != army, other


def test_acled_and_ucdp_of_south_sudan_meet() -> None:
    names = _acled_names(shared_file("acled-legacy-perse/ACLED_SouthSudan_11_14.csv")) + _ucdp_names(
        shared_file("ucdp-ged-ssd-hdx/conflict_data_ssd.csv")
    )
    registry = build_registry(names)
    assert registry.actor_of("LRA") == "LRA: Lord's Resistance Army"
    assert registry.actor_of("SLM/A") == registry.actor_of("SLM/A: Sudan Liberation Movement/Army")
    assert registry.actor_of("MDF") == "MDF: Mabanese Defence Forces"
    assert registry.actor_of("Government of Sudan") != registry.actor_of("Government of South Sudan")
