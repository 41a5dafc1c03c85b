"""Events counted on H3 cells, as GeoJSON hexagons: the zoomed-out events layer of the operational picture.

A map of the whole mission cannot draw every event on a field office's connection; hexagons of a resolution
the map picks for its zoom carry the counts instead (a few hundred features rather than tens of thousands).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import h3
import polars as pl
from fastapi import APIRouter, Depends, Query

from pochub.api.routers.events import event_filter
from pochub.core.warning.grid import to_cells
from pochub.http.auth import current_user
from pochub.http.database import DbConnection
from pochub.services import event_views

router = APIRouter(prefix="/api/v1/events/cells", tags=["events"], dependencies=[Depends(current_user)])


def cell_counts(events: pl.DataFrame, resolution: int) -> pl.DataFrame:
    """Per H3 cell: events, fatalities, civilian fatalities and the most frequent threat type (None if none)."""
    if events.is_empty():
        return pl.DataFrame(
            schema={
                "cell": pl.String,
                "events": pl.UInt32,
                "fatalities": pl.Int64,
                "civilian_fatalities": pl.Int64,
                "threat_type": pl.String,
            }
        )
    located = events.with_columns(cell=to_cells(events, resolution))
    totals = located.group_by("cell").agg(
        events=pl.len(),
        fatalities=pl.col("fatalities_best").sum(),
        civilian_fatalities=pl.col("civilian_fatalities").sum(),
    )
    threats = (
        located.drop_nulls("threat_type")
        .group_by("cell", "threat_type")
        .agg(n=pl.len())
        .sort(["cell", "n", "threat_type"], descending=[False, True, False])
        .unique("cell", keep="first", maintain_order=True)
        .select("cell", "threat_type")
    )
    return totals.join(threats, on="cell", how="left").sort("cell")


def hexagon(cell: str) -> dict[str, Any]:
    """The GeoJSON polygon of an H3 cell (longitude first, ring closed)."""
    ring = [[round(lon, 6), round(lat, 6)] for lat, lon in h3.cell_to_boundary(cell)]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


@router.get("")
def event_cells(
    conn: DbConnection,
    resolution: Annotated[int, Query(ge=0, le=9, description="H3 resolution (0 coarsest - 9)")] = 5,
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")] = None,
    start: Annotated[date | None, Query(description="first date, YYYY-MM-DD")] = None,
    end: Annotated[date | None, Query(description="last date, YYYY-MM-DD")] = None,
    source: Annotated[str | None, Query(max_length=32)] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    threat_only: bool = False,
) -> dict[str, Any]:
    """(De-duplicated) events matching the filter counted on H3 cells, as a GeoJSON FeatureCollection."""
    chosen = event_filter(bbox, start, end, source, category, threat_only, False)
    counts = cell_counts(event_views.frame(conn, chosen), resolution)
    features = [
        {
            "type": "Feature",
            "id": row["cell"],
            "geometry": hexagon(row["cell"]),
            "properties": {**row, "resolution": resolution},
        }
        for row in counts.iter_rows(named=True)
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "resolution": resolution,
        "events": int(counts["events"].sum()) if features else 0,
    }
