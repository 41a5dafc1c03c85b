"""Community profiles on both backends: versions dated and attributed, no lost update, the focal point only for
need-to-know roles (and a partner's save cannot erase it), reading it audited, other areas out of reach."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, insert, select

from pochub.core.models.access import PROTECTED_READERS, Role, User
from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.profiles import CommunityProfile, NamedThreat, Strategy, VulnerableGroup
from pochub.errors import Conflict, Forbidden, NotFound
from pochub.services import profiles
from pochub.store import tables

CLA = User(1, "cla.beni", Role.CLA, field_office="Beni", area_pcodes=("CD61",))
OFFICER = User(2, "fo.beni", Role.FIELD_OFFICER, field_office="Beni", area_pcodes=("CD61",))
OTHER = User(3, "cla.bunia", Role.CLA, field_office="Bunia", area_pcodes=("CD54",))
ANALYST = User(4, "analyst", Role.ANALYST)
PARTNER = User(5, "partner", Role.PARTNER)


@pytest.fixture
def mission(engine: Engine) -> Engine:
    with engine.begin() as conn:
        conn.execute(
            insert(tables.communities),
            [{"community_id": "C1", "name": "Mavivi", "latitude": 0.4, "longitude": 29.4, "pcode": "CD6101"}],
        )
    return engine


FIRST = CommunityProfile(
    vulnerable_groups=frozenset({VulnerableGroup.DISPLACED}),
    named_threats=(NamedThreat(ThreatType.ABDUCTION, "the men from the hills"),),
    strategies=frozenset({Strategy.NIGHT_WATCH}),
    languages=("Kinande", "Swahili"),
    focal_point="Mama Kavira, +243 81 000 0222",
)


def test_versions_are_kept_dated_and_attributed(mission: Engine) -> None:
    empty = profiles.community_profile(mission, CLA, "C1")
    assert empty.version == 0 and empty.profile == CommunityProfile()
    assert profiles.save_profile(mission, CLA, "C1", FIRST, based_on=0, note="visit of 2 May") == 1
    second = CommunityProfile(
        **{**FIRST.__dict__, "strategies": frozenset({Strategy.NIGHT_WATCH, Strategy.SAFE_PLACES})}
    )
    assert profiles.save_profile(mission, OFFICER, "C1", second, based_on=1) == 2
    current = profiles.community_profile(mission, CLA, "C1")
    assert (
        current.version == 2
        and current.changed_by == "fo.beni"
        and Strategy.SAFE_PLACES in current.profile.strategies
    )
    history = profiles.profile_history(mission, ANALYST, "C1")
    assert [(h.version, h.changed_by, [str(c) for c in h.changes]) for h in history] == [
        (2, "fo.beni", ["self-protection changed"]),
        (1, "cla.beni", ["profile created"]),
    ]
    # the editor who opened version 1 cannot overwrite version 2
    with pytest.raises(Conflict, match="version 2"):
        profiles.save_profile(mission, CLA, "C1", FIRST, based_on=1)


def test_the_focal_point_is_need_to_know_and_reading_it_is_audited(mission: Engine) -> None:
    profiles.save_profile(mission, CLA, "C1", FIRST, based_on=0)
    assert profiles.community_profile(mission, OFFICER, "C1").profile.focal_point == FIRST.focal_point
    assert profiles.community_profile(mission, ANALYST, "C1").profile.focal_point == ""
    with mission.connect() as conn:
        reads = conn.execute(
            select(tables.audit_log.c.actor).where(tables.audit_log.c.action == "read_protected")
        ).scalars().all()  # fmt: skip
    assert reads == ["fo.beni"]
    # nothing in the history reveals it either
    assert "Kavira" not in repr(profiles.profile_history(mission, ANALYST, "C1"))


def test_roles_and_areas(mission: Engine) -> None:
    with pytest.raises(Forbidden):
        profiles.save_profile(mission, ANALYST, "C1", FIRST, based_on=0)
    with pytest.raises(Forbidden):
        profiles.save_profile(mission, PARTNER, "C1", FIRST, based_on=0)
    with pytest.raises(NotFound):
        profiles.community_profile(mission, OTHER, "C1")
    with pytest.raises(NotFound):
        profiles.save_profile(mission, OTHER, "C1", FIRST, based_on=0)
    with pytest.raises(NotFound):
        profiles.profile_history(mission, OTHER, "C1")
    assert profiles.profiled_communities(mission) == 0


def test_every_editor_is_a_need_to_know_role() -> None:
    """So an editor always saw the focal point they save: no save can erase what its author could not see."""
    assert profiles.EDITING_ROLES <= PROTECTED_READERS


def test_a_named_perpetrator_is_linked_to_the_actor_registry(mission: Engine) -> None:
    with mission.begin() as conn:
        conn.execute(insert(tables.actor_names), [
            {"name": "ADF", "actor": "Allied Democratic Forces", "sources": "acled", "events": 12},
        ])  # fmt: skip
    said = CommunityProfile(
        named_threats=(
            NamedThreat(ThreatType.ABDUCTION, "adf"),
            NamedThreat(ThreatType.KILLING, "the hill men"),
        )
    )
    profiles.save_profile(mission, CLA, "C1", said, based_on=0)
    stored = profiles.community_profile(mission, CLA, "C1").profile.named_threats
    assert [(t.perpetrator, t.registry_actor) for t in stored] == [
        ("adf", "Allied Democratic Forces"),
        ("the hill men", ""),
    ]
