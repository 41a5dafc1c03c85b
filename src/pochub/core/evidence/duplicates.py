"""Cross-source de-duplication: one event reported by two sources (ACLED and UCDP, say) is counted once.

Two records are taken as one event when they come from different sources, their dates are within
``max_days``, their locations within ``max_km`` and their categories compatible. Matching is one-to-one,
closest pairs first, so a busy town on a busy day never chains many events together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pochub.core.models.taxonomy import EventCategory

EARTH_RADIUS_KM = 6371.0088

_COMPATIBLE = {
    frozenset({EventCategory.BATTLES.value, EventCategory.EXPLOSIONS_REMOTE_VIOLENCE.value}),
    frozenset(
        {EventCategory.VIOLENCE_AGAINST_CIVILIANS.value, EventCategory.EXPLOSIONS_REMOTE_VIOLENCE.value}
    ),
    frozenset({EventCategory.RIOTS.value, EventCategory.PROTESTS.value}),
}


def compatible(category_a: str, category_b: str) -> bool:
    """True when two harmonised categories may describe the same event."""
    return category_a == category_b or frozenset({category_a, category_b}) in _COMPATIBLE


@dataclass(frozen=True)
class EventPoints:
    """The columns de-duplication needs, one entry per stored event."""

    ids: NDArray[np.int64]
    sources: NDArray[np.str_]
    days: NDArray[np.int64]
    latitudes: NDArray[np.float64]
    longitudes: NDArray[np.float64]
    categories: NDArray[np.str_]


@dataclass(frozen=True)
class DuplicateLink:
    """``duplicate_id`` reports the same event as ``canonical_id``."""

    duplicate_id: int
    canonical_id: int


def unit_vectors(latitudes: NDArray[np.float64], longitudes: NDArray[np.float64]) -> NDArray[np.float64]:
    """Points on the unit sphere, so that chord length is monotone in great-circle distance."""
    lat, lon = np.radians(latitudes), np.radians(longitudes)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def chord_for_km(km: float) -> float:
    """Chord length on the unit sphere of a great-circle distance in km."""
    return float(2 * np.sin(km / (2 * EARTH_RADIUS_KM)))


def find_duplicates(
    points: EventPoints, source_priority: tuple[str, ...], max_km: float = 10.0, max_days: int = 1
) -> list[DuplicateLink]:
    """Link records of different sources that report one event; the preferred source stays canonical."""
    sources = sorted(
        set(points.sources.tolist()),
        key=lambda s: (s not in source_priority, source_priority.index(s) if s in source_priority else 0, s),
    )
    if len(sources) < 2:
        return []
    from scipy.spatial import cKDTree  # here, not at module level: scipy.spatial costs 0.4-1 s at every start

    xyz = unit_vectors(points.latitudes, points.longitudes)
    # time as a fourth coordinate scaled so that max_days weighs like max_km; exact limits are checked after
    chord = chord_for_km(max_km)
    time_scale = chord / max(max_days, 1)
    coords = np.column_stack([xyz, points.days.astype(np.float64) * time_scale])
    radius = chord * np.sqrt(2) * 1.000001
    candidates: list[tuple[int, float, int, int]] = []
    index_of = {s: np.flatnonzero(points.sources == s) for s in sources}
    for rank, preferred in enumerate(sources):
        tree_a = cKDTree(coords[index_of[preferred]])
        for other in sources[rank + 1 :]:
            tree_b = cKDTree(coords[index_of[other]])
            pairs = tree_a.sparse_distance_matrix(tree_b, radius, output_type="ndarray")
            if len(pairs) == 0:
                continue
            a = index_of[preferred][pairs["i"]]
            b = index_of[other][pairs["j"]]
            day_gap = np.abs(points.days[a] - points.days[b])
            km = np.linalg.norm(xyz[a] - xyz[b], axis=1)
            keep = (day_gap <= max_days) & (km <= chord)
            for i, j, gap, dist in zip(a[keep], b[keep], day_gap[keep], km[keep], strict=True):
                if compatible(str(points.categories[i]), str(points.categories[j])):
                    candidates.append((int(gap), float(dist), int(i), int(j)))
    candidates.sort()
    matched: set[int] = set()
    links = []
    for _gap, _dist, i, j in candidates:
        if i in matched or j in matched:
            continue
        matched.update((i, j))
        links.append(DuplicateLink(int(points.ids[j]), int(points.ids[i])))
    return links
