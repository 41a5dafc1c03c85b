"""Engines and migrations: one code path for SQLite (one file, WAL) and PostgreSQL."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from pochub.errors import InvalidInput

MIGRATIONS = Path(__file__).with_name("migrations")


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC time (SQLite hands back naive times; they are stored in UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # let SQLAlchemy, not the sqlite3 module, open transactions, so that DDL is transactional too
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


WRITES = {"pochub_writes": True}
"""Execution options of a connection whose transaction may write: on SQLite it starts with BEGIN IMMEDIATE.
``engine.begin()`` sets them (see ``connect``); a plain ``engine.connect()`` is a reader."""


def _sqlite_begin(conn: Any) -> None:
    """Start SQLite transactions that may write with BEGIN IMMEDIATE (SQLAlchemy's documented recipe).

    A deferred transaction that read first and then writes must upgrade its read lock; if another connection
    committed meanwhile, SQLite refuses at once with "database is locked" (the busy timeout cannot help, the
    snapshot is stale). BEGIN IMMEDIATE takes the write lock at the start and waits its turn (busy timeout)
    instead. Readers (``engine.connect()``) keep a deferred BEGIN: in WAL mode they never block or wait, and a
    page that reads through two connections at once cannot lock itself out.
    """
    writes = conn.get_execution_options().get("pochub_writes", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def reading(engine: Engine) -> Connection:
    """A connection for reads (deferred on SQLite: it never takes the write lock); use it as a context."""
    return engine.connect()


@contextmanager
def _writing(engine: Engine) -> Iterator[Connection]:
    """``engine.begin()`` with the write lock taken at the start on SQLite."""
    with engine.connect() as conn:
        conn.execution_options(**WRITES)
        with conn.begin():
            yield conn


_ENGINE_KEYS: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def engine_key(engine: Engine) -> str:
    """The engine's database URL as text, to key per-database caches by: rendered once per engine (hashing or
    printing a URL renders it each time, about 0.2 ms, which per-request caches paid on every alert intake).
    Never the engine's id(): a later engine of another database may reuse it."""
    key = _ENGINE_KEYS.get(engine)
    if key is None:
        key = _ENGINE_KEYS[engine] = engine.url.render_as_string(hide_password=False)
    return key


_UNPINGED = threading.local()
"""Set while :func:`begin_unpinged` checks a connection out: the pool's pre-ping is skipped for it."""


def _ping_unless_skipped(ping: Callable[[Any], bool], dbapi_connection: Any) -> bool:
    """The dialect's ping (a round trip on PostgreSQL), except for a checkout by :func:`begin_unpinged`."""
    return True if getattr(_UNPINGED, "active", False) else ping(dbapi_connection)


@contextmanager
def begin_unpinged(engine: Engine) -> Iterator[Connection]:
    """``engine.begin()`` whose checkout skips the pool's pre-ping (one round trip fewer per transaction).

    A connection that died while pooled then fails at its first statement instead; SQLAlchemy invalidates it and
    the pool's older connections, and the caller retries on a fresh one (see :func:`retryable`). For hot paths only
    (alert intake): everything else keeps the ping.
    """
    with ExitStack() as stack:
        _UNPINGED.active = True
        try:
            conn = stack.enter_context(engine.begin())
        finally:
            _UNPINGED.active = False
        yield conn


def retryable(error: DBAPIError) -> bool:
    """Whether a transaction begun by :func:`begin_unpinged` failed because its pooled connection was dead, at a
    statement (never at COMMIT, whose outcome a lost connection leaves unknown): nothing of it was committed, so
    running it again on a fresh connection is safe."""
    return bool(error.connection_invalidated) and error.statement is not None


def connect(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL mode, foreign keys, a busy timeout and BEGIN IMMEDIATE."""
    try:
        engine = create_engine(normalise_url(url), future=True, pool_pre_ping=True)
    except Exception as exc:  # malformed URLs raise several kinds of errors
        raise InvalidInput(f"cannot use database URL {url!r}: {exc}") from exc
    engine.dialect.do_ping = partial(_ping_unless_skipped, engine.dialect.do_ping)  # type: ignore[method-assign]
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        # every use case that writes opens its transaction with engine.begin(): those start immediate
        engine.begin = partial(_writing, engine)  # type: ignore[method-assign]
    return engine


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration pointing at the packaged migrations and ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or migrate the schema to ``revision``."""
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision of the database, or None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest revision of the packaged migrations."""
    head = ScriptDirectory.from_config(alembic_config(create_engine("sqlite://"))).get_current_head()
    assert head is not None
    return head


def ensure_schema(engine: Engine) -> None:
    """Create the schema of an empty database; refuse to work on one that needs `pochub db upgrade`."""
    revision = current_revision(engine)
    if revision is None:
        upgrade(engine)
    elif revision != head_revision():
        raise InvalidInput(
            f"the database is at schema revision {revision}, this PoC Hub needs {head_revision()}: "
            "run `pochub db upgrade`"
        )
