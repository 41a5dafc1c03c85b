"""Early-warning use cases: panels from the store, hotspots, surges and forecasts for areas and cells."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import polars as pl


def area_signals(
    evidence: pl.DataFrame, as_of: datetime, level: int
) -> Mapping[str, tuple[float | None, float | None, bool]]:
    """Per area: forecast probability of at least one event next month, expected events, and surge flag.

    Filled in by the forecasting and surge engines; with none available, areas carry no signal.
    """
    return {}
