"""Health: is the service up and can it reach its database (the one route that answers without sign-in)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from pochub.http.database import DbConnection

router = APIRouter(tags=["health"])


@router.get("/health")
def health(conn: DbConnection) -> dict[str, str]:
    """Liveness and database reachability; no version or database kind, which would help an outsider."""
    conn.execute(text("SELECT 1"))
    return {"status": "ok"}
