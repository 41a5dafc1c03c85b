"""Coverage and plans on the demo mission, on SQLite and PostgreSQL: no season that only closes or slows roads gains
coverage, and every proposed site says where it is, what community is nearest and whom it newly covers."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator

import numpy as np
import pytest
import shapely
from sqlalchemy import Engine, create_engine, text

from pochub.config import Settings
from pochub.services.allocation import allocate, coverage, known_populations, marginal_order
from pochub.services.demo_mission import load_demo
from pochub.store import repositories
from pochub.store.database import connect, upgrade
from tests.conftest import PG_SERVER


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def mission(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The demo mission's geography as `pochub demo` makes it (seed 1, 2,000 communities, its roads, bases and
    units), with few events: the mission on which rain covered more than the dry season (44.97 % against
    44.42 % at 1 h, 86.35 % against 85.05 % at 2 h) while places snapped to the nearest open road."""
    admin = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('mission') / 'demo.db'}"
    else:
        schema = f"a_{uuid.uuid4().hex[:12]}"
        admin = create_engine(PG_SERVER)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    engine = connect(url)
    upgrade(engine)
    load_demo(engine, Settings(database_url=url), seed=1, n_communities=2000, n_events=300)
    try:
        yield engine
    finally:
        engine.dispose()
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()


def test_rain_never_gains_coverage_on_the_demo_mission(mission: Engine) -> None:
    standards = (1.0, 2.0, 4.0)
    dry = coverage(mission, standards=standards, season="dry").result
    rainy = coverage(mission, standards=standards, season="rainy").result
    assert (rainy.fastest_hours >= dry.fastest_hours).all()  # no community is reached sooner in the rain
    assert (rainy.covered_share <= dry.covered_share).all(), (dry.covered_share, rainy.covered_share)
    assert (rainy.fastest_hours > dry.fastest_hours).any()  # and rain does close or slow roads that matter


@pytest.mark.parametrize(("model", "p"), [("mclp", 3), ("pmedian", 2), ("lscp", 0)])
def test_proposed_sites_say_where_they_are_and_whom_they_newly_cover(
    mission: Engine, model: str, p: int
) -> None:
    run = allocate(mission, model, p=p, standard_hours=1.0, time_limit=30.0)
    rows = run.sites
    chosen = [run.candidates[i - len(run.bases)] for i in run.result.sites if i >= len(run.bases)]
    assert sorted(r["id"] for r in rows) == sorted(s.site_id for s in chosen)
    with mission.connect() as conn:
        areas = {a.pcode: a for a in repositories.load_admin_areas(conn, 2)}
    communities = run.communities
    for row in rows:
        area = areas[row["area_pcode"]]  # every demo candidate is a community inside the boundaries
        assert row["area_name"] == area.name
        assert area.geometry.intersects(shapely.Point(row["lon"], row["lat"]))
        km = [_km(row["lat"], row["lon"], c.latitude, c.longitude) for c in communities]
        nearest = int(np.argmin(km))
        assert row["nearest_community"] == communities[nearest].name
        assert row["nearest_community_km"] == pytest.approx(km[nearest], abs=0.051)
    # marginal, in the order of the proposal: each site counts whom no site above it covers; together they are
    # exactly the population the plan adds to today's posture
    gained = [r["population_newly_covered"] for r in rows]
    assert gained == sorted(gained, reverse=True)
    population = known_populations(communities)
    added = run.proposed.covered(1.0) & ~run.current.covered(1.0)
    assert sum(gained) == pytest.approx(population[added].sum(), abs=len(rows))
    if model == "mclp":
        assert gained[0] > 0


def test_marginal_order_counts_each_community_once_for_the_site_that_adds_the_most() -> None:
    reach = np.array([[1, 1, 0], [1, 0, 0], [0, 1, 1], [0, 0, 1]], dtype=bool)  # communities x sites
    population = np.array([100.0, 50.0, 10.0, 30.0])
    assert marginal_order(reach, population) == [(0, 150.0), (2, 40.0), (1, 0.0)]
    assert marginal_order(np.zeros((3, 0), dtype=bool), population[:3]) == []


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    a, b, c, d = map(math.radians, (lat1, lon1, lat2, lon2))
    cosine = math.sin(a) * math.sin(c) + math.cos(a) * math.cos(c) * math.cos(d - b)
    return 6371.0088 * math.acos(min(1.0, cosine))
