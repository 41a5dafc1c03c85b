"""Bases and units (CSV), roads (GeoJSON lines): the mission's capacities and the network they move on."""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar

import orjson
import polars as pl
from shapely.geometry import shape

from pochub.core.models.capacities import Base, BaseType, Readiness, Unit, UnitType
from pochub.core.models.places import Road
from pochub.errors import InvalidInput, RowError
from pochub.ingest._columns import (
    FALSE_WORDS,
    TRUE_WORDS,
    Check,
    coordinate_checks,
    count_is_rounded,
    parse_count,
    parse_float,
    parse_int,
    prefix_raw,
    run_checks,
    text,
)
from pochub.ingest._csv import LINE, CsvTable, require_columns
from pochub.ingest._records import Records

T = TypeVar("T")
TIERS = ("I", "II", "III")
ROAD_CLASSES = ("primary", "secondary", "tertiary", "track")
SURFACES = ("paved", "gravel", "earth")

BASE_REQUIRED = ("id", "name", "base_type", "lat", "lon")
BASE_OPTIONAL = ("pcode", "capacity")
UNIT_REQUIRED = ("id", "name", "unit_type", "strength", "home_base")
UNIT_OPTIONAL = ("tiers", "road_speed_kmh", "air", "readiness")
UNIT_DEFAULTS = {
    "tiers": "II",
    "road_speed_kmh": "40",
    "air": "true for helicopter and aircraft types, else false",
    "readiness": "medium",
}
"""What an empty or missing optional unit column means."""
AIR_TYPES = r"helicopter|aircraft|aviation|airlift|fixed_wing|\buav\b|drone"
"""Unit types that fly: their ``air`` is true unless the file says otherwise."""
ALIASES = {"latitude": "lat", "longitude": "lon", "lng": "lon"}


def _read_table(
    path: Path,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    label: str,
    checks: Callable[[pl.DataFrame], list[Check]],
    build: Callable[[pl.DataFrame, Records[T]], list[T]],
) -> Records[T]:
    """Read a table (CSV, TSV, XLSX, XLS, ODS) of ``label``: valid rows built into records, every other row
    accounted for. ``checks`` and ``build`` see the file's columns through ``text``."""
    table = CsvTable(path, known_columns=frozenset(required + optional), aliases=ALIASES)
    frames = list(table.batches(50_000))
    require_columns(table, list(required), label)
    found: Records[T] = Records(table.name, read_as=table.read_as)
    found.errors += table.ragged
    found.rows_read = len(table.ragged)
    for frame in frames:
        found.rows_read += frame.height
        prefixed = prefix_raw(frame)
        ok, errors = run_checks(prefixed, checks(prefixed), table.name)
        found.errors += errors
        found.records += build(prefixed.filter(ok), found)
    return found


def _one_of(frame: pl.DataFrame, column: str, allowed: list[str]) -> Check:
    return Check(
        column,
        text(frame, column),
        ~text(frame, column).str.to_lowercase().is_in(allowed),
        f"must be one of {', '.join(allowed)}",
    )


def repeated_id(frame: pl.DataFrame) -> Check:
    """Rows whose id an earlier row of the batch already has."""
    ids = text(frame, "id")
    return Check("id", ids, ~ids.is_first_distinct(), "id repeated (an earlier row has it)")


def count_check(frame: pl.DataFrame, column: str, optional: bool = False) -> Check:
    """A count column: a number >= 0 (decimals are rounded, with a warning from ``rounding_warning``)."""
    value = text(frame, column)
    bad = ~(parse_count(value) >= 0)
    return Check(
        column,
        value,
        (value != "") & bad if optional else bad,
        f"{column} must be a number >= 0",
    )


def rounding_warning(frame: pl.DataFrame, column: str) -> str | None:
    """ "column: N decimal values rounded to whole numbers (line L: V)" when the column holds decimals."""
    rounded = frame.filter(count_is_rounded(text(frame, column)))
    if rounded.height == 0:
        return None
    line, value = rounded.select(LINE, text(rounded, column)).row(0)
    return (
        f"{column}: {rounded.height} decimal value(s) rounded to whole numbers (first: line {line}, {value})"
    )


def read_bases(path: Path) -> list[Base]:
    """Bases from a table: id,name,base_type,lat,lon[,pcode,capacity]."""
    return read_bases_table(path).checked(skip_invalid=False).records


