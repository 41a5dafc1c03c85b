"""Repositories: reads and writes of stored records, translating rows to and from core models."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np
import shapely
from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from pochub.core.evidence.duplicates import DuplicateLink, EventPoints
from pochub.core.models.places import AdminArea, Community
from pochub.store import tables as t


def load_admin_areas(conn: Connection, level: int | None = None) -> list[AdminArea]:
    """Admin areas (all levels, or one), with their geometry."""
    query = select(t.admin_areas)
    if level is not None:
        query = query.where(t.admin_areas.c.level == level)
    return [
        AdminArea(
            pcode=row.pcode,
            name=row.name,
            level=row.level,
            geometry=shapely.from_wkb(row.geometry),
            parent_pcode=row.parent_pcode,
            boundary_version=row.boundary_version,
        )
        for row in conn.execute(query.order_by(t.admin_areas.c.pcode))
    ]


def save_admin_areas(conn: Connection, areas: Sequence[AdminArea]) -> tuple[int, int]:
    """Insert or replace areas by P-code; returns (new, replaced)."""
    pcodes = [a.pcode for a in areas]
    existing = set(
        conn.execute(select(t.admin_areas.c.pcode).where(t.admin_areas.c.pcode.in_(pcodes))).scalars()
    )
    if existing:
        conn.execute(delete(t.admin_areas).where(t.admin_areas.c.pcode.in_(existing)))
    rows = []
    for area in areas:
        min_lon, min_lat, max_lon, max_lat = area.geometry.bounds
        rows.append(
            dict(
                pcode=area.pcode,
                name=area.name,
                level=area.level,
                parent_pcode=area.parent_pcode,
                boundary_version=area.boundary_version,
                min_lon=min_lon,
                min_lat=min_lat,
                max_lon=max_lon,
                max_lat=max_lat,
                geometry=shapely.to_wkb(area.geometry),
            )
        )
    if rows:
        conn.execute(insert(t.admin_areas), rows)
    return len(areas) - len(existing), len(existing)


def save_communities(conn: Connection, communities: Iterable[Community]) -> tuple[int, int]:
    """Insert or replace communities by id; returns (new, replaced)."""
    rows = [
        dict(
            community_id=c.community_id,
            name=c.name,
            latitude=c.latitude,
            longitude=c.longitude,
            population=c.population,
            pcode=c.pcode,
            vulnerable_groups=";".join(c.vulnerable_groups),
            self_protection_capacities=";".join(c.self_protection_capacities),
            focal_point=c.focal_point,
            phone_coverage=c.phone_coverage,
            radio_coverage=c.radio_coverage,
        )
        for c in communities
    ]
    ids = [r["community_id"] for r in rows]
    existing: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        existing |= set(
            conn.execute(
                select(t.communities.c.community_id).where(t.communities.c.community_id.in_(chunk))
            ).scalars()
        )
        conn.execute(delete(t.communities).where(t.communities.c.community_id.in_(chunk)))
    if rows:
        conn.execute(insert(t.communities), rows)
    return len(rows) - len(existing), len(existing)


def load_communities(conn: Connection) -> list[Community]:
    """All communities."""
    return [
        Community(
            community_id=r.community_id,
            name=r.name,
            latitude=r.latitude,
            longitude=r.longitude,
            population=r.population,
            pcode=r.pcode,
            vulnerable_groups=tuple(g for g in r.vulnerable_groups.split(";") if g),
            self_protection_capacities=tuple(g for g in r.self_protection_capacities.split(";") if g),
            focal_point=r.focal_point,
            phone_coverage=r.phone_coverage,
            radio_coverage=r.radio_coverage,
        )
        for r in conn.execute(select(t.communities).order_by(t.communities.c.community_id))
    ]


def event_points(conn: Connection) -> EventPoints:
    """The columns de-duplication needs, for every stored event."""
    ev = t.events.c
    rows = conn.execute(select(ev.id, ev.source, ev.event_date, ev.latitude, ev.longitude, ev.category)).all()
    epoch = date(1970, 1, 1)
    return EventPoints(
        ids=np.array([r[0] for r in rows], dtype=np.int64),
        sources=np.array([r[1] for r in rows], dtype=str),
        days=np.array([(r[2] - epoch).days for r in rows], dtype=np.int64),
        latitudes=np.array([r[3] for r in rows], dtype=np.float64),
        longitudes=np.array([r[4] for r in rows], dtype=np.float64),
        categories=np.array([r[5] for r in rows], dtype=str),
    )


def source_count(conn: Connection) -> int:
    """How many sources the stored events come from."""
    return int(conn.execute(select(func.count(func.distinct(t.events.c.source)))).scalar_one())


def replace_duplicate_links(conn: Connection, links: Sequence[DuplicateLink]) -> int:
    """Reset every duplicate link and store ``links``; returns how many links changed."""
    ev = t.events.c
    before = {
        (r[0], r[1]) for r in conn.execute(select(ev.id, ev.duplicate_of).where(ev.duplicate_of.isnot(None)))
    }
    after = {(link.duplicate_id, link.canonical_id) for link in links}
    gone = before - after
    if gone:
        conn.execute(update(t.events).where(ev.id.in_([i for i, _ in gone])).values(duplicate_of=None))
    added = sorted(after - before)
    if added:
        stmt = update(t.events).where(ev.id == bindparam("dup")).values(duplicate_of=bindparam("canon"))
        conn.execute(stmt, [{"dup": d, "canon": c} for d, c in added])
    return len(added)
