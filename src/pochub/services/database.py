"""The database as the edges open it: an engine for a URL, a reading connection per request, the schema created,
checked or migrated. The store does the work; edges (the HTTP root, the CLI) reach it only through here."""

from __future__ import annotations

from sqlalchemy import Connection, Engine

from pochub.store import database


def connect(url: str) -> Engine:
    """An engine for ``url`` (SQLite: WAL, foreign keys, a busy timeout, writes that take the lock at once)."""
    return database.connect(url)


def reading(engine: Engine) -> Connection:
    """A connection for reads (deferred on SQLite: it never takes the write lock); use it as a context."""
    return database.reading(engine)


def ensure_schema(engine: Engine) -> None:
    """Create the schema of an empty database; refuse one that needs `pochub db upgrade` (InvalidInput)."""
    database.ensure_schema(engine)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or migrate the schema to ``revision``."""
    database.upgrade(engine, revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision of the database, or None for an empty database."""
    return database.current_revision(engine)