def read_bases_table(path: Path) -> Records[Base]:
    """Bases with the account of every row (see ``Records``)."""

    def checks(frame: pl.DataFrame) -> list[Check]:
        return [
            Check("id", text(frame, "id"), text(frame, "id") == "", "empty id"),
            repeated_id(frame),
            _one_of(frame, "base_type", [b.value for b in BaseType]),
            *coordinate_checks(frame, "lat", "lon"),
            count_check(frame, "capacity", optional=True),
        ]

    def build(frame: pl.DataFrame, found: Records[Base]) -> list[Base]:
        if warning := rounding_warning(frame, "capacity"):
            found.warnings.append(warning)
        values = frame.select(
            text(frame, "id").alias("id"),
            text(frame, "name").alias("name"),
            text(frame, "base_type").str.to_lowercase().alias("type"),
            parse_float(text(frame, "lat")).alias("lat"),
            parse_float(text(frame, "lon")).alias("lon"),
            text(frame, "pcode").alias("pcode"),
            parse_count(text(frame, "capacity")).fill_null(0).alias("capacity"),
        )
        return [
            Base(base_id, name, BaseType(kind), lat, lon, pcode or None, capacity)
            for base_id, name, kind, lat, lon, pcode, capacity in values.iter_rows()
        ]

    return _read_table(path, BASE_REQUIRED, BASE_OPTIONAL, "bases", checks, build)


def read_units(path: Path) -> list[Unit]:
    """Units from a table: id,name,unit_type,strength,home_base[,tiers,road_speed_kmh,air,readiness]."""
    return read_units_table(path).checked(skip_invalid=False).records


def read_units_table(path: Path, known_bases: Collection[str] | None = None) -> Records[Unit]:
    """Units with the account of every row. A helicopter or aircraft type flies unless ``air`` says otherwise;
    both the inference and a contradiction are reported as warnings. With ``known_bases``, a unit whose home
    base is not among them is invalid."""

    def checks(frame: pl.DataFrame) -> list[Check]:
        tiers_ok = (
            text(frame, "tiers")
            .str.split(";")
            .list.eval(pl.element().str.strip_chars().is_in([*TIERS, ""]))
            .list.all()
        )
        speed = text(frame, "road_speed_kmh")
        home = text(frame, "home_base")
        stored_base = home.is_in(sorted(known_bases)) if known_bases is not None else pl.lit(True)
        return [
            Check(
                "home_base",
                home,
                (home != "") & ~stored_base,
                "not among the stored bases (import the bases first)",
            ),
            Check("id", text(frame, "id"), text(frame, "id") == "", "empty id"),
            _one_of(frame, "unit_type", [u.value for u in UnitType]),
            count_check(frame, "strength"),
            Check("home_base", text(frame, "home_base"), text(frame, "home_base") == "", "empty home base"),
            repeated_id(frame),
            Check("tiers", text(frame, "tiers"), ~tiers_ok, "tiers must be ;-separated from I, II, III"),
            _one_of(frame, "readiness", [r.value for r in Readiness] + [""]),
            _one_of(frame, "air", [*TRUE_WORDS, *FALSE_WORDS, ""]),
            Check(
                "road_speed_kmh",
                speed,
                (speed != "") & ~(parse_float(speed) > 0),
                "road_speed_kmh must be a number > 0",
            ),
        ]

    def build(frame: pl.DataFrame, found: Records[Unit]) -> list[Unit]:
        if warning := rounding_warning(frame, "strength"):
            found.warnings.append(warning)
        unit_type = text(frame, "unit_type").str.to_lowercase()
        air_text = text(frame, "air").str.to_lowercase()
        values = frame.select(
            text(frame, "id").alias("id"),
            text(frame, "name").alias("name"),
            unit_type.alias("type"),
            parse_count(text(frame, "strength")).alias("strength"),
            text(frame, "home_base").alias("home"),
            text(frame, "tiers").alias("tiers"),
            parse_float(text(frame, "road_speed_kmh")).fill_null(40.0).alias("speed"),
            air_text.alias("air_text"),
            unit_type.str.contains(AIR_TYPES).alias("flies"),
            text(frame, "readiness").str.to_lowercase().alias("readiness"),
        )
        inferred = values.filter((pl.col("air_text") == "") & pl.col("flies"))
        if inferred.height:
            found.warnings.append(
                f"air: not given for {inferred.height} unit(s) of a flying type, taken as flying: "
                + ", ".join(f"{i} ({t})" for i, t in inferred.select("id", "type").head(10).iter_rows())
            )
        grounded = values.filter(pl.col("air_text").is_in(FALSE_WORDS) & pl.col("flies"))
        if grounded.height:
            found.warnings.append(
                f"air: {grounded.height} unit(s) of a flying type marked as not flying, kept as the file says: "
                + ", ".join(f"{i} ({t})" for i, t in grounded.select("id", "type").head(10).iter_rows())
            )
        units = []
        for r in values.iter_rows(named=True):
            air = r["air_text"] in TRUE_WORDS or (r["air_text"] == "" and r["flies"])
            tiers = tuple(t.strip() for t in (r["tiers"] or UNIT_DEFAULTS["tiers"]).split(";") if t.strip())
            units.append(
                Unit(
                    r["id"],
                    r["name"],
                    UnitType(r["type"]),
                    r["strength"],
                    r["home"],
                    tiers,
                    r["speed"],
                    air,
                    Readiness(r["readiness"] or Readiness.MEDIUM.value),
                )
            )
        return units

    return _read_table(path, UNIT_REQUIRED, UNIT_OPTIONAL, "units", checks, build)


