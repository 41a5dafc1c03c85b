"""Who is calling, for the API and the pages alike: the signed-in user from a bearer token or the web session
cookie, and role checks.

The API takes ``Authorization: Bearer SECRET`` (an API token, or the session secret the login returns); the web
application takes the ``pochub_session`` cookie (HttpOnly, SameSite=Lax, Secure over HTTPS). Missing, expired,
revoked or unknown credentials and deactivated users get 401 with ``WWW-Authenticate: Bearer``; a signed-in
user whose role does not allow a route gets 403. Gateways' credentials (the ``gateway`` role) also come as
``X-Pochub-Gateway-Key`` or HTTP Basic (for relays that can only put a user and password in the webhook URL), and
count on the intake routes only: everywhere else they get 403. Credentials are never taken from the URL.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from starlette.datastructures import Headers

from pochub.config import Settings
from pochub.core.models.access import SERVICE_ROLES, Role, User
from pochub.errors import Forbidden
from pochub.http.database import DbConnection
from pochub.services.access import CredentialKind, hash_secret, user_for_secret

SESSION_COOKIE = "pochub_session"
GATEWAY_KEY_HEADER = "X-Pochub-Gateway-Key"

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


def client_address(request: Request) -> str:
    """The client's address as the server sees it (for the audit log and sign-in throttling)."""
    return request.client.host if request.client is not None else ""


def presented_credential(
    headers: Headers, cookies: dict[str, str]
) -> tuple[str, tuple[CredentialKind, ...]] | None:
    """The secret a request presents and the credential kinds it may be: a bearer token or session, a gateway
    key (header or HTTP Basic password), or the session cookie; None without one."""
    authorization = headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), ("token", "session")
    if scheme.lower() == "basic" and value.strip():
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        password = decoded.partition(":")[2]
        return (password, ("token",)) if password else None
    gateway_key = headers.get(GATEWAY_KEY_HEADER, "").strip()
    if gateway_key:
        return gateway_key, ("token",)
    session = cookies.get(SESSION_COOKIE)
    return (session, ("session",)) if session else None


def _refuse_services(user: User) -> User:
    """A gateway's credential opens the intake routes only: 403 on every other route."""
    if user.role in SERVICE_ROLES:
        raise Forbidden(f"a {user.role.value} credential may only post to /api/v1/intake")
    return user


def _presented_user(
    conn: DbConnection,
    bearer: HTTPAuthorizationCredentials | None,
    session: str | None,
) -> User | None:
    now = datetime.now(UTC)
    if bearer is not None:
        return user_for_secret(conn, bearer.credentials, "token", now) or user_for_secret(
            conn, bearer.credentials, "session", now
        )
    if session:
        return user_for_secret(conn, session, "session", now)
    return None


def optional_user(
    conn: DbConnection,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    session: Annotated[str | None, Depends(cookie_scheme)],
) -> User | None:
    """The signed-in user, or None (for pages that greet anonymous visitors with a sign-in form).

    A gateway's credential signs nobody in to the pages: None here (and 403 on the API)."""
    user = _presented_user(conn, bearer, session)
    return None if user is None or user.role in SERVICE_ROLES else user


def current_user(
    conn: DbConnection,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    session: Annotated[str | None, Depends(cookie_scheme)],
) -> User:
    """The signed-in user; 401 when there is no valid credential."""
    if bearer is None and not session:
        raise _unauthorised("sign in: send a bearer token or the session cookie")
    user = _presented_user(conn, bearer, session)
    if user is None:
        raise _unauthorised("the token or session is invalid, expired or revoked, or the user is deactivated")
    return _refuse_services(user)


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
        self._extras: dict[tuple[str, int], tuple[float, Any]] = {}

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

    def recall(self, key: tuple[str, int]) -> Any:
        """A value remembered with ``remember`` less than ``ttl`` ago (None otherwise): what a checked credential
        needs next, such as a gateway's kind, spared a database round trip per post as the credential is."""
        with self._lock:
            found = self._extras.get(key)
        if found is None or time.monotonic() >= found[0]:
            return None
        return found[1]

    def remember(self, key: tuple[str, int], value: Any) -> None:
        """Remember ``value`` for ``ttl`` (forgotten by ``clear`` with the credentials)."""
        with self._lock:
            if len(self._extras) >= self.size:
                self._extras.clear()
            self._extras[key] = (time.monotonic() + self.ttl, value)

    def clear(self) -> None:
        """Forget everything (tests; a sign-out in this process)."""
        with self._lock:
            self._users.clear()
            self._extras.clear()


CREDENTIALS = CredentialCache()


async def cached_user(engine: Engine, request: Request) -> User:
    """The user of the request's credential, for the intake routes: checked at most every few seconds.

    The credential is a bearer token or session, a gateway key (``X-Pochub-Gateway-Key`` or the password of
    HTTP Basic) or the session cookie. Database look-ups run in the thread pool on a short connection, so a
    request holds no connection while it waits for its turn. 401 exactly as ``current_user``.
    """
    presented = presented_credential(request.headers, request.cookies)
    if presented is None:
        raise _unauthorised(
            f"sign in: send a bearer token, the {GATEWAY_KEY_HEADER} header or the session cookie"
        )
    secret, kinds = presented
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
