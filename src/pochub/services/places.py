"""Place use cases: import boundaries and communities, and give events and communities their P-codes."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Connection, Engine, Table, bindparam, delete, func, select, update

from pochub.core.geography.areas import BEYOND, INSIDE, NEAREST, AreaIndex, assign_finest
from pochub.errors import InvalidInput, RowError
from pochub.ingest._records import write_rejects as write_row_rejects
from pochub.ingest.boundaries import read_boundaries
from pochub.ingest.communities import read_communities_table
from pochub.store import place_queries, repositories, tables

AREA_TOLERANCE_KM = 25.0
"""The nearest area within this distance takes a point outside every polygon (see Settings.area_tolerance_km)."""


@dataclass(frozen=True)
class PlacesSummary:
    """What a boundaries or communities import did: stored, where events and places fell, what was repaired."""

    kind: str
    file: str
    stored: int
    updated: int
    events_located: int = 0
    communities_located: int = 0
    events_nearest_area: int = 0
    """Events outside every polygon given the nearest area within the tolerance."""
    events_outside_boundaries: int = 0
    communities_outside_boundaries: int = 0
    bases_located: int = 0
    skipped: int = 0
    """Features left out with --skip-invalid (their reasons in the rejects file)."""
    removed: tuple[str, ...] = ()
    """Areas of the level that the new vintage does not hold, removed with --replace ("P-code name")."""
    repaired: tuple[str, ...] = ()
    """Features whose geometry was repaired: file, feature number, name, P-code and what was done."""
    rows_read: int = 0
    """Rows (features) in the file: stored + updated + rejected + left out."""
    rejected: int = 0
    """Invalid rows left out with --skip-invalid (their reasons in the rejects file)."""
    left_out: tuple[str, ...] = ()
    """Rows not meant to be imported, "count: reason" (e.g. proposed road links)."""
    warnings: tuple[str, ...] = ()
    """Values taken on an assumption the analyst should check (rounded counts, units taken as flying)."""
    read_as: str = ""
    """How the file was read: format, encoding and delimiter as detected."""

    def as_dict(self) -> dict[str, object]:
        """The figures, for JSON output: every one for boundaries; for other files the placing figures that
        concern them (communities for communities, bases for bases), not a row of zeros."""
        shown = {
            "communities": ("communities_located", "communities_outside_boundaries"),
            "bases": ("bases_located",),
        }
        figures = {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}
        if self.kind == "boundaries":
            return figures
        placing = set(PLACING) - set(shown.get(self.kind, ()))
        return {k: v for k, v in figures.items() if k not in placing}


PLACING = (
    "events_located",
    "communities_located",
    "events_nearest_area",
    "events_outside_boundaries",
    "communities_outside_boundaries",
    "bases_located",
    "skipped",
    "removed",
    "repaired",
)
"""The summary's figures about where places fell and what was repaired (boundaries show them all)."""


