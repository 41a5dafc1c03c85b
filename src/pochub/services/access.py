"""Users, sign-in, sessions and tokens; areas of responsibility from the coordination structure.

Passwords are hashed with Argon2id (argon2-cffi); web sessions and API tokens are random secrets of which only
the SHA-256 is stored, so a copy of the database signs nobody in. Field officers and Community Liaison
Assistants see their field office's area of responsibility: the P-codes stored on the user, else those of
their field office in the current structure (so a re-drawn structure re-scopes its users). Every user
creation, every sign-in and every failed sign-in, every token issued or revoked and every password change is
audited with the client's address; passwords and secrets never reach the log.

Passwords are at least ``MIN_PASSWORD_LENGTH`` characters and refused when zxcvbn (with its list of the 30,000
most common passwords) finds them easy to guess. Failed sign-ins slow down, never lock: after a few failures
for one name, or from one address, the next attempt must wait a delay that doubles with each failure up to
``MAX_SIGN_IN_DELAY``; the owner who waits gets in, and signing in from an address the account used before is
never held back by failures from elsewhere. Unknown names get exactly the same answers and the same work.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import orjson
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from zxcvbn import zxcvbn

from pochub.core.models.access import AREA_SCOPED_ROLES, SERVICE_ROLES, Role, User
from pochub.core.text import N_, Message
from pochub.errors import Conflict, Forbidden, InvalidInput, NotFound
from pochub.services.structures import current_document
from pochub.store import audit, tables
from pochub.store.database import as_utc

CredentialKind = Literal["session", "token"]

PASSWORD_HASHER = PasswordHasher()
"""Argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile)."""

MIN_PASSWORD_LENGTH = 12
MIN_PASSWORD_SCORE = 3
"""zxcvbn's score (0-4) a password needs: 3 is "safely unguessable" by an online attack that is slowed down."""
FREE_ACCOUNT_FAILURES = 5
"""Failed sign-ins of one name within ``FAILED_LOGIN_WINDOW`` before each further attempt must wait."""
FREE_ADDRESS_FAILURES = 20
"""Failed sign-ins from one client address (any names) before each further attempt must wait."""
FAILED_LOGIN_WINDOW = timedelta(hours=1)
MAX_SIGN_IN_DELAY = timedelta(minutes=15)
"""The longest wait between attempts, however many failures: slowed down, never locked out."""
KNOWN_ADDRESS_DAYS = 30
"""An address the account signed in from within this many days is not held back by other addresses' failures."""


class SignInThrottled(Forbidden):
    """Too many failed sign-ins: the next attempt must wait ``retry_after`` seconds (the same for any name)."""

    http_status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins: try again in {retry_after} seconds")
        self.retry_after = retry_after


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
        raise InvalidInput(
            Message(N_("unknown role {role}; the roles are {known}"), role=repr(role), known=known)
        ) from exc


def _now(now: datetime | None) -> datetime:
    return datetime.now(UTC) if now is None else as_utc(now)


