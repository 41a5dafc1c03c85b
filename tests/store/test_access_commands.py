"""`pochub users ...` and `pochub audit` on both backends."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import orjson
import pytest
from sqlalchemy import Engine, insert, select

from pochub.cli.users import parse_since
from pochub.services.access import authenticate
from pochub.store import tables
from tests.conftest import CliRunner

PASSWORD = "a long enough password"


def test_users_add_list_token_deactivate_and_audit(
    cli: CliRunner, engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = ("--database", database_url)
    with engine.begin() as conn:
        document = {"field_offices": [{"id": "FO_NORTH", "area_pcodes": ["KT01", "KT02"]}]}
        conn.execute(
            insert(tables.structures).values(
                name="t", document=orjson.dumps(document).decode(), imported_at=datetime.now(UTC)
            )
        )
    assert cli(*db, "users", "add", "admin1", "--role", "admin", "--password", PASSWORD).code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    added = cli(*db, "users", "add", "fo1", "--role", "field_officer", "--field-office", "FO_NORTH",
                "--name", "Field Officer North", "--password-stdin")  # fmt: skip
    assert added.code == 0, added.err
    assert "KT01, KT02" in added.err
    assert authenticate(engine, "fo1", PASSWORD).area_pcodes == ("KT01", "KT02")

    refused = cli(*db, "users", "add", "cla1", "--role", "cla", "--password", PASSWORD)
    assert refused.code == 1 and "field office" in refused.err
    unknown = cli(
        *db, "users", "add", "cla1", "--role", "cla", "--field-office", "FO_X", "--password", PASSWORD
    )
    assert unknown.code == 1 and "FO_NORTH" in unknown.err
    assert cli(*db, "users", "add", "x1", "--role", "general", "--password", PASSWORD).code == 2
    assert cli(*db, "users", "add", "admin1", "--role", "admin", "--password", PASSWORD).code == 1

    listed = json.loads(cli(*db, "users", "list", "--format", "json").out)
    assert {u["username"]: u["role"] for u in listed} == {"admin1": "admin", "fo1": "field_officer"}
    assert next(u for u in listed if u["username"] == "fo1")["area_pcodes"] == ["KT01", "KT02"]
    assert "Field Officer North" in cli(*db, "users", "list").out

    token = cli(*db, "users", "token", "fo1", "--name", "tablet", "--days", "3")
    assert token.code == 0 and len(token.out.strip()) >= 40
    with engine.connect() as conn:
        assert token.out.strip() not in set(conn.execute(select(tables.credentials.c.secret_hash)).scalars())

    assert cli(*db, "users", "deactivate", "fo1").code == 0
    assert cli(*db, "users", "token", "fo1").code == 1
    assert cli(*db, "users", "deactivate", "nobody").code == 1

    entries = json.loads(cli(*db, "audit", "--format", "json").out)
    details = " ".join(e["detail"] for e in entries)
    assert PASSWORD not in details and token.out.strip() not in details
    assert {(e["entity"], e["entity_id"]) for e in entries if e["action"] == "write"} >= {
        ("user", "admin1"), ("user", "fo1"), ("credential", "fo1"),
    }  # fmt: skip
    assert all(e["actor"].startswith("cli") for e in entries if e["action"] == "write")
    only_fo1 = json.loads(cli(*db, "audit", "--entity", "credential", "--format", "json").out)
    assert len(only_fo1) == 1 and "tablet" in only_fo1[0]["detail"]
    assert json.loads(cli(*db, "audit", "--since", "2999-01-01", "--format", "json").out) == []
    assert json.loads(cli(*db, "audit", "--since", "1h", "--actor", "fo1", "--format", "json").out)
    assert "audit log" in cli(*db, "audit").out
    assert cli(*db, "audit", "--since", "last tuesday").code == 1


def test_parse_since() -> None:
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    assert parse_since("2d", now) == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
    assert parse_since("90m", now) == datetime(2026, 3, 10, 10, 30, tzinfo=UTC)
    assert parse_since("2026-03-01", now) == datetime(2026, 3, 1, tzinfo=UTC)
    assert parse_since("2026-03-01T05:00:00+02:00", now) == datetime(2026, 3, 1, 3, tzinfo=UTC)
