"""Capacity use cases: import bases, units and roads; store the coordination structure document."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import shapely
import yaml
from sqlalchemy import Engine, bindparam, insert, select, update

from pochub.core.geography.areas import INSIDE, NEAREST
from pochub.errors import InvalidInput
from pochub.ingest._csv import CsvTable
from pochub.ingest.capacities import is_geopko, read_bases, read_geopko_bases, read_roads, read_units
from pochub.services.places import AREA_TOLERANCE_KM, PlacesSummary, assign_points, place_indexes
from pochub.store import tables


def _replace(
    engine: Engine,
    table: Any,
    key: str,
    rows: list[dict[str, Any]],
    kind: str,
    path: Path,
    *,
    place: bool = False,
) -> PlacesSummary:
    located = 0
    with engine.begin() as conn:
        ids = [r[key] for r in rows]
        existing = (
            set(conn.execute(select(table.c[key]).where(table.c[key].in_(ids))).scalars()) if ids else set()
        )
        # stored rows are updated in place, never deleted: units keep pointing at their re-imported bases
        known = [{**r, "_match_key": r[key]} for r in rows if r[key] in existing]
        if known:
            conn.execute(update(table).where(table.c[key] == bindparam("_match_key")), known)
        fresh = [r for r in rows if r[key] not in existing]
        if fresh:
            conn.execute(insert(table), fresh)
        if place:  # one geography: each point takes its finest stored area's P-code
            placed = assign_points(conn, table, key, place_indexes(conn), AREA_TOLERANCE_KM)
            located = placed[INSIDE] + placed[NEAREST]
    return PlacesSummary(kind, str(path), len(rows) - len(existing), len(existing), bases_located=located)


def import_bases(
    engine: Engine,
    path: Path,
    *,
    mission: str | None = None,
    year: int | None = None,
    month: int | None = None,
) -> PlacesSummary:
    """Store bases (replacing those with the same id): PoC Hub's CSV, or Geo-PKO deployment sites of a mission."""
    header = CsvTable(path)
    next(header.open_rows(), None)
    if is_geopko(header.columns):
        found = read_geopko_bases(path, mission, year, month)
    else:
        found = read_bases(path)
    rows = [
        dict(
            base_id=b.base_id,
            name=b.name,
            base_type=b.base_type.value,
            latitude=b.latitude,
            longitude=b.longitude,
            pcode=b.pcode,
            capacity=b.capacity,
        )
        for b in found
    ]
    return _replace(engine, tables.bases, "base_id", rows, "bases", path, place=True)


def import_units(engine: Engine, path: Path) -> PlacesSummary:
    """Store units; every home base must be stored already."""
    units = read_units(path)
    with engine.connect() as conn:
        known = set(conn.execute(select(tables.bases.c.base_id)).scalars())
    unknown = sorted({u.home_base for u in units} - known)
    if unknown:
        raise InvalidInput(f"{path}: home_base not among the stored bases: {', '.join(unknown[:10])}")
    rows = [
        dict(
            unit_id=u.unit_id,
            name=u.name,
            unit_type=u.unit_type.value,
            strength=u.strength,
            home_base=u.home_base,
            tiers=";".join(u.tiers),
            road_speed_kmh=u.road_speed_kmh,
            air=u.air,
            readiness=u.readiness.value,
        )
        for u in units
    ]
    return _replace(engine, tables.units, "unit_id", rows, "units", path)


def import_roads(engine: Engine, path: Path) -> PlacesSummary:
    """Store road segments."""
    rows = [
        dict(
            road_id=r.road_id,
            road_class=r.road_class,
            surface=r.surface,
            speed_kmh=r.speed_kmh,
            geometry=shapely.to_wkb(r.geometry),
        )
        for r in read_roads(path)
    ]
    return _replace(engine, tables.roads, "road_id", rows, "roads", path)


def store_structure(engine: Engine, path: Path) -> PlacesSummary:
    """Store a coordination structure (YAML) as the mission's current structure."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{path}: cannot read the structure: {exc}") from exc
    if not isinstance(document, dict):
        raise InvalidInput(f"{path}: a structure is a YAML mapping")
    name = str(
        document.get("mission", {}).get("name")
        if isinstance(document.get("mission"), dict)
        else document.get("mission") or document.get("name") or path.stem
    )
    with engine.begin() as conn:
        conn.execute(
            insert(tables.structures).values(
                name=name, document=orjson.dumps(document).decode(), imported_at=datetime.now(UTC)
            )
        )
    return PlacesSummary("structure", str(path), 1, 0)
