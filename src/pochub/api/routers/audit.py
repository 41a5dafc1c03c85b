"""The audit log, for the administrator and the Senior PoC Adviser: filtered, newest first, paginated."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from pochub.core.models.access import Role, User
from pochub.http.auth import require_roles
from pochub.http.database import DbConnection
from pochub.services.audit_views import AuditQuery, audit_page

router = APIRouter(
    prefix="/api/v1/audit",
    tags=["audit"],
    responses={
        401: {"description": "Not signed in, or the token or session is not valid."},
        403: {"description": "Only the administrator and the Senior PoC Adviser read the audit log."},
        422: {"description": "A filter is malformed or out of range."},
    },
)

Auditor = Annotated[User, Depends(require_roles(Role.ADMIN, Role.POC_ADVISER))]


class AuditEntryOut(BaseModel):
    """One audit log entry."""

    audit_id: int
    at: datetime
    actor: str
    role: str
    action: str
    entity: str
    entity_id: str
    detail: str
    client: str


class AuditPage(BaseModel):
    """A page of the audit log and how many entries match in all."""

    total: int
    limit: int
    offset: int
    items: list[AuditEntryOut]


@router.get("")
def list_audit(
    _user: Auditor,
    conn: DbConnection,
    actor: Annotated[str | None, Query(max_length=80)] = None,
    role: Annotated[str | None, Query(max_length=24)] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    entity: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: Annotated[str | None, Query(max_length=80)] = None,
    since: Annotated[datetime | None, Query(description="ISO 8601; inclusive")] = None,
    until: Annotated[datetime | None, Query(description="ISO 8601; exclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> AuditPage:
    """Audit entries matching every filter, newest first."""
    chosen = AuditQuery(
        actor=actor, role=role, action=action, entity=entity, entity_id=entity_id, since=since, until=until
    )
    found = audit_page(conn, chosen, limit=limit, offset=offset)
    return AuditPage(
        total=found.total,
        limit=limit,
        offset=offset,
        items=[AuditEntryOut.model_validate(entry, from_attributes=True) for entry in found.entries],
    )
