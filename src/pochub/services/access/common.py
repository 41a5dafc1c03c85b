"""What the access modules share: the moment an operation is recorded at, and the digest of a session's or
token's secret (what the credentials table stores, never the secret)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from pochub.store.database import as_utc


def moment_of(now: datetime | None) -> datetime:
    """``now`` as UTC, or the clock's time when None."""
    return datetime.now(UTC) if now is None else as_utc(now)


def hash_secret(secret: str) -> str:
    """SHA-256 hex of a session or token secret (what the credentials table stores)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