def check_password(password: str, username: str = "") -> None:
    """InvalidInput when ``password`` is shorter than the minimum or common or easy to guess (never shown)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            Message(N_("the password must be at least {length} characters"), length=MIN_PASSWORD_LENGTH)
        )
    verdict = zxcvbn(password[:200], user_inputs=[username] if username else [])
    if int(verdict["score"]) < MIN_PASSWORD_SCORE:
        warning = str(verdict["feedback"].get("warning") or "it is easy to guess").rstrip(".")
        raise InvalidInput(
            Message(
                N_(
                    "this password is too common or easy to guess ({warning}): use several uncommon words or a "
                    "password manager"
                ),
                warning=warning[:1].lower() + warning[1:],
            )
        )


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
    check_password(password, username)
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
        return _user_from_row(row, _offices(conn))


def _failures(
    conn: Connection, *, username: str | None, client: str | None, since: datetime
) -> tuple[int, datetime | None]:
    """How many failed sign-ins for ``username`` (or from ``client``) since ``since``, and the latest one."""
    log = tables.audit_log.c
    statement = select(func.count(), func.max(log.at)).where(log.action == "login_failed", log.at >= since)
    if username is not None:
        statement = statement.where(log.entity == "user", log.entity_id == username[:80])
    if client is not None:
        statement = statement.where(log.client == client[:64])
    count, latest = conn.execute(statement).one()
    return int(count), as_utc(latest) if latest is not None else None


def _delay(failures: int, free: int) -> timedelta:
    """The wait after ``failures`` failed sign-ins: none within the free ones, then 2 s doubling, capped."""
    if failures < free:
        return timedelta(0)
    return min(MAX_SIGN_IN_DELAY, timedelta(seconds=2 ** min(failures - free + 1, 20)))


def _known_address(conn: Connection, username: str, client: str, moment: datetime) -> bool:
    """Has this account signed in from ``client`` lately?"""
    if not client:
        return False
    log = tables.audit_log.c
    found = conn.execute(
        select(log.audit_id)
        .where(
            log.client == client[:64],
            log.action == "login",
            log.at >= moment - timedelta(days=KNOWN_ADDRESS_DAYS),
            log.entity == "user",
            log.entity_id == username[:80],
        )
        .limit(1)
    ).first()
    return found is not None


def _wait(conn: Connection, username: str, client: str, moment: datetime) -> int:
    """Seconds the next sign-in for ``username`` from ``client`` must still wait (0: go ahead)."""
    since = moment - FAILED_LOGIN_WINDOW
    waits = [timedelta(0)]
    if not _known_address(conn, username, client, moment):
        count, latest = _failures(conn, username=username, client=None, since=since)
        if latest is not None:
            waits.append(latest + _delay(count, FREE_ACCOUNT_FAILURES) - moment)
    if client:
        count, latest = _failures(conn, username=None, client=client, since=since)
        if latest is not None:
            waits.append(latest + _delay(count, FREE_ADDRESS_FAILURES) - moment)
    longest = max(waits)
    return int(-(-longest.total_seconds() // 1)) if longest > timedelta(0) else 0


def _verify(password_hash: str, password: str) -> bool:
    try:
        return PASSWORD_HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(
    engine: Engine, username: str, password: str, *, client: str = "", now: datetime | None = None
) -> User:
    """The active user with this username and password; Forbidden otherwise (audited either way).

    Unknown names cost the same look-ups and the same hashing work as known ones and get the same answers, so
    neither answers nor timing reveal which names exist. After a few failures for a name or from an address
    each further attempt must wait (SignInThrottled, 429) a delay that doubles up to ``MAX_SIGN_IN_DELAY``;
    a throttled attempt is refused even with the right password, and is not counted as a failure. Gateways
    never sign in with a password.
    """
    moment = _now(now)
    with engine.begin() as conn:
        row = conn.execute(select(tables.users).where(tables.users.c.username == username)).first()
        wait = _wait(conn, username, client, moment)
        ok = _verify(row.password_hash if row is not None else _DUMMY_HASH, password)
        reason = ""
        if wait:
            reason = "throttled"
        elif row is None:
            reason = "unknown user"
        elif not ok:
            reason = "wrong password"
        elif row.role in SERVICE_ROLES:
            reason = "service account"
        elif not row.active:
            reason = "inactive user"
        if reason:
            audit.record(
                conn,
                actor=username,
                role=row.role if row is not None else "",
                action="login_throttled" if reason == "throttled" else "login_failed",
                entity="user",
                entity_id=username,
                detail=reason,
                at=moment,
                client=client,
            )
        else:
            assert row is not None
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
                client=client,
            )
            return _user_from_row(row, _offices(conn))
    if reason == "throttled":
        raise SignInThrottled(wait)
    if reason == "inactive user":  # only after the right password
        raise Forbidden(Message(N_("user {name} is deactivated"), name=repr(username)))
    raise Forbidden(N_("wrong username or password"))


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
    moment = _now(now)
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
            cred.expires_at > _now(now),
            tables.users.c.active.is_(True),
        )
    ).first()
    if row is None:
        return None
    return _user_from_row(row, _offices(conn) if row.field_office is not None else None)


def revoke_credential(engine: Engine, secret: str, *, client: str = "", now: datetime | None = None) -> bool:
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
            client=client,
        )
        return True


def get_user(engine: Engine, username: str) -> User:
    """The user named ``username`` (active or not); NotFound otherwise."""
    with engine.connect() as conn:
        row = conn.execute(select(tables.users).where(tables.users.c.username == username)).first()
        if row is None:
            raise NotFound(Message(N_("no user named {username}"), username=repr(username)))
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
            .where(cred.user_id == user.user_id, cred.revoked_at.is_(None), cred.expires_at > _now(now))
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
    moment = _now(now)
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


def _set_password(conn: Connection, user_id: int, password: str) -> None:
    conn.execute(
        update(tables.users)
        .where(tables.users.c.user_id == user_id)
        .values(password_hash=PASSWORD_HASHER.hash(password))
    )


def change_password(
    engine: Engine,
    user: User,
    current_password: str,
    new_password: str,
    *,
    keep_secret: str | None = None,
    client: str = "",
    now: datetime | None = None,
) -> int:
    """Change ``user``'s own password (the current one is asked again); their other sessions are signed out.

    Forbidden for a wrong current password (counted as a failed sign-in, so guessing is throttled too);
    InvalidInput for a new password the policy refuses. Returns how many sessions were signed out.
    """
    moment = _now(now)
    check_password(new_password, user.username)
    with engine.begin() as conn:
        row = conn.execute(select(tables.users).where(tables.users.c.user_id == user.user_id)).first()
        if row is None or not row.active:
            raise Forbidden(Message(N_("user {name} is deactivated"), name=repr(user.username)))
        wait = _wait(conn, user.username, client, moment)
        ok = _verify(row.password_hash, current_password)
        if wait or not ok:
            audit.record(
                conn, actor=user.username, role=user.role.value, action="login_throttled" if wait else "login_failed",
                entity="user", entity_id=user.username, detail="password change: wrong current password",
                at=moment, client=client,
            )  # fmt: skip
    if wait:
        raise SignInThrottled(wait)
    if not ok:
        raise Forbidden(N_("the current password is wrong"))
    with engine.begin() as conn:
        _set_password(conn, user.user_id, new_password)
        cred = tables.credentials.c
        others = update(tables.credentials).where(
            cred.user_id == user.user_id, cred.kind == "session", cred.revoked_at.is_(None)
        )
        if keep_secret:
            others = others.where(cred.secret_hash != hash_secret(keep_secret))
        signed_out = conn.execute(others.values(revoked_at=moment)).rowcount or 0
        audit.record(
            conn,
            actor=user.username,
            role=user.role.value,
            action="password",
            entity="user",
            entity_id=user.username,
            detail=f"changed their password; {signed_out} other session(s) signed out",
            at=moment,
            client=client,
        )
    return int(signed_out)


def reset_password(
    engine: Engine,
    username: str,
    new_password: str,
    *,
    actor: str,
    actor_role: str = "admin",
    client: str = "",
    now: datetime | None = None,
) -> None:
    """An administrator sets ``username``'s password; all their sessions and tokens are revoked (audited)."""
    moment = _now(now)
    check_password(new_password, username)
    with engine.begin() as conn:
        row = conn.execute(select(tables.users).where(tables.users.c.username == username)).first()
        if row is None:
            raise NotFound(Message(N_("no user named {username}"), username=repr(username)))
        if row.role in {r.value for r in SERVICE_ROLES}:
            raise InvalidInput(f"{username} is a {row.role}: it has no password (issue it a new credential)")
        _set_password(conn, row.user_id, new_password)
        conn.execute(
            update(tables.credentials)
            .where(tables.credentials.c.user_id == row.user_id, tables.credentials.c.revoked_at.is_(None))
            .values(revoked_at=moment)
        )
        audit.record(
            conn,
            actor=actor,
            role=actor_role,
            action="password",
            entity="user",
            entity_id=username,
            detail=f"reset the password of {username}; their sessions and tokens are revoked",
            at=moment,
            client=client,
        )


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
    moment = _now(now)
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
