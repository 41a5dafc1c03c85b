"""What each role may see: protected sender details, fuzzed locations, areas of responsibility."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pochub.core.models.access import Role, User, can_read_protected, covers_pcode, in_area, location_fuzzed

NEED_TO_KNOW = {Role.ADMIN, Role.POC_ADVISER, Role.FIELD_OFFICER, Role.CLA}
FUZZED = {Role.VIEWER, Role.PARTNER}
SCOPED = {Role.FIELD_OFFICER, Role.CLA}


def user(role: Role, *, field_office: str | None = None, areas: tuple[str, ...] = ()) -> User:
    return User(user_id=1, username="u", role=role, field_office=field_office, area_pcodes=areas)


def test_the_ten_roles() -> None:
    assert {r.value for r in Role} == {
        "admin", "poc_adviser", "analyst", "field_officer", "cla", "planner", "trainer", "viewer", "partner",
        "gateway",
    }  # fmt: skip


@pytest.mark.parametrize("role", list(Role))
def test_need_to_know_fuzzing_and_scope_per_role(role: Role) -> None:
    assert can_read_protected(role) is (role in NEED_TO_KNOW)
    assert location_fuzzed(role) is (role in FUZZED)
    assert user(role).mission_wide is (role not in SCOPED)
    # nobody who sees fuzzed locations may read who alerted
    assert not (location_fuzzed(role) and can_read_protected(role))


def test_field_officer_sees_only_their_area() -> None:
    officer = user(Role.FIELD_OFFICER, field_office="FO_NORTH", areas=("KT01", "KT0305"))
    assert in_area(officer, pcode="KT0103", field_office=None)
    assert in_area(officer, pcode="KT0305", field_office="FO_SOUTH")
    assert in_area(officer, pcode=None, field_office="FO_NORTH")
    assert not in_area(officer, pcode="KT0201", field_office="FO_SOUTH")
    assert not in_area(officer, pcode="KT0306", field_office=None)
    assert not in_area(officer, pcode=None, field_office=None)


@pytest.mark.parametrize("role", sorted(set(Role) - SCOPED))
def test_mission_wide_roles_see_everything(role: Role) -> None:
    assert in_area(user(role), pcode="ZZ99", field_office="FO_ELSEWHERE")
    assert in_area(user(role), pcode=None, field_office=None)


pcodes = st.text(alphabet="KT0123456789", min_size=1, max_size=8)


@given(
    st.sampled_from(sorted(SCOPED)), st.one_of(st.none(), pcodes), st.one_of(st.none(), st.text(max_size=8))
)
def test_scoped_user_without_office_or_areas_sees_nothing(
    role: Role, pcode: str | None, office: str | None
) -> None:
    assert not in_area(user(role), pcode=pcode, field_office=office)


@given(st.lists(pcodes, max_size=4).map(tuple), pcodes)
def test_covers_pcode_is_prefix_containment(areas: tuple[str, ...], pcode: str) -> None:
    assert covers_pcode(areas, pcode) is any(pcode.startswith(a) for a in areas)
    assert covers_pcode((*areas, pcode), pcode + "01")
    assert not covers_pcode(areas, None)
