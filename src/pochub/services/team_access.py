"""Who reads a joint team: the one rule, shared by the teams' use cases and every place that names a team (the
action points carrying a team's recommendation).

A team is read where its community is (:func:`pochub.services.engagements.community_for`, the area rule of local
perspectives): mission-wide roles read every team, field officers and Community Liaison Assistants those of their
area only. A team another reader may not see is answered as if it did not exist, and never named.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from pochub.core.models.access import User
from pochub.core.text import N_, Message
from pochub.errors import NotFound
from pochub.services.engagements import community_for
from pochub.store import tables


def readable_team(conn: Connection, user: User, team_id: int) -> tuple[Any, str]:
    """The team's stored row and its community's name, when ``user`` may read it; NotFound otherwise (the same
    answer as for no team)."""
    row = conn.execute(select(tables.joint_teams).where(tables.joint_teams.c.team_id == team_id)).first()
    if row is None:
        raise NotFound(Message(N_("no joint team {team}"), team=team_id))
    try:
        name, _ = community_for(conn, user, row.community_id)
    except NotFound as exc:  # another area's team answers as if it did not exist
        raise NotFound(Message(N_("no joint team {team}"), team=team_id)) from exc
    return row, name


def readable_team_ids(conn: Connection, user: User, team_ids: Iterable[int | None]) -> frozenset[int]:
    """Those of ``team_ids`` that ``user`` may read (None and unknown ids left out)."""
    wanted = {t for t in team_ids if t is not None}
    if not wanted:
        return frozenset()
    rows = conn.execute(
        select(tables.joint_teams.c.team_id, tables.joint_teams.c.community_id).where(
            tables.joint_teams.c.team_id.in_(sorted(wanted))
        )
    ).all()
    communities: dict[str, bool] = {}
    for row in rows:
        if row.community_id not in communities:
            try:
                community_for(conn, user, row.community_id)
                communities[row.community_id] = True
            except NotFound:
                communities[row.community_id] = False
    return frozenset(r.team_id for r in rows if communities[r.community_id])
