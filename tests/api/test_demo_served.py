"""The demo mission, loaded through the importers on both backends and served by the API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from pochub.config import Settings
from pochub.http.app import create_app
from pochub.services.demo_mission import load_demo
from pochub.store import tables
from tests.api.access_helpers import auth_header, make_user


def test_demo_mission_loads_and_serves(engine: Engine, database_url: str) -> None:
    steps = dict(load_demo(engine, Settings(), seed=3, n_communities=300, n_events=3000))
    assert steps["communities"]["stored"] == 300
    assert steps["ACLED-format events"]["stored"] >= 3000
    assert steps["UCDP-format events"]["duplicates_linked"] > 0
    with engine.connect() as conn:
        counts = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (tables.admin_areas, tables.bases, tables.units, tables.roads, tables.structures)
        }
        unlocated = conn.execute(
            select(func.count()).select_from(tables.events).where(tables.events.c.admin2_pcode.is_(None))
        ).scalar_one()
    assert (
        counts["admin_areas"] >= 20 and counts["bases"] > 10 and counts["units"] > 10 and counts["roads"] > 10
    )
    assert counts["structures"] == 1
    assert unlocated == 0, "every demo event falls in an admin-2 area"
    _, token = make_user(engine, "analyst")
    client = TestClient(create_app(Settings(database_url=database_url)), headers=auth_header(token))
    total = client.get("/api/v1/events/count").json()["events"]
    acled = steps["ACLED-format events"]["stored"]
    ucdp = steps["UCDP-format events"]
    assert total == acled + ucdp["stored"] - ucdp["duplicates_linked"]
    features = client.get("/api/v1/events", params={"threat_only": True, "limit": 100}).json()["features"]
    assert all(f["properties"]["threat_type"] for f in features)
    assert all(isinstance(f["properties"]["fatalities_best"], int) for f in features)
