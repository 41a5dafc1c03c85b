"""The risk people perceive, as a weight for coverage and allocation, and where each community's figure comes from.

A community weighs 1 (everyone feels safe) to 5 (nobody does) from the latest perception wave: its own published
figure, else the mean of its area's published figures, else the mission's mean. The provenance goes with each
figure, so that a plan can say on what its weights rest ("3 communities' own survey figures, 5 from their area's
mean"). Only published figures are ever given here: a withheld figure cannot leak through a weight or a mean.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pochub.core.text import N_, Message, joined

UNKNOWN_SHARE = 0.5
"""The share taken as feeling unsafe when the survey publishes no figure at all (the middle of the scale)."""


class Basis(StrEnum):
    """Where a community's perceived risk comes from."""

    OWN = "own"
    """The community's own published figure."""
    AREA = "area"
    """The mean of the published figures of its area (its own is withheld or missing)."""
    MISSION = "mission"
    """The mean of the mission's published figures (none in its area)."""


@dataclass(frozen=True)
class PerceivedRisk:
    """Each community's share feeling unsafe (0-1) with its basis, from one survey wave (in the order asked)."""

    survey: str
    wave: str
    unsafe: NDArray[np.float64]
    basis: tuple[Basis, ...]

    @property
    def scores(self) -> NDArray[np.float64]:
        """Perceived risk 1 (everyone feels safe) to 5 (nobody does)."""
        return 1.0 + 4.0 * self.unsafe


def perceived_shares(
    published: Mapping[str, float],
    area_of: Mapping[str, str | None],
    communities: Sequence[str],
    survey: str = "",
    wave: str = "",
) -> PerceivedRisk:
    """The share feeling unsafe of each of ``communities`` (ids): its own from ``published`` (community -> the
    published share who do not feel safe), else its area's mean (areas from ``area_of``), else the mission's."""
    by_area: dict[str | None, list[float]] = defaultdict(list)
    for community, share in published.items():
        by_area[area_of.get(community)].append(share)
    mission = float(np.mean(list(published.values()))) if published else UNKNOWN_SHARE
    shares, basis = [], []
    for community in communities:
        area = area_of.get(community)
        if community in published:
            shares.append(published[community])
            basis.append(Basis.OWN)
        elif area is not None and by_area.get(area):
            shares.append(float(np.mean(by_area[area])))
            basis.append(Basis.AREA)
        else:
            shares.append(mission)
            basis.append(Basis.MISSION)
    return PerceivedRisk(survey, wave, np.array(shares, dtype=np.float64), tuple(basis))


def weight_basis(
    risk: PerceivedRisk, members: Sequence[int], population: Sequence[float], *, blend: bool = False
) -> dict[str, Any] | None:
    """On what the weights of the communities at positions ``members`` rest, as plain values (JSON-ready, for a
    plan's row): how many come from their own survey figure, their area's mean or the mission's, and the share
    (weighted by ``population``) who do not feel safe; ``blend`` when the weight mixes it with the risk events
    show. None without any community. :func:`basis_reason` says it in words."""
    if not members:
        return None
    people = np.array([max(float(population[i]), 0.0) for i in members])
    shares = np.array([float(risk.unsafe[i]) for i in members])
    share = float(people @ shares / people.sum()) if people.sum() > 0 else float(shares.mean())
    return {
        "survey": risk.survey, "wave": risk.wave, "blend": blend, "unsafe": round(share, 4),
        **{basis.value: sum(1 for i in members if risk.basis[i] is basis) for basis in Basis},
    }  # fmt: skip


BASIS_PARTS = {
    Basis.OWN: N_("{count} from their own survey figures"),
    Basis.AREA: N_("{count} from their area's mean"),
    Basis.MISSION: N_("{count} from the mission's mean"),
}


def basis_reason(basis: Mapping[str, Any]) -> Message:
    """What :func:`weight_basis` gives, as a person reads it: "weighted by perceived risk of 8 communities newly
    covered (3 from their own survey figures, 5 from their area's mean); 58% do not feel safe (survey, wave)"."""
    counts = {kind: int(basis.get(kind.value, 0)) for kind in Basis}
    parts = joined([Message(BASIS_PARTS[kind], count=count) for kind, count in counts.items() if count])
    return Message(
        N_("weighted by perceived risk and the risk events show, for {count} communities newly covered ({parts}); "
           "{share:.0%} do not feel safe ({survey}, wave {wave})")
        if basis.get("blend") else
        N_("weighted by perceived risk, for {count} communities newly covered ({parts}); {share:.0%} do not feel "
           "safe ({survey}, wave {wave})"),
        count=sum(counts.values()), parts=parts, share=basis["unsafe"], survey=basis["survey"], wave=basis["wave"],
    )  # fmt: skip
