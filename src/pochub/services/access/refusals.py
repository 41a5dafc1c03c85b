"""Refused requests: every 403 answer is audited with who asked (the user of the credential presented, if any)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from pochub.services.access.common import moment_of
from pochub.services.access.credentials import CredentialKind, user_for_secret
from pochub.store import audit


def record_refusal(
    engine: Engine,
    presented: tuple[str, tuple[CredentialKind, ...]] | None,
    *,
    method: str,
    path: str,
    client: str,
    now: datetime | None = None,
) -> None:
    """Audit a 403 answer: who asked (the user of the credential presented, if any), what and from where."""
    moment = moment_of(now)
    with engine.begin() as conn:
        user = None
        if presented is not None:
            secret, kinds = presented
            for kind in kinds:
                user = user_for_secret(conn, secret, kind, moment)
                if user is not None:
                    break
        audit.record(
            conn,
            actor=user.username if user is not None else "anonymous",
            role=user.role.value if user is not None else "",
            action="refused",
            entity="request",
            entity_id=f"{method} {path}",
            detail=f"403 refused: {method} {path}"[:500],
            at=moment,
            client=client,
        )
