"""Population where people live, for the threat matrix's exposure where no community is known: a CSV (or
spreadsheet) of points or grid cells with their population, a population-count GeoTIFF grid, or a boundary
GeoJSON whose features carry a population property (area populations).

A CSV needs a latitude, a longitude and a population column (``lat``/``latitude``/``lat_center``, ``lon``/
``longitude``/``lon_center``/``lng``, ``population``/``pop``/``count``); each row is a point (a grid cell by its
centre). A GeoTIFF is read with rasterio (GDAL), in geographic coordinates (EPSG:4326) only: each band-1 pixel's
count goes to the H3 cell of its centre, and the cells' sums at ``GRID_RESOLUTION`` are stored as points, so a
30-arc-second grid of millions of pixels becomes tens of thousands of rows while area sums stay exact to the cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import polars as pl
import polars_h3 as plh3
import shapely
import shapely.errors
import shapely.geometry

from pochub.errors import InvalidInput, InvalidRows, RowError
from pochub.ingest._columns import Check, coordinate_checks, parse_float, prefix_raw, run_checks, text
from pochub.ingest._csv import CsvTable, require_columns

REQUIRED = ("lat", "lon", "population")
ALIASES = {
    "latitude": "lat",
    "lat_center": "lat",
    "y": "lat",
    "longitude": "lon",
    "lon_center": "lon",
    "lng": "lon",
    "x": "lon",
    "pop": "population",
    "count": "population",
    "population_count": "population",
}
GRID_RESOLUTION = 6
"""H3 resolution (about 36 km²) at which a raster's pixels are summed before they are stored."""
RASTER_SUFFIXES = (".tif", ".tiff")


@dataclass(frozen=True)
class PopulationPoints:
    """Population at points: latitudes, longitudes and counts (people), and how the file was read."""

    latitude: np.ndarray
    longitude: np.ndarray
    population: np.ndarray
    read_as: str

    @property
    def total(self) -> float:
        """People in the file."""
        return float(self.population.sum())


AREA_SUFFIXES = (".geojson", ".json")
POPULATION_PROPERTIES = ("population", "pop", "total_population", "pop_total", "population_count")
"""Property names (any case) a boundary file's population is read from."""


@dataclass(frozen=True)
class AreaPopulations:
    """Polygons of a boundary file with the population its properties give; features without one are counted."""

    shapes: list[shapely.Geometry]
    population: list[int]
    features: int
    without_population: int


