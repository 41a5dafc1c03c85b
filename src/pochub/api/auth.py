"""Who is calling: the signed-in user from a bearer token or the web session cookie, and role checks.

The API takes ``Authorization: Bearer SECRET`` (an API token, or the session secret the login returns); the web
application takes the ``pochub_session`` cookie (HttpOnly, SameSite=Lax, Secure over HTTPS). Missing, expired,
revoked or unknown credentials and deactivated users get 401 with ``WWW-Authenticate: Bearer``; a signed-in
user whose role does not allow a route gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from pochub.api.deps import DbConnection
from pochub.config import Settings
from pochub.core.models.access import Role, User
from pochub.errors import Forbidden
from pochub.services.access import user_for_secret

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
