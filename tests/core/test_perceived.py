"""The risk people perceive as a weight: each community's share feeling unsafe comes from its own published figure,
else its area's mean, else the mission's, and says so; a plan's row says on what its weights rest."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pochub.core.perspectives.perceived import (
    UNKNOWN_SHARE,
    Basis,
    basis_reason,
    perceived_shares,
    weight_basis,
)


def test_each_figure_says_where_it_comes_from() -> None:
    published = {"a": 0.2, "b": 0.6, "c": 0.9}
    area_of = {"a": "X", "b": "X", "c": "Y", "d": "X", "e": "Z", "f": None}
    risk = perceived_shares(published, area_of, ["a", "d", "e", "f", "c"], "Survey", "w2")
    assert risk.basis == (Basis.OWN, Basis.AREA, Basis.MISSION, Basis.MISSION, Basis.OWN)
    assert risk.unsafe.tolist() == pytest.approx(
        [0.2, 0.4, np.mean([0.2, 0.6, 0.9]), np.mean([0.2, 0.6, 0.9]), 0.9]
    )
    assert risk.scores.tolist() == pytest.approx((1 + 4 * risk.unsafe).tolist())
    nothing = perceived_shares({}, area_of, ["a"])
    assert nothing.basis == (Basis.MISSION,) and nothing.unsafe[0] == UNKNOWN_SHARE


@given(st.dictionaries(st.sampled_from("abcdefgh"), st.floats(0, 1, allow_nan=False), max_size=8))
def test_a_figure_not_published_is_never_its_own(published: dict[str, float]) -> None:
    area_of = {c: "X" if c < "e" else "Y" for c in "abcdefgh"}
    risk = perceived_shares(published, area_of, list("abcdefgh"))
    for community, basis in zip("abcdefgh", risk.basis, strict=True):
        assert (basis is Basis.OWN) == (community in published)
    assert all(0.0 <= s <= 1.0 for s in risk.unsafe)


def test_a_row_says_on_what_its_weights_rest() -> None:
    risk = perceived_shares(
        {"a": 0.5, "b": 0.7}, {"a": "X", "b": "X", "c": "X", "d": "Y"}, list("abcd"), "S", "w2"
    )
    basis = weight_basis(risk, [0, 1, 2, 3], [100.0, 300.0, 0.0, 100.0])
    assert basis is not None
    assert (basis["own"], basis["area"], basis["mission"]) == (2, 1, 1)
    assert basis["unsafe"] == pytest.approx((0.5 * 100 + 0.7 * 300 + 0.6 * 100) / 500)
    assert str(basis_reason(basis)) == (
        "weighted by perceived risk, for 4 communities newly covered (2 from their own survey figures, 1 from their "
        "area's mean, 1 from the mission's mean); 64% do not feel safe (S, wave w2)"
    )
    only = weight_basis(risk, [2], [100.0, 300.0, 50.0, 100.0], blend=True)
    assert only is not None
    assert str(basis_reason(only)) == (
        "weighted by perceived risk and the risk events show, for 1 communities newly covered (1 from their area's "
        "mean); 60% do not feel safe (S, wave w2)"
    )
    assert weight_basis(risk, [], []) is None
