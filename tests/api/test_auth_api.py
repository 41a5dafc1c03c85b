"""Sign-in, sessions, bearer tokens, role checks and the audit API, on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.core.models.access import Role
from pochub.http.app import create_app
from pochub.services.access import create_user, deactivate_user
from tests.api.access_helpers import auth_header, make_user
from tests.csrf_tokens import with_csrf_tokens

PASSWORD = "a long enough password"


@pytest.fixture
def client(engine: Engine, database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, workers=False))
    with with_csrf_tokens(TestClient(app)) as test_client:  # cookie-authenticated posts, as from a page
        yield test_client
    app.state.engine.dispose()


def test_no_credentials_is_401_with_a_challenge(client: TestClient) -> None:
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    bad = client.get("/api/v1/auth/me", headers=auth_header("not-a-token"))
    assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"
    client.cookies.set("pochub_session", "forged")
    assert client.get("/api/v1/auth/me").status_code == 401


def test_bearer_token_identifies_the_user(client: TestClient, engine: Engine) -> None:
    _, token = make_user(engine, Role.FIELD_OFFICER, area_pcodes=("KT01",), username="fo.north")
    me = client.get("/api/v1/auth/me", headers=auth_header(token)).json()
    assert me["username"] == "fo.north" and me["role"] == "field_officer"
    assert me["area_pcodes"] == ["KT01"] and me["mission_wide"] is False
    assert me["can_read_protected"] is True and me["location_fuzzed"] is False
    _, partner_token = make_user(engine, Role.PARTNER)
    partner = client.get("/api/v1/auth/me", headers=auth_header(partner_token)).json()
    assert partner["can_read_protected"] is False and partner["location_fuzzed"] is True


@pytest.mark.parametrize("encoding", ["json", "form"])
def test_login_sets_an_httponly_lax_cookie_and_returns_a_token(
    client: TestClient, engine: Engine, encoding: str
) -> None:
    create_user(engine, "adviser", PASSWORD, Role.POC_ADVISER)
    body = {"username": "adviser", "password": PASSWORD}
    response = (
        client.post("/api/v1/auth/login", json=body)
        if encoding == "json"
        else client.post("/api/v1/auth/login", data=body)
    )
    assert response.status_code == 200, response.text
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("pochub_session=") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    token = response.json()["access_token"]
    assert token in cookie and PASSWORD not in response.text
    assert client.get("/api/v1/auth/me").json()["username"] == "adviser"  # the cookie
    client.cookies.clear()
    assert client.get("/api/v1/auth/me", headers=auth_header(token)).json()["role"] == "poc_adviser"


def test_wrong_password_unknown_user_and_deactivated_user_are_refused(
    client: TestClient, engine: Engine
) -> None:
    create_user(engine, "analyst1", PASSWORD, Role.ANALYST)
    wrong = client.post("/api/v1/auth/login", json={"username": "analyst1", "password": "not it at all"})
    assert wrong.status_code == 401 and "set-cookie" not in wrong.headers
    assert (
        client.post("/api/v1/auth/login", json={"username": "ghost", "password": PASSWORD}).status_code == 401
    )
    _, token = make_user(engine, Role.ANALYST, username="leaver")
    assert client.get("/api/v1/auth/me", headers=auth_header(token)).status_code == 200
    deactivate_user(engine, "leaver")
    assert client.get("/api/v1/auth/me", headers=auth_header(token)).status_code == 401


@pytest.mark.parametrize(
    "body", [{}, {"username": "x"}, {"username": "", "password": "p"}, {"username": ["x"], "password": "p"}]
)
def test_malformed_login_is_422(client: TestClient, body: dict[str, object]) -> None:
    assert client.post("/api/v1/auth/login", json=body).status_code == 422
    assert (
        client.post(
            "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
        ).status_code
        == 422
    )


def test_logout_revokes_the_session(client: TestClient, engine: Engine) -> None:
    create_user(engine, "planner1", PASSWORD, Role.PLANNER)
    token = client.post("/api/v1/auth/login", json={"username": "planner1", "password": PASSWORD}).json()[
        "access_token"
    ]
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert "pochub_session" not in client.cookies  # the response cleared it
    client.cookies.set("pochub_session", token)  # and replaying it is refused: the session is revoked
    assert client.get("/api/v1/auth/me").status_code == 401
    client.cookies.clear()
    assert client.get("/api/v1/auth/me", headers=auth_header(token)).status_code == 401
    assert client.post("/api/v1/auth/logout").status_code == 401
    _, admin_token = make_user(engine, Role.ADMIN)
    log = client.get("/api/v1/audit", params={"actor": "planner1"}, headers=auth_header(admin_token)).json()
    assert [i["action"] for i in log["items"]] == ["logout", "login"]


def test_a_user_issues_a_named_token_for_themself(client: TestClient, engine: Engine) -> None:
    _, token = make_user(engine, Role.TRAINER, username="trainer1")
    response = client.post(
        "/api/v1/auth/tokens", json={"name": "exercise laptop", "days": 7}, headers=auth_header(token)
    )
    assert response.status_code == 201
    issued = response.json()
    assert issued["name"] == "exercise laptop"
    assert (
        client.get("/api/v1/auth/me", headers=auth_header(issued["token"])).json()["username"] == "trainer1"
    )
    assert client.post("/api/v1/auth/tokens", json={"name": "x"}).status_code == 401
    _, admin_token = make_user(engine, Role.ADMIN)
    log = client.get(
        "/api/v1/audit",
        params={"entity": "credential", "actor": "trainer1"},
        headers=auth_header(admin_token),
    )
    details = [item["detail"] for item in log.json()["items"]]
    assert any("exercise laptop" in d for d in details)
    assert not any(issued["token"] in d for d in details)


@pytest.mark.parametrize("role", list(Role))
def test_only_admin_and_poc_adviser_read_the_audit_log(
    client: TestClient, engine: Engine, role: Role
) -> None:
    _, token = make_user(engine, role, area_pcodes=("KT01",))
    response = client.get("/api/v1/audit", headers=auth_header(token))
    assert response.status_code == (200 if role in (Role.ADMIN, Role.POC_ADVISER) else 403)


def test_audit_api_filters_and_paginates(client: TestClient, engine: Engine) -> None:
    _, token = make_user(engine, Role.ADMIN, username="admin1")
    for i in range(6):
        create_user(engine, f"viewer{i}", PASSWORD, Role.VIEWER, actor="admin1")
    for _ in range(2):
        client.post("/api/v1/auth/login", json={"username": "viewer0", "password": "wrong wrong wrong"})
    headers = auth_header(token)
    page = client.get(
        "/api/v1/audit",
        params={"entity": "user", "action": "write", "actor": "admin1", "limit": 4},
        headers=headers,
    ).json()
    assert page["total"] == 6 and len(page["items"]) == 4
    rest = client.get(
        "/api/v1/audit",
        params={"entity": "user", "action": "write", "actor": "admin1", "limit": 4, "offset": 4},
        headers=headers,
    ).json()
    assert [i["entity_id"] for i in page["items"] + rest["items"]] == [f"viewer{i}" for i in range(5, -1, -1)]
    failed = client.get("/api/v1/audit", params={"action": "login_failed"}, headers=headers).json()
    assert failed["total"] == 2 and {i["entity_id"] for i in failed["items"]} == {"viewer0"}
    everything = client.get("/api/v1/audit", params={"limit": 1000}, headers=headers).json()
    assert not any(PASSWORD in i["detail"] or "wrong wrong" in i["detail"] for i in everything["items"])
    future = client.get("/api/v1/audit", params={"since": "2999-01-01T00:00:00Z"}, headers=headers).json()
    assert future["total"] == 0
    assert client.get("/api/v1/audit", params={"limit": 0}, headers=headers).status_code == 422
    assert (
        client.get(
            "/api/v1/audit",
            params={"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
            headers=headers,
        ).status_code
        == 422
    )
