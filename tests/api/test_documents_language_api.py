"""Documents served by the API in the user's language, on both backends: ``?language=`` first, else the
``pochub_lang`` cookie the web's selector sets, else Accept-Language, else English."""

from __future__ import annotations

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


def test_terms_of_reference_and_organogram_follow_the_chosen_language(
    client: TestClient, engine: Engine
) -> None:
    store_document(engine, document())
    _, token = make_user(engine, Role.ANALYST)
    headers = auth_header(token)
    tor = f"{BASE}/bodies/mission_poc_wg/tor"

    english = client.get(tor, headers=headers)
    assert english.status_code == 200 and english.headers["content-language"] == "en"
    assert "Terms of reference: Mission PoC Working Group" in english.text and "Termes" not in english.text

    french = client.get(tor, params={"language": "fr"}, headers=headers)
    assert french.status_code == 200 and french.headers["content-language"] == "fr"
    assert "Termes de référence : Groupe de travail sur la protection des civils" in french.text
    assert "Mission PoC Working Group" not in french.text  # the body's name in the document's language
    assert "1. Nom et niveau" in french.text and "Name and level" not in french.text

    client.cookies.set("pochub_lang", "fr")
    from_cookie = client.get(tor, headers=headers)
    assert "1. Nom et niveau" in from_cookie.text and from_cookie.headers["content-language"] == "fr"
    asked = client.get(tor, params={"language": "en"}, headers=headers)
    assert "1. Name and level" in asked.text  # the query wins over the cookie
    svg = client.get(f"{BASE}/organogram.svg", headers=headers)
    assert "Stratégique" in svg.text and "Strategic" not in svg.text
    client.cookies.clear()

    browser = client.get(tor, headers={**headers, "Accept-Language": "fr-CD,fr;q=0.9"})
    assert "1. Nom et niveau" in browser.text
    assert client.get(tor, params={"language": "de"}, headers=headers).status_code == 422
