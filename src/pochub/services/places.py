"""Place use cases: import boundaries and communities, and give events and communities their P-codes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sqlalchemy import Connection, Engine, bindparam, select, update

from pochub.core.geography.areas import AreaIndex
from pochub.ingest.boundaries import read_boundaries
from pochub.ingest.communities import read_communities
from pochub.store import repositories, tables


@dataclass(frozen=True)
class PlacesSummary:
    """What a boundaries or communities import did."""

    kind: str
    file: str
    stored: int
    updated: int
    events_located: int = 0
    communities_located: int = 0

    def as_dict(self) -> dict[str, object]:
        """The figures, for JSON output."""
        return dict(self.__dict__)


def _locate_events(conn: Connection, index: AreaIndex) -> int:
    ev = tables.events.c
    code_col = getattr(ev, f"admin{index.level}_pcode")
    name_col = getattr(ev, f"admin{index.level}_name")
    rows = conn.execute(select(ev.id, ev.latitude, ev.longitude, name_col).where(code_col.is_(None))).all()
    if not rows:
        return 0
    lat = np.array([r[1] for r in rows], dtype=np.float64)
    lon = np.array([r[2] for r in rows], dtype=np.float64)
    codes, names = index.locate(lat, lon)
    params = [
        {"event_id": r[0], "code": code, "name": r[3] or name}
        for r, code, name in zip(rows, codes, names, strict=True)
        if code is not None
    ]
    if params:
        stmt = (
            update(tables.events)
            .where(ev.id == bindparam("event_id"))
            .values({code_col.name: bindparam("code"), name_col.name: bindparam("name")})
        )
        conn.execute(stmt, params)
    return len(params)


def import_boundaries(
    engine: Engine,
    path: Path,
    level: int,
    *,
    pcode_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
    version: str | None = None,
) -> PlacesSummary:
    """Store admin areas of one level, then give stored events and communities lacking codes their P-codes."""
    areas = read_boundaries(
        path,
        level,
        pcode_field=pcode_field,
        name_field=name_field,
        parent_field=parent_field,
        version=version,
    )
    with engine.begin() as conn:
        new, replaced = repositories.save_admin_areas(conn, areas)
        all_areas = repositories.load_admin_areas(conn, level)
        index = AreaIndex.build(all_areas, level)
        located = _locate_events(conn, index) if level in (1, 2) else 0
        communities = repositories.load_communities(conn)
        finest = _finest_index(conn)
        missing = [c for c in communities if c.pcode is None]
        fixed = _with_pcodes(missing, finest)
        if fixed:
            repositories.save_communities(conn, fixed)
    return PlacesSummary("boundaries", str(path), new, replaced, located, len(fixed))


def _finest_index(conn: Connection) -> AreaIndex | None:
    levels = sorted({a.level for a in repositories.load_admin_areas(conn)})
    if not levels:
        return None
    return AreaIndex.build(repositories.load_admin_areas(conn, levels[-1]), levels[-1])


def _with_pcodes(communities: list, index: AreaIndex | None) -> list:  # type: ignore[type-arg]
    if index is None or not communities:
        return []
    lat = np.array([c.latitude for c in communities])
    lon = np.array([c.longitude for c in communities])
    codes, _ = index.locate(lat, lon)
    return [replace(c, pcode=code) for c, code in zip(communities, codes, strict=True) if code is not None]


def import_communities(engine: Engine, path: Path) -> PlacesSummary:
    """Store communities; those without a P-code get one from the finest boundaries stored."""
    communities = read_communities(path)
    with engine.begin() as conn:
        missing = [c for c in communities if c.pcode is None]
        located = {c.community_id: c for c in _with_pcodes(missing, _finest_index(conn))}
        communities = [located.get(c.community_id, c) for c in communities]
        new, replaced = repositories.save_communities(conn, communities)
    return PlacesSummary("communities", str(path), new, replaced, 0, len(located))
