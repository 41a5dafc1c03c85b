"""Idempotency keys: a write sent again with the key it was first sent with is answered as the first time and
stores nothing new.

A phone that logs an engagement or an action point update offline keeps it on the device and sends it when the
connection returns, with a key it chose (a random UUID); when the answer is lost on the way back, the phone sends
it again with the same key. Keys are per user (two people's keys never meet) and remember the *scope* they were
first used for: the same key sent for another request is refused, not answered with the other's result.

Two ways to use them. A write that could otherwise be stored twice (an engagement) keeps its key in its own
transaction: ``kept`` before, ``keep`` after, and a concurrent duplicate loses on the unique key (``settled``
reads the winner's result). A step of a lifecycle (an action point's start, complete, drop; an alert's action)
cannot be taken twice anyway (the second is an illegal transition), so its edge may ``remembered`` before and
``remember`` after, in transactions of their own: the key only makes the replay's answer the first one's.

Keys are kept ``KEEP_DAYS`` and then pruned by the escalation worker (``prune``): long enough for a phone that lost
an answer to come back online from a long patrol and send again, short enough that the table does not grow forever.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from pochub.core.models.access import User
from pochub.core.text import N_
from pochub.errors import Conflict
from pochub.store import tables

KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,100}")
"""A key as clients send it: 8 to 100 letters, digits, '-' or '_' (a UUID fits)."""
HEADER = "Idempotency-Key"
"""The request header that carries a key (pages' forms may carry it as the ``idempotency_key`` field)."""
FIELD = "idempotency_key"
"""The hidden form field that carries a key."""
KEEP_DAYS = 90
"""Days a key is kept: a write sent again later than this is taken as a new one."""


def kept(conn: Connection, user: User, key: str | None, scope: str) -> dict[str, Any] | None:
    """The result kept under ``user``'s ``key`` (None when the key is new or absent); Conflict when the key was
    first used for another request than ``scope``."""
    if key is None:
        return None
    table = tables.idempotency_keys
    row = conn.execute(
        select(table.c.scope, table.c.result).where(table.c.user_id == user.user_id, table.c.key == key)
    ).first()
    if row is None:
        return None
    if row.scope != scope:
        raise Conflict(N_("this idempotency key was used for another request"))
    result: dict[str, Any] = json.loads(row.result)
    return result


def keep(
    conn: Connection,
    user: User,
    key: str | None,
    scope: str,
    result: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> None:
    """Keep ``result`` under ``user``'s ``key`` in the caller's transaction (nothing without a key); a concurrent
    use of the same key makes the caller's transaction fail on the unique key (see ``settled``)."""
    if key is None:
        return
    conn.execute(
        insert(tables.idempotency_keys).values(
            user_id=user.user_id, key=key, scope=scope[:200], result=json.dumps(dict(result)),
            created_at=now or datetime.now(UTC),
        )
    )  # fmt: skip


def settled(engine: Engine, user: User, key: str | None, scope: str, error: IntegrityError) -> dict[str, Any]:
    """After ``error`` ended a transaction that kept ``key``: the result a concurrent request kept under it, or
    ``error`` again when the key is not there (the integrity error was another one)."""
    with engine.connect() as conn:
        found = kept(conn, user, key, scope)
    if found is None:
        raise error
    return found


def remembered(engine: Engine, user: User, key: str | None, scope: str) -> dict[str, Any] | None:
    """``kept`` in a transaction of its own (for lifecycle steps, which cannot be taken twice anyway)."""
    if key is None:
        return None
    with engine.connect() as conn:
        return kept(conn, user, key, scope)


def remember(engine: Engine, user: User, key: str | None, scope: str, result: Mapping[str, Any]) -> None:
    """``keep`` in a transaction of its own; a key kept meanwhile by a concurrent request is left as it is."""
    if key is None:
        return
    try:
        with engine.begin() as conn:
            keep(conn, user, key, scope, result)
    except IntegrityError:
        return


def prune(engine: Engine, *, now: datetime | None = None) -> int:
    """Delete the keys kept longer than ``KEEP_DAYS`` (every user's); how many were deleted."""
    oldest = (now or datetime.now(UTC)) - timedelta(days=KEEP_DAYS)
    table = tables.idempotency_keys
    with engine.begin() as conn:
        return conn.execute(delete(table).where(table.c.created_at < oldest)).rowcount
