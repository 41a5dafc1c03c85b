"""The operational picture's heavier layers, aggregated and simplified on the server and cached: roads,
communities with their risk band, Gi* and emerging hot spots, and the coverage of communities (protection gaps
and each base's reach) within a response standard.

Each layer is computed once and kept as JSON bytes until the data behind it change (a fingerprint of the tables'
row counts and latest ids, read on every request: a few milliseconds) or ``CACHE_SECONDS`` pass, so the map
loads in one short request per layer however large the mission. Every route needs a signed-in user (401 JSON).

A map asks for its view (issue 18, low bandwidth): ``bbox`` (the features that intersect the visible box) and
``zoom`` (shapes simplified to a screen pixel, coordinates to a tenth of one: core.geography.view); points are
capped at ``POINT_LIMIT`` a request (``truncated`` says so; the communities at the highest risk, then the most
populous, come first). Each answer carries an ETag of its bytes: a phone that has it gets a 304 without a body.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import h3
import numpy as np
import orjson
import shapely
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import Engine

from pochub.core.allocation.travel import Season
from pochub.core.geography.geojson import shape_geometry
from pochub.core.geography.view import MAX_ZOOM, MIN_ZOOM, BBox, for_zoom, in_box, parse_bbox
from pochub.errors import InvalidInput
from pochub.http.auth import OptionalUser
from pochub.services import map_data
from pochub.services.allocation import coverage
from pochub.services.capacity_views import home_bases
from pochub.services.place_views import all_communities, area_parents
from pochub.services.threat_listing import bounded_hotspots, list_threats
from pochub.services.warning import emerging

router = APIRouter(include_in_schema=False)

CACHE_SECONDS = 600.0
"""A cached layer is recomputed after this long even when the fingerprint has not changed (in-place updates)."""
FINGERPRINT_SECONDS = 2.0
"""The page asks for its layers together: one fingerprint read serves the requests of the same moment."""
BAND_ORDER = ("very low", "low", "medium", "high", "unacceptable")
ROAD_TOLERANCE = 0.002
"""Degrees (about 200 m) the roads are simplified to: finer than the map shows at the mission's scale."""
HULL_TOLERANCE = 0.01
HOTSPOT_RESOLUTION = 6
HOTSPOT_WINDOW_DAYS = 180
EMERGING_MONTHS = 12
STANDARDS = (1.0, 2.0, 4.0, 8.0)
"""Response standards (hours) the map offers for the protection gaps."""
POINT_LIMIT = 2000
"""Points a view of a point layer holds at most (a phone draws a few thousand markers; a 2G line takes 30 bytes a
community, gzipped): zooming in shows the rest."""
VIEWS_KEPT = 64
"""Views of each layer kept ready (every phone's first view of the mission asks for the same box)."""


@dataclass(frozen=True)
class View:
    """The part of a layer a map asks for: the features intersecting ``bbox`` (all when None) drawn at ``zoom``
    (as built when None), at most ``limit`` of them (all when None)."""

    bbox: BBox | None = None
    zoom: int | None = None
    limit: int | None = None

    @property
    def whole(self) -> bool:
        """The layer as built: no box, no zoom, no cap."""
        return self.bbox is None and self.zoom is None and self.limit is None


@dataclass(frozen=True)
class _Body:
    body: bytes
    packed: bytes
    etag: str

    @classmethod
    def of(cls, content: Any) -> _Body:
        body = orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)
        etag = f'W/"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
        return cls(body, gzip.compress(body, compresslevel=6, mtime=0), etag)


