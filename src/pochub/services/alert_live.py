"""The live alert desk: what the inbox, an alert's page and the map's alert layer poll every few seconds.

Each snapshot goes through the same access rule as the pages (``alert_views.alert_access`` via
``alert_views.list_alerts``/``alert_detail``): an area-scoped user polls their area only, and the roles that see
fuzzed places get the fuzzed point or the fuzzed area, never the community. A snapshot carries a version (a hash
of its content) that the edge sends as an ETag, so an unchanged desk costs a 304 and no body.

Placing an open alert on the map: its own point (for fuzzed roles, the moved one) when it has one; otherwise its
community's point (roles that see true places only); otherwise a point inside its area (the fuzzed area for fuzzed
roles); drawn as approximate in both fallbacks. Alerts with none of these are counted as not placed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import shapely
from sqlalchemy import Connection, Engine, select

from pochub.config import Settings
from pochub.core.models.access import User
from pochub.core.models.alerts import AlertStatus
from pochub.core.models.filters import AlertFilter
from pochub.services import alert_views
from pochub.services.protection import Protector
from pochub.store import alert_repository as repository
from pochub.store import tables

MAP_LIMIT = 2000
"""Open alerts the map's layer draws at most (a mission's open alerts are far fewer)."""


@dataclass(frozen=True)
class Snapshot:
    """One poll's answer: the alerts as the reader may see them, the counts for the title, and its version."""

    items: list[dict[str, Any]]
    total: int
    new: int
    overdue: int
    placed: int
    unplaced: int
    version: str


def _community_points(conn: Connection, ids: Iterable[str]) -> dict[str, tuple[float, float]]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    communities = tables.communities
    rows = conn.execute(
        select(communities.c.community_id, communities.c.latitude, communities.c.longitude).where(
            communities.c.community_id.in_(wanted)
        )
    )
    return {r.community_id: (float(r.latitude), float(r.longitude)) for r in rows}


def area_points(conn: Connection, pcodes: Iterable[str]) -> dict[str, tuple[float, float]]:
    """A point inside each area (shapely's representative point: inside even a concave or split area, where a
    centroid may fall outside), as (latitude, longitude)."""
    wanted = sorted(set(pcodes))
    if not wanted:
        return {}
    areas = tables.admin_areas
    points: dict[str, tuple[float, float]] = {}
    for pcode, geometry in conn.execute(
        select(areas.c.pcode, areas.c.geometry).where(areas.c.pcode.in_(wanted))
    ):
        inside = shapely.from_wkb(bytes(geometry)).representative_point()
        points[pcode] = (float(inside.y), float(inside.x))
    return points


def place_alerts(conn: Connection, items: Sequence[dict[str, Any]]) -> tuple[int, int]:
    """Add ``place`` to each alert of a list (as ``alert_views.summary`` gave it to this reader): latitude,
    longitude and how it was placed ('point', 'community' or 'area'), or None; the counts placed and not."""
    needs = [i for i in items if i["latitude"] is None or i["longitude"] is None]
    communities = _community_points(conn, (i["community_id"] for i in needs if i.get("community_id")))
    areas = area_points(conn, (i["pcode"] for i in needs if i.get("pcode")))
    placed = 0
    for item in items:
        place: dict[str, Any] | None = None
        if item["latitude"] is not None and item["longitude"] is not None:
            place = {"latitude": item["latitude"], "longitude": item["longitude"], "by": "point"}
        elif item.get("community_id") in communities:  # never set for fuzzed roles (alert_access.place_names)
            lat, lon = communities[item["community_id"]]
            place = {"latitude": lat, "longitude": lon, "by": "community"}
        elif item.get("pcode") in areas:  # the fuzzed area for fuzzed roles
            lat, lon = areas[item["pcode"]]
            place = {"latitude": lat, "longitude": lon, "by": "area"}
        item["place"] = place
        placed += place is not None
    return placed, len(items) - placed


def version_of(content: Mapping[str, Any] | Sequence[Any]) -> str:
    """A short hash of a snapshot's content (its ETag)."""
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]


def desk(
    engine: Engine,
    settings: Settings,
    user: User,
    chosen: AlertFilter,
    *,
    limit: int,
    offset: int = 0,
    with_places: bool = False,
) -> Snapshot:
    """The alerts ``user`` sees with ``chosen`` (as the inbox lists them), the counts of new (not yet
    acknowledged) and overdue open alerts of their area for the title, and, for the map, their places."""
    items, total = alert_views.list_alerts(engine, settings, user, chosen, limit=limit, offset=offset)
    now = datetime.now(UTC)
    # The title's counts are over every open alert of the user's area, whatever the filters show.
    open_items, _ = alert_views.list_alerts(
        engine, settings, user, AlertFilter(open_only=True), limit=MAP_LIMIT, offset=0
    )
    new = sum(1 for i in open_items if i["state"] == AlertStatus.RECEIVED.value)
    overdue = sum(1 for i in open_items if i["overdue"])
    placed = unplaced = 0
    if with_places:
        with engine.connect() as conn:
            placed, unplaced = place_alerts(conn, items)
    for item in items:
        item.pop("allowed_actions", None)  # the list needs no actions; the alert's page asks for its own
    version = version_of({"items": items, "total": total, "new": new, "overdue": overdue, "day": now.date()})
    return Snapshot(items, total, new, overdue, placed, unplaced, version)


def alert_version(engine: Engine, settings: Settings, reference: str, user: User) -> dict[str, Any]:
    """What an open alert's page polls: its state, next step, deadline, history length and version (NotFound or
    Forbidden as for the page, so a poll learns nothing the page would not show)."""
    with engine.connect() as conn:
        row = alert_views.readable_alert(conn, reference, user)
        view = alert_views.summary(row, user, Protector(settings.secret_key), settings, datetime.now(UTC))
        history = len(repository.transitions(conn, row.alert_id))
    view["history"] = history  # no sender details: a poll never decrypts nor writes the audit log
    content = {
        "state": view["state"],
        "next_step": view["next_step"],
        "due_at": view["due_at"],
        "overdue": view["overdue"],
        "reports": view["reports"],
        "history": view["history"],
        "allowed_actions": view["allowed_actions"],
    }
    return {**content, "version": version_of(content)}
