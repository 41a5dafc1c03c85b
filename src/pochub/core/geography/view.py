"""What a web map's view needs from a layer (issue 18, low bandwidth): the features inside the visible box, their
shapes no finer than a screen pixel at the map's zoom, and coordinates no longer than that precision needs.

A map at zoom ``z`` (256-pixel tiles, as Leaflet draws) spans ``360 / (256 * 2**z)`` degrees of longitude per
pixel at the equator (less elsewhere, so the figure is an upper bound on what a pixel shows). Leaflet itself
drops the vertices closer than a pixel when it draws a path (its ``smoothFactor`` of 1); sending them over a 2G
connection only to be dropped is waste. Simplification keeps topology (no ring collapses into an invalid
shape), and coordinates are snapped to a tenth of a pixel with a precision model that keeps shapes valid."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from pochub.errors import InvalidInput

MIN_ZOOM = 0
MAX_ZOOM = 20
TILE_PIXELS = 256

BBox = tuple[float, float, float, float]
"""min_lon, min_lat, max_lon, max_lat in WGS 84 degrees."""


def parse_bbox(text: str | None) -> BBox | None:
    """``min_lon,min_lat,max_lon,max_lat`` as four floats, checked (None when not given)."""
    if not text:
        return None
    try:
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in text.split(","))
    except ValueError as exc:
        raise InvalidInput("bbox must be min_lon,min_lat,max_lon,max_lat") from exc
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise InvalidInput("bbox must be min_lon,min_lat,max_lon,max_lat within -180..180 and -90..90")
    return min_lon, min_lat, max_lon, max_lat


def check_zoom(zoom: int | None) -> int | None:
    """The zoom when it is a web map's (``MIN_ZOOM``..``MAX_ZOOM``), None when not given."""
    if zoom is not None and not MIN_ZOOM <= zoom <= MAX_ZOOM:
        raise InvalidInput(f"zoom must be between {MIN_ZOOM} and {MAX_ZOOM}")
    return zoom


def pixel_degrees(zoom: float) -> float:
    """Degrees of longitude one screen pixel spans at ``zoom`` (at the equator: the most it spans anywhere)."""
    return 360.0 / (TILE_PIXELS * math.pow(2.0, zoom))


def tolerance_for_zoom(zoom: float) -> float:
    """The simplification tolerance (degrees) of a map at ``zoom``: one screen pixel."""
    return pixel_degrees(zoom)


def grid_for_zoom(zoom: float) -> float:
    """The grid coordinates are snapped to at ``zoom``: a power of ten no coarser than a tenth of a pixel
    (so a coordinate has as few decimals as the map can use: 3 at a country's zoom, 6 at a street's)."""
    decimals = max(1, min(7, math.ceil(-math.log10(pixel_degrees(zoom) / 10))))
    return 10.0**-decimals


def for_zoom(shapes: Sequence[BaseGeometry] | NDArray[np.object_], zoom: float) -> NDArray[np.object_]:
    """``shapes`` as a map at ``zoom`` draws them: simplified to a pixel (topology kept) and snapped to
    ``grid_for_zoom`` (valid output: a sliver narrower than the grid may vanish; a point only moves)."""
    array = np.asarray(shapes, dtype=object)
    if not len(array):
        return array
    simplified = shapely.simplify(array, tolerance_for_zoom(zoom), preserve_topology=True)
    snapped: NDArray[np.object_] = shapely.set_precision(simplified, grid_for_zoom(zoom))
    return snapped


def in_box(shapes: Sequence[BaseGeometry] | NDArray[np.object_], bbox: BBox) -> NDArray[np.bool_]:
    """Which ``shapes`` intersect the box (their bounds first, then the shape itself for those that may)."""
    array = np.asarray(shapes, dtype=object)
    inside = np.zeros(len(array), dtype=bool)
    if not len(array):
        return inside
    bounds = shapely.bounds(array)
    min_lon, min_lat, max_lon, max_lat = bbox
    maybe = (
        (bounds[:, 0] <= max_lon)
        & (bounds[:, 2] >= min_lon)
        & (bounds[:, 1] <= max_lat)
        & (bounds[:, 3] >= min_lat)
    )
    candidates = np.flatnonzero(maybe)
    if len(candidates):
        inside[candidates] = shapely.intersects(array[candidates], shapely.box(*bbox))
    return inside
