"""A panel of counts: spatial units (H3 cells or admin areas) by time periods (weeks or months).

Every engine of early warning (hotspots, surges, forecasts) reads panels; the aggregation that builds them from
events lives in ``pochub.core.warning.grid``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Panel:
    """Counts per unit (rows) and period (columns); periods are the first day of each week or month, in order."""

    units: tuple[str, ...]
    periods: tuple[date, ...]
    events: NDArray[np.int64]
    fatalities: NDArray[np.int64]
    civilian_fatalities: NDArray[np.int64]
    frequency: str = "month"

    def __post_init__(self) -> None:
        shape = (len(self.units), len(self.periods))
        for name in ("events", "fatalities", "civilian_fatalities"):
            if getattr(self, name).shape != shape:
                raise ValueError(f"{name} has shape {getattr(self, name).shape}, expected {shape}")

    def totals(self) -> NDArray[np.int64]:
        """Events per unit over all periods."""
        return np.asarray(self.events.sum(axis=1), dtype=np.int64)
