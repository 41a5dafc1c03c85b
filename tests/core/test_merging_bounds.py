"""The cheap upper bounds that let merging skip most exact similarities never change which alert a report joins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pochub.core.workflow.merging import Candidate, matching_alert, similarity, similarity_bounds

WORDS = st.sampled_from(
    ["armed", "men", "attacked", "attaque", "village", "des", "hommes", "armés", "market", "school", "fled",
     "fuient", "night", "nuit", "Kalemie", "Nyunzu", "three", "trois", "dead", "morts", "the", "and", "é", ""]
)  # fmt: skip
TEXTS = st.one_of(
    st.lists(WORDS, max_size=14).map(" ".join),
    st.text(alphabet="abcdeé .,'-", max_size=40),
)
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
WINDOW = timedelta(hours=2)


def reference(text: str, candidates: list[Candidate], threshold: float) -> int | None:
    """matching_alert without the bounds: every similarity computed."""
    best: tuple[float, int] | None = None
    for candidate in candidates:
        if candidate.pcode != "P1" or abs(NOW - candidate.last_report_at) > WINDOW:
            continue
        score = max((similarity(text, seen) for seen in candidate.texts), default=0.0)
        if score >= threshold and (best is None or score > best[0]):
            best = (score, candidate.alert_id)
    return best[1] if best else None


@given(TEXTS, st.lists(TEXTS, max_size=12))
@settings(max_examples=300, deadline=None)
def test_bounds_are_upper_bounds(first: str, others: list[str]) -> None:
    bounds = similarity_bounds(first, others)
    assert len(bounds) == len(others)
    for other, bound in zip(others, bounds, strict=True):
        assert similarity(first, other) <= bound + 1e-12


@given(
    TEXTS,
    st.lists(
        st.tuples(st.lists(TEXTS, max_size=3), st.sampled_from(["P1", "P2"]), st.integers(-180, 180)),
        max_size=8,
    ),
    st.sampled_from([0.0, 0.3, 0.6, 0.9]),
)
@settings(max_examples=300, deadline=None)
def test_matching_alert_is_unchanged_by_the_bounds(
    text: str, alerts: list[tuple[list[str], str, int]], threshold: float
) -> None:
    candidates = [
        Candidate(k + 1, pcode, NOW + timedelta(minutes=minutes), tuple(texts))
        for k, (texts, pcode, minutes) in enumerate(alerts)
    ]
    found = matching_alert(
        text=text, pcode="P1", received_at=NOW, candidates=candidates, window=WINDOW, threshold=threshold
    )
    assert found == reference(text, candidates, threshold)
