"""Health: is the service up and can it reach its database."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from pochub import __version__
from pochub.api.deps import DbConnection

router = APIRouter(tags=["health"])


@router.get("/health")
def health(conn: DbConnection) -> dict[str, str]:
    """Liveness and database reachability."""
    conn.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "database": conn.dialect.name}
