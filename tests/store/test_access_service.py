"""Users, sign-in, credentials, areas from the structure and the append-only audit log, on both backends."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.exc import DBAPIError

from pochub.core.models.access import Role
from pochub.errors import Conflict, Forbidden, InvalidInput, NotFound
from pochub.services import access
from pochub.store import audit, tables
from tests.api.access_helpers import cheap_password_hashing

PASSWORD = "correct horse battery staple"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def store_structure(engine: Engine, offices: dict[str, list[str]], at: datetime = T0) -> None:
    document = {
        "mission": {"name": "Test"},
        "field_offices": [{"id": k, "area_pcodes": v} for k, v in offices.items()],
    }
    with engine.begin() as conn:
        conn.execute(
            insert(tables.structures).values(
                name="Test", document=orjson.dumps(document).decode(), imported_at=at
            )
        )


def all_audit(engine: Engine) -> list[audit.AuditEntry]:
    with engine.connect() as conn:
        return audit.query(conn, limit=None)


def test_password_is_argon2_hashed_and_creation_audited(engine: Engine) -> None:
    user = access.create_user(engine, "adviser", PASSWORD, "poc_adviser", display_name="Senior PoC Adviser")
    assert user.role is Role.POC_ADVISER and user.mission_wide
    with engine.connect() as conn:
        stored = conn.execute(select(tables.users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    [entry] = all_audit(engine)
    assert (entry.action, entry.entity, entry.entity_id) == ("write", "user", "adviser")
    assert "poc_adviser" in entry.detail and PASSWORD not in entry.detail


def test_duplicate_username_is_a_conflict(engine: Engine) -> None:
    access.create_user(engine, "analyst1", PASSWORD, Role.ANALYST)
    with pytest.raises(Conflict):
        access.create_user(engine, "analyst1", PASSWORD, Role.ANALYST)


@pytest.mark.parametrize(
    ("username", "password", "role", "message"),
    [
        ("someone", PASSWORD, "general", "the roles are admin"),
        ("someone", "short", "analyst", "at least"),
        ("x", PASSWORD, "analyst", "username"),
        ("bad name", PASSWORD, "analyst", "username"),
    ],
)
def test_invalid_users_are_refused(
    engine: Engine, username: str, password: str, role: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        access.create_user(engine, username, password, role)
    assert all_audit(engine) == []


@pytest.mark.parametrize("role", [Role.FIELD_OFFICER, Role.CLA])
def test_area_scoped_users_need_an_office_or_areas(engine: Engine, role: Role) -> None:
    with pytest.raises(InvalidInput, match="field office"):
        access.create_user(engine, "scoped", PASSWORD, role)
    store_structure(engine, {"FO_NORTH": ["KT01", "KT02"]})
    with pytest.raises(InvalidInput, match="not in the current structure"):
        access.create_user(engine, "scoped", PASSWORD, role, field_office="FO_NOWHERE")
    explicit = access.create_user(
        engine, "explicit", PASSWORD, role, field_office="FO_NOWHERE", area_pcodes=["KT09"]
    )
    assert explicit.area_pcodes == ("KT09",)


def test_field_office_areas_follow_the_current_structure(engine: Engine) -> None:
    store_structure(engine, {"FO_NORTH": ["KT01", "KT02"], "FO_SOUTH": ["KT03"]})
    officer = access.create_user(engine, "north", PASSWORD, Role.FIELD_OFFICER, field_office="FO_NORTH")
    assert officer.area_pcodes == ("KT01", "KT02")
    token = access.issue_credential(engine, officer, "token", timedelta(days=1), now=T0)
    store_structure(engine, {"FO_NORTH": ["KT01", "KT04"], "FO_SOUTH": ["KT03"]}, at=T0 + timedelta(days=1))
    with engine.connect() as conn:
        assert access.field_office_areas(conn, "FO_NORTH") == ("KT01", "KT04")
        assert access.field_office_areas(conn, "FO_EAST") is None
        signed_in = access.user_for_secret(conn, token, "token", T0 + timedelta(hours=1))
    assert signed_in is not None and signed_in.area_pcodes == ("KT01", "KT04")
    # P-codes stored on the user win over the structure's
    cla = access.create_user(
        engine, "cla1", PASSWORD, Role.CLA, field_office="FO_SOUTH", area_pcodes=["KT0301"]
    )
    assert access.get_user(engine, "cla1").area_pcodes == ("KT0301",) == cla.area_pcodes


def test_authenticate_audits_success_and_failure(engine: Engine) -> None:
    access.create_user(engine, "planner1", PASSWORD, "planner")
    user = access.authenticate(engine, "planner1", PASSWORD, now=T0)
    assert user.username == "planner1" and user.role is Role.PLANNER
    with pytest.raises(Forbidden, match="wrong username or password"):
        access.authenticate(engine, "planner1", "not the password", now=T0)
    with pytest.raises(Forbidden, match="wrong username or password"):
        access.authenticate(engine, "nobody", PASSWORD, now=T0)
    entries = all_audit(engine)
    actions = [(e.action, e.actor, e.detail) for e in entries if e.action.startswith("login")]
    assert ("login", "planner1", "") in actions
    assert ("login_failed", "planner1", "wrong password") in actions
    assert ("login_failed", "nobody", "unknown user") in actions
    assert not any(PASSWORD in e.detail or "not the password" in e.detail for e in entries)


def test_deactivated_users_cannot_sign_in_or_use_credentials(engine: Engine) -> None:
    user = access.create_user(engine, "trainer1", PASSWORD, "trainer")
    token = access.issue_credential(engine, user, "token", timedelta(days=30), name="laptop", now=T0)
    access.deactivate_user(engine, "trainer1", actor="admin1", now=T0)
    with pytest.raises(Forbidden, match="deactivated"):
        access.authenticate(engine, "trainer1", PASSWORD, now=T0)
    with engine.connect() as conn:
        assert access.user_for_secret(conn, token, "token", T0) is None
        revoked = conn.execute(select(tables.credentials.c.revoked_at)).scalar_one()
    assert revoked is not None
    with pytest.raises(Forbidden):
        access.issue_credential(engine, user, "token", timedelta(days=1))
    with pytest.raises(NotFound):
        access.deactivate_user(engine, "nobody")
    [record] = [r for r in access.list_users(engine) if r.user.username == "trainer1"]
    assert not record.active


def test_repeated_failures_slow_the_username_down_but_never_lock_it(engine: Engine) -> None:
    access.create_user(engine, "viewer1", PASSWORD, "viewer")
    for _ in range(access.FREE_ACCOUNT_FAILURES):
        with pytest.raises(Forbidden, match="wrong username or password"):
            access.authenticate(engine, "viewer1", "guess guess guess", now=T0)
    with pytest.raises(access.SignInThrottled, match="too many"):  # even the right password must wait
        access.authenticate(engine, "viewer1", PASSWORD, now=T0 + timedelta(seconds=1))
    later = T0 + access.MAX_SIGN_IN_DELAY + timedelta(seconds=1)
    assert access.authenticate(engine, "viewer1", PASSWORD, now=later).username == "viewer1"


def test_credentials_store_only_a_hash_and_expire(engine: Engine) -> None:
    user = access.create_user(engine, "partner1", PASSWORD, "partner")
    session = access.issue_credential(engine, user, "session", timedelta(hours=12), now=T0)
    token = access.issue_credential(engine, user, "token", timedelta(days=90), name="dashboard", now=T0)
    with engine.connect() as conn:
        hashes = set(conn.execute(select(tables.credentials.c.secret_hash)).scalars())
        assert hashes == {hashlib.sha256(s.encode()).hexdigest() for s in (session, token)}
        assert access.user_for_secret(conn, session, "session", T0 + timedelta(hours=11)) == user
        assert access.user_for_secret(conn, session, "session", T0 + timedelta(hours=12, seconds=1)) is None
        assert access.user_for_secret(conn, session, "token", T0) is None  # a session is not an API token
        assert access.user_for_secret(conn, token, "token", T0 + timedelta(days=89)) == user
        assert access.user_for_secret(conn, token + "x", "token", T0) is None
        assert access.user_for_secret(conn, "", "token", T0) is None
    assert access.revoke_credential(engine, session, now=T0)
    assert not access.revoke_credential(engine, session, now=T0)
    with engine.connect() as conn:
        assert access.user_for_secret(conn, session, "session", T0 + timedelta(hours=1)) is None
    assert access.revoke_credential(engine, token, now=T0)
    credential_entries = [e for e in all_audit(engine) if e.entity == "credential"]
    # newest first: the token revoked, the session signed out, the token issued
    assert [e.action for e in credential_entries] == ["write", "logout", "write"]
    assert "revoked API token 'dashboard'" in credential_entries[0].detail
    assert "issued API token 'dashboard'" in credential_entries[2].detail
    assert not any(secret in e.detail for e in credential_entries for secret in (session, token))


def test_outdated_password_hashes_are_upgraded_at_sign_in(engine: Engine) -> None:
    with cheap_password_hashing():
        access.create_user(engine, "old.hash", PASSWORD, "analyst")
    stored = _password_hash(engine)
    assert access.PASSWORD_HASHER.check_needs_rehash(stored)
    access.authenticate(engine, "old.hash", PASSWORD, now=T0)
    upgraded = _password_hash(engine)
    assert upgraded != stored and not access.PASSWORD_HASHER.check_needs_rehash(upgraded)
    assert access.authenticate(engine, "old.hash", PASSWORD, now=T0).username == "old.hash"


def _password_hash(engine: Engine) -> str:
    with engine.connect() as conn:
        value: str = conn.execute(select(tables.users.c.password_hash)).scalar_one()
    return value


def test_user_list_flags_scoped_users_who_would_see_nothing(engine: Engine) -> None:
    access.create_user(engine, "fo1", PASSWORD, "field_officer", field_office="FO_EAST")
    store_structure(engine, {"FO_NORTH": ["KT01"]})
    access.create_user(engine, "fo2", PASSWORD, "field_officer", field_office="FO_NORTH")
    problems = {r.user.username: r.problem for r in access.list_users(engine)}
    assert "FO_EAST is not in the current structure" in problems["fo1"]
    assert problems["fo2"] == ""


def test_audit_query_filters_and_pages(engine: Engine) -> None:
    with engine.begin() as conn:
        for i in range(30):
            audit.record(
                conn,
                actor=f"user{i % 3}",
                role="analyst",
                action="read_protected" if i % 2 else "write",
                entity="alert",
                entity_id=f"A-{i:03d}",
                detail=f"entry {i}",
                at=T0 + timedelta(minutes=i),
            )
    with engine.connect() as conn:
        newest = audit.query(conn, limit=5)
        assert [e.entity_id for e in newest] == ["A-029", "A-028", "A-027", "A-026", "A-025"]
        assert audit.query(conn, limit=5, offset=5)[0].entity_id == "A-024"
        assert audit.count(conn) == 30
        assert audit.count(conn, actor="user0") == 10
        assert audit.count(conn, action="read_protected", actor="user1") == 5
        window = audit.query(
            conn, since=T0 + timedelta(minutes=10), until=T0 + timedelta(minutes=20), limit=None
        )
        assert [e.entity_id for e in window] == [f"A-{i:03d}" for i in range(19, 9, -1)]
        assert audit.query(conn, entity="alert", entity_id="A-007")[0].at == T0 + timedelta(minutes=7)


def test_the_audit_log_refuses_update_and_delete_in_the_database(engine: Engine) -> None:
    """Append-only is enforced by the database (triggers), so it holds even outside PoC Hub's code."""
    with engine.begin() as conn:
        audit.record(
            conn, actor="admin", role="admin", action="write", entity="user", entity_id="x", detail="kept"
        )
    for statement in ("UPDATE audit_log SET detail = 'rewritten'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    [entry] = all_audit(engine)
    assert entry.detail == "kept"