def write_rejects(path: Path, errors: list[RowError]) -> None:
    """The features left out, one a line: feature number, field, value and reason (CSV)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["feature", "column", "value", "reason"])
        writer.writerows([e.line, e.column, e.value, e.reason] for e in errors)


def assign_events(conn: Connection, index: AreaIndex, tolerance_km: float) -> dict[str, int]:
    """Give every stored event the P-code of its area at the index's level (re-importing boundaries
    reassigns); events beyond every area and the tolerance get none. Returns the counts by method."""
    ev = tables.events.c
    code_col = getattr(ev, f"admin{index.level}_pcode")
    rows = conn.execute(select(ev.id, ev.latitude, ev.longitude, code_col)).all()
    if not rows:
        return {INSIDE: 0, NEAREST: 0, BEYOND: 0}
    lat = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
    lon = np.fromiter((r[2] for r in rows), dtype=np.float64, count=len(rows))
    assignment = index.assign(lat, lon, tolerance_km)
    params = [
        {"event_id": r[0], "code": code}
        for r, code in zip(rows, assignment.pcodes, strict=True)
        if code != r[3]
    ]
    if params:
        stmt = (
            update(tables.events)
            .where(ev.id == bindparam("event_id"))
            .values({code_col.name: bindparam("code")})
        )
        conn.execute(stmt, params)
    return assignment.counts()


def place_indexes(conn: Connection) -> list[AreaIndex]:
    """An index per stored admin level, finest first (where places take their P-code)."""
    areas = repositories.load_admin_areas(conn)
    levels = sorted({a.level for a in areas}, reverse=True)
    return [AreaIndex.build(areas, level) for level in levels]


def assign_points(
    conn: Connection, table: Table, key: str, indexes: list[AreaIndex], tolerance_km: float
) -> dict[str, int]:
    """Give every row of a point table (communities, bases) the P-code of its finest area; a row beyond every
    boundary keeps its own P-code only when that is a stored area's. Returns the counts by method."""
    if not indexes:
        return {INSIDE: 0, NEAREST: 0, BEYOND: 0}
    c = table.c
    rows = conn.execute(select(c[key], c.latitude, c.longitude, c.pcode)).all()
    if not rows:
        return {INSIDE: 0, NEAREST: 0, BEYOND: 0}
    stored = {str(code) for index in indexes for code in index.pcodes}
    lat = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
    lon = np.fromiter((r[2] for r in rows), dtype=np.float64, count=len(rows))
    assignment = assign_finest(indexes, lat, lon, tolerance_km)
    params = []
    for row, code in zip(rows, assignment.pcodes, strict=True):
        chosen = code if code is not None else (row[3] if row[3] in stored else None)
        if chosen != row[3]:
            params.append({"row_key": row[0], "code": chosen})
    if params:
        conn.execute(
            update(table).where(c[key] == bindparam("row_key")).values(pcode=bindparam("code")), params
        )
    return assignment.counts()


def import_boundaries(
    engine: Engine,
    path: Path,
    level: int,
    *,
    pcode_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
    version: str | None = None,
    tolerance_km: float = AREA_TOLERANCE_KM,
    skip_invalid: bool = False,
    rejects: Path | None = None,
    replace: bool = False,
) -> PlacesSummary:
    """Store admin areas of one level (repaired into valid polygons), then give every stored event its area at
    that level and every community and base its finest area: inside, else nearest within ``tolerance_km``.
    With ``skip_invalid`` bad features are left out (written with their reasons to ``rejects``).

    A new vintage of a level adds and updates areas by P-code; the level's stored areas it does not hold are kept
    (and named in a warning) unless ``replace``: then they are removed and every event, community and base is
    assigned again against the new vintage. ``replace`` refuses, changing nothing, while alerts are routed to a
    removed P-code (an alert keeps the area it was routed to)."""
    read = read_boundaries(
        path,
        level,
        pcode_field=pcode_field,
        name_field=name_field,
        parent_field=parent_field,
        version=version,
        skip_invalid=skip_invalid,
    )
    if rejects is not None:
        write_rejects(rejects, read.skipped)
    warnings: list[str] = []
    with engine.begin() as conn:
        a = tables.admin_areas.c
        kept = {area.pcode for area in read.areas}
        gone = {
            r.pcode: r.name
            for r in conn.execute(select(a.pcode, a.name).where(a.level == level))
            if r.pcode not in kept
        }
        if gone and replace:
            _refuse_removing_routed(conn, gone)
            conn.execute(delete(tables.admin_areas).where(a.pcode.in_(list(gone))))
        elif gone:
            shown = ", ".join(sorted(gone)[:10]) + (" ..." if len(gone) > 10 else "")
            warnings.append(
                f"{len(gone)} stored area(s) of level {level} are not in this file and were kept ({shown}): "
                "--replace removes them and assigns every event, community and base again"
            )
        new, replaced = repositories.save_admin_areas(conn, read.areas)
        index = AreaIndex.build(repositories.load_admin_areas(conn, level), level)
        events = assign_events(conn, index, tolerance_km) if level in (1, 2) else {}
        indexes = place_indexes(conn)
        communities = assign_points(conn, tables.communities, "community_id", indexes, tolerance_km)
        bases = assign_points(conn, tables.bases, "base_id", indexes, tolerance_km)
    return PlacesSummary(
        "boundaries",
        str(path),
        new,
        replaced,
        events_located=events.get(INSIDE, 0) + events.get(NEAREST, 0),
        communities_located=communities[INSIDE] + communities[NEAREST],
        events_nearest_area=events.get(NEAREST, 0),
        events_outside_boundaries=events.get(BEYOND, 0),
        communities_outside_boundaries=communities[BEYOND],
        bases_located=bases[INSIDE] + bases[NEAREST],
        repaired=tuple(r.describe() for r in read.repairs),
        skipped=len(read.skipped),
        removed=tuple(f"{code} {name}" for code, name in sorted(gone.items())) if replace else (),
        warnings=tuple(warnings),
    )


