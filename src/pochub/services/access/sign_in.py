"""Signing in with a name and a password: the same answers and the same work for unknown names, throttled after
failures, outdated hashes upgraded, every attempt audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select, update

from pochub.core.models.access import SERVICE_ROLES, User
from pochub.core.text import N_, Message
from pochub.errors import Forbidden
from pochub.services.access.common import moment_of
from pochub.services.access.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from pochub.services.access.throttle import SignInThrottled, sign_in_wait
from pochub.services.access.users import current_offices, user_from_row
from pochub.store import audit, tables


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
    moment = moment_of(now)
    with engine.begin() as conn:
        row = conn.execute(select(tables.users).where(tables.users.c.username == username)).first()
        wait = sign_in_wait(conn, username, client, moment)
        ok = verify_password(row.password_hash if row is not None else DUMMY_HASH, password)
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
            if needs_rehash(row.password_hash):
                conn.execute(
                    update(tables.users)
                    .where(tables.users.c.user_id == row.user_id)
                    .values(password_hash=hash_password(password))
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
            return user_from_row(row, current_offices(conn))
    if reason == "throttled":
        raise SignInThrottled(wait)
    if reason == "inactive user":  # only after the right password
        raise Forbidden(Message(N_("user {name} is deactivated"), name=repr(username)))
    raise Forbidden(N_("wrong username or password"))