@dataclass
class _Index:
    """A built layer ready to be cut into views: its features, their shapes and its other members."""

    members: dict[str, Any]
    features: list[dict[str, Any]]
    shapes: Any  # numpy array of shapely geometries, in ``features`` order

    @classmethod
    def of(cls, body: bytes, priority: Callable[[dict[str, Any]], Any] | None) -> _Index:
        layer = orjson.loads(body)
        features = layer.pop("features")
        if priority is not None:
            features.sort(key=priority)
        shapes = shapely.from_geojson(np.array([orjson.dumps(f["geometry"]) for f in features], dtype=object))
        return cls(layer, features, np.asarray(shapes, dtype=object))

    def cut(self, view: View) -> dict[str, Any]:
        """The layer's members with the features of ``view`` and what was asked (``truncated`` when capped)."""
        if view.bbox is None:
            keep = np.arange(len(self.features))
        else:
            keep = np.flatnonzero(in_box(self.shapes, view.bbox))
        total = len(keep)
        if view.limit is not None:
            keep = keep[: view.limit]
        features = [self.features[i] for i in keep]
        if view.zoom is not None and len(keep):
            drawn = for_zoom(self.shapes[keep], view.zoom)
            features = [{**f, "geometry": shape_geometry(g)} for f, g in zip(features, drawn, strict=True)]
        return {
            **self.members,
            "features": features,
            "bbox": list(view.bbox) if view.bbox else None,
            "zoom": view.zoom,
            "total": total,
            "truncated": len(features) < total,
        }


@dataclass
class _Entry:
    version: tuple[Any, ...]
    made: float
    whole: _Body
    index: _Index | None = None
    views: OrderedDict[View, _Body] = field(default_factory=OrderedDict)

    @property
    def body(self) -> bytes:
        return self.whole.body

    @property
    def packed(self) -> bytes:
        return self.whole.packed


class LayerCache:
    """JSON bodies by (database, layer, parameters), valid while the data's fingerprint is unchanged."""

    def __init__(self) -> None:
        self._entries: dict[tuple[Any, ...], _Entry] = {}
        self._locks: dict[tuple[Any, ...], threading.Lock] = {}
        self._versions: dict[str, tuple[float, tuple[Any, ...]]] = {}
        self._guard = threading.Lock()

    def _version(self, engine: Engine) -> tuple[Any, ...]:
        url = str(engine.url)
        with self._guard:
            seen = self._versions.get(url)
        if seen is not None and time.monotonic() - seen[0] < FINGERPRINT_SECONDS:
            return seen[1]
        version = map_data.data_version(engine)
        with self._guard:
            self._versions[url] = (time.monotonic(), version)
        return version

    def _entry(self, engine: Engine, key: tuple[Any, ...], build: Callable[[], Any]) -> _Entry:
        full = (str(engine.url), *key)
        version = self._version(engine)
        with self._guard:
            lock = self._locks.setdefault(full, threading.Lock())
        with lock:
            entry = self._entries.get(full)
            if entry is None or entry.version != version or time.monotonic() - entry.made > CACHE_SECONDS:
                entry = _Entry(version, time.monotonic(), _Body.of(build()))
                self._entries[full] = entry
            return entry

    def _view(
        self,
        engine: Engine,
        key: tuple[Any, ...],
        build: Callable[[], Any],
        view: View,
        priority: Callable[[dict[str, Any]], Any] | None,
    ) -> _Body:
        entry = self._entry(engine, key, build)
        if view.whole:
            return entry.whole
        with self._locks[(str(engine.url), *key)]:
            found = entry.views.get(view)
            if found is None:
                if entry.index is None:
                    entry.index = _Index.of(entry.whole.body, priority)
                found = entry.views[view] = _Body.of(entry.index.cut(view))
                if len(entry.views) > VIEWS_KEPT:
                    entry.views.popitem(last=False)
            else:
                entry.views.move_to_end(view)
            return found

    def get(self, engine: Engine, key: tuple[Any, ...], build: Callable[[], Any]) -> bytes:
        """The cached JSON body of ``key``, or ``build()`` serialised (one build at a time per key)."""
        return self._entry(engine, key, build).body

    def response(
        self,
        request: Request,
        key: tuple[Any, ...],
        build: Callable[[], Any],
        view: View | None = None,
        priority: Callable[[dict[str, Any]], Any] | None = None,
    ) -> Response:
        """The cached layer (or ``view`` of it: the features that come first by ``priority`` when capped) as a
        JSON response, gzipped once for every browser that takes gzip; 304 when the browser has these bytes."""
        found = self._view(request.app.state.engine, key, build, view or View(), priority)
        headers = {"Cache-Control": "private, no-cache", "Vary": "Accept-Encoding", "ETag": found.etag}
        if found.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return Response(found.packed, media_type="application/json", headers=headers)
        return Response(found.body, media_type="application/json", headers=headers)

    def clear(self) -> None:
        """Forget every layer and fingerprint (tests)."""
        with self._guard:
            self._entries.clear()
            self._versions.clear()