def _refuse_removing_routed(conn: Connection, gone: dict[str, str]) -> None:
    """Refuse a --replace that would remove an area alerts were routed to (naming the P-codes and counts)."""
    al = tables.alerts.c
    routed = conn.execute(
        select(al.pcode, func.count()).where(al.pcode.in_(list(gone))).group_by(al.pcode).order_by(al.pcode)
    ).all()
    if routed:
        named = ", ".join(f"{code} {gone[code]} ({count} alert(s))" for code, count in routed)
        raise InvalidInput(
            f"--replace would remove areas that alerts were routed to: {named}; nothing was changed. Alerts keep "
            "the area they were routed to: import without --replace (the old areas are kept)"
        )


def import_communities(
    engine: Engine,
    path: Path,
    *,
    tolerance_km: float = AREA_TOLERANCE_KM,
    skip_invalid: bool = False,
    rejects: Path | None = None,
    within_boundaries: bool = False,
) -> PlacesSummary:
    """Store communities; with boundaries stored, each takes the P-code of its finest area (inside, else the
    nearest within ``tolerance_km``; beyond, its own P-code only when that is a stored area's). With
    ``skip_invalid`` invalid rows are left out (written with their reasons to ``rejects``). With
    ``within_boundaries`` the places beyond every stored boundary (and the tolerance) are left out and counted:
    a regional gazetteer gives the mission's places only."""
    found = read_communities_table(path).checked(skip_invalid)
    if rejects is not None:
        write_row_rejects(rejects, found.errors)
    with engine.begin() as conn:
        if within_boundaries:
            indexes = place_indexes(conn)
            if not indexes:
                raise InvalidInput(
                    "--within-boundaries: no boundaries stored; `pochub import boundaries FILE --level N` first"
                )
            lat = np.array([c.latitude for c in found.records], dtype=np.float64)
            lon = np.array([c.longitude for c in found.records], dtype=np.float64)
            inside = assign_finest(indexes, lat, lon, tolerance_km).pcodes
            beyond = sum(1 for code in inside if code is None)
            if beyond:
                found.left_out["outside the stored boundaries (--within-boundaries)"] += beyond
                found.records = [c for c, code in zip(found.records, inside, strict=True) if code is not None]
        new, replaced = repositories.save_communities(conn, found.records)
        placed = assign_points(conn, tables.communities, "community_id", place_indexes(conn), tolerance_km)
    return PlacesSummary(
        "communities",
        str(path),
        new,
        replaced,
        communities_located=placed[INSIDE] + placed[NEAREST],
        communities_outside_boundaries=placed[BEYOND],
        rows_read=found.rows_read,
        rejected=found.rejected,
        left_out=found.left_out_text(),
        warnings=tuple(found.warnings),
        read_as=found.read_as,
    )


def source_names_note(engine: Engine, level: int) -> str | None:
    """What to tell the reader when no boundary of ``level`` is stored: areas are then the sources' own names
    (one place may appear under two spellings); None when boundaries key the areas by P-code."""
    with engine.connect() as conn:
        if place_queries.area_names(conn, level):
            return None
    return (
        f"areas are the source's names: no boundaries of admin level {level} are imported "
        f"(`pochub import boundaries FILE.geojson --level {level}` keys them by P-code)"
    )
