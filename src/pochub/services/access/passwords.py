"""Passwords: the policy (length, zxcvbn's guessability), Argon2id hashing and verification, a user's own change
of password (the current one asked again, throttled like a sign-in) and an administrator's reset.

Hashing reads ``PASSWORD_HASHER`` here at call time: swap ``passwords.PASSWORD_HASHER`` (not the package's
re-exported name) to change how passwords are hashed."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, select, update
from zxcvbn import zxcvbn

from pochub.core.models.access import SERVICE_ROLES, User
from pochub.core.text import N_, Message
from pochub.errors import Forbidden, InvalidInput, NotFound
from pochub.services.access.common import hash_secret, moment_of
from pochub.services.access.throttle import SignInThrottled, sign_in_wait
from pochub.store import audit, tables

PASSWORD_HASHER = PasswordHasher()
"""Argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile)."""

MIN_PASSWORD_LENGTH = 12
MIN_PASSWORD_SCORE = 3
"""zxcvbn's score (0-4) a password needs: 3 is "safely unguessable" by an online attack that is slowed down."""
DUMMY_HASH = PASSWORD_HASHER.hash("pochub: no such user, the same work is done")
"""Verified against when no user has the name given, so that unknown names cost the same work."""


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


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` with the current ``PASSWORD_HASHER``."""
    return PASSWORD_HASHER.hash(password)


def needs_rehash(password_hash: str) -> bool:
    """Was ``password_hash`` made with other parameters than the current ``PASSWORD_HASHER``'s?"""
    return PASSWORD_HASHER.check_needs_rehash(password_hash)


def verify_password(password_hash: str, password: str) -> bool:
    """Does ``password`` match ``password_hash`` (False for a malformed hash)?"""
    try:
        return PASSWORD_HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def set_password(conn: Connection, user_id: int, password: str) -> None:
    """Store the hash of ``password`` as user ``user_id``'s."""
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
    moment = moment_of(now)
    check_password(new_password, user.username)
    with engine.begin() as conn:
        row = conn.execute(select(tables.users).where(tables.users.c.user_id == user.user_id)).first()
        if row is None or not row.active:
            raise Forbidden(Message(N_("user {name} is deactivated"), name=repr(user.username)))
        wait = sign_in_wait(conn, user.username, client, moment)
        ok = verify_password(row.password_hash, current_password)
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
        set_password(conn, user.user_id, new_password)
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
    moment = moment_of(now)
    check_password(new_password, username)
    with engine.begin() as conn:
        row = conn.execute(select(tables.users).where(tables.users.c.username == username)).first()
        if row is None:
            raise NotFound(Message(N_("no user named {username}"), username=repr(username)))
        if row.role in {r.value for r in SERVICE_ROLES}:
            raise InvalidInput(f"{username} is a {row.role}: it has no password (issue it a new credential)")
        set_password(conn, row.user_id, new_password)
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
