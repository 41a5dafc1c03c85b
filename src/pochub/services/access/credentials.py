"""Sessions and API tokens: random secrets of which only the SHA-256 is stored, issued (tokens' lifetimes capped
per role), resolved to their user, listed and revoked; tokens issued or revoked and sign-outs are audited."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Connection, Engine, insert, select, update

from pochub.core.models.access import Role, User
from pochub.core.text import N_, Message
from pochub.errors import Forbidden, InvalidInput, NotFound
from pochub.services.access.common import hash_secret, moment_of
from pochub.services.access.users import current_offices, user_from_row
from pochub.store import audit, tables
from pochub.store.database import as_utc

CredentialKind = Literal["session", "token"]


def token_lifetime(
    role: Role, days: float | None, *, default_days: float, max_days: Mapping[str, float]
) -> timedelta:
    """The lifetime of a new API token for ``role``: ``days`` (default ``default_days``), at most the role's cap
    (``max_days[role]``, else ``default_days``); InvalidInput beyond it."""
    cap = max_days.get(role.value, default_days)
    chosen = min(default_days, cap) if days is None else days
    if chosen <= 0:
        raise InvalidInput(N_("a token's lifetime must be positive"))
    if chosen > cap:
        raise InvalidInput(
            Message(
                N_("a {role}'s API tokens live at most {days:g} days (POCHUB_TOKEN_MAX_DAYS)"),
                role=Message(role.value),
                days=cap,
            )
        )
    return timedelta(days=chosen)


def issue_credential(
    engine: Engine,
    user: User,
    kind: CredentialKind,
    lifetime: timedelta,
    name: str = "",
    *,
    actor: str | None = None,
    actor_role: str | None = None,
    client: str = "",
    now: datetime | None = None,
) -> str:
    """A new random secret for active ``user`` (shown once; only its SHA-256 is stored). Tokens are audited.

    ``actor`` is who issues it when that is not the user themself (an administrator at the command line).
    """
    if kind not in ("session", "token"):
        raise InvalidInput(f"credential kind {kind!r}: session or token")
    if lifetime <= timedelta(0):
        raise InvalidInput(N_("a credential's lifetime must be positive"))
    moment = moment_of(now)
    secret = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        active = conn.execute(
            select(tables.users.c.active).where(tables.users.c.user_id == user.user_id)
        ).scalar_one_or_none()
        if active is None:
            raise NotFound(Message(N_("no user named {username}"), username=repr(user.username)))
        if not active:
            raise Forbidden(Message(N_("user {name} is deactivated"), name=repr(user.username)))
        conn.execute(
            insert(tables.credentials).values(
                user_id=user.user_id,
                kind=kind,
                secret_hash=hash_secret(secret),
                name=name[:120],
                created_at=moment,
                expires_at=moment + lifetime,
            )
        )
        if kind == "token":
            audit.record(
                conn,
                actor=actor or user.username,
                role=actor_role or (user.role.value if actor is None else "admin"),
                action="write",
                entity="credential",
                entity_id=user.username,
                detail=f"issued API token {name!r} for {user.username} until {(moment + lifetime).isoformat(timespec='seconds')}",
                at=moment,
                client=client,
            )
    return secret


def user_for_secret(conn: Connection, secret: str, kind: CredentialKind, now: datetime) -> User | None:
    """The active user whose unexpired, unrevoked ``kind`` credential is ``secret``; None otherwise."""
    if not secret:
        return None
    cred = tables.credentials.c
    row = conn.execute(
        select(tables.users)
        .join(tables.credentials, cred.user_id == tables.users.c.user_id)
        .where(
            cred.secret_hash == hash_secret(secret),
            cred.kind == kind,
            cred.revoked_at.is_(None),
            cred.expires_at > moment_of(now),
            tables.users.c.active.is_(True),
        )
    ).first()
    if row is None:
        return None
    return user_from_row(row, current_offices(conn) if row.field_office is not None else None)


def revoke_credential(engine: Engine, secret: str, *, client: str = "", now: datetime | None = None) -> bool:
    """Revoke the credential ``secret`` (sign-out), audited; True when one was live."""
    moment = moment_of(now)
    cred = tables.credentials.c
    with engine.begin() as conn:
        row = conn.execute(
            select(cred.credential_id, cred.kind, cred.name, tables.users.c.username, tables.users.c.role)
            .join(tables.users, tables.users.c.user_id == cred.user_id)
            .where(cred.secret_hash == hash_secret(secret), cred.revoked_at.is_(None))
        ).first()
        if row is None:
            return False
        conn.execute(
            update(tables.credentials)
            .where(cred.credential_id == row.credential_id)
            .values(revoked_at=moment)
        )
        audit.record(
            conn,
            actor=row.username,
            role=row.role,
            action="logout" if row.kind == "session" else "write",
            entity="credential",
            entity_id=row.username,
            detail="signed out" if row.kind == "session" else f"revoked API token {row.name!r}",
            at=moment,
            client=client,
        )
        return True


@dataclass(frozen=True)
class CredentialRecord:
    """One live session or API token of a user, as their token list shows it (never the secret)."""

    credential_id: int
    kind: str
    name: str
    created_at: datetime
    expires_at: datetime
    current: bool = False


def list_credentials(
    engine: Engine, user: User, *, current_secret: str | None = None, now: datetime | None = None
) -> list[CredentialRecord]:
    """``user``'s unexpired, unrevoked sessions and tokens, newest first; ``current`` marks the one in use."""
    cred = tables.credentials.c
    current_hash = hash_secret(current_secret) if current_secret else None
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                cred.credential_id, cred.kind, cred.name, cred.created_at, cred.expires_at, cred.secret_hash
            )
            .where(cred.user_id == user.user_id, cred.revoked_at.is_(None), cred.expires_at > moment_of(now))
            .order_by(cred.created_at.desc(), cred.credential_id.desc())
        ).all()
    return [
        CredentialRecord(
            int(row.credential_id),
            row.kind,
            row.name,
            as_utc(row.created_at),
            as_utc(row.expires_at),
            current=row.secret_hash == current_hash,
        )
        for row in rows
    ]


def revoke_credential_id(
    engine: Engine,
    user: User,
    credential_id: int,
    *,
    actor: str | None = None,
    actor_role: str | None = None,
    client: str = "",
    now: datetime | None = None,
) -> None:
    """Revoke ``user``'s session or token ``credential_id`` (audited); NotFound when it is not theirs or not live.

    ``actor`` is who revokes it when that is not the user themself (an administrator at the command line).
    """
    moment = moment_of(now)
    cred = tables.credentials.c
    with engine.begin() as conn:
        row = conn.execute(
            select(cred.kind, cred.name).where(
                cred.credential_id == credential_id,
                cred.user_id == user.user_id,
                cred.revoked_at.is_(None),
            )
        ).first()
        if row is None:
            raise NotFound(
                Message(
                    N_("{username} has no live session or token {credential}"),
                    username=user.username,
                    credential=credential_id,
                )
            )
        conn.execute(
            update(tables.credentials).where(cred.credential_id == credential_id).values(revoked_at=moment)
        )
        audit.record(
            conn,
            actor=actor or user.username,
            role=actor_role or (user.role.value if actor is None else "admin"),
            action="write",
            entity="credential",
            entity_id=user.username,
            detail=f"revoked {'API token' if row.kind == 'token' else 'session'} {credential_id} ({row.name!r}) "
            f"of {user.username}",
            at=moment,
            client=client,
        )
