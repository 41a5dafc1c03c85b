"""Accounts: sign-in slowed down, never locked, the same answer for any name; strong passwords; capped, listable,
revocable tokens; password change and reset; hashing off the event loop. Both backends.

The attacks: an outsider tries ten passwords for a name and reads the 11th answer to learn whether the name
exists (and locks the administrator out for everyone); a user mints a ten-year token that outlives them; a
stolen token nobody can see or revoke; "password1234".
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.core.models.access import Role
from pochub.errors import Forbidden, InvalidInput
from pochub.http.app import create_app
from pochub.services import access
from pochub.services.access import passwords, throttle
from tests.api.access_helpers import auth_header, cheap_password_hashing, make_user
from tests.conftest import CliRunner
from tests.csrf_tokens import with_csrf_tokens

PASSWORD = "a long enough password"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def client(engine: Engine, database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, workers=False))
    with cheap_password_hashing(), with_csrf_tokens(TestClient(app)) as test_client:
        yield test_client
    app.state.engine.dispose()


class _Counting:
    """A password hasher that counts its verifications (the work a sign-in does)."""

    def __init__(self, hasher: Any) -> None:
        self.hasher, self.verified = hasher, 0

    def verify(self, *args: Any) -> Any:
        self.verified += 1
        return self.hasher.verify(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.hasher, name)


def _login(client: TestClient, username: str, password: str) -> Any:
    client.cookies.clear()
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_the_eleventh_wrong_password_says_nothing_about_the_name(client: TestClient, engine: Engine) -> None:
    with cheap_password_hashing():
        access.create_user(engine, "admin1", PASSWORD, Role.ADMIN)
    answers: dict[str, list[tuple[int, str]]] = {"admin1": [], "nobody1": []}
    work: dict[str, list[int]] = {"admin1": [], "nobody1": []}
    now = datetime.now(UTC)
    for name in answers:
        with cheap_password_hashing():
            counting = _Counting(passwords.PASSWORD_HASHER)
            passwords.PASSWORD_HASHER = counting  # where hashing reads it; cheap_password_hashing restores it
            for i in range(10):  # ten wrong passwords, spaced so that each one counts, the last one just now
                with pytest.raises(Forbidden) as refused:
                    access.authenticate(engine, name, f"guess {i}", now=now - (9 - i) * timedelta(seconds=70))
                answers[name].append((refused.value.http_status, str(refused.value)))
            eleventh = _login(client, name, "wrong wrong wrong")
        answers[name].append((eleventh.status_code, re.sub(r"\d+", "N", eleventh.json()["detail"])))
        work[name].append(counting.verified)
    assert answers["admin1"] == answers["nobody1"]  # every answer, the 11th included
    assert answers["admin1"][-1][0] == 429 and "nobody1" not in answers["nobody1"][-1][1]
    assert work["admin1"] == work["nobody1"] == [11]  # the same hashing work, throttled or not


def test_the_owner_who_waits_gets_in_and_an_attacker_elsewhere_cannot_lock_them_out(engine: Engine) -> None:
    with cheap_password_hashing():
        access.create_user(engine, "admin2", PASSWORD, Role.ADMIN)
        access.authenticate(engine, "admin2", PASSWORD, client="10.0.0.5", now=T0)  # the owner's usual desk
        for i in range(30):  # an attacker guesses from elsewhere
            with pytest.raises(Forbidden):
                access.authenticate(engine, "admin2", f"guess {i} guess", client="198.51.100.7", now=T0)
        with pytest.raises(access.SignInThrottled):  # the attacker's address waits, even with the password
            access.authenticate(engine, "admin2", PASSWORD, client="198.51.100.7", now=T0)
        owner = access.authenticate(engine, "admin2", PASSWORD, client="10.0.0.5", now=T0)  # at once
        assert owner.username == "admin2"
        with pytest.raises(access.SignInThrottled):  # a new address must wait for the account's delay...
            access.authenticate(engine, "admin2", PASSWORD, client="10.0.0.9", now=T0)
        later = T0 + access.MAX_SIGN_IN_DELAY + timedelta(seconds=1)
        assert (
            access.authenticate(engine, "admin2", PASSWORD, client="10.0.0.9", now=later).role is Role.ADMIN
        )


@pytest.mark.parametrize("password", ["password1234", "qwertyuiop12", "admin2admin2admin2", "short pass"])
def test_short_or_common_passwords_are_refused(engine: Engine, password: str) -> None:
    with pytest.raises(InvalidInput, match="password"):
        access.create_user(engine, "admin2", password, Role.ADMIN)


def test_token_lifetime_is_capped_per_role(client: TestClient, engine: Engine) -> None:
    _, admin = make_user(engine, Role.ADMIN)
    _, analyst = make_user(engine, Role.ANALYST)
    ten_years = client.post(
        "/api/v1/auth/tokens", json={"name": "forever", "days": 3650}, headers=auth_header(analyst)
    )
    assert ten_years.status_code == 422 and "at most 90 days" in ten_years.json()["detail"]
    admin_month = client.post("/api/v1/auth/tokens", json={"days": 31}, headers=auth_header(admin))
    assert admin_month.status_code == 422  # POCHUB_TOKEN_MAX_DAYS caps the administrator at 30
    default = client.post("/api/v1/auth/tokens", json={"name": "laptop"}, headers=auth_header(admin))
    assert default.status_code == 201
    expires = datetime.fromisoformat(default.json()["expires_at"])
    assert expires <= datetime.now(UTC) + timedelta(days=30, minutes=1)


def test_one_lists_and_revokes_ones_own_tokens_only(client: TestClient, engine: Engine) -> None:
    _, mine = make_user(engine, Role.ANALYST, username="analyst9")
    _, theirs = make_user(engine, Role.ANALYST, username="analyst10")
    stolen = client.post(
        "/api/v1/auth/tokens", json={"name": "lost laptop"}, headers=auth_header(mine)
    ).json()
    listed = client.get("/api/v1/auth/tokens", headers=auth_header(mine))
    assert listed.status_code == 200 and stolen["token"] not in listed.text and mine not in listed.text
    lost = next(t for t in listed.json() if t["name"] == "lost laptop")
    [current] = [t for t in listed.json() if t["current"]]
    assert current["name"] == "test"
    others = client.get("/api/v1/auth/tokens", headers=auth_header(theirs)).json()
    assert (
        client.delete(f"/api/v1/auth/tokens/{lost['credential_id']}", headers=auth_header(theirs)).status_code
        == 404
    )
    assert lost["credential_id"] not in {t["credential_id"] for t in others}
    assert (
        client.delete(f"/api/v1/auth/tokens/{lost['credential_id']}", headers=auth_header(mine)).status_code
        == 204
    )
    assert client.get("/api/v1/auth/me", headers=auth_header(stolen["token"])).status_code == 401


def test_the_cli_lists_and_revokes_a_users_tokens(cli: CliRunner, engine: Engine, database_url: str) -> None:
    _, token = make_user(engine, Role.PARTNER, username="partner7")
    listed = cli("--database", database_url, "users", "tokens", "partner7", "--format", "json")
    assert listed.code == 0 and token not in listed.out
    [entry] = [e for e in __import__("json").loads(listed.out) if e["kind"] == "token"]
    revoked = cli(
        "--database", database_url, "users", "revoke-token", "partner7", str(entry["credential_id"])
    )
    assert revoked.code == 0, revoked.err
    with engine.connect() as conn:
        assert access.user_for_secret(conn, token, "token", datetime.now(UTC)) is None


def test_changing_ones_password_signs_out_the_other_sessions(client: TestClient, engine: Engine) -> None:
    with cheap_password_hashing():
        access.create_user(engine, "officer3", PASSWORD, Role.VIEWER)
    elsewhere = _login(client, "officer3", PASSWORD).json()["access_token"]
    here = _login(client, "officer3", PASSWORD).json()["access_token"]
    wrong = client.post(
        "/api/v1/auth/password",
        json={"current_password": "not my password", "new_password": "a brand new long passphrase"},
        headers=auth_header(here),
    )
    assert wrong.status_code == 403
    weak = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "password1234"},
        headers=auth_header(here),
    )
    assert weak.status_code == 422
    changed = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "a brand new long passphrase"},
        headers=auth_header(here),
    )
    assert changed.status_code == 204, changed.text
    assert client.get("/api/v1/auth/me", headers=auth_header(here)).status_code == 200
    assert client.get("/api/v1/auth/me", headers=auth_header(elsewhere)).status_code == 401
    assert _login(client, "officer3", PASSWORD).status_code == 401
    assert _login(client, "officer3", "a brand new long passphrase").status_code == 200


def test_only_the_administrator_resets_a_password(
    client: TestClient, engine: Engine, cli: CliRunner, database_url: str
) -> None:
    _, admin = make_user(engine, Role.ADMIN)
    _, victim_token = make_user(engine, Role.ANALYST, username="analyst11")
    _, adviser = make_user(engine, Role.POC_ADVISER)
    body = {"new_password": "reset by the administrator today"}
    assert (
        client.post(
            "/api/v1/auth/users/analyst11/password", json=body, headers=auth_header(adviser)
        ).status_code
        == 403
    )
    reset = client.post("/api/v1/auth/users/analyst11/password", json=body, headers=auth_header(admin))
    assert reset.status_code == 204
    assert client.get("/api/v1/auth/me", headers=auth_header(victim_token)).status_code == 401  # all revoked
    assert _login(client, "analyst11", body["new_password"]).status_code == 200
    by_cli = cli(
        "--database",
        database_url,
        "users",
        "password",
        "analyst11",
        "--password",
        "and again by the cli, long",
    )
    assert by_cli.code == 0, by_cli.err
    assert _login(client, "analyst11", "and again by the cli, long").status_code == 200


def test_sign_out_revokes_the_session(client: TestClient, engine: Engine) -> None:
    with cheap_password_hashing():
        access.create_user(engine, "viewer4", PASSWORD, Role.VIEWER)
    session = _login(client, "viewer4", PASSWORD).json()["access_token"]
    assert client.post("/api/v1/auth/logout", headers=auth_header(session)).status_code == 204
    assert client.get("/api/v1/auth/me", headers=auth_header(session)).status_code == 401


def test_password_hashing_runs_off_the_event_loop(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pochub.api.routers import auth as auth_routes

    on_loop: list[bool] = []
    real = auth_routes.authenticate

    def watched(*args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return real(*args, **kwargs)

    monkeypatch.setattr(auth_routes, "authenticate", watched)
    _login(client, "anyone", "any password at all")
    assert on_loop == [False]


def test_the_account_page_lists_revokes_and_changes_the_password(client: TestClient, engine: Engine) -> None:
    with cheap_password_hashing():
        user = access.create_user(engine, "analyst12", PASSWORD, Role.ANALYST)
    lost = access.issue_credential(engine, user, "token", timedelta(days=5), name="lost tablet")
    assert _login(client, "analyst12", PASSWORD).status_code == 200  # the session cookie, as in a browser
    page = client.get("/account")
    assert page.status_code == 200 and "lost tablet" in page.text and lost not in page.text
    [entry] = [c for c in access.list_credentials(engine, user) if c.name == "lost tablet"]
    revoked = client.post(f"/account/tokens/{entry.credential_id}/revoke", follow_redirects=False)
    assert revoked.status_code == 303
    assert client.get("/api/v1/auth/me", headers=auth_header(lost)).status_code == 401
    form = {
        "current_password": "not it",
        "new_password": "a fresh passphrase for me",
        "repeat_password": "a fresh passphrase for me",
    }
    assert client.post("/account/password", data=form).status_code == 422
    assert (
        client.post(
            "/account/password",
            data={
                **form,
                "new_password": "password1234",
                "current_password": PASSWORD,
                "repeat_password": "password1234",
            },
        ).status_code
        == 422
    )
    changed = client.post(
        "/account/password", data={**form, "current_password": PASSWORD}, follow_redirects=False
    )
    assert changed.status_code == 303 and client.get("/account").status_code == 200  # this session stays
    assert _login(client, "analyst12", "a fresh passphrase for me").status_code == 200


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_delays_grow_with_failures_and_never_become_a_lockout(fewer: int, more: int) -> None:
    fewer, more = sorted((fewer, more))
    for free in (access.FREE_ACCOUNT_FAILURES, access.FREE_ADDRESS_FAILURES):
        assert throttle._delay(fewer, free) <= throttle._delay(more, free) <= access.MAX_SIGN_IN_DELAY
        assert (throttle._delay(fewer, free) == timedelta(0)) is (fewer < free)