CandidateSite = tuple[str, str, float, float]
"""A candidate deployment site: id, name, latitude, longitude."""


def read_candidate_sites(path: Path) -> list[CandidateSite]:
    """Candidate sites for a deployment plan from a table (CSV, TSV, XLSX, XLS, ODS): id, lat, lon and an
    optional name (default: the id). InvalidRows names every bad line."""

    def checks(frame: pl.DataFrame) -> list[Check]:
        return [
            Check("id", text(frame, "id"), text(frame, "id") == "", "empty id"),
            repeated_id(frame),
            *coordinate_checks(frame, "lat", "lon"),
        ]

    def build(frame: pl.DataFrame, found: Records[CandidateSite]) -> list[CandidateSite]:
        ids = text(frame, "id")
        values = frame.select(
            ids.alias("id"),
            pl.when(text(frame, "name") == "").then(ids).otherwise(text(frame, "name")).alias("name"),
            parse_float(text(frame, "lat")).alias("lat"),
            parse_float(text(frame, "lon")).alias("lon"),
        )
        return list(values.iter_rows())

    found = _read_table(path, ("id", "lat", "lon"), ("name",), "candidate sites", checks, build)
    return found.checked(skip_invalid=False).records


def class_from_speed(speed_kmh: float) -> str:
    """A road class for a network that gives speeds, not classes (OSRM-derived graphs)."""
    if speed_kmh >= 70:
        return "primary"
    if speed_kmh >= 50:
        return "secondary"
    return "tertiary" if speed_kmh >= 30 else "track"


def read_roads(path: Path) -> list[Road]:
    """Roads from GeoJSON lines (see ``read_roads_table``); InvalidRows when a feature is invalid."""
    return read_roads_table(path).checked(skip_invalid=False).records


PROPOSED_LINK = "proposed link (add = true), not an existing road"


def read_roads_table(path: Path) -> Records[Road]:
    """Roads from GeoJSON lines with ``road_class`` (or OSM ``highway``) and ``surface``; for networks that give
    only a speed (``speed_kmh``, e.g. OSRM-derived graphs) the class follows from it and the speed is kept.
    Proposed links (``add`` true) are not roads: they are left out and counted with that reason."""
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    try:
        document: Any = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("features"), list):
        raise InvalidInput(f"{path}: not a GeoJSON FeatureCollection (no 'features' list)")
    found: Records[Road] = Records(str(path), read_as="GeoJSON")
    errors = found.errors
    for number, feature in enumerate(document["features"], start=1):
        found.rows_read += 1
        props = (feature.get("properties") if isinstance(feature, dict) else None) or {}
        if str(props.get("add", "")).lower() == "true":
            found.left_out[PROPOSED_LINK] += 1
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
            found.records.append(Road(road_id, road_class, surface, geometry, speed_kmh))
    return found


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
    """Deployment sites of one mission at one map date (see ``read_geopko_table``)."""
    return read_geopko_table(path, mission, year, month).records


def read_geopko_table(
    path: Path, mission: str | None = None, year: int | None = None, month: int | None = None
) -> Records[Base]:
    """Deployment sites of one mission at one map date (default: its latest) as bases with their troops.

    Geo-PKO's HQ code gives the base type (3 mission HQ, 2 sector HQ, otherwise a company operating base);
    troops are the site's estimated troops (unknown counts as 0). Rows of other missions and map dates, rows
    without coordinates and further records of a site are left out, each counted with its reason.
    """
    table = CsvTable(path, known_columns=frozenset(GEOPKO_V1 + GEOPKO_FRONTMAP))
    frame = pl.concat(list(table.batches(100_000)))
    if not is_geopko(table.columns):
        raise InvalidInput(f"{path}:1: not a Geo-PKO file (needs {', '.join(GEOPKO_FRONTMAP)})")
    found: Records[Base] = Records(
        table.name, rows_read=frame.height + len(table.ragged), read_as=table.read_as
    )
    found.errors += table.ragged
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
    found.left_out["another mission's deployment"] = frame.height - chosen.height
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
    on_date = chosen.filter(pl.col("y") * 100 + pl.col("m") == latest)
    sites = on_date.filter(pl.col("lat").is_between(-90, 90) & pl.col("lon").is_between(-180, 180))
    found.left_out["another map date"] = (
        frame.height - found.left_out["another mission's deployment"] - on_date.height
    )
    found.left_out["coordinates missing or out of range"] = on_date.height - sites.height
    bases: dict[str, Base] = {}
    for row in sites.sort("troops", descending=True).iter_rows(named=True):
        base_id = f"{mission.upper()}-{_slug(row['location'])}"
        if base_id in bases:
            found.left_out["another record of the same site (the one with most troops kept)"] += 1
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
    found.records = list(bases.values())
    found.left_out = +found.left_out  # drop the reasons that left nothing out
    return found
