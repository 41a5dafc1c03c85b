"""Cross-source de-duplication: one-to-one, within the limits, never within one source, order-independent."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pochub.core.evidence.duplicates import EARTH_RADIUS_KM, EventPoints, compatible, find_duplicates

CATEGORIES = ["Battles", "Violence against civilians", "Explosions/Remote violence", "Protests"]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return float(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a)))


events = st.lists(
    st.tuples(
        st.sampled_from(["acled", "ucdp", "hxl"]),
        st.integers(0, 6),
        st.floats(0.9, 1.1),
        st.floats(29.9, 30.1),
        st.sampled_from(CATEGORIES),
    ),
    min_size=0,
    max_size=60,
)


def points(rows: list[tuple[str, int, float, float, str]]) -> EventPoints:
    return EventPoints(
        ids=np.arange(1, len(rows) + 1, dtype=np.int64),
        sources=np.array([r[0] for r in rows], dtype=str),
        days=np.array([r[1] for r in rows], dtype=np.int64),
        latitudes=np.array([r[2] for r in rows], dtype=np.float64),
        longitudes=np.array([r[3] for r in rows], dtype=np.float64),
        categories=np.array([r[4] for r in rows], dtype=str),
    )


@settings(max_examples=150, deadline=None)
@given(events)
def test_links_respect_every_rule(rows: list[tuple[str, int, float, float, str]]) -> None:
    links = find_duplicates(points(rows), ("acled", "ucdp"), max_km=10, max_days=1)
    used = [link.duplicate_id for link in links] + [link.canonical_id for link in links]
    assert len(used) == len(set(used)), "one-to-one"
    priority = {"acled": 0, "ucdp": 1, "hxl": 2}
    for link in links:
        dup, canon = rows[link.duplicate_id - 1], rows[link.canonical_id - 1]
        assert dup[0] != canon[0]
        assert priority[canon[0]] < priority[dup[0]], "the preferred source stays canonical"
        assert abs(dup[1] - canon[1]) <= 1
        assert haversine_km(dup[2], dup[3], canon[2], canon[3]) <= 10.0 + 1e-6
        assert compatible(dup[4], canon[4])


@settings(max_examples=60, deadline=None)
@given(events, st.randoms(use_true_random=False))
def test_number_of_links_does_not_depend_on_row_order(
    rows: list[tuple[str, int, float, float, str]], rnd: object
) -> None:
    shuffled = list(rows)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    first = find_duplicates(points(rows), ("acled", "ucdp"))
    second = find_duplicates(points(shuffled), ("acled", "ucdp"))
    assert len(first) == len(second)


def test_single_source_never_links() -> None:
    rows = [("acled", 0, 1.0, 30.0, "Battles")] * 5
    assert find_duplicates(points(rows), ("acled",)) == []
