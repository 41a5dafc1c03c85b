"""Perception-survey estimates: a weighted share with its confidence interval, and small-cell suppression.

A survey answers "what share of people feel safe walking at night in this community, this wave". The figure a
person reads must say how sure it is (a Wilson interval on Kish's effective sample size, so that unequal weights
widen it) and must never come from so few respondents that it points at them: a cell below the minimum is
suppressed, and so is a second cell of its table when the table's total would otherwise give the first away
(complementary suppression).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from scipy.stats import norm

from pochub.core.text import N_, Message, Text
from pochub.errors import InvalidInput

Group = TypeVar("Group", bound=Hashable)
Cell = TypeVar("Cell", bound=Hashable)

DEFAULT_MINIMUM = 10
"""The fewest respondents a published figure may come from (a mission sets its own; 5 to 20 is usual)."""

DEFAULT_CONFIDENCE = 0.95

TOO_FEW = N_("fewer than {minimum} respondents")
COMPLEMENTARY = N_("withheld so that a withheld figure cannot be worked out from the total")


@dataclass(frozen=True)
class Estimate:
    """One published (or withheld) figure: the weighted share of respondents who said yes, with its interval.

    ``respondents`` is the number who answered the question (not weighted); ``effective`` is Kish's effective
    sample size. A suppressed estimate keeps ``respondents`` for internal use only: an edge shows ``why``, never the
    share, the interval or the count.
    """

    respondents: int
    effective: float
    share: float | None
    low: float | None
    high: float | None
    why: Text | None = None

    @property
    def suppressed(self) -> bool:
        """Whether the figure is withheld."""
        return self.why is not None

    def withheld(self, why: Text) -> Estimate:
        """The same cell, withheld for ``why``."""
        return Estimate(self.respondents, self.effective, None, None, None, why)


def effective_size(weights: Sequence[float]) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2: n for equal weights, less the more unequal they are."""
    total = math.fsum(weights)
    squares = math.fsum(w * w for w in weights)
    return total * total / squares if squares > 0 else 0.0


def wilson_interval(share: float, n: float, confidence: float = DEFAULT_CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``share`` observed on ``n`` (possibly effective, fractional)
    respondents: inside [0, 1], never empty, sensible at 0 % and 100 % where the normal interval collapses."""
    if n <= 0:
        return 0.0, 1.0
    z = float(norm.ppf(0.5 + confidence / 2))
    z2n = z * z / n
    centre = (share + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(share * (1 - share) / n + z2n / (4 * n)) / (1 + z2n)
    # rounding may put a bound a hair past the share at 0 % or 100 %: the interval always holds the share
    return max(0.0, min(share, centre - half)), min(1.0, max(share, centre + half))


def estimate_share(
    answers: Iterable[bool | None],
    weights: Iterable[float] | None = None,
    *,
    minimum: int = DEFAULT_MINIMUM,
    confidence: float = DEFAULT_CONFIDENCE,
) -> Estimate:
    """The weighted share of ``True`` among the respondents who answered (``None`` = no answer, left out).

    Weights default to 1; a respondent with weight 0 counts as a respondent (for suppression) but not in the
    share. Fewer than ``minimum`` respondents: the estimate is withheld.
    """
    if minimum < 1:
        raise InvalidInput(
            Message(
                N_("the minimum number of respondents must be at least 1, not {minimum}"), minimum=minimum
            )
        )
    pairs = list(zip(answers, weights, strict=True)) if weights is not None else [(a, 1.0) for a in answers]
    answered = [(bool(a), float(w)) for a, w in pairs if a is not None]
    if any(w < 0 or not math.isfinite(w) for _, w in answered):
        raise InvalidInput(N_("survey weights must be finite and not negative"))
    n = len(answered)
    used = [w for _, w in answered]
    effective = effective_size(used)
    if n < minimum:
        return Estimate(n, effective, None, None, None, Message(TOO_FEW, minimum=minimum))
    total = math.fsum(used)
    if total <= 0:
        return Estimate(n, 0.0, None, None, None, Message(TOO_FEW, minimum=minimum))
    share = math.fsum(w for yes, w in answered if yes) / total
    low, high = wilson_interval(share, effective, confidence)
    return Estimate(n, effective, share, low, high)


def complementary_suppression(
    tables: Mapping[Group, Mapping[Cell, Estimate]], minimum: int = DEFAULT_MINIMUM
) -> dict[Group, dict[Cell, Estimate]]:
    """Withhold more cells in every table (a group whose total is published beside its cells) until what its
    total minus the shown cells gives away comes from at least ``minimum`` respondents: never exactly one withheld
    cell, nor several that together hold fewer than ``minimum`` people. The extra cells are the smallest shown ones
    (fewest people exposed to a wider interval). Returns new tables."""
    result = {group: dict(cells) for group, cells in tables.items()}
    for cells in result.values():
        while True:
            exposed = [key for key, cell in cells.items() if cell.respondents > 0]
            hidden = [key for key in exposed if cells[key].suppressed]
            shown = [key for key in exposed if not cells[key].suppressed]
            behind = sum(cells[key].respondents for key in hidden)
            if not hidden or not shown or (len(hidden) > 1 and behind >= minimum):
                break
            victim = min(shown, key=lambda key: (cells[key].respondents, str(key)))
            cells[victim] = cells[victim].withheld(COMPLEMENTARY)
    return result


def estimate_choices(
    answers: Sequence[frozenset[str] | None],
    weights: Sequence[float] | None = None,
    *,
    choices: Iterable[str] = (),
    minimum: int = DEFAULT_MINIMUM,
    confidence: float = DEFAULT_CONFIDENCE,
) -> dict[str, Estimate]:
    """For a question with several answers allowed (top threats, whom one would alert): the weighted share of the
    respondents who answered that ticked each choice. ``choices`` lists the form's choices, so that a choice nobody
    ticked still shows 0 % (with its interval) rather than vanishing."""
    every = sorted(set(choices).union(*(a for a in answers if a is not None)))
    used = list(weights) if weights is not None else [1.0] * len(answers)
    return {
        choice: estimate_share(
            [None if a is None else choice in a for a in answers],
            used,
            minimum=minimum,
            confidence=confidence,
        )
        for choice in every
    }
