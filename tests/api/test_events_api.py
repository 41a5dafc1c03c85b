"""The API over real SQLite and PostgreSQL: health, counts, GeoJSON with bounding-box and date filters."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from pochub.config import Settings
from pochub.http.app import create_app
from pochub.ingest.acled import ACLED
from pochub.ingest.events import ImportOptions
from pochub.services.imports import import_events
from tests.api.access_helpers import auth_header, make_user
from tests.conftest import shared_file


@pytest.fixture
def client(engine: Engine, database_url: str) -> TestClient:
    import_events(
        engine,
        shared_file("acled-mali/acled_mali_2017-01-01_2019-02-27.csv"),
        ACLED,
        ImportOptions(),
        Settings(),
        kind="acled",
    )
    _, token = make_user(engine, "analyst")
    return TestClient(create_app(Settings(database_url=database_url)), headers=auth_header(token))


def test_health(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_count_and_filters(client: TestClient) -> None:
    assert client.get("/api/v1/events/count").json() == {"events": 1339}
    in_2018 = client.get("/api/v1/events/count", params={"start": "2018-01-01", "end": "2018-12-31"}).json()
    assert 0 < in_2018["events"] < 1339
    # Mopti region, roughly
    box = "-5.5,13.5,-1.5,16.0"
    collection = client.get("/api/v1/events", params={"bbox": box, "limit": 50000}).json()
    assert collection["type"] == "FeatureCollection" and collection["features"]
    for feature in collection["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert -5.5 <= lon <= -1.5 and 13.5 <= lat <= 16.0
        assert "raw" not in feature["properties"]
    counted = client.get("/api/v1/events/count", params={"bbox": box}).json()["events"]
    assert counted == len(collection["features"])


def test_limit_truncates(client: TestClient) -> None:
    body = client.get("/api/v1/events", params={"limit": 10}).json()
    assert len(body["features"]) == 10 and body["truncated"] is True


def test_bad_parameters_are_client_errors(client: TestClient) -> None:
    assert client.get("/api/v1/events", params={"bbox": "1,2,3"}).status_code == 422
    assert client.get("/api/v1/events", params={"start": "2020-02-30"}).status_code == 422
    assert (
        client.get("/api/v1/events/count", params={"start": "2020-01-02", "end": "2020-01-01"}).status_code
        == 422
    )


def test_summary_endpoint(client: TestClient, tmp_path: Path) -> None:
    rows = client.get("/api/v1/events/summary", params={"by": "category"}).json()
    assert sum(r["events"] for r in rows) == 1339
