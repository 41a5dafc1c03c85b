"""Users: creating them (their role and area of responsibility checked), reading and listing them with their
effective scope (the P-codes stored on the user, else their field office's in the current structure), and
deactivating them. Users are never deleted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from pochub.core.models.access import AREA_SCOPED_ROLES, Role, User
from pochub.core.text import N_, Message
from pochub.errors import Conflict, InvalidInput, NotFound
from pochub.services.access.common import moment_of
from pochub.services.access.passwords import check_password, hash_password
from pochub.services.structures import current_document
from pochub.store import audit, tables

_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,79}$")


@dataclass(frozen=True)
class UserRecord:
    """A stored user as the user list shows it, with any setup problem of their scope."""

    user: User
    active: bool
    created_at: datetime
    problem: str = ""


def parse_role(role: str | Role) -> Role:
    """The Role named ``role``; InvalidInput listing the roles otherwise."""
    try:
        return Role(role)
    except ValueError as exc:
        known = ", ".join(r.value for r in Role)
        raise InvalidInput(
            Message(N_("unknown role {role}; the roles are {known}"), role=repr(role), known=known)
        ) from exc


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


def user_from_row(row: Any, offices: dict[str, tuple[str, ...]] | None) -> User:
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


def current_offices(conn: Connection) -> dict[str, tuple[str, ...]] | None:
    """Field office id -> area P-codes in the current structure; None when no structure is stored."""
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
    check_password(password, username)
    areas = tuple(dict.fromkeys(p.strip() for p in area_pcodes if p.strip()))
    office = field_office.strip() if field_office else None
    moment = moment_of(now)
    with engine.begin() as conn:
        if the_role in AREA_SCOPED_ROLES:
            if office is None and not areas:
                raise InvalidInput(
                    f"a {the_role.value} user needs a field office (--field-office) or area P-codes (--area): "
                    "they see only their area of responsibility"
                )
            if office is not None and not areas:
                offices = current_offices(conn)
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
                    password_hash=hash_password(password),
                    role=the_role.value,
                    field_office=office,
                    area_pcodes=orjson.dumps(list(areas)).decode(),
                    structure_role=structure_role,
                    active=True,
                    created_at=moment,
                )
            )
        except IntegrityError as exc:
            raise Conflict(
                Message(N_("a user named {username} exists already"), username=repr(username))
            ) from exc
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
        return user_from_row(row, current_offices(conn))


def get_user(engine: Engine, username: str) -> User:
    """The user named ``username`` (active or not); NotFound otherwise."""
    with engine.connect() as conn:
        row = conn.execute(select(tables.users).where(tables.users.c.username == username)).first()
        if row is None:
            raise NotFound(Message(N_("no user named {username}"), username=repr(username)))
        return user_from_row(row, current_offices(conn))


def list_users(engine: Engine) -> list[UserRecord]:
    """Every user with their effective scope, flagging area-scoped users who would see nothing."""
    with engine.connect() as conn:
        offices = current_offices(conn)
        records = []
        for row in conn.execute(select(tables.users).order_by(tables.users.c.username)):
            user = user_from_row(row, offices)
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
                    created_at=moment_of(row.created_at),
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
    moment = moment_of(now)
    with engine.begin() as conn:
        row = conn.execute(select(tables.users).where(tables.users.c.username == username)).first()
        if row is None:
            raise NotFound(Message(N_("no user named {username}"), username=repr(username)))
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
