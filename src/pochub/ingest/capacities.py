"""Bases and units (CSV), roads (GeoJSON lines): the mission's capacities and the network they move on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import orjson
import polars as pl
from shapely.geometry import shape

from pochub.core.models.capacities import Base, BaseType, Readiness, Unit, UnitType
from pochub.core.models.places import Road
from pochub.errors import InvalidInput, InvalidRows, RowError
from pochub.ingest._columns import (
    Check,
    coordinate_checks,
    parse_float,
    parse_int,
    prefix_raw,
    run_checks,
    text,
)
from pochub.ingest._csv import CsvTable, require_columns

T = TypeVar("T")
TIERS = ("I", "II", "III")
ROAD_CLASSES = ("primary", "secondary", "tertiary", "track")
SURFACES = ("paved", "gravel", "earth")


def _read_csv(
    path: Path,
    required: tuple[str, ...],
    label: str,
    checks: Callable[[pl.DataFrame], list[Check]],
    build: Callable[[dict[str, Any]], T],
) -> list[T]:
    table = CsvTable(path, known_columns=frozenset(required))
    frames = list(table.batches(50_000))
    require_columns(table, list(required), label)
    errors = list(table.ragged)
    records: list[T] = []
    for frame in frames:
        prefixed = prefix_raw(frame)
        ok, found = run_checks(prefixed, checks(prefixed), table.name)
        errors += found
        records += [build(row) for row in frame.filter(ok).iter_rows(named=True)]
    if errors:
        raise InvalidRows(errors, len(errors), file=table.name)
    return records


def _one_of(frame: pl.DataFrame, column: str, allowed: list[str]) -> Check:
    return Check(
        column,
        text(frame, column),
        ~text(frame, column).str.to_lowercase().is_in(allowed),
        f"must be one of {', '.join(allowed)}",
    )


def read_bases(path: Path) -> list[Base]:
    """Bases from CSV: id,name,base_type,lat,lon[,pcode,capacity]."""

    def checks(frame: pl.DataFrame) -> list[Check]:
        return [
            Check("id", text(frame, "id"), text(frame, "id") == "", "empty id"),
            _one_of(frame, "base_type", [b.value for b in BaseType]),
            *coordinate_checks(frame, "lat", "lon"),
            Check(
                "capacity",
                text(frame, "capacity"),
                (text(frame, "capacity") != "") & ~(parse_int(text(frame, "capacity")) >= 0),
                "capacity must be a whole number >= 0",
            ),
        ]

    def build(row: dict[str, Any]) -> Base:
        return Base(
            row["id"].strip(),
            row["name"].strip(),
            BaseType(row["base_type"].strip().lower()),
            float(row["lat"]),
            float(row["lon"]),
            (row.get("pcode") or "").strip() or None,
            int(float(row.get("capacity") or 0)),
        )

    return _read_csv(path, ("id", "name", "base_type", "lat", "lon"), "bases", checks, build)


def read_units(path: Path) -> list[Unit]:
    """Units from CSV: id,name,unit_type,strength,home_base[,tiers,road_speed_kmh,air,readiness]."""

    def checks(frame: pl.DataFrame) -> list[Check]:
        tiers_ok = (
            text(frame, "tiers")
            .str.split(";")
            .list.eval(pl.element().str.strip_chars().is_in([*TIERS, ""]))
            .list.all()
        )
        return [
            Check("id", text(frame, "id"), text(frame, "id") == "", "empty id"),
            _one_of(frame, "unit_type", [u.value for u in UnitType]),
            Check(
                "strength",
                text(frame, "strength"),
                ~(parse_int(text(frame, "strength")) >= 0),
                "strength must be a whole number >= 0",
            ),
            Check("home_base", text(frame, "home_base"), text(frame, "home_base") == "", "empty home base"),
            Check("tiers", text(frame, "tiers"), ~tiers_ok, "tiers must be ;-separated from I, II, III"),
            _one_of(frame, "readiness", [r.value for r in Readiness] + [""]),
            _one_of(frame, "air", ["true", "false", ""]),
        ]

    def build(row: dict[str, Any]) -> Unit:
        tiers = tuple(t.strip() for t in (row.get("tiers") or "II").split(";") if t.strip())
        return Unit(
            row["id"].strip(),
            row["name"].strip(),
            UnitType(row["unit_type"].strip().lower()),
            int(float(row["strength"])),
            row["home_base"].strip(),
            tiers,
            float(row.get("road_speed_kmh") or 40),
            (row.get("air") or "").lower() == "true",
            Readiness((row.get("readiness") or "medium").lower()),
        )

    return _read_csv(path, ("id", "name", "unit_type", "strength", "home_base"), "units", checks, build)


def class_from_speed(speed_kmh: float) -> str:
    """A road class for a network that gives speeds, not classes (OSRM-derived graphs)."""
    if speed_kmh >= 70:
        return "primary"
    if speed_kmh >= 50:
        return "secondary"
    return "tertiary" if speed_kmh >= 30 else "track"


def read_roads(path: Path) -> list[Road]:
    """Roads from GeoJSON lines with ``road_class`` (or OSM ``highway``) and ``surface``; for networks that give
    only a speed (``speed_kmh``, e.g. OSRM-derived graphs) the class follows from it and the speed is kept.
    Proposed links (``add`` true) are not roads and are skipped."""
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    try:
        document: Any = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: not valid JSON: {exc}") from exc
    roads, errors = [], []
    for number, feature in enumerate(document.get("features") or [], start=1):
        props = feature.get("properties") or {}
        if str(props.get("add", "")).lower() == "true":
            continue
        speed = props.get("speed_kmh")
        speed_kmh = float(speed) if isinstance(speed, int | float) and speed > 0 else None
        road_class = str(props.get("road_class") or props.get("highway") or "").lower()
        if not road_class and speed_kmh is not None:
            road_class = class_from_speed(speed_kmh)
        default_surface = "paved" if road_class in ("primary", "secondary") else "earth"
        surface = str(props.get("surface") or default_surface).lower()
        try:
            geometry = shape(feature.get("geometry"))
        except Exception as exc:  # shapely raises several kinds for bad geometry
            errors.append(
                RowError(str(path), number, "geometry", "", f"feature {number}: not a geometry ({exc})")
            )
            continue
        if geometry.geom_type not in ("LineString", "MultiLineString"):
            errors.append(
                RowError(str(path), number, "geometry", geometry.geom_type, "a road must be a line")
            )
        elif road_class not in ROAD_CLASSES:
            errors.append(
                RowError(
                    str(path), number, "road_class", road_class, f"must be one of {', '.join(ROAD_CLASSES)}"
                )
            )
        elif surface not in SURFACES:
            errors.append(
                RowError(str(path), number, "surface", surface, f"must be one of {', '.join(SURFACES)}")
            )
        else:
            road_id = str(props.get("id") or props.get("road_id") or number)
            roads.append(Road(road_id, road_class, surface, geometry, speed_kmh))
    if errors:
        raise InvalidRows(errors, len(errors), file=str(path))
    return roads


GEOPKO_V1 = ("mission", "year", "month", "location", "latitude", "longitude", "no.troops", "hq")
GEOPKO_FRONTMAP = ("mission", "year", "location", "latitude", "longitude", "notroops", "hq")
HQ_BASE_TYPES = {"3": BaseType.MISSION_HQ, "2": BaseType.SECTOR_HQ}


def is_geopko(columns: list[str]) -> bool:
    """True for Geo-PKO deployment files (v1 location-month records or v2.3 mission-year-location maps)."""
    return set(GEOPKO_FRONTMAP) <= set(columns) or set(GEOPKO_V1) <= set(columns)


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.strip().lower()).strip("-")


def read_geopko_bases(
    path: Path, mission: str | None = None, year: int | None = None, month: int | None = None
) -> list[Base]:
    """Deployment sites of one mission at one map date (default: its latest) as bases with their troops.

    Geo-PKO's HQ code gives the base type (3 mission HQ, 2 sector HQ, otherwise a company operating base);
    troops are the site's estimated troops (unknown counts as 0).
    """
    table = CsvTable(path, known_columns=frozenset(GEOPKO_V1 + GEOPKO_FRONTMAP))
    frame = pl.concat(list(table.batches(100_000)))
    if not is_geopko(table.columns):
        raise InvalidInput(f"{path}:1: not a Geo-PKO file (needs {', '.join(GEOPKO_FRONTMAP)})")
    missions = sorted(frame["mission"].unique().to_list())
    if mission is None:
        if len(missions) > 1:
            raise InvalidInput(
                f"{path}: {len(missions)} missions in the file; choose one with --mission "
                f"({', '.join(missions[:30])})"
            )
        mission = missions[0]
    chosen = frame.filter(pl.col("mission").str.to_uppercase() == mission.upper())
    if chosen.height == 0:
        raise InvalidInput(f"{path}: no mission {mission!r}; missions: {', '.join(missions)}")
    has_month = "month" in chosen.columns
    chosen = chosen.with_columns(
        y=parse_int(pl.col("year")),
        m=parse_int(pl.col("month")) if has_month else pl.lit(12, pl.Int64),
        troops=parse_int(pl.col("no.troops" if "no.troops" in chosen.columns else "notroops")).fill_null(0),
        lat=parse_float(pl.col("latitude")),
        lon=parse_float(pl.col("longitude")),
    )
    if year is not None:
        chosen = chosen.filter(pl.col("y") == year)
    if month is not None and has_month:
        chosen = chosen.filter(pl.col("m") == month)
    if chosen.height == 0:
        raise InvalidInput(f"{path}: no deployment of {mission} at that date")
    latest = chosen.select(pl.max_horizontal(pl.col("y") * 100 + pl.col("m")).max()).item()
    sites = chosen.filter(pl.col("y") * 100 + pl.col("m") == latest).filter(
        pl.col("lat").is_between(-90, 90) & pl.col("lon").is_between(-180, 180)
    )
    bases: dict[str, Base] = {}
    for row in sites.sort("troops", descending=True).iter_rows(named=True):
        base_id = f"{mission.upper()}-{_slug(row['location'])}"
        if base_id in bases:
            continue
        base_type = HQ_BASE_TYPES.get(str(row["hq"]).strip(), BaseType.COMPANY_OPERATING_BASE)
        bases[base_id] = Base(
            base_id,
            row["location"].strip(),
            base_type,
            float(row["lat"]),
            float(row["lon"]),
            None,
            int(row["troops"]),
        )
    return list(bases.values())
