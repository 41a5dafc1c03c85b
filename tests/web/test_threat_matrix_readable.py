"""The threat matrix reads on a laptop and prints: few columns, labelled numbers, the two largest drivers per row,
at most the top communities, details that fold out, a print style; unknown exposure said in words (both
backends, English and French)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.core.threats.matrix import TOP_COMMUNITIES
from pochub.documents.threat_matrix import render_html
from pochub.http.app import create_app
from pochub.services.access import create_user
from pochub.services.demo_mission import load_demo
from pochub.services.threat_listing import list_threats
from pochub.services.threats import assess
from pochub.store import tables
from tests.csrf_tokens import with_csrf_tokens

PASSWORD = "a long enough password"


@pytest.fixture
def demo(engine: Engine, database_url: str) -> Iterator[tuple[Engine, TestClient]]:
    load_demo(engine, Settings(), seed=2, n_communities=300, n_events=2000)
    create_user(engine, "viewer", PASSWORD, "viewer")
    app = create_app(Settings(database_url=database_url, workers=False))
    try:
        with with_csrf_tokens(TestClient(app)) as client:
            response = client.post(
                "/login", data={"username": "viewer", "password": PASSWORD}, follow_redirects=False
            )
            assert response.status_code == 303
            yield engine, client
    finally:
        app.state.engine.dispose()


def test_the_page_fits_names_drivers_and_folds_details(demo: tuple[Engine, TestClient]) -> None:
    engine, client = demo
    records = list_threats(engine, level=2).records
    page = client.get("/threats").text
    header = re.search(r"<thead>(.*?)</thead>", page, re.S)
    assert header is not None and header.group(1).count("<th") <= 8
    assert page.count("<details") >= len(records)
    assert "Risk (of 25)" in page and "likelihood " in page and " × impact " in page
    for record in records:
        assert len(record.drivers) == 2
        assert len(record.communities_at_risk) <= TOP_COMMUNITIES
        assert record.population_at_risk is not None and record.exposure_basis == "communities"
    top = records[0]
    names = {"likelihood": "likelihood", "severity": "severity of the threat type", "harm": "harm in the evidence",
             "exposure": "people exposed", "vulnerability": "vulnerability",
             "capacity": "weak capacity of other actors"}  # fmt: skip
    assert ", ".join(names[d] for d in top.drivers) in page
    assert "unknown (scored 3 of 5)" in page  # other actors' capacity: no data source holds it
    french = client.get("/threats", headers={"Accept-Language": "fr"}).text
    assert "Risque (sur 25)" in french and "Principaux facteurs" in french


def test_without_communities_exposure_is_unknown_not_zero(demo: tuple[Engine, TestClient]) -> None:
    engine, client = demo
    with engine.begin() as conn:
        conn.execute(delete(tables.communities))
    matrix = assess(engine, level=2)
    assert all(r.population_at_risk is None and r.exposure_basis == "unknown" for r in matrix.records)
    page = client.get("/threats").text
    assert page.count('<span class="unknown">unknown</span>') == len(matrix.records)
    html = render_html(matrix, {}, None, "en")
    assert "0 people" not in html
    assert html.count("unknown: no communities or population data for the area") == len(matrix.records)
    assert "@media print" in html and "<details>" in html
