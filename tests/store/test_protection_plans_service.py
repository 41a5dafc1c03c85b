"""Protection plans on both backends: versions with no lost update, the review signals computed from the events
recorded near the community, the list of plans with those needing review first, YAML plans read with clear errors,
and other areas out of reach."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from pochub.core.models.access import Role, User
from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.plans import Indicator, Party, PlanCommitment, ProtectionPlan
from pochub.core.perspectives.profiles import NamedThreat, Strategy
from pochub.errors import Conflict, Forbidden, InvalidInput, NotFound
from pochub.services import protection_plans
from pochub.store import tables

CLA = User(1, "cla.beni", Role.CLA, field_office="Beni", area_pcodes=("CD61",))
OTHER = User(3, "cla.bunia", Role.CLA, field_office="Bunia", area_pcodes=("CD54",))
ANALYST = User(4, "analyst", Role.ANALYST)
AGREED = date(2026, 3, 1)


def _event(n: int, latitude: float, day: date, threat: str | None) -> dict[str, object]:
    return {
        "source": "mission", "source_id": f"e{n}", "event_date": day, "date_precision": "day", "latitude": latitude,
        "longitude": 29.4, "geo_precision": 1, "category": "Violence against civilians",
        "source_event_type": "Violence against civilians", "threat_type": threat, "civilian_targeting": True,
        "fatalities_low": 0, "fatalities_best": 0, "fatalities_high": 0, "civilian_fatalities": 0,
        "source_grade": "B2", "raw": "{}",
    }  # fmt: skip


@pytest.fixture
def mission(engine: Engine) -> Engine:
    with engine.begin() as conn:
        conn.execute(
            insert(tables.communities),
            [
                {
                    "community_id": "C1",
                    "name": "Mavivi",
                    "latitude": 0.40,
                    "longitude": 29.4,
                    "pcode": "CD6101",
                },
                {
                    "community_id": "C2",
                    "name": "Oicha",
                    "latitude": 0.70,
                    "longitude": 29.5,
                    "pcode": "CD6102",
                },
            ],
        )
        conn.execute(
            insert(tables.events),
            [
                _event(
                    1, 0.43, AGREED + timedelta(days=10), "abduction_forced_disappearance"
                ),  # 3 km away: nearby
                _event(2, 0.60, AGREED + timedelta(days=10), "abduction_forced_disappearance"),  # 22 km away
                _event(
                    3, 0.41, AGREED - timedelta(days=10), "abduction_forced_disappearance"
                ),  # before the plan
                _event(4, 0.41, AGREED + timedelta(days=12), "killing"),  # not a watched type
            ],
        )
    return engine


def _plan(community: str = "C1") -> ProtectionPlan:
    return ProtectionPlan(
        community, AGREED, (NamedThreat(ThreatType.ABDUCTION, "men from the hills"),), "",
        ((Strategy.NIGHT_WATCH, ""),),
        (PlanCommitment(Party.MISSION, "FO Beni", "Patrol the field road", date(2026, 9, 1)),),
        (Indicator("An abduction within 10 km", ThreatType.ABDUCTION),),
    )  # fmt: skip


def test_a_plan_is_saved_and_flags_review_from_the_events_nearby(mission: Engine) -> None:
    assert protection_plans.save_plan(mission, CLA, _plan(), based_on=0) == 1
    current = protection_plans.current_plan(mission, ANALYST, "C1", today=date(2026, 3, 20))
    assert current.version == 1 and current.changed_by == "cla.beni"
    assert [str(r) for r in current.review_reasons] == [
        "events of the watched type nearby since 2026-03-01 (1): An abduction within 10 km"
    ]
    with pytest.raises(Conflict):
        protection_plans.save_plan(mission, CLA, _plan(), based_on=0)
    protection_plans.save_plan(mission, CLA, replace(_plan("C2"), agreed_on=date(2026, 3, 15)), based_on=0)
    listed = protection_plans.plans(mission, CLA, today=date(2026, 3, 20))
    assert [p.community_id for p in listed] == ["C1", "C2"]  # the one needing review first
    assert listed[1].review_reasons == ()


def test_roles_areas_and_files(mission: Engine, tmp_path: Path) -> None:
    with pytest.raises(Forbidden):
        protection_plans.save_plan(mission, ANALYST, _plan(), based_on=0)
    with pytest.raises(NotFound):
        protection_plans.save_plan(mission, OTHER, _plan(), based_on=0)
    protection_plans.save_plan(mission, CLA, _plan(), based_on=0, now=datetime(2026, 3, 2, tzinfo=UTC))
    with pytest.raises(NotFound):
        protection_plans.current_plan(mission, OTHER, "C1")
    assert protection_plans.plans(mission, OTHER) == []
    with pytest.raises(NotFound, match="no protection plan yet"):
        protection_plans.current_plan(mission, CLA, "C2")
    with pytest.raises(InvalidInput, match=r"plan.yaml: the plan lacks 'agreed_on'"):
        protection_plans.load_plan_file("plan.yaml", "community_id: C1\n")
    with pytest.raises(InvalidInput, match=r"plan.yaml: .*at least one threat"):
        protection_plans.load_plan_file(
            "plan.yaml",
            "community_id: C1\nagreed_on: 2026-03-01\ncommitments: [{party: mission, who: FO, what: x, due: 2026-04-01}]\n"
            "indicators: [{what: y}]\n",
        )
