"""The threat matrix page on both backends: sorted and filtered on the server, evidence per row, overrides with
a reason (validated, recorded beside the computed value), read-only for roles that may not change it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.http.app import create_app
from pochub.services.access import create_user
from pochub.services.demo_mission import load_demo
from pochub.services.threat_listing import list_threats
from pochub.web.threat_matrix import row_anchor
from tests.csrf_tokens import with_csrf_tokens

PASSWORD = "a long enough password"


@pytest.fixture
def demo(engine: Engine, database_url: str) -> Iterator[tuple[Engine, TestClient]]:
    """A small demo mission with an analyst and a viewer; the application on it."""
    load_demo(engine, Settings(), seed=2, n_communities=300, n_events=2000)
    create_user(engine, "analyst", PASSWORD, "analyst", display_name="Ana Lyst")
    create_user(engine, "viewer", PASSWORD, "viewer")
    app = create_app(Settings(database_url=database_url, workers=False))
    try:
        with with_csrf_tokens(TestClient(app)) as client:
            yield engine, client
    finally:
        app.state.engine.dispose()  # the server's pool: PostgreSQL connections are shared by every suite


def sign_in(client: TestClient, username: str) -> None:
    client.cookies.clear()
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303


def ranks(html: str) -> list[int]:
    return [
        int(r) for r in re.findall(r'<tr id="threat-[0-9a-f]+"[^>]*>\s*<td class="number">(\d+)</td>', html)
    ]


def test_the_matrix_sorts_filters_and_shows_evidence(demo: tuple[Engine, TestClient]) -> None:
    engine, client = demo
    records = list_threats(engine, level=2).records
    assert len(records) > 5
    sign_in(client, "viewer")
    page = client.get("/threats")
    assert page.status_code == 200
    assert ranks(page.text) == sorted(r.rank for r in records)
    assert 'aria-sort="ascending"' in page.text
    by_population = client.get("/threats", params={"sort": "population_at_risk", "dir": "desc"}).text
    expected = [r.rank for r in sorted(records, key=lambda r: (-r.population_at_risk, r.rank))]
    assert ranks(by_population) == expected
    assert 'aria-sort="descending"' in by_population

    top = min(records, key=lambda r: r.rank)
    only = client.get("/threats", params={"area": top.area_pcode, "threat_type": top.threat_type}).text
    kept = [
        r for r in records if r.area_pcode.startswith(top.area_pcode) and r.threat_type == top.threat_type
    ]
    assert sorted(ranks(only)) == sorted(r.rank for r in kept)
    assert f"Evidence ({len(top.evidence_ids)} events)" in only
    assert f"/?area={top.area_pcode}&amp;end=" in only  # the link to the evidence on the map
    nothing = client.get("/threats", params={"band": "unacceptable", "phase": "no such phase"}).text
    assert "No threat matches these filters." in nothing
    # a viewer reads the matrix but gets no override form, and a forged post is refused
    assert 'action="/threats/override"' not in page.text
    refused = client.post(
        "/threats/override", data={"key": top.key, "field": "likelihood", "value": "2", "reason": "seen"}
    )
    assert refused.status_code == 403
    assert "Your role may read the threat matrix but not change it." in refused.text
    assert not list_threats(engine, level=2).records[0].overrides
    french = client.get("/threats", headers={"Accept-Language": "fr"}).text
    assert "Matrice des menaces" in french and "Rang" in french


@pytest.mark.parametrize(
    ("form", "messages"),
    [
        (
            {"field": "likelihood", "value": "", "reason": ""},
            ["Enter the new value.", "Give the reason for the override"],
        ),
        ({"field": "likelihood", "value": "9", "reason": "patrol report"}, ["Enter a number from 1 to 5."]),
        ({"field": "risk", "value": "30", "reason": "patrol report"}, ["Enter a number from 1 to 25."]),
        ({"field": "phase", "value": "later", "reason": "patrol report"}, ["Enter one of: prevention"]),
        ({"field": "rank", "value": "1", "reason": "patrol report"}, ["Choose the value to override."]),
    ],
)
def test_an_override_form_says_what_is_wrong(
    demo: tuple[Engine, TestClient], form: dict[str, str], messages: list[str]
) -> None:
    engine, client = demo
    top = list_threats(engine, level=2).records[0]
    sign_in(client, "analyst")
    response = client.post("/threats/override", data={"key": top.key, "back": "/threats?sort=risk", **form})
    assert response.status_code == 422
    for message in messages:
        assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert f'value="{form["value"]}"' in response.text or not form["value"]  # what was typed is kept
    assert not list_threats(engine, level=2).records[0].overrides


def test_an_analyst_overrides_with_a_reason(demo: tuple[Engine, TestClient]) -> None:
    engine, client = demo
    top = list_threats(engine, level=2).records[0]
    sign_in(client, "analyst")
    response = client.post(
        "/threats/override",
        data={
            "key": top.key,
            "field": "likelihood",
            "value": "2",
            "reason": "JPT visit: militia left",
            "back": "/threats?sort=risk&dir=desc",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/threats?sort=risk&dir=desc#{row_anchor(top.key)}"
    after = next(r for r in list_threats(engine, level=2).records if r.key == top.key)
    assert after.likelihood == 2.0
    assert after.overrides[0].computed == top.likelihood and after.overrides[0].analyst == "Ana Lyst"
    page = client.get("/threats").text
    assert "Likelihood: 2.0 instead of the computed" in page
    assert "Reason: JPT visit: militia left" in page
