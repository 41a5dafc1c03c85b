"""Sign-in and sign-out, who am I, and API tokens for oneself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import Engine

from pochub.api.auth import (
    SESSION_COOKIE,
    AppSettings,
    CurrentUser,
    bearer_scheme,
    cookie_scheme,
)
from pochub.api.deps import get_engine
from pochub.core.models.access import User, can_read_protected, location_fuzzed
from pochub.errors import Forbidden, InvalidInput
from pochub.services.access import authenticate, issue_credential, revoke_credential

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
    days: float | None = Field(default=None, gt=0, le=3660, description="Lifetime (default: token_days).")


class TokenOut(BaseModel):
    """A new API token, shown once."""

    token: str
    name: str
    expires_at: datetime


def user_out(user: User) -> UserOut:
    """The API view of a user."""
    return UserOut(
        username=user.username,
        display_name=user.display_name,
        role=user.role.value,
        field_office=user.field_office,
        area_pcodes=list(user.area_pcodes),
        structure_role=user.structure_role,
        mission_wide=user.mission_wide,
        can_read_protected=can_read_protected(user.role),
        location_fuzzed=location_fuzzed(user.role),
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
        401: {"description": "Wrong username or password, a deactivated user, or too many failed sign-ins."},
        422: {"description": "The body is not a JSON or form body of username and password."},
    },
)
async def login(request: Request, response: Response, engine: Db, settings: AppSettings) -> LoginOut:
    """Sign in: sets the session cookie and returns the same session as a bearer token."""
    body = await _login_request(request)
    try:
        user = authenticate(engine, body.username, body.password)
    except Forbidden as exc:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED, detail=str(exc), headers={"WWW-Authenticate": "Bearer"}
        ) from None
    lifetime = timedelta(hours=settings.session_hours)
    secret = issue_credential(engine, user, "session", lifetime, name="web sign-in")
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return LoginOut(access_token=secret, expires_at=datetime.now(UTC) + lifetime, user=user_out(user))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=_SIGNED_IN)
def logout(
    user: CurrentUser,
    engine: Db,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    session: Annotated[str | None, Depends(cookie_scheme)],
) -> Response:
    """Sign out: revokes the session (or the token) used for this request and clears the cookie."""
    secret = bearer.credentials if bearer is not None else session
    if secret:
        revoke_credential(engine, secret)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


@router.get("/me", responses=_SIGNED_IN)
def me(user: CurrentUser) -> UserOut:
    """The signed-in user, their scope and what their role may see."""
    return user_out(user)


@router.post("/tokens", status_code=status.HTTP_201_CREATED, responses=_SIGNED_IN)
def create_token(user: CurrentUser, engine: Db, settings: AppSettings, body: TokenRequest) -> TokenOut:
    """Issue a named API token for oneself (shown once; send it as ``Authorization: Bearer TOKEN``)."""
    lifetime = timedelta(days=body.days if body.days is not None else settings.token_days)
    token = issue_credential(engine, user, "token", lifetime, name=body.name)
    return TokenOut(token=token, name=body.name, expires_at=datetime.now(UTC) + lifetime)