def read_area_populations(path: Path) -> AreaPopulations:
    """A GeoJSON of (multi)polygons whose features carry a population property (``POPULATION_PROPERTIES``);
    a value that is not a whole number >= 0 is an error naming the feature, the property and the reason."""
    try:
        document: Any = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: not valid JSON: {exc}") from exc
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or not features:
        raise InvalidInput(f"{path}: not a GeoJSON FeatureCollection with features")
    shapes: list[shapely.Geometry] = []
    population: list[int] = []
    errors: list[RowError] = []
    missing = 0
    for number, feature in enumerate(features, start=1):
        properties = {str(k).lower(): (k, v) for k, v in (feature.get("properties") or {}).items()}
        found = next((properties[name] for name in POPULATION_PROPERTIES if name in properties), None)
        if found is None or found[1] in (None, ""):
            missing += 1
            continue
        key, value = found
        try:
            people = float(str(value).replace(",", ""))
        except ValueError:
            people = -1.0
        if not (people >= 0 and people == int(people)):
            errors.append(
                RowError(str(path), number, str(key), str(value), "population must be a whole number >= 0")
            )
            continue
        try:
            shape = shapely.geometry.shape(feature.get("geometry") or {})
        except (AttributeError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
            errors.append(RowError(str(path), number, "geometry", "", f"not a geometry: {exc}"))
            continue
        if shape.geom_type not in ("Polygon", "MultiPolygon"):
            errors.append(
                RowError(str(path), number, "geometry", shape.geom_type, "an area must be a polygon")
            )
            continue
        shapes.append(shapely.make_valid(shape))
        population.append(int(people))
    if errors:
        raise InvalidRows(errors, len(errors), file=str(path))
    if not shapes:
        raise InvalidInput(
            f"{path}: no feature has a population property ({', '.join(POPULATION_PROPERTIES)}); "
            f"{missing} feature(s) without one"
        )
    return AreaPopulations(shapes, population, len(features), missing)


def read_population(path: Path) -> PopulationPoints:
    """Read a population CSV or GeoTIFF; raise InvalidInput/InvalidRows naming the file, line, field and reason."""
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    if path.suffix.lower() in RASTER_SUFFIXES:
        return _read_raster(path)
    return _read_table(path)


def _read_table(path: Path) -> PopulationPoints:
    table = CsvTable(path, known_columns=frozenset(REQUIRED), aliases=ALIASES)
    frames = list(table.batches(200_000))
    require_columns(table, list(REQUIRED), "population")
    if table.ragged:
        raise InvalidRows(table.ragged, len(table.ragged), file=table.name)
    if not frames:
        raise InvalidInput(f"{table.name}: no population rows")
    frame = prefix_raw(pl.concat(frames))
    population = parse_float(text(frame, "population"))
    checks = [
        *coordinate_checks(frame, "lat", "lon"),
        Check(
            "population",
            text(frame, "population"),
            ~(population.is_finite() & (population >= 0)),
            "population must be a number >= 0",
        ),
    ]
    valid, errors = run_checks(frame, checks, table.name)
    if errors:
        raise InvalidRows(errors, len(errors), file=table.name)
    values = frame.filter(valid).select(
        parse_float(text(frame, "lat")).alias("lat"),
        parse_float(text(frame, "lon")).alias("lon"),
        population.alias("population"),
    )
    if values.height == 0:
        raise InvalidInput(f"{table.name}: no population rows")
    return PopulationPoints(
        values["lat"].to_numpy(), values["lon"].to_numpy(), values["population"].to_numpy(), table.read_as
    )


def _read_raster(path: Path) -> PopulationPoints:
    import rasterio
    from rasterio.errors import RasterioIOError

    try:
        source = rasterio.open(path)
    except RasterioIOError as exc:
        raise InvalidInput(f"{path}: not a readable GeoTIFF: {exc}") from exc
    with source:
        if source.crs is None or source.crs.to_epsg() != 4326:
            raise InvalidInput(
                f"{path}: the grid is in {source.crs or 'no stated coordinate system'}; "
                "reproject it to geographic coordinates (EPSG:4326) first"
            )
        band = source.read(1, masked=True)
        transform = source.transform
    counts = np.ma.filled(band.astype(np.float64), 0.0)
    counts[~np.isfinite(counts) | (counts < 0)] = 0.0
    rows, cols = np.nonzero(counts > 0)
    if rows.size == 0:
        raise InvalidInput(f"{path}: band 1 holds no population (every pixel is empty or nodata)")
    lon = transform.c + (cols + 0.5) * transform.a + (rows + 0.5) * transform.b
    lat = transform.f + (cols + 0.5) * transform.d + (rows + 0.5) * transform.e
    pixels = pl.DataFrame({"lat": lat, "lon": lon, "population": counts[rows, cols]})
    cells = (
        pixels.with_columns(cell=plh3.latlng_to_cell("lat", "lon", GRID_RESOLUTION))
        .group_by("cell")
        .agg(pl.col("population").sum())
        .sort("cell")
        .with_columns(centre=plh3.cell_to_latlng("cell"))
    )
    centres = np.array(cells["centre"].to_list(), dtype=np.float64)
    return PopulationPoints(
        centres[:, 0],
        centres[:, 1],
        cells["population"].to_numpy(),
        f"GeoTIFF {band.shape[1]} x {band.shape[0]} pixels, summed on H3 resolution {GRID_RESOLUTION} cells",
    )
