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
from pochub.ingest._records import Records, write_rejects
from pochub.ingest.capacities import (
    is_geopko,
    read_bases_table,
    read_geopko_table,
    read_roads_table,
    read_units_table,
)
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
    account: Records[Any] | None = None,
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
    found = account or Records(str(path), rows_read=len(rows))
    return PlacesSummary(
        kind,
        str(path),
        len(rows) - len(existing),
        len(existing),
        bases_located=located,
        rows_read=found.rows_read,
        rejected=found.rejected,
        left_out=found.left_out_text(),
        warnings=tuple(found.warnings),
        read_as=found.read_as,
    )


def checked(found: Records[Any], skip_invalid: bool, rejects: Path | None) -> Records[Any]:
    """The records when all is valid or invalid rows may be left out (written to ``rejects``); else
    InvalidRows naming every bad row, and nothing written."""
    found.checked(skip_invalid)
    if rejects is not None:
        write_rejects(rejects, found.errors)
    return found


def import_bases(
    engine: Engine,
    path: Path,
    *,
    mission: str | None = None,
    year: int | None = None,
    month: int | None = None,
    skip_invalid: bool = False,
    rejects: Path | None = None,
) -> PlacesSummary:
    """Store bases (replacing those with the same id): PoC Hub's table, or Geo-PKO deployment sites of a mission.
    With ``skip_invalid`` invalid rows are left out (written with their reasons to ``rejects``)."""
    header = CsvTable(path)
    next(header.open_rows(), None)
    if is_geopko(header.columns):
        found = read_geopko_table(path, mission, year, month)
    else:
        found = read_bases_table(path)
    checked(found, skip_invalid, rejects)
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
        for b in found.records
    ]
    return _replace(engine, tables.bases, "base_id", rows, "bases", path, place=True, account=found)


def import_units(
    engine: Engine, path: Path, *, skip_invalid: bool = False, rejects: Path | None = None
) -> PlacesSummary:
    """Store units; every home base must be stored already. With ``skip_invalid`` invalid rows are left out
    (written with their reasons to ``rejects``)."""
    with engine.connect() as conn:
        known = set(conn.execute(select(tables.bases.c.base_id)).scalars())
    found = checked(read_units_table(path, known), skip_invalid, rejects)
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
        for u in found.records
    ]
    return _replace(engine, tables.units, "unit_id", rows, "units", path, account=found)


def import_roads(
    engine: Engine, path: Path, *, skip_invalid: bool = False, rejects: Path | None = None
) -> PlacesSummary:
    """Store road segments; proposed links are left out and counted. With ``skip_invalid`` invalid features are
    left out (written with their reasons to ``rejects``)."""
    found = checked(read_roads_table(path), skip_invalid, rejects)
    rows = [
        dict(
            road_id=r.road_id,
            road_class=r.road_class,
            surface=r.surface,
            speed_kmh=r.speed_kmh,
            geometry=shapely.to_wkb(r.geometry),
        )
        for r in found.records
    ]
    return _replace(engine, tables.roads, "road_id", rows, "roads", path, account=found)


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
