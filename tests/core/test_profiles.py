"""Community profiles: round-trip through storage documents, protected focal point, checks, and the changes a
person reads between versions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pochub.core.models.access import PROTECTED_READERS, Role
from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.profiles import (
    Access,
    CommunityProfile,
    NamedThreat,
    Strategy,
    Trust,
    VulnerableGroup,
    changes,
    check_profile,
    for_reader,
    from_document,
    to_document,
)
from pochub.errors import InvalidInput

names = st.text(alphabet="abcdefghij -'", min_size=1, max_size=12).filter(lambda s: s.strip() != "")

profiles = st.builds(
    CommunityProfile,
    population_groups=st.dictionaries(names, st.integers(min_value=0, max_value=100_000), max_size=4),
    vulnerable_groups=st.frozensets(st.sampled_from(list(VulnerableGroup))),
    named_threats=st.lists(
        st.builds(NamedThreat, st.sampled_from(list(ThreatType)), st.text(max_size=20), st.text(max_size=20)),
        max_size=3,
    ).map(tuple),
    strategies=st.frozensets(st.sampled_from(list(Strategy))),
    capacities_note=st.text(max_size=40),
    needs=st.lists(st.text(max_size=20), max_size=3).map(tuple),
    phone_operators=st.dictionaries(names, st.booleans(), max_size=3),
    radio_coverage=st.one_of(st.none(), st.booleans()),
    languages=st.lists(names, max_size=3).map(tuple),
    alert_network=st.text(max_size=30),
    focal_point=st.text(max_size=30),
    access_by_season=st.dictionaries(names, st.sampled_from(list(Access)), max_size=2),
    trust=st.dictionaries(names, st.sampled_from(list(Trust)), max_size=3),
)


@given(profiles)
def test_a_profile_survives_storage(profile: CommunityProfile) -> None:
    assert from_document(to_document(profile)) == profile
    assert changes(profile, from_document(to_document(profile))) == []


def test_the_focal_point_is_for_need_to_know_roles_only() -> None:
    profile = CommunityProfile(focal_point="Mama Kavira, +243 81 000 0222", languages=("Kinande", "Swahili"))
    for role in Role:
        shown = for_reader(profile, role)
        assert (shown.focal_point == profile.focal_point) == (role in PROTECTED_READERS), role
        assert shown.languages == profile.languages


def test_changes_are_named_and_a_protected_one_is_not_shown() -> None:
    before = CommunityProfile(strategies=frozenset({Strategy.NIGHT_WATCH}), focal_point="A")
    after = CommunityProfile(
        strategies=frozenset({Strategy.NIGHT_WATCH, Strategy.SAFE_PLACES}), focal_point="B"
    )
    said = [str(c) for c in changes(before, after)]
    assert said == ["self-protection changed", "focal point changed"]
    assert not any("B" in c for c in said)
    assert [str(c) for c in changes(None, after)] == ["profile created"]


def test_what_a_person_would_not_write_is_refused() -> None:
    with pytest.raises(InvalidInput, match="fewer than 0"):
        check_profile(CommunityProfile(population_groups={"displaced": -5}))
    with pytest.raises(InvalidInput, match="needs a name"):
        check_profile(CommunityProfile(trust={" ": Trust.TRUSTED}))
    with pytest.raises(InvalidInput, match="strategies"):
        from_document({"strategies": ["prayer_vigil"]})
    with pytest.raises(InvalidInput, match="named_threats"):
        from_document({"named_threats": [{"threat_type": "witchcraft"}]})
