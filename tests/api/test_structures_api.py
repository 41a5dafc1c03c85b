"""The structures API on both backends: the current structure, bodies, terms of reference, organogram, validation."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.core.models.access import Role
from pochub.http.app import create_app
from pochub.services.structures import store_document, template_text
from tests.api.access_helpers import auth_header, make_user

BASE = "/api/v1/structures"


@pytest.fixture
def client(engine: Engine, database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, workers=False))
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()


def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(template_text("poc_advisers_as_coordinators"))
    return loaded


def test_reads_need_a_signed_in_user_and_a_stored_structure(client: TestClient, engine: Engine) -> None:
    assert client.get(BASE).status_code == 401
    assert client.get(f"{BASE}/organogram.svg").status_code == 401
    _, token = make_user(engine, Role.VIEWER)
    missing = client.get(BASE, headers=auth_header(token))
    assert missing.status_code == 404 and "no coordination structure" in missing.json()["detail"]


def test_the_current_structure_its_bodies_tor_and_organogram(client: TestClient, engine: Engine) -> None:
    store_document(engine, document())
    _, token = make_user(engine, Role.ANALYST)
    headers = auth_header(token)
    current = client.get(BASE, headers=headers)
    assert current.status_code == 200
    assert current.json()["mission"]["coordinator_model"] == "poc_advisers_as_coordinators"
    bodies = {b["id"]: b for b in client.get(f"{BASE}/bodies", headers=headers).json()}
    assert bodies["field_poc_wg_north"]["escalation_path"] == ["mission_poc_wg", "smg_protection"]
    assert bodies["smg_protection"]["chair_title"] == "Head of Mission (SRSG)"
    assert bodies["mission_poc_wg"]["members"]["military"] == ["force_u3"]
    tor = client.get(f"{BASE}/bodies/mission_poc_wg/tor", headers=headers)
    assert tor.status_code == 200 and tor.headers["content-type"].startswith("text/html")
    assert "Terms of reference: Mission PoC Working Group" in tor.text
    assert client.get(f"{BASE}/bodies/nowhere/tor", headers=headers).status_code == 404
    svg = client.get(f"{BASE}/organogram.svg", headers=headers)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.content)
    assert len([g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "body"]) == len(
        bodies
    )


def test_validate_names_every_problem_without_storing(client: TestClient, engine: Engine) -> None:
    _, token = make_user(engine, Role.POC_ADVISER)
    headers = auth_header(token)
    valid = client.post(f"{BASE}/validate", json=document(), headers=headers).json()
    assert valid["valid"] is True and valid["bodies"] == 7 and valid["problems"] == []
    broken = document()
    broken["routing"]["rules"][2]["body"] = "joc2"
    broken["bodies"][1]["reports_to"] = "field_poc_wg_east"
    result = client.post(f"{BASE}/validate", json=broken, headers=headers).json()
    assert result["valid"] is False
    found = {(p["element"], p["message"]) for p in result["problems"]}
    assert ("routing.rules[2]", "body 'joc2' does not exist") in found
    assert (
        "bodies",
        "reporting-line cycle field_poc_wg_east -> mission_poc_wg -> field_poc_wg_east",
    ) in found
    shape = client.post(f"{BASE}/validate", json={"bodies": "none"}, headers=headers).json()
    assert shape["valid"] is False and any(p["element"] == "mission" for p in shape["problems"])
    assert client.get(BASE, headers=headers).status_code == 404  # nothing was stored
