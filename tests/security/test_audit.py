"""The audit log: it cannot be emptied (TRUNCATE, PostgreSQL) or rewritten (INSERT OR REPLACE, SQLite), and it
records refusals (403), threat overrides by user name, token and password changes, each with the client's
address. Both backends.

The attacks: someone with the application's database account empties or rewrites the log to hide what they
read; a partner probes what they may not see and leaves no trace; an analyst's override signed with a made-up
display name.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.core.models.access import Role
from pochub.http.app import create_app
from pochub.services import access
from pochub.store import audit, tables
from tests.api.access_helpers import auth_header, cheap_password_hashing, make_user
from tests.conftest import CliRunner
from tests.csrf_tokens import with_csrf_tokens

CLIENT = "testclient"  # the client address Starlette's test client reports


@pytest.fixture
def client(engine: Engine, database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, workers=False))
    with with_csrf_tokens(TestClient(app)) as test_client:
        yield test_client
    app.state.engine.dispose()


def _entries(engine: Engine, **filters: str) -> list[audit.AuditEntry]:
    with engine.connect() as conn:
        return audit.query(conn, limit=None, **filters)  # type: ignore[arg-type]


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.audit_log)).scalar_one())


def test_the_log_cannot_be_emptied_or_rewritten(engine: Engine) -> None:
    with engine.begin() as conn:
        audit.record(
            conn, actor="analyst1", role="analyst", action="read_protected", entity="alert", entity_id="A1"
        )
    with engine.connect() as conn:
        audit_id = conn.execute(select(tables.audit_log.c.audit_id)).scalar_one()
    before = _entries(engine)
    if engine.dialect.name == "postgresql":
        attacks = ["TRUNCATE audit_log", "DELETE FROM audit_log", "UPDATE audit_log SET actor = 'nobody'"]
    else:
        attacks = [
            "INSERT OR REPLACE INTO audit_log (audit_id, at, actor, role, action, entity, entity_id, detail, client) "
            f"VALUES ({audit_id}, '2026-01-01 00:00:00', 'nobody', 'admin', 'write', 'user', '', '', '')",
            f"REPLACE INTO audit_log (audit_id, at, actor, role, action, entity) "
            f"VALUES ({audit_id}, '2026-01-01 00:00:00', 'nobody', 'admin', 'write', 'user')",
            "DELETE FROM audit_log",
            "UPDATE audit_log SET actor = 'nobody'",
        ]
    for attack in attacks:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(attack))
    assert _entries(engine) == before and _count(engine) == 1


def test_a_refusal_is_audited_with_who_and_from_where(client: TestClient, engine: Engine) -> None:
    partner, token = make_user(engine, Role.PARTNER)
    assert client.get("/api/v1/audit", headers=auth_header(token)).status_code == 403
    assert client.get("/exercises/new", headers=auth_header(token)).status_code == 403  # a page refuses too
    refused = _entries(engine, action="refused")
    assert [(e.actor, e.role, e.client) for e in refused] == [(partner.username, "partner", CLIENT)] * 2
    assert {e.entity_id for e in refused} == {"GET /api/v1/audit", "GET /exercises/new"}


def test_threat_overrides_are_audited_by_user_name(
    client: TestClient, engine: Engine, cli: CliRunner, database_url: str
) -> None:
    analyst, token = make_user(engine, Role.ANALYST, display_name="Somebody Else")
    posted = client.post(
        "/threats/override",
        data={"key": "XX01|killing|", "field": "likelihood", "value": "4", "reason": "patrol report"},
        headers=auth_header(token),
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text[-500:]
    [entry] = _entries(engine, entity="threat")
    assert (entry.actor, entry.role, entry.client, entry.entity_id) == (
        analyst.username,
        "analyst",
        CLIENT,
        "XX01|killing|",
    )
    assert "likelihood = 4" in entry.detail and "patrol report" in entry.detail
    by_cli = cli("--database", database_url, "threats", "override", "XX01|killing|", "impact", "5",
                 "--analyst", "J. Analyst", "--reason", "field visit")  # fmt: skip
    assert by_cli.code == 0, by_cli.err
    assert {e.actor.split(":")[0] for e in _entries(engine, entity="threat")} == {analyst.username, "cli"}


def test_token_and_password_changes_are_audited_with_the_client_address(
    client: TestClient, engine: Engine
) -> None:
    with cheap_password_hashing():
        user = access.create_user(engine, "viewer5", "a long enough password", Role.VIEWER)
    _, token = make_user(engine, Role.VIEWER)
    session = client.post(
        "/api/v1/auth/login", json={"username": "viewer5", "password": "a long enough password"}
    )
    bearer = auth_header(session.json()["access_token"])
    issued = client.post("/api/v1/auth/tokens", json={"name": "phone"}, headers=bearer)
    assert issued.status_code == 201
    [listed] = [t for t in client.get("/api/v1/auth/tokens", headers=bearer).json() if t["name"] == "phone"]
    assert client.delete(f"/api/v1/auth/tokens/{listed['credential_id']}", headers=bearer).status_code == 204
    changed = client.post(
        "/api/v1/auth/password",
        json={"current_password": "a long enough password", "new_password": "another long passphrase here"},
        headers=bearer,
    )
    assert changed.status_code == 204
    mine = _entries(engine, entity_id=user.username)
    by_action = {(e.entity, e.action): e for e in mine}
    assert by_action[("user", "login")].client == CLIENT
    tokens = [e for e in mine if e.entity == "credential"]
    assert {("issued" in e.detail, "revoked" in e.detail) for e in tokens} == {(True, False), (False, True)}
    assert all(e.client == CLIENT for e in tokens)
    assert by_action[("user", "password")].client == CLIENT
    assert issued.json()["token"] not in " ".join(e.detail for e in _entries(engine))
    assert token not in " ".join(e.detail for e in _entries(engine))
