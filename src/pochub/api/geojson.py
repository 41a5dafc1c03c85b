"""GeoJSON for the API: response models (geojson-pydantic, so the OpenAPI describes every feature), the builders
of geometries for points, shapes and H3 cells (from :mod:`pochub.core.geography.geojson`), and a response that
sends large collections of polygons without re-validating each coordinate.

GeoJSON is served as ``application/json`` like every other response of the API (the events' GeoJSON too), so
one media type is documented for success and errors alike."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import orjson
from fastapi.responses import JSONResponse
from geojson_pydantic import Feature, FeatureCollection, MultiPolygon, Point, Polygon

from pochub.api.pagination import PageFields
from pochub.core.geography.geojson import (
    cell_geometry,
    collection,
    feature,
    finite,
    point_geometry,
    shape_geometry,
)

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
