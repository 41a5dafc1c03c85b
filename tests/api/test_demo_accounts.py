"""`pochub demo` prints one sign-in per role; each signs in to the API with the printed password, but the
gateway, whose printed credential posts to intake and opens nothing else."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.http.app import create_app
from pochub.services.demo_mission import create_demo_accounts
from pochub.store.database import connect
from tests.conftest import CliRunner
from tests.csrf_tokens import with_csrf_tokens


def test_demo_prints_sign_ins_that_work(cli: CliRunner, database_url: str) -> None:
    made = cli("--database", database_url, "demo", "--events", "300", "--communities", "100")
    assert made.code == 0, made.err
    rows = re.findall(r"│ (\w+)\s+│ (\w+)\s+│ ([\w-]+)\s+│ (\S+)\s+│", made.out)
    assert ("head", "field_officer", "fo_besu") in {row[:3] for row in rows}  # Besu's head of office
    assert "head holds head_of_office_fo_besu" in made.err and "adviser holds senior_poc_adviser" in made.err
    roles = {role for _, role, _, _ in rows}
    assert roles == {
        "admin",
        "poc_adviser",
        "analyst",
        "field_officer",
        "cla",
        "planner",
        "trainer",
        "viewer",
        "partner",
        "gateway",
    }
    with with_csrf_tokens(
        TestClient(create_app(Settings(database_url=database_url, workers=False)))
    ) as client:
        for username, role, office, password in rows:
            if role == "gateway":
                client.cookies.clear()  # the gateway's credential alone, not the last sign-in's cookie
                gateway = {"X-Pochub-Gateway-Key": password}
                posted = client.post(
                    "/api/v1/intake/sms", data={"From": "+243810000001", "Body": "armed men"}, headers=gateway
                )
                assert posted.status_code == 201, posted.text
                assert client.get("/api/v1/alerts", headers=gateway).status_code == 401  # intake only
                signed = client.post("/api/v1/auth/login", json={"username": username, "password": password})
                assert signed.status_code == 401
                continue
            signed = client.post("/api/v1/auth/login", json={"username": username, "password": password})
            assert signed.status_code == 200, (username, signed.text)
            me = client.get(
                "/api/v1/auth/me", headers={"Authorization": f"Bearer {signed.json()['access_token']}"}
            )
            assert me.json()["role"] == role
            assert (me.json()["field_office"] or "mission-wide") == office
    engine = connect(database_url)
    try:
        assert create_demo_accounts(engine, "fo_besu") == []  # made once: existing sign-ins are kept
    finally:
        engine.dispose()
    again = cli("--database", database_url, "demo", "--events", "300", "--communities", "100")
    assert again.code == 0, again.err  # a second run updates bases in place (units keep their home bases)
    assert "already exist" in again.out
