"""An exercise's road cuts never bring a community closer (demo mission, both backends): the cut roads stay in the
graph, closed, so places snap to the same nodes as without the cut (deleting them moved a village off a cut track
onto a connected road, and a cut could raise the exercise's coverage)."""

from __future__ import annotations

import random

import numpy as np
from sqlalchemy import Engine

from pochub.services.allocation import community_points
from pochub.services.exercises.coverage import load_mission


def test_cutting_roads_never_shortens_a_trip(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        mission = load_mission(conn)
    bases = list(mission.bases.values())
    places = community_points(mission.communities)
    rng = random.Random(5)
    ids = [r.road_id for r in mission.roads]
    for season in ("dry", "rainy"):
        open_hours = mission.network(frozenset(), season).hours(bases, places)
        for size in (1, 5, 40, len(ids) // 3):
            cut = frozenset(rng.sample(ids, k=min(size, len(ids))))
            cut_hours = mission.network(cut, season).hours(bases, places)
            assert np.all(cut_hours >= open_hours - 1e-9), (season, size)
        assert np.any(
            mission.network(frozenset(ids), season).hours(bases, places) > open_hours
        )  # cuts do matter
