"""The append-only audit log: every write and every read of protected fields (DOMAIN.md section 7).

Rows are only ever inserted; the database itself refuses UPDATE and DELETE (triggers of migration 0004), TRUNCATE
on PostgreSQL and the replacement of an entry by INSERT OR REPLACE on SQLite (migration 0006), so the log cannot
be emptied or rewritten by PoC Hub's code or by anyone with the application's database account short of
dropping the triggers. Entries made for a web or API request carry the client's address. ``record`` joins the caller's transaction, so an audited change and its audit row commit
or roll back together. Details never carry passwords, secrets or informants' names and numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, insert, select, true

from pochub.store import tables
from pochub.store.database import as_utc

ACTIONS = ("write", "read_protected", "login", "login_failed", "logout", "deactivate", "refused", "password")
"""The actions PoC Hub records (others may be added by services; the column is free text)."""

_ACTOR_LENGTH = 80
_CLIENT_LENGTH = 64
_ENTITY_ID_LENGTH = 80


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log."""

    audit_id: int
    at: datetime
    actor: str
    role: str
    action: str
    entity: str
    entity_id: str
    detail: str
    client: str = ""


_INSERT = insert(tables.audit_log)


def entry(
    *,
    actor: str,
    role: str,
    action: str,
    entity: str,
    entity_id: str = "",
    detail: str = "",
    at: datetime | None = None,
    client: str = "",
) -> dict[str, Any]:
    """One audit row's values, bounded to its columns (``record`` inserts it; intake writes it with its alert)."""
    return {
        "at": as_utc(at) if at is not None else datetime.now(UTC),
        "actor": actor[:_ACTOR_LENGTH],
        "role": str(role)[:24],
        "action": action[:40],
        "entity": entity[:40],
        "entity_id": str(entity_id)[:_ENTITY_ID_LENGTH],
        "detail": detail,
        "client": client[:_CLIENT_LENGTH],
    }


def record(
    conn: Connection,
    *,
    actor: str,
    role: str,
    action: str,
    entity: str,
    entity_id: str = "",
    detail: str = "",
    at: datetime | None = None,
    client: str = "",
) -> None:
    """Append one entry to the audit log inside the caller's transaction (``client``: the request's address)."""
    conn.execute(
        _INSERT,
        entry(
            actor=actor, role=role, action=action, entity=entity, entity_id=entity_id, detail=detail, at=at,
            client=client,
        ),
    )  # fmt: skip


def _conditions(
    *,
    actor: str | None,
    role: str | None,
    action: str | None,
    entity: str | None,
    entity_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> ColumnElement[bool]:
    log = tables.audit_log.c
    parts: list[ColumnElement[bool]] = []
    if actor is not None:
        parts.append(log.actor == actor)
    if role is not None:
        parts.append(log.role == role)
    if action is not None:
        parts.append(log.action == action)
    if entity is not None:
        parts.append(log.entity == entity)
    if entity_id is not None:
        parts.append(log.entity_id == entity_id)
    if since is not None:
        parts.append(log.at >= as_utc(since))
    if until is not None:
        parts.append(log.at < as_utc(until))
    return and_(true(), *parts)


def query(
    conn: Connection,
    *,
    actor: str | None = None,
    role: str | None = None,
    action: str | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """Entries matching every given filter, newest first (``since`` inclusive, ``until`` exclusive)."""
    log = tables.audit_log.c
    statement = (
        select(tables.audit_log)
        .where(
            _conditions(
                actor=actor,
                role=role,
                action=action,
                entity=entity,
                entity_id=entity_id,
                since=since,
                until=until,
            )
        )
        .order_by(log.at.desc(), log.audit_id.desc())
        .offset(offset)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [
        AuditEntry(
            audit_id=int(row.audit_id),
            at=as_utc(row.at),
            actor=row.actor,
            role=row.role,
            action=row.action,
            entity=row.entity,
            entity_id=row.entity_id,
            detail=row.detail,
            client=row.client,
        )
        for row in conn.execute(statement)
    ]


def count(
    conn: Connection,
    *,
    actor: str | None = None,
    role: str | None = None,
    action: str | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """How many entries match the filters (for pagination and for counting failed logins)."""
    statement = (
        select(func.count())
        .select_from(tables.audit_log)
        .where(
            _conditions(
                actor=actor,
                role=role,
                action=action,
                entity=entity,
                entity_id=entity_id,
                since=since,
                until=until,
            )
        )
    )
    return int(conn.execute(statement).scalar_one())
