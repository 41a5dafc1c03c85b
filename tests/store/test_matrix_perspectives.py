"""The threat matrix listens to communities (demo mission, both backends): a profile's self-protection changes the
capacity and the risk of its area's rows, each row saying why; threats communities name show on their rows or in
the list of threats no event shows."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from sqlalchemy import Engine

from pochub.core.geography.areas import AreaIndex
from pochub.core.models.access import Role, User
from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.profiles import CommunityProfile, NamedThreat, Strategy, Trust
from pochub.services import profiles
from pochub.services.threats import assess
from pochub.store import repositories

CLA = User(1, "adviser", Role.POC_ADVISER)


def test_a_profile_changes_the_matrix_and_the_rows_say_why(demo_engine: Engine) -> None:
    before = assess(demo_engine, level=2)
    row = before.records[0]
    with demo_engine.connect() as conn:
        communities = repositories.load_communities(conn)
        index = AreaIndex.build(repositories.load_admin_areas(conn, 2), 2)
    codes, _ = index.locate(
        np.array([c.latitude for c in communities]), np.array([c.longitude for c in communities])
    )
    member = next(c for c, code in zip(communities, codes, strict=True) if code == row.area_pcode)
    current = profiles.community_profile(demo_engine, CLA, member.community_id)
    organised = CommunityProfile(
        strategies=frozenset({Strategy.EARLY_WARNING_COMMITTEE, Strategy.NIGHT_WATCH, Strategy.LEADERS_MEDIATION}),
        trust={"the police": Trust.TRUSTED},
        named_threats=(NamedThreat(ThreatType(row.threat_type), "as they call them"),
                       NamedThreat(ThreatType.FORCED_RECRUITMENT, "the recruiters")),
    )  # fmt: skip
    profiles.save_profile(demo_engine, CLA, member.community_id, organised, based_on=current.version)
    after = assess(demo_engine, level=2)
    changed = next(r for r in after.records if r.key == row.key)
    assert changed.other_actors_capacity is not None and changed.other_actors_capacity > (
        row.other_actors_capacity or 3
    )
    assert changed.risk < row.risk  # the community protects itself: less impact
    assert any(
        "profiled communities have organised self-protection" in str(f) for f in changed.capacity_factors
    )
    assert any("from the profiles of" in str(f) for f in changed.vulnerability_factors)
    assert changed.named_by_communities >= 1
    assert "the area's communities name this threat themselves" in " ".join(
        str(i) for i in changed.indicators
    )
    recorded = {(r.area_pcode, r.threat_type) for r in after.records}
    if (row.area_pcode, "forced_recruitment") not in recorded:
        assert (row.area_pcode, "forced_recruitment") in {(n[0], n[2]) for n in after.named_not_recorded}
    # other areas' rows are untouched
    others = {r.key: r.risk for r in before.records if r.area_pcode != row.area_pcode}
    assert all(r.risk == others[r.key] for r in after.records if r.key in others)
    profiles.save_profile(demo_engine, CLA, member.community_id, replace(organised, strategies=frozenset()),
                          based_on=current.version + 1)  # fmt: skip
    weaker = next(r for r in assess(demo_engine, level=2).records if r.key == row.key)
    assert weaker.risk > changed.risk
