"""Core models and classification invariants."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from pochub.core.evidence.classification import ACLED_EVENT_TYPES, ACLED_SUB_EVENT_TYPES, threat_type
from pochub.core.geography.areas import AreaIndex
from pochub.core.models.events import SourceGrade
from pochub.core.models.places import AdminArea
from pochub.core.models.taxonomy import EventCategory, ThreatType


@given(st.sampled_from("ABCDEF"), st.integers(1, 6))
def test_source_grade_round_trips(reliability: str, credibility: int) -> None:
    grade = SourceGrade(reliability, credibility)
    assert SourceGrade.parse(str(grade).lower()) == grade


@pytest.mark.parametrize("text", ["G1", "A7", "AA", "", "B 2"])
def test_bad_grades_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="reliability A-F"):
        SourceGrade.parse(text)


@given(
    st.lists(
        st.tuples(
            st.sampled_from([c.value for c in EventCategory]),
            st.sampled_from(list(ACLED_SUB_EVENT_TYPES)),
            st.booleans(),
            st.integers(0, 50),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_threats_follow_targeting(rows: list[tuple[str, str, bool, int]]) -> None:
    frame = pl.DataFrame(rows, schema=["category", "sub", "targeting", "fatalities"], orient="row")
    result = frame.select(
        threat_type(pl.col("category"), pl.col("sub"), pl.col("targeting"), pl.col("fatalities"))
    )
    for (category, sub, targeting, fatalities), threat in zip(rows, result.to_series(), strict=True):
        specific = ACLED_SUB_EVENT_TYPES[sub] in {t.value for t in ThreatType}
        if targeting or specific:
            assert threat in {t.value for t in ThreatType}
        else:
            assert threat is None
        if targeting and not specific and category != EventCategory.EXPLOSIONS_REMOTE_VIOLENCE.value:
            assert threat == ("killing" if fatalities > 0 else "maiming_injury")


def test_every_acled_type_maps_to_a_category() -> None:
    assert {c.value for c in ACLED_EVENT_TYPES.values()} == {c.value for c in EventCategory}


@given(st.floats(0.01, 0.99), st.floats(0.01, 0.99))
def test_points_inside_an_area_are_located(x: float, y: float) -> None:
    left = AdminArea("L", "Left", 1, shapely.box(0, 0, 1, 1))
    right = AdminArea("R", "Right", 1, shapely.box(1, 0, 2, 1))
    index = AreaIndex.build([left, right], 1)
    codes, names = index.locate(np.array([y, y, 5.0]), np.array([x, x + 1, 5.0]))
    assert list(codes) == ["L", "R", None] and list(names) == ["Left", "Right", None]
