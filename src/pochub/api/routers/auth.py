"""Sign-in and sign-out, who am I, one's API tokens and sessions (issue, list, revoke), one's password, and the
administrator's password reset. Password hashing runs in the thread pool, never on the event loop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import Engine

from pochub.config import Settings
from pochub.core.models.access import Role, User
from pochub.errors import Forbidden, InvalidInput
from pochub.http.auth import (
    SESSION_COOKIE,
    AppSettings,
    CurrentUser,
    bearer_scheme,
    client_address,
    cookie_scheme,
    require_roles,
)
from pochub.http.database import get_engine
from pochub.services.access import (
    SignInThrottled,
    authenticate,
    change_password,
    issue_credential,
    list_credentials,
    reset_password,
    revoke_credential,
    revoke_credential_id,
    token_lifetime,
)
from pochub.services.alert_views import alert_access

router = APIRouter(prefix="/api/v1/auth", tags=["access"])

Db = Annotated[Engine, Depends(get_engine)]


class LoginRequest(BaseModel):
    """A username and password."""

    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=1024)


class UserOut(BaseModel):
    """The signed-in user and what their role may see."""

    username: str
    display_name: str
    role: str
    field_office: str | None
    area_pcodes: list[str]
    structure_role: str | None
    mission_wide: bool
    can_read_protected: bool
    location_fuzzed: bool


class LoginOut(BaseModel):
    """The session: also set as the ``pochub_session`` cookie; the token works as a bearer token."""

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: UserOut


class TokenRequest(BaseModel):
    """A named API token for oneself."""

    name: str = Field(default="", max_length=120)
    days: float | None = Field(
        default=None, gt=0, le=3660, description="Lifetime (default: token_days; at most the role's cap)."
    )


class TokenOut(BaseModel):
    """A new API token, shown once."""

    token: str
    name: str
    expires_at: datetime


class CredentialOut(BaseModel):
    """One of one's live sessions or API tokens (never its secret)."""

    credential_id: int
    kind: str
    name: str
    created_at: datetime
    expires_at: datetime
    current: bool


class PasswordChange(BaseModel):
    """One's current password and the new one (at least 12 characters, not a common one)."""

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class PasswordReset(BaseModel):
    """The new password an administrator sets for a user."""

    new_password: str = Field(min_length=1, max_length=1024)


def user_out(user: User, settings: Settings) -> UserOut:
    """The API view of a user (what their role may see, by the alerts' access rule)."""
    access = alert_access(user, settings)
    return UserOut(
        username=user.username,
        display_name=user.display_name,
        role=user.role.value,
        field_office=user.field_office,
        area_pcodes=list(user.area_pcodes),
        structure_role=user.structure_role,
        mission_wide=user.mission_wide,
        can_read_protected=access.protected,
        location_fuzzed=access.fuzzed,
    )


_LOGIN_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": LoginRequest.model_json_schema()},
            "application/x-www-form-urlencoded": {"schema": LoginRequest.model_json_schema()},
        },
    }
}


