"""Users, sign-in, sessions and tokens; areas of responsibility from the coordination structure.

Passwords are hashed with Argon2id (argon2-cffi); web sessions and API tokens are random secrets of which only
the SHA-256 is stored, so a copy of the database signs nobody in. Field officers and Community Liaison
Assistants see their field office's area of responsibility: the P-codes stored on the user, else those of
their field office in the current structure (so a re-drawn structure re-scopes its users). Every user
creation, every sign-in and every failed sign-in is audited; passwords and secrets never reach the log.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import orjson
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from pochub.core.models.access import AREA_SCOPED_ROLES, Role, User
from pochub.errors import Conflict, Forbidden, InvalidInput, NotFound
from pochub.services.structures import current_document
from pochub.store import audit, tables
from pochub.store.database import as_utc

CredentialKind = Literal["session", "token"]

PASSWORD_HASHER = PasswordHasher()
"""Argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile)."""

MIN_PASSWORD_LENGTH = 10
FAILED_LOGIN_LIMIT = 10
"""Failed sign-ins of one username within ``FAILED_LOGIN_WINDOW`` after which sign-in is refused."""
FAILED_LOGIN_WINDOW = timedelta(minutes=15)

_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,79}$")
_DUMMY_HASH = PASSWORD_HASHER.hash("pochub: no such user, the same work is done")


@dataclass(frozen=True)
class UserRecord:
    """A stored user as the user list shows it, with any setup problem of their scope."""

    user: User
    active: bool
    created_at: datetime
    problem: str = ""


def hash_secret(secret: str) -> str:
    """SHA-256 hex of a session or token secret (what the credentials table stores)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_role(role: str | Role) -> Role:
    """The Role named ``role``; InvalidInput listing the roles otherwise."""
    try:
        return Role(role)
    except ValueError as exc:
        known = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role {role!r}; the roles are {known}") from exc


def _now(now: datetime | None) -> datetime:
    return datetime.now(UTC) if now is None else as_utc(now)


