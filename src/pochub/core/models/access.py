"""Users, roles and what each role may see (DOMAIN.md section 7: protective data handling).

Access follows the coordination structure: field officers and Community Liaison Assistants see their field
office's area of responsibility; the other roles work mission-wide. Informants' names and numbers are
need-to-know; viewers and partners see alert locations moved by a few kilometres.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a user does in the mission; it decides what they may see and do."""

    ADMIN = "admin"
    POC_ADVISER = "poc_adviser"
    ANALYST = "analyst"
    FIELD_OFFICER = "field_officer"
    CLA = "cla"
    PLANNER = "planner"
    TRAINER = "trainer"
    VIEWER = "viewer"
    PARTNER = "partner"
    GATEWAY = "gateway"
    """An SMS or form relay's service account: it posts to intake and may do nothing else."""


PROTECTED_READERS = frozenset({Role.ADMIN, Role.POC_ADVISER, Role.FIELD_OFFICER, Role.CLA})
"""Roles with a need to know who alerted: they call the informant back and give feedback to the community."""
FUZZED_ROLES = frozenset({Role.VIEWER, Role.PARTNER})
"""Roles that see alert locations moved by up to the configured distance, never the exact place."""
AREA_SCOPED_ROLES = frozenset({Role.FIELD_OFFICER, Role.CLA})
"""Roles that see only their field office's area of responsibility."""
SERVICE_ROLES = frozenset({Role.GATEWAY})
"""Roles of machines, not people: they never sign in with a password and reach only their own routes."""
PERSON_ROLES = frozenset(Role) - SERVICE_ROLES
"""Roles of people who sign in."""
INTAKE_ROLES = frozenset({Role.ADMIN, Role.CLA, Role.FIELD_OFFICER, Role.POC_ADVISER})
"""Roles of people who log an alert (a phone or radio call from a community), on the API and the alert desk."""
FACILITATOR_ROLES = frozenset({Role.ADMIN, Role.TRAINER})
"""Roles that create and run training exercises, and may read every team's exercise alerts."""


@dataclass(frozen=True)
class User:
    """A signed-in person: their role and, for area-scoped roles, their area of responsibility."""

    user_id: int
    username: str
    role: Role
    display_name: str = ""
    field_office: str | None = None
    area_pcodes: tuple[str, ...] = ()
    structure_role: str | None = None

    @property
    def mission_wide(self) -> bool:
        """True when the user is not limited to an area of responsibility."""
        return self.role not in AREA_SCOPED_ROLES


def can_read_protected(role: Role) -> bool:
    """May this role see informants' names and numbers?"""
    return role in PROTECTED_READERS


def location_fuzzed(role: Role) -> bool:
    """Does this role see alert locations fuzzed?"""
    return role in FUZZED_ROLES


def covers_pcode(area_pcodes: tuple[str, ...], pcode: str | None) -> bool:
    """Is ``pcode`` inside one of ``area_pcodes``? P-codes are hierarchical: KT01 covers KT0103."""
    return pcode is not None and any(pcode.startswith(area) for area in area_pcodes)


def in_area(user: User, *, pcode: str | None, field_office: str | None) -> bool:
    """May ``user`` see a record of this place? Mission-wide roles see all; others their office's area.

    An area-scoped user with neither a field office nor area P-codes sees nothing: that is a setup error the
    user list reports, never a reason to show everything.
    """
    if user.mission_wide:
        return True
    if field_office is not None and user.field_office is not None and field_office == user.field_office:
        return True
    return covers_pcode(user.area_pcodes, pcode)
