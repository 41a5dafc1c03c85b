"""The account page: one's own sessions and API tokens (revoke any of them) and one's password (change it).

Everything goes through services.access like the API: the same password policy, the same throttling of wrong
current passwords, the same audit entries with the client's address. The forms carry CSRF tokens (base layout).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from pochub.core.models.access import User
from pochub.errors import Forbidden, InvalidInput, NotFound
from pochub.http.auth import SESSION_COOKIE, OptionalUser, client_address
from pochub.services.access import SignInThrottled, change_password, list_credentials, revoke_credential_id
from pochub.web.rendering import render, to_login

router = APIRouter(include_in_schema=False)

DONE = frozenset({"password", "revoked"})


def _page(
    request: Request, user: User, *, status_code: int = 200, errors: dict[str, str] | None = None
) -> Response:
    done = request.query_params.get("done")
    credentials = list_credentials(
        request.app.state.engine, user, current_secret=request.cookies.get(SESSION_COOKIE)
    )
    return render(
        request,
        "account.html",
        status_code=status_code,
        user=user,
        credentials=credentials,
        errors=errors or {},
        done=done if done in DONE else None,
    )


@router.get("/account")
def account_page(request: Request, user: OptionalUser) -> Response:
    """One's sessions and tokens, and the password form."""
    if user is None:
        return to_login(request)
    return _page(request, user)


@router.post("/account/tokens/{credential_id}/revoke")
def revoke(request: Request, user: OptionalUser, credential_id: int) -> Response:
    """Revoke one of one's own sessions or tokens."""
    if user is None:
        return to_login(request)
    try:
        revoke_credential_id(request.app.state.engine, user, credential_id, client=client_address(request))
    except NotFound:
        return _page(request, user, status_code=404, errors={"form": "not_yours"})
    return RedirectResponse("/account?done=revoked", status_code=303)


@router.post("/account/password")
def password(
    request: Request,
    user: OptionalUser,
    current_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
    repeat_password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Change one's password (the current one asked again); one's other sessions are signed out."""
    if user is None:
        return to_login(request)
    errors: dict[str, str] = {}
    if not current_password:
        errors["current_password"] = "missing_current"
    if new_password != repeat_password:
        errors["repeat_password"] = "not_the_same"
    if not errors:
        try:
            change_password(
                request.app.state.engine,
                user,
                current_password,
                new_password,
                keep_secret=request.cookies.get(SESSION_COOKIE),
                client=client_address(request),
            )
        except SignInThrottled:
            errors["current_password"] = "throttled"
        except Forbidden:
            errors["current_password"] = "wrong_current"
        except InvalidInput:
            errors["new_password"] = "weak"
    if errors:
        return _page(request, user, status_code=422, errors=errors)
    return RedirectResponse("/account?done=password", status_code=303)
