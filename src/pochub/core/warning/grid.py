"""Aggregation of events to H3 cells or admin areas by week or month, vectorised (Polars, polars-h3, NumPy).

The H3 grid is the common spatial unit of early warning: equal-area hexagons whose k-rings give neighbours.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import h3
import numpy as np
import polars as pl
import polars_h3 as plh3
import shapely
from shapely.geometry.base import BaseGeometry

from pochub.core.geography.repair import polygon_parts
from pochub.core.warning.panel import Panel

FREQUENCIES = {"month": "1mo", "week": "1w"}


def to_cells(frame: pl.DataFrame, resolution: int) -> pl.Series:
    """H3 cell (string index) of every row's latitude/longitude."""
    if not 0 <= resolution <= 15:
        raise ValueError(f"H3 resolution must be 0-15, not {resolution}")
    return frame.select(
        plh3.int_to_str(plh3.latlng_to_cell("latitude", "longitude", resolution)).alias("cell")
    ).to_series()


def with_k_rings(cells: Sequence[str], k: int) -> list[str]:
    """The cells and every cell within ``k`` steps of them, sorted."""
    if k < 0:
        raise ValueError("k must be >= 0")
    frame = pl.DataFrame({"cell": list(cells)}, schema={"cell": pl.String})
    disks = frame.select(plh3.int_to_str(plh3.grid_disk(plh3.str_to_int("cell"), k).explode()).alias("cell"))
    return sorted(set(disks["cell"].to_list()))


def cells_covering(
    geometries: Sequence[BaseGeometry], resolution: int, event_cells: Sequence[str] = ()
) -> list[str]:
    """H3 cells whose centres fall inside the areas, the cell of each polygon's representative point (so that
    even a small area has a cell) and every cell that holds an event (a border cell whose centre lies outside
    the polygons still counts its events), sorted. Polygons, multi-polygons and collections are accepted."""
    cells: set[str] = set(event_cells)
    for geometry in geometries:
        for polygon in polygon_parts(geometry):
            cells.update(h3.geo_to_cells(shapely.geometry.mapping(polygon), resolution))
            point = polygon.representative_point()
            cells.add(h3.latlng_to_cell(point.y, point.x, resolution))
    return sorted(cells)


def period_starts(first: date, last: date, frequency: str) -> list[date]:
    """First day of every period from the one holding ``first`` to the one holding ``last``."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"frequency must be one of {', '.join(FREQUENCIES)}")
    every = FREQUENCIES[frequency]
    frame = pl.DataFrame({"d": [first, last]}).select(pl.col("d").dt.truncate(every))
    start, end = frame["d"][0], frame["d"][1]
    return pl.date_range(start, end, every, eager=True).to_list()


def aggregate(
    events: pl.DataFrame,
    units: Sequence[str],
    first: date,
    last: date,
    frequency: str = "month",
) -> Panel:
    """Counts of events, fatalities and civilian fatalities per unit and period.

    ``events`` has columns ``unit`` (cell or P-code), ``event_date``, ``fatalities_best`` and
    ``civilian_fatalities``. Events outside ``units`` or the date range are left out; empty cells count zero.
    """
    periods = period_starts(first, last, frequency)
    unit_index = {u: i for i, u in enumerate(units)}
    period_index = {p: j for j, p in enumerate(periods)}
    shape = (len(units), len(periods))
    arrays = {
        name: np.zeros(shape, dtype=np.int64) for name in ("events", "fatalities", "civilian_fatalities")
    }
    if events.height and units and periods:
        grouped = (
            events.filter(pl.col("event_date").is_between(first, last))
            .with_columns(period=pl.col("event_date").dt.truncate(FREQUENCIES[frequency]))
            .group_by("unit", "period")
            .agg(
                pl.len().alias("events"),
                pl.col("fatalities_best").sum().alias("fatalities"),
                pl.col("civilian_fatalities").sum().alias("civilian_fatalities"),
            )
            .with_columns(
                row=pl.col("unit").replace_strict(unit_index, default=-1, return_dtype=pl.Int64),
                col=pl.col("period").replace_strict(period_index, default=-1, return_dtype=pl.Int64),
            )
            .filter((pl.col("row") >= 0) & (pl.col("col") >= 0))
        )
        rows, cols = grouped["row"].to_numpy(), grouped["col"].to_numpy()
        for name, array in arrays.items():
            array[rows, cols] = grouped[name].to_numpy()
    return Panel(
        tuple(units),
        tuple(periods),
        arrays["events"],
        arrays["fatalities"],
        arrays["civilian_fatalities"],
        frequency,
    )
