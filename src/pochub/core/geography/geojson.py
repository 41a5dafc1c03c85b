"""GeoJSON objects as plain values: geometries of points, shapes and H3 cells, features and collections, for
whichever edge serves them (the API, the pages' map layers, exports)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import h3
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry


def point_geometry(longitude: float, latitude: float) -> dict[str, Any]:
    """A GeoJSON Point ([lon, lat], as GeoJSON orders them)."""
    return {"type": "Point", "coordinates": [longitude, latitude]}


def shape_geometry(shape: BaseGeometry) -> dict[str, Any] | None:
    """A shapely geometry as GeoJSON, or None when it is empty (a null geometry is valid GeoJSON)."""
    if shape.is_empty:
        return None
    geometry: dict[str, Any] = dict(mapping(shape))
    return geometry


def cell_geometry(cell: str) -> dict[str, Any]:
    """An H3 cell's boundary as a GeoJSON Polygon."""
    geometry: dict[str, Any] = h3.cells_to_geo([cell])
    return geometry


def feature(
    geometry: Mapping[str, Any] | None, properties: Mapping[str, Any], feature_id: str | int | None = None
) -> dict[str, Any]:
    """A GeoJSON Feature."""
    item: dict[str, Any] = {"type": "Feature", "geometry": geometry, "properties": dict(properties)}
    if feature_id is not None:
        item["id"] = feature_id
    return item


def collection(features: Iterable[Mapping[str, Any]], **members: Any) -> dict[str, Any]:
    """A GeoJSON FeatureCollection, with foreign members (paging, what the analysis covered) beside it."""
    return {"type": "FeatureCollection", "features": list(features), **members}


def finite(value: float) -> float | None:
    """The value, or None when it is not finite (JSON has no NaN or infinity)."""
    number = float(value)
    return number if math.isfinite(number) else None
