"""GeoJSON for the API: response models (geojson-pydantic, so the OpenAPI describes every feature), geometry
builders for points, shapes and H3 cells, and a response that sends large collections of polygons without
re-validating each coordinate.

GeoJSON is served as ``application/json`` like every other response of the API (the events' GeoJSON too), so
one media type is documented for success and errors alike."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

import h3
import orjson
from fastapi.responses import JSONResponse
from geojson_pydantic import Feature, FeatureCollection, MultiPolygon, Point, Polygon
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from pochub.api.pagination import PageFields

__all__ = [
    "AreaGeometry",
    "Feature",
    "FeatureCollection",
    "FeaturePage",
    "GeoJSONResponse",
    "MultiPolygon",
    "Point",
    "Polygon",
    "cell_geometry",
    "collection",
    "feature",
    "finite",
    "point_geometry",
    "shape_geometry",
]

AreaGeometry = Polygon | MultiPolygon
"""What an admin area or a cell is drawn as."""

Feat = TypeVar("Feat", bound=Feature[Any, Any])


class FeaturePage(FeatureCollection[Feat], PageFields, Generic[Feat]):
    """A FeatureCollection that is one page of a longer result (``total``, ``limit``, ``offset``, ``next``)."""


class GeoJSONResponse(JSONResponse):
    """GeoJSON serialised by orjson (tuples of coordinates included), returned as is: the route's response
    model documents it, but its thousands of coordinates are not validated one by one."""

    def render(self, content: Any) -> bytes:
        """The content as JSON bytes."""
        return orjson.dumps(content)


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