def _field_offices(document: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Field office id -> area P-codes, from a structure document's ``field_offices`` list."""
    offices: dict[str, tuple[str, ...]] = {}
    entries = document.get("field_offices")
    if not isinstance(entries, list):
        return offices
    for entry in entries:
        if isinstance(entry, dict) and entry.get("id") is not None:
            pcodes = entry.get("area_pcodes") or []
            offices[str(entry["id"])] = (
                tuple(str(p).strip() for p in pcodes if str(p).strip()) if isinstance(pcodes, list) else ()
            )
    return offices


def field_office_areas(conn: Connection, field_office: str) -> tuple[str, ...] | None:
    """The area P-codes of ``field_office`` in the current structure; None when it is not there."""
    document = current_document(conn)
    if document is None:
        return None
    return _field_offices(document).get(field_office)


def _user_from_row(row: Any, offices: dict[str, tuple[str, ...]] | None) -> User:
    """A User from a users row; area P-codes of the field office fill in when the row has none."""
    stored = orjson.loads(row.area_pcodes or "[]")
    area_pcodes = tuple(str(p) for p in stored)
    if not area_pcodes and row.field_office is not None and offices is not None:
        area_pcodes = offices.get(row.field_office, ())
    return User(
        user_id=int(row.user_id),
        username=row.username,
        role=Role(row.role),
        display_name=row.display_name or "",
        field_office=row.field_office,
        area_pcodes=area_pcodes,
        structure_role=row.structure_role,
    )


def _offices(conn: Connection) -> dict[str, tuple[str, ...]] | None:
    document = current_document(conn)
    return None if document is None else _field_offices(document)


def create_user(
    engine: Engine,
    username: str,
    password: str,
    role: str | Role,
    *,
    field_office: str | None = None,
    area_pcodes: tuple[str, ...] | list[str] = (),
    display_name: str = "",
    structure_role: str | None = None,
    actor: str = "system",
    actor_role: str = "admin",
    now: datetime | None = None,
) -> User:
    """Create a user with an Argon2id-hashed password; the creation is audited (never the password).

    Field officers and CLAs need a field office or area P-codes: without them they would see nothing. A
    field office that the current structure does not know, with no P-codes of its own, is refused too.
    """
    the_role = parse_role(role)
    if not _USERNAME.match(username):
        raise InvalidInput(
            f"username {username!r}: 2-80 characters, letters, digits and . _ @ - (starting with a letter or digit)"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    areas = tuple(dict.fromkeys(p.strip() for p in area_pcodes if p.strip()))
    office = field_office.strip() if field_office else None
    moment = _now(now)
    with engine.begin() as conn:
        if the_role in AREA_SCOPED_ROLES:
            if office is None and not areas:
                raise InvalidInput(
                    f"a {the_role.value} user needs a field office (--field-office) or area P-codes (--area): "
                    "they see only their area of responsibility"
                )
            if office is not None and not areas:
                offices = _offices(conn)
                if offices is not None and office not in offices:
                    known = ", ".join(sorted(offices)) or "none"
                    raise InvalidInput(
                        f"field office {office!r} is not in the current structure (its field offices: {known})"
                    )
        try:
            result = conn.execute(
                insert(tables.users).values(
                    username=username,
                    display_name=display_name,
                    password_hash=PASSWORD_HASHER.hash(password),
                    role=the_role.value,
                    field_office=office,
                    area_pcodes=orjson.dumps(list(areas)).decode(),
                    structure_role=structure_role,
                    active=True,
                    created_at=moment,
                )
            )
        except IntegrityError as exc:
            raise Conflict(f"a user named {username!r} exists already") from exc
        key = result.inserted_primary_key
        assert key is not None
        user_id = int(key[0])
        scope = f" field office {office}" if office else ""
        scope += f" areas {','.join(areas)}" if areas else ""
        audit.record(
            conn,
            actor=actor,
            role=actor_role,
            action="write",
            entity="user",
            entity_id=username,
            detail=f"created user {username} with role {the_role.value}{scope}",
            at=moment,
        )
        row = conn.execute(select(tables.users).where(tables.users.c.user_id == user_id)).one()
        return _user_from_row(row, _offices(conn))


def _failed_logins(conn: Connection, username: str, moment: datetime) -> int:
    return audit.count(conn, actor=username[:80], action="login_failed", since=moment - FAILED_LOGIN_WINDOW)


def authenticate(engine: Engine, username: str, password: str, *, now: datetime | None = None) -> User:
    """The active user with this username and password; Forbidden otherwise (audited either way).

    Unknown users cost the same hashing work as known ones, so timing does not reveal usernames. After
    ``FAILED_LOGIN_LIMIT`` failures within ``FAILED_LOGIN_WINDOW`` a username is refused until the window
    passes.
    """
    moment = _now(now)
    with engine.begin() as conn:
        row = conn.execute(select(tables.users).where(tables.users.c.username == username)).first()
        throttled = _failed_logins(conn, username, moment) >= FAILED_LOGIN_LIMIT
        ok = False
        try:
            ok = PASSWORD_HASHER.verify(row.password_hash if row is not None else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            ok = False
        reason = ""
        if row is None:
            reason = "unknown user"
        elif throttled:
            reason = "too many failed sign-ins"
        elif not ok:
            reason = "wrong password"
        elif not row.active:
            reason = "inactive user"
        if reason or row is None:
            audit.record(
                conn,
                actor=username,
                role=row.role if row is not None else "",
                action="login_failed",
                entity="user",
                entity_id=username,
                detail=reason,
                at=moment,
            )
        else:
            if PASSWORD_HASHER.check_needs_rehash(row.password_hash):
                conn.execute(
                    update(tables.users)
                    .where(tables.users.c.user_id == row.user_id)
                    .values(password_hash=PASSWORD_HASHER.hash(password))
                )
            audit.record(
                conn,
                actor=username,
                role=row.role,
                action="login",
                entity="user",
                entity_id=username,
                at=moment,
            )
            return _user_from_row(row, _offices(conn))
    if reason == "too many failed sign-ins":
        minutes = int(FAILED_LOGIN_WINDOW.total_seconds() // 60)
        raise Forbidden(f"too many failed sign-ins for {username!r}; try again in {minutes} minutes")
    if reason == "inactive user":
        raise Forbidden(f"user {username!r} is deactivated")
    raise Forbidden("wrong username or password")


def issue_credential(
    engine: Engine,
    user: User,
    kind: CredentialKind,
    lifetime: timedelta,
    name: str = "",
    *,
    actor: str | None = None,
    actor_role: str | None = None,
    now: datetime | None = None,
) -> str:
    """A new random secret for active ``user`` (shown once; only its SHA-256 is stored). Tokens are audited.

    ``actor`` is who issues it when that is not the user themself (an administrator at the command line).
    """
    if kind not in ("session", "token"):
        raise InvalidInput(f"credential kind {kind!r}: session or token")
    if lifetime <= timedelta(0):
        raise InvalidInput("a credential's lifetime must be positive")
    moment = _now(now)
    secret = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        active = conn.execute(
            select(tables.users.c.active).where(tables.users.c.user_id == user.user_id)
        ).scalar_one_or_none()
        if active is None:
            raise NotFound(f"no user named {user.username!r}")
        if not active:
            raise Forbidden(f"user {user.username!r} is deactivated")
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
            cred.expires_at > _now(now),
            tables.users.c.active.is_(True),
        )
    ).first()
    if row is None:
        return None
    return _user_from_row(row, _offices(conn) if row.field_office is not None else None)


def revoke_credential(engine: Engine, secret: str, *, now: datetime | None = None) -> bool:
    """Revoke the credential ``secret`` (sign-out), audited; True when one was live."""
    moment = _now(now)
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
        )
        return True


def get_user(engine: Engine, username: str) -> User:
    """The user named ``username`` (active or not); NotFound otherwise."""
    with engine.connect() as conn:
        row = conn.execute(select(tables.users).where(tables.users.c.username == username)).first()
        if row is None:
            raise NotFound(f"no user named {username!r}")
        return _user_from_row(row, _offices(conn))


def list_users(engine: Engine) -> list[UserRecord]:
    """Every user with their effective scope, flagging area-scoped users who would see nothing."""
    with engine.connect() as conn:
        offices = _offices(conn)
        records = []
        for row in conn.execute(select(tables.users).order_by(tables.users.c.username)):
            user = _user_from_row(row, offices)
            problem = ""
            if not user.mission_wide and not user.area_pcodes:
                if user.field_office is None:
                    problem = "no field office or areas: sees nothing"
                elif offices is None:
                    problem = "no structure stored: sees only alerts routed to its field office"
                elif user.field_office not in offices:
                    problem = f"field office {user.field_office} is not in the current structure"
                else:
                    problem = f"field office {user.field_office} has no area P-codes"
            records.append(
                UserRecord(
                    user=user,
                    active=bool(row.active),
                    created_at=_now(row.created_at),
                    problem=problem,
                )
            )
        return records


def deactivate_user(
    engine: Engine,
    username: str,
    *,
    actor: str = "system",
    actor_role: str = "admin",
    now: datetime | None = None,
) -> None:
    """Deactivate a user and revoke their sessions and tokens (audited). Users are never deleted."""
    moment = _now(now)
    with engine.begin() as conn:
        row = conn.execute(select(tables.users).where(tables.users.c.username == username)).first()
        if row is None:
            raise NotFound(f"no user named {username!r}")
        conn.execute(update(tables.users).where(tables.users.c.user_id == row.user_id).values(active=False))
        conn.execute(
            update(tables.credentials)
            .where(tables.credentials.c.user_id == row.user_id, tables.credentials.c.revoked_at.is_(None))
            .values(revoked_at=moment)
        )
        audit.record(
            conn,
            actor=actor,
            role=actor_role,
            action="write",
            entity="user",
            entity_id=username,
            detail=f"deactivated user {username}; sessions and tokens revoked",
            at=moment,
        )
