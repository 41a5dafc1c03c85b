"""The divergence signal: insecurity communities report without recorded events is flagged as possible
under-reporting, recorded violence that communities do not report is flagged the other way, each with evidence;
a wide survey interval never makes a signal, and victims count, not only events."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pochub.core.perspectives.divergence import AreaReading, Divergence, divergent_areas


def _area(
    pcode: str, unsafe: float | None, width: float, events: int, victims: int = 0, concerns: int = 0
) -> AreaReading:
    low = None if unsafe is None else max(0.0, unsafe - width)
    high = None if unsafe is None else min(1.0, unsafe + width)
    return AreaReading(pcode, f"Area {pcode}", unsafe, low, high, 120, concerns, events, victims, 10_000)


MISSION = [
    _area("A1", 0.30, 0.05, 20),
    _area("A2", 0.35, 0.05, 25),
    _area("A3", 0.40, 0.05, 18),
    _area("A4", 0.45, 0.05, 22),
    _area("A5", 0.80, 0.06, 0),  # people afraid, nothing recorded
    _area("A6", 0.10, 0.04, 60, victims=40),  # heavy violence, people say they feel safe
    _area("A7", 0.85, 0.50, 0),  # too uncertain to say anything
]


def test_both_ways_are_flagged_with_their_evidence() -> None:
    flagged = {area.pcode: area for area in divergent_areas(MISSION)}
    assert set(flagged) == {"A5", "A6"}
    assert flagged["A5"].kind is Divergence.UNDER_REPORTED and flagged["A6"].kind is Divergence.UNHEARD
    said = [str(e) for e in flagged["A5"].evidence]
    assert said[0].startswith("80% say they do not feel safe (74% to 86%, 120 respondents")
    assert "0 recorded events against civilians, 0 victims (0.0 per 10,000 people)" in said


def test_concerns_raised_in_engagements_count_where_no_survey_was_run() -> None:
    readings = [
        *MISSION[:4],
        _area("B1", None, 0, 0, concerns=9),
        _area("B2", None, 0, 40),
        _area("B3", None, 0, 30),
    ]
    flagged = divergent_areas(readings)
    assert [(a.pcode, a.kind) for a in flagged] == [("B1", Divergence.UNDER_REPORTED)]
    assert "concerns raised in engagements: 9" in [str(e) for e in flagged[0].evidence]


def test_victims_count_not_only_events() -> None:
    # few events but a massacre: not "nothing recorded"
    readings = [*MISSION[:4], _area("C1", 0.80, 0.05, 1, victims=45), _area("C2", 0.1, 0.05, 5)]
    assert "C1" not in {a.pcode for a in divergent_areas(readings)}


@given(
    st.lists(
        st.tuples(st.floats(0, 1), st.floats(0, 0.5), st.integers(0, 80), st.integers(0, 80)), max_size=12
    )
)
def test_a_wider_interval_never_adds_a_flag(rows: list[tuple[float, float, int, int]]) -> None:
    narrow = [_area(f"X{i}", u, w / 2, e, v) for i, (u, w, e, v) in enumerate(rows)]
    wide = [_area(f"X{i}", u, w, e, v) for i, (u, w, e, v) in enumerate(rows)]
    assert {a.pcode for a in divergent_areas(wide)} <= {a.pcode for a in divergent_areas(narrow)}