CACHE = LayerCache()


def signed_out() -> Response:
    """401 for a request without a valid session or token (JSON, as the API answers it)."""
    return Response(
        orjson.dumps({"detail": "sign in: send a bearer token or the session cookie"}),
        status_code=401,
        media_type="application/json",
    )


def _invalid(message: str) -> Response:
    return Response(orjson.dumps({"detail": message}), status_code=422, media_type="application/json")


BBoxQuery = Annotated[
    str | None,
    Query(max_length=200, description="min_lon,min_lat,max_lon,max_lat: the features intersecting it"),
]
ZoomQuery = Annotated[
    int | None,
    Query(ge=MIN_ZOOM, le=MAX_ZOOM, description="the map's zoom: shapes simplified to a pixel at it"),
]


def view_of(bbox: str | None, zoom: int | None, limit: int | None = None) -> View:
    """The view a map asks for (``limit`` applies to a view only: the whole layer stays whole); InvalidInput
    for a box that is not one."""
    box = parse_bbox(bbox)
    if box is None and zoom is None:
        return View()
    return View(box, zoom, limit)


def _rounded(geometry: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON geometry with coordinates rounded to 5 decimals (about a metre): smaller payloads."""

    def walk(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 5)
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        return value

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


# --- roads -------------------------------------------------------------------------------------------------


def roads_layer(engine: Engine) -> dict[str, Any]:
    """Every road simplified, with its class and surface."""
    features = []
    for road_id, road_class, surface, blob in map_data.roads(engine):
        line = shapely.simplify(shapely.from_wkb(blob), ROAD_TOLERANCE)
        features.append(
            {
                "type": "Feature",
                "id": road_id,
                "geometry": _rounded(shapely.geometry.mapping(line)),
                "properties": {"road_id": road_id, "road_class": road_class, "surface": surface},
            }
        )
    return {"type": "FeatureCollection", "features": features}


@router.get("/map/roads.json")
def roads(request: Request, user: OptionalUser, bbox: BBoxQuery = None, zoom: ZoomQuery = None) -> Response:
    """The roads, simplified for the map (those in its view, at its zoom)."""
    if user is None:
        return signed_out()
    try:
        view = view_of(bbox, zoom)
    except InvalidInput as exc:
        return _invalid(str(exc))
    engine = request.app.state.engine
    return CACHE.response(request, ("roads",), lambda: roads_layer(engine), view)


# --- communities with their risk ---------------------------------------------------------------------------


def area_bands(engine: Engine) -> dict[str, str]:
    """The highest risk band of each admin area in the threat matrix."""
    bands: dict[str, str] = {}
    for record in list_threats(engine, level=2).records:
        current = bands.get(record.area_pcode)
        if current is None or BAND_ORDER.index(record.band) > BAND_ORDER.index(current):
            bands[record.area_pcode] = record.band
    return bands


def band_of(pcode: str | None, bands: dict[str, str], parents: dict[str, str | None]) -> str | None:
    """The band of the area a community was assigned to (its stored P-code), else of the nearest area above it
    with a band, following the boundaries' ``parent_pcode``: publishers' codes need not share prefixes."""
    seen: set[str] = set()
    code = pcode
    while code and code not in seen:
        if code in bands:
            return bands[code]
        seen.add(code)
        code = parents.get(code)
    return None


def communities_layer(engine: Engine) -> dict[str, Any]:
    """Every community (as GET /api/v1/communities lists them) with ``risk_band``: its area's highest band."""
    bands = area_bands(engine)
    items = all_communities(engine)
    parents = area_parents(engine)
    features = []
    for item in items:
        item["geometry"] = _rounded(item["geometry"])
        item["properties"]["risk_band"] = band_of(item["properties"].get("pcode"), bands, parents)
        features.append(item)
    return {"type": "FeatureCollection", "features": features}


def risk_first(feature: dict[str, Any]) -> tuple[int, int]:
    """The order communities fill a capped view in: the highest risk band first, then the most people."""
    properties = feature["properties"]
    band = properties.get("risk_band")
    return (-BAND_ORDER.index(band) if band in BAND_ORDER else 1, -(properties.get("population") or 0))


@router.get("/map/communities.json")
def communities(
    request: Request, user: OptionalUser, bbox: BBoxQuery = None, zoom: ZoomQuery = None
) -> Response:
    """Every community with its risk band, in one response; in a map's view, at most ``POINT_LIMIT`` of them."""
    if user is None:
        return signed_out()
    try:
        view = view_of(bbox, zoom, POINT_LIMIT)
    except InvalidInput as exc:
        return _invalid(str(exc))
    engine = request.app.state.engine
    return CACHE.response(request, ("communities",), lambda: communities_layer(engine), view, risk_first)


# --- hot spots ---------------------------------------------------------------------------------------------


def hotspots_layer(engine: Engine) -> dict[str, Any]:
    """H3 cells that are Gi* hot or cold spots over the last ``HOTSPOT_WINDOW_DAYS`` days (analytic two-sided
    p-values with the false-discovery-rate correction, the default of ``services.warning.hotspots``; each with
    the p that decided its class, its centre, area and nearest community) or that show an emerging hot spot
    pattern over the last ``EMERGING_MONTHS`` complete months."""
    try:
        run = bounded_hotspots(
            engine,
            resolution=HOTSPOT_RESOLUTION,
            k=1,
            window_days=HOTSPOT_WINDOW_DAYS,
            as_of=None,
            permutations=0,
            seed=0,
            threat_only=True,
        )
    except InvalidInput:
        return {"type": "FeatureCollection", "features": [], "window_days": HOTSPOT_WINDOW_DAYS}
    cells: dict[str, dict[str, Any]] = {}
    result = run.result
    for cell, z, p, cls in zip(result.cells, result.z, result.p_class, result.classes, strict=True):
        if cls != "none":
            place = run.places.get(cell)
            cells[cell] = {
                "cell": cell,
                "class": cls,
                "z": round(float(z), 2),
                "p": float(f"{p:.2g}"),
                "p_basis": "fdr" if result.fdr else "raw",
                "count": run.counts[cell],
                "centre": [round(place.latitude, 4), round(place.longitude, 4)] if place else None,
                "area_pcode": place.area_pcode if place else None,
                "area_name": place.area_name if place else None,
                "community": place.community if place else None,
                "community_km": place.community_km if place else None,
            }
    months = 0
    try:
        trend = emerging(engine, resolution=HOTSPOT_RESOLUTION, months=EMERGING_MONTHS)
    except InvalidInput:
        trend = None
    if trend is not None:
        months = trend.months
        for cell, pattern in zip(trend.result.units, trend.result.categories, strict=True):
            if pattern == "no_pattern" or pattern.startswith("cold_"):
                continue
            cells.setdefault(
                cell, {"cell": cell, "class": "none", "z": None, "count": run.counts.get(cell, 0)}
            )
            cells[cell]["pattern"] = pattern
            cells[cell]["events_in_months"] = trend.counts.get(cell, 0)
    features = [
        {"type": "Feature", "id": cell, "geometry": _rounded(h3.cells_to_geo([cell])), "properties": props}
        for cell, props in cells.items()
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "as_of": run.as_of.date().isoformat(),
        "window_days": HOTSPOT_WINDOW_DAYS,
        "months": months,
        "resolution": HOTSPOT_RESOLUTION,
    }


@router.get("/map/hotspots.json")
def hotspots(
    request: Request, user: OptionalUser, bbox: BBoxQuery = None, zoom: ZoomQuery = None
) -> Response:
    """Gi* hot and cold spots and emerging hot spots, as H3 cells (those in a map's view)."""
    if user is None:
        return signed_out()
    try:
        view = view_of(bbox, zoom)
    except InvalidInput as exc:
        return _invalid(str(exc))
    engine = request.app.state.engine
    return CACHE.response(request, ("hotspots",), lambda: hotspots_layer(engine), view)


# --- coverage: protection gaps and each base's reach -------------------------------------------------------


def coverage_layer(engine: Engine, standard: float, season: str) -> dict[str, Any]:
    """Communities the units do not reach within ``standard`` hours (the gaps), the area each base's units
    reach first within it (the hull of those communities), and the mission-wide figures."""
    try:
        run = coverage(engine, standards=(standard,), season=season)
    except InvalidInput as exc:
        return {"type": "FeatureCollection", "features": [], "standard_hours": standard, "problem": str(exc)}
    result = run.result
    homes = home_bases(engine)
    base_of, names = homes.base_of, homes.names
    features: list[dict[str, Any]] = []
    reached: dict[str, list[tuple[float, float]]] = {}
    for i, community in enumerate(run.communities):
        hours = float(result.fastest_hours[i])
        unit = int(result.fastest_unit[i])
        if unit >= 0 and hours <= standard:
            site = run.responders[unit].site_id
            reached.setdefault(base_of.get(site, site), []).append((community.longitude, community.latitude))
            continue
        features.append(
            {
                "type": "Feature",
                "id": community.community_id,
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(community.longitude, 5), round(community.latitude, 5)],
                },
                "properties": {
                    "kind": "gap",
                    "community_id": community.community_id,
                    "name": community.name,
                    "population": community.population,
                    "fastest_hours": round(hours, 2) if np.isfinite(hours) else None,
                },
            }
        )
    for base_id, points in reached.items():
        hull = shapely.concave_hull(shapely.MultiPoint(points), ratio=0.4).buffer(0.03)
        hull = shapely.simplify(hull, HULL_TOLERANCE)
        features.append(
            {
                "type": "Feature",
                "id": f"reach-{base_id}",
                "geometry": _rounded(shapely.geometry.mapping(hull)),
                "properties": {
                    "kind": "reach",
                    "base_id": base_id,
                    "name": names.get(base_id, base_id),
                    "communities": len(points),
                },
            }
        )
    gap_population = sum(  # people known to live in the gaps (a gazetteer's places have no population)
        f["properties"]["population"] or 0 for f in features if f["properties"]["kind"] == "gap"
    )
    median = float(result.median_response_hours)
    return {
        "type": "FeatureCollection",
        "features": features,
        "standard_hours": standard,
        "season": season,
        "covered_share": round(float(result.covered_share[0]), 4),
        "gap_communities": sum(1 for f in features if f["properties"]["kind"] == "gap"),
        "gap_population": gap_population,
        "median_response_hours": round(median, 2) if np.isfinite(median) else None,
        "roads": run.network.graph is not None,
        "counted": run.posture.counted(),
    }


@router.get("/map/coverage.json")
def coverage_map(
    request: Request,
    user: OptionalUser,
    standard: Annotated[float, Query()] = 4.0,  # the coverage page's default standard too
    season: Annotated[str, Query()] = "dry",
    bbox: BBoxQuery = None,
    zoom: ZoomQuery = None,
) -> Response:
    """The protection gaps and the bases' reach within one of ``STANDARDS`` in one season (those in a map's
    view; the figures stay the mission's)."""
    if user is None:
        return signed_out()
    if standard not in STANDARDS:
        return _invalid(f"standard must be one of {', '.join(f'{s:g}' for s in STANDARDS)} hours")
    if season not in {s.value for s in Season}:
        return _invalid(f"season must be one of {', '.join(s.value for s in Season)}")
    try:
        view = view_of(bbox, zoom)
    except InvalidInput as exc:
        return _invalid(str(exc))
    engine = request.app.state.engine
    return CACHE.response(
        request, ("coverage", standard, season), lambda: coverage_layer(engine, standard, season), view
    )