async def _login_request(request: Request) -> LoginRequest:
    """The username and password from a JSON or form-encoded body."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.form()
            return LoginRequest.model_validate(
                {key: value for key, value in form.items() if key in ("username", "password")}
            )
        return LoginRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        fields = sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]}) or ["body"]
        raise InvalidInput(
            f"sign in with a JSON or form body of username and password (problem with: {', '.join(fields)})"
        ) from None


_SIGNED_IN: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in, or the token or session is not valid."}
}


@router.post(
    "/login",
    openapi_extra=_LOGIN_BODY,
    responses={
        401: {"description": "Wrong username or password, or a deactivated user."},
        429: {
            "description": "Too many failed sign-ins for this name or from this address: wait Retry-After."
        },
        422: {"description": "The body is not a JSON or form body of username and password."},
    },
)
async def login(request: Request, response: Response, engine: Db, settings: AppSettings) -> LoginOut:
    """Sign in: sets the session cookie and returns the same session as a bearer token."""
    body = await _login_request(request)
    try:
        user = await run_in_threadpool(
            authenticate, engine, body.username, body.password, client=client_address(request)
        )
    except SignInThrottled as exc:
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail=str(exc),
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    except Forbidden as exc:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED, detail=str(exc), headers={"WWW-Authenticate": "Bearer"}
        ) from None
    lifetime = timedelta(hours=settings.session_hours)
    secret = await run_in_threadpool(issue_credential, engine, user, "session", lifetime, name="web sign-in")
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return LoginOut(
        access_token=secret, expires_at=datetime.now(UTC) + lifetime, user=user_out(user, settings)
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=_SIGNED_IN)
def logout(
    request: Request,
    user: CurrentUser,
    engine: Db,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    session: Annotated[str | None, Depends(cookie_scheme)],
) -> Response:
    """Sign out: revokes the session (or the token) used for this request and clears the cookie."""
    secret = bearer.credentials if bearer is not None else session
    if secret:
        revoke_credential(engine, secret, client=client_address(request))
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


@router.get("/me", responses=_SIGNED_IN)
def me(user: CurrentUser, settings: AppSettings) -> UserOut:
    """The signed-in user, their scope and what their role may see."""
    return user_out(user, settings)


@router.post("/tokens", status_code=status.HTTP_201_CREATED, responses=_SIGNED_IN)
def create_token(
    request: Request, user: CurrentUser, engine: Db, settings: AppSettings, body: TokenRequest
) -> TokenOut:
    """Issue a named API token for oneself (shown once; send it as ``Authorization: Bearer TOKEN``).

    Its lifetime is capped per role (POCHUB_TOKEN_MAX_DAYS): a longer one is refused (422)."""
    lifetime = token_lifetime(
        user.role, body.days, default_days=settings.token_days, max_days=settings.token_max_days
    )
    token = issue_credential(engine, user, "token", lifetime, name=body.name, client=client_address(request))
    return TokenOut(token=token, name=body.name, expires_at=datetime.now(UTC) + lifetime)


def _presented_secret(bearer: HTTPAuthorizationCredentials | None, session: str | None) -> str | None:
    return bearer.credentials if bearer is not None else session


@router.get("/tokens", responses=_SIGNED_IN)
def list_tokens(
    user: CurrentUser,
    engine: Db,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    session: Annotated[str | None, Depends(cookie_scheme)],
) -> list[CredentialOut]:
    """One's live API tokens and sessions, newest first (``current``: the one this request uses)."""
    records = list_credentials(engine, user, current_secret=_presented_secret(bearer, session))
    return [CredentialOut.model_validate(record, from_attributes=True) for record in records]


@router.delete(
    "/tokens/{credential_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**_SIGNED_IN, 404: {"description": "No live token or session of yours has this id."}},
)
def revoke_token(
    request: Request,
    user: CurrentUser,
    engine: Db,
    credential_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> Response:
    """Revoke one of one's own API tokens or sessions (audited)."""
    revoke_credential_id(engine, user, credential_id, client=client_address(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **_SIGNED_IN,
        403: {"description": "The current password is wrong."},
        422: {"description": "The new password is too short, common or easy to guess."},
        429: {"description": "Too many wrong passwords: wait Retry-After."},
    },
)
def password(
    request: Request,
    user: CurrentUser,
    engine: Db,
    body: PasswordChange,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    session: Annotated[str | None, Depends(cookie_scheme)],
) -> Response:
    """Change one's own password; one's other sessions are signed out (this one stays)."""
    try:
        change_password(
            engine,
            user,
            body.current_password,
            body.new_password,
            keep_secret=_presented_secret(bearer, session),
            client=client_address(request),
        )
    except SignInThrottled as exc:
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail=str(exc),
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/users/{username}/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **_SIGNED_IN,
        403: {"description": "Only the administrator resets passwords."},
        404: {"description": "No user has this name."},
        422: {"description": "The new password is too short, common or easy to guess."},
    },
)
def reset_user_password(
    request: Request,
    admin: Annotated[User, Depends(require_roles(Role.ADMIN))],
    engine: Db,
    body: PasswordReset,
    username: Annotated[str, Path(max_length=80)],
) -> Response:
    """The administrator sets a user's password; all that user's sessions and tokens are revoked."""
    reset_password(engine, username, body.new_password, actor=admin.username, client=client_address(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
