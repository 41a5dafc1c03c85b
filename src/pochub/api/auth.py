"""Who is calling: the signed-in user from a bearer token or the web session cookie, and role checks.

The API takes ``Authorization: Bearer SECRET`` (an API token, or the session secret the login returns); the web
application takes the ``pochub_session`` cookie (HttpOnly, SameSite=Lax, Secure over HTTPS). Missing, expired,
revoked or unknown credentials and deactivated users get 401 with ``WWW-Authenticate: Bearer``; a signed-in
user whose role does not allow a route gets 403.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from pochub.api.deps import DbConnection
from pochub.config import Settings
from pochub.core.models.access import Role, User
from pochub.errors import Forbidden
from pochub.services.access import CredentialKind, hash_secret, user_for_secret

SESSION_COOKIE = "pochub_session"

bearer_scheme = HTTPBearer(auto_error=False, description="An API token (`pochub users token`) or a session.")
cookie_scheme = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="The web session cookie.")


def get_settings(request: Request) -> Settings:
    """The application's settings."""
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(get_settings)]


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def optional_user(
    conn: DbConnection,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    session: Annotated[str | None, Depends(cookie_scheme)],
) -> User | None:
    """The signed-in user, or None (for pages that greet anonymous visitors with a sign-in form)."""
    now = datetime.now(UTC)
    if bearer is not None:
        return user_for_secret(conn, bearer.credentials, "token", now) or user_for_secret(
            conn, bearer.credentials, "session", now
        )
    if session:
        return user_for_secret(conn, session, "session", now)
    return None


def current_user(
    conn: DbConnection,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    session: Annotated[str | None, Depends(cookie_scheme)],
) -> User:
    """The signed-in user; 401 when there is no valid credential."""
    if bearer is None and not session:
        raise _unauthorised("sign in: send a bearer token or the session cookie")
    user = optional_user(conn, bearer, session)
    if user is None:
        raise _unauthorised("the token or session is invalid, expired or revoked, or the user is deactivated")
    return user


CREDENTIAL_CACHE_SECONDS = 5.0
"""How long one server process trusts a credential it has checked, on the intake routes only: a token revoked,
expired or whose user was deactivated is refused by every process at most this many seconds later."""
CREDENTIAL_CACHE_SIZE = 1024


class CredentialCache:
    """Per-process memory of recently checked credentials (SHA-256 of the secret -> user), valid for ``ttl``.

    Only valid credentials are remembered (a token issued a moment ago is never refused); the cache spares
    SMS gateways' bursts a database round trip per post.
    """

    def __init__(self, ttl: float = CREDENTIAL_CACHE_SECONDS, size: int = CREDENTIAL_CACHE_SIZE) -> None:
        self.ttl, self.size = ttl, size
        self._lock = threading.Lock()
        self._users: dict[tuple[str, str], tuple[float, User]] = {}

    def get(self, secret: str, kinds: tuple[CredentialKind, ...]) -> User | None:
        """The remembered user of ``secret`` (as one of ``kinds``), if checked less than ``ttl`` ago."""
        key = (hash_secret(secret), ",".join(kinds))
        with self._lock:
            found = self._users.get(key)
        if found is None or time.monotonic() >= found[0]:
            return None
        return found[1]

    def put(self, secret: str, kinds: tuple[CredentialKind, ...], user: User) -> None:
        """Remember a credential just found valid."""
        with self._lock:
            if len(self._users) >= self.size:
                self._users.clear()
            self._users[(hash_secret(secret), ",".join(kinds))] = (time.monotonic() + self.ttl, user)

    def clear(self) -> None:
        """Forget everything (tests; a sign-out in this process)."""
        with self._lock:
            self._users.clear()


CREDENTIALS = CredentialCache()


async def cached_user(
    engine: Engine,
    bearer: HTTPAuthorizationCredentials | None,
    session: str | None,
    query_token: str | None = None,
) -> User:
    """Like ``current_user``, for the intake routes: the credential checked at most every few seconds.

    ``query_token`` is an API token sent as a query parameter (for gateways that cannot set headers); it counts
    only when no header or cookie is sent. Database look-ups run in the thread pool on a short connection, so a
    request holds no connection while it waits for its turn. 401 exactly as ``current_user``.
    """
    secret: str | None
    kinds: tuple[CredentialKind, ...]
    if bearer is not None:
        secret, kinds = bearer.credentials, ("token", "session")
    elif session:
        secret, kinds = session, ("session",)
    elif query_token:
        secret, kinds = query_token, ("token",)
    else:
        raise _unauthorised("sign in: send a bearer token or the session cookie")
    user = CREDENTIALS.get(secret, kinds)
    if user is not None:
        return user

    def load() -> User | None:
        now = datetime.now(UTC)
        with engine.connect() as conn:
            for kind in kinds:
                found = user_for_secret(conn, secret, kind, now)
                if found is not None:
                    return found
        return None

    user = await run_in_threadpool(load)
    if user is None:
        raise _unauthorised("the token or session is invalid, expired or revoked, or the user is deactivated")
    CREDENTIALS.put(secret, kinds, user)
    return user


CurrentUser = Annotated[User, Depends(current_user)]
"""The signed-in user (401 when absent or invalid)."""
OptionalUser = Annotated[User | None, Depends(optional_user)]
"""The signed-in user or None."""


def require_roles(*roles: Role | str) -> Callable[[User], User]:
    """A dependency that lets only ``roles`` through (403 for the others, 401 when not signed in).

    Use as ``user: Annotated[User, Depends(require_roles(Role.ADMIN))]`` or in a route's ``dependencies``.
    """
    allowed = frozenset(Role(r) for r in roles)
    names = ", ".join(sorted(r.value for r in allowed))

    def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise Forbidden(f"this needs one of the roles {names}; you are {user.role.value}")
        return user

    return check
