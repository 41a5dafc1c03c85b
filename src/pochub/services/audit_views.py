"""The audit log as its readers see it: entries filtered by who, what and when, newest first, a page at a time on
the API (for the administrator and the Senior PoC Adviser) and as a list on the command line."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine

from pochub.errors import InvalidInput
from pochub.store import audit
from pochub.store.audit import AuditEntry


@dataclass(frozen=True)
class AuditQuery:
    """Which entries: each given field must match; ``since`` inclusive, ``until`` exclusive."""

    actor: str | None = None
    role: str | None = None
    action: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditPage:
    """One page of matching entries, newest first, and how many match in all."""

    total: int
    entries: list[AuditEntry]


def audit_page(conn: Connection, chosen: AuditQuery, *, limit: int, offset: int) -> AuditPage:
    """The entries matching ``chosen`` from ``offset``, at most ``limit``; InvalidInput when ``until`` is not
    after ``since``."""
    if chosen.since is not None and chosen.until is not None and chosen.until <= chosen.since:
        raise InvalidInput("until must be after since")
    filters = asdict(chosen)
    return AuditPage(
        total=audit.count(conn, **filters),
        entries=audit.query(conn, **filters, limit=limit, offset=offset),
    )


def audit_log(engine: Engine, chosen: AuditQuery, *, limit: int) -> list[AuditEntry]:
    """The newest ``limit`` entries matching ``chosen``."""
    with engine.connect() as conn:
        return audit.query(conn, **asdict(chosen), limit=limit)
