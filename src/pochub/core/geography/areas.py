"""Which administrative area holds each point: a shapely STRtree query, vectorised over all points."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from pochub.core.models.places import AdminArea


@dataclass(frozen=True)
class AreaIndex:
    """A spatial index over the admin areas of one level."""

    level: int
    pcodes: NDArray[np.object_]
    names: NDArray[np.object_]
    tree: shapely.STRtree

    @classmethod
    def build(cls, areas: Sequence[AdminArea], level: int) -> AreaIndex:
        """Index the areas of ``level``."""
        chosen = [a for a in areas if a.level == level]
        geometries = [a.geometry for a in chosen]
        return cls(
            level,
            np.array([a.pcode for a in chosen], dtype=object),
            np.array([a.name for a in chosen], dtype=object),
            shapely.STRtree(geometries),
        )

    def __len__(self) -> int:
        return len(self.pcodes)

    def locate(
        self, latitudes: NDArray[np.float64], longitudes: NDArray[np.float64]
    ) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
        """P-code and name of the area holding each point (None outside every area; first area on a border)."""
        codes = np.full(len(latitudes), None, dtype=object)
        names = np.full(len(latitudes), None, dtype=object)
        if len(self) == 0 or len(latitudes) == 0:
            return codes, names
        points = shapely.points(longitudes, latitudes)
        point_index, area_index = self.tree.query(points, predicate="intersects")
        # keep the first area per point
        first = np.unique(point_index, return_index=True)[1]
        codes[point_index[first]] = self.pcodes[area_index[first]]
        names[point_index[first]] = self.names[area_index[first]]
        return codes, names
