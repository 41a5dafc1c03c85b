"""Community profile use cases: read a community's profile as the reader may, save a new version, the history.

Saving never overwrites: each save is a new version, dated and attributed, and refused if someone saved another
version since the editor loaded theirs (no lost update). The focal point is protected: roles without a need to know
never receive it, and reading it is audited. Area rules are the engagements' (one function, ``community_for``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from pochub.core.models.access import Role, User, can_read_protected
from pochub.core.perspectives.profiles import (
    CommunityProfile,
    changes,
    check_profile,
    for_reader,
    from_document,
    to_document,
)
from pochub.core.text import N_, Message, Text
from pochub.errors import Conflict, Forbidden, InvalidRows, NotFound, RowError
from pochub.ingest.community_profiles import profile_from_fields, profile_to_fields, read_profiles
from pochub.services import actors
from pochub.services.engagements import community_for
from pochub.store import audit, tables

EDITING_ROLES = frozenset({Role.ADMIN, Role.POC_ADVISER, Role.FIELD_OFFICER, Role.CLA})
"""Roles that keep profiles (area-scoped ones for their area)."""


@dataclass(frozen=True)
class ProfileVersion:
    """A community's profile at one version, as the reader may see it."""

    community_id: str
    community: str
    version: int
    profile: CommunityProfile
    changed_by: str
    changed_at: datetime | None
    note: str


@dataclass(frozen=True)
class HistoryEntry:
    """One saved version: who, when, why, and which fields changed."""

    version: int
    changed_by: str
    changed_at: datetime
    note: str
    changes: tuple[Text, ...]


def community_profile(engine: Engine, user: User, community_id: str) -> ProfileVersion:
    """The newest version (version 0, empty, when none was saved yet)."""
    with engine.begin() as conn:
        name, _pcode = community_for(conn, user, community_id)
        row = conn.execute(
            select(tables.community_profiles)
            .where(tables.community_profiles.c.community_id == community_id)
            .order_by(tables.community_profiles.c.version.desc())
            .limit(1)
        ).first()
        if row is None:
            return ProfileVersion(community_id, name, 0, CommunityProfile(), "", None, "")
        profile = from_document(json.loads(row.document))
        if profile.focal_point and can_read_protected(user.role):
            audit.record(
                conn, actor=user.username, role=user.role.value, action="read_protected", entity="community_profile",
                entity_id=community_id, detail="focal_point",
            )  # fmt: skip
    return ProfileVersion(
        community_id,
        name,
        row.version,
        for_reader(profile, user.role),
        row.changed_by,
        row.changed_at,
        row.note,
    )


def save_profile(
    engine: Engine,
    user: User,
    community_id: str,
    profile: CommunityProfile,
    *,
    based_on: int,
    note: str = "",
    now: datetime | None = None,
) -> int:
    """Save ``profile`` as the next version; ``based_on`` is the version the editor started from. Every editing
    role is a need-to-know role, so an editor always saw the focal point they save."""
    _may_edit(user)
    check_profile(profile)
    with engine.begin() as conn:
        return _save(conn, user, community_id, profile, based_on, note, now or datetime.now(UTC))


def _may_edit(user: User) -> None:
    if user.role not in EDITING_ROLES:
        raise Forbidden(Message(N_("a {role} may not edit community profiles"), role=user.role.value))


def _current(conn: Connection, community_id: str) -> tuple[int, str | None]:
    latest = conn.execute(
        select(tables.community_profiles.c.version, tables.community_profiles.c.document)
        .where(tables.community_profiles.c.community_id == community_id)
        .order_by(tables.community_profiles.c.version.desc())
        .limit(1)
    ).first()
    return (latest.version, latest.document) if latest is not None else (0, None)


def _save(
    conn: Connection, user: User, community_id: str, profile: CommunityProfile, based_on: int, note: str,
    moment: datetime,
) -> int:  # fmt: skip
    """The next version inside the caller's transaction (area checked, no lost update, audited); each threat's
    perpetrator, as the community names them, is linked to the actor registry where a source spells it so."""
    community_for(conn, user, community_id)
    profile = _linked(conn, profile)
    current, _document = _current(conn, community_id)
    if current != based_on:
        raise Conflict(
            Message(
                N_("someone saved version {current} of this profile since you opened version {based_on}: reload it"),
                current=current, based_on=based_on,
            )
        )  # fmt: skip
    try:
        conn.execute(
            insert(tables.community_profiles).values(
                community_id=community_id, version=current + 1, document=json.dumps(to_document(profile)),
                changed_by=user.username, changed_at=moment, note=note.strip(),
            )
        )  # fmt: skip
    except IntegrityError as exc:  # a concurrent save took the same version number
        raise Conflict(N_("someone saved this profile at the same moment: reload it")) from exc
    audit.record(
        conn, actor=user.username, role=user.role.value, action="write", entity="community_profile",
        entity_id=community_id, detail=f"version {current + 1}", at=moment,
    )  # fmt: skip
    return current + 1


def _linked(conn: Connection, profile: CommunityProfile) -> CommunityProfile:
    """The profile with each named perpetrator's registry actor (matched without regard to case), when known."""
    if not any(t.perpetrator for t in profile.named_threats):
        return profile
    registry = {name.casefold(): actor for name, actor in actors.name_mapping(conn).items()}
    threats = tuple(
        replace(t, registry_actor=registry.get(t.perpetrator.strip().casefold(), t.registry_actor))
        for t in profile.named_threats
    )
    return replace(profile, named_threats=threats)


@dataclass(frozen=True)
class ProfilesImported:
    """What a profiles import did: new versions saved, rows equal to the current profile left as they were."""

    file: str
    saved: int
    unchanged: int


def import_profiles(
    engine: Engine, user: User, path: Path, *, note: str = "", now: datetime | None = None
) -> ProfilesImported:
    """Every row of a profiles table (CSV, XLSX, KoBo export) as the next version of its community's profile, all
    or none: a community outside the user's area or unknown is a row error like a bad value."""
    _may_edit(user)
    rows = read_profiles(path)
    moment = now or datetime.now(UTC)
    saved = unchanged = 0
    with engine.begin() as conn:
        errors = []
        for row in rows:
            try:
                community_for(conn, user, row.community_id)
            except NotFound:
                errors.append(RowError(str(path), row.line, "community_id", row.community_id,
                                       "no community of your area has this id"))  # fmt: skip
        if errors:
            raise InvalidRows(errors, len(errors), file=str(path))
        for row in rows:
            current, document = _current(conn, row.community_id)
            if document is not None and from_document(json.loads(document)) == _linked(conn, row.profile):
                unchanged += 1
                continue
            _save(
                conn,
                user,
                row.community_id,
                row.profile,
                current,
                note or f"imported from {path.name}",
                moment,
            )
            saved += 1
    return ProfilesImported(str(path), saved, unchanged)


def profile_history(engine: Engine, user: User, community_id: str) -> list[HistoryEntry]:
    """Every version, newest first, with the fields each changed (a protected field named, never shown)."""
    with engine.connect() as conn:
        community_for(conn, user, community_id)
        rows = conn.execute(
            select(tables.community_profiles)
            .where(tables.community_profiles.c.community_id == community_id)
            .order_by(tables.community_profiles.c.version)
        ).all()
    entries = []
    before: CommunityProfile | None = None
    for row in rows:
        profile = from_document(json.loads(row.document))
        entries.append(
            HistoryEntry(
                row.version, row.changed_by, row.changed_at, row.note, tuple(changes(before, profile))
            )
        )
        before = profile
    return entries[::-1]


def profiled_communities(engine: Engine) -> int:
    """How many communities have a profile (for the demo's and the first steps' figures)."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count(func.distinct(tables.community_profiles.c.community_id)))
            ).scalar_one()
        )


def profile_form(engine: Engine, user: User, community_id: str) -> tuple[ProfileVersion, dict[str, str]]:
    """The profile as the edit form shows it: each field as text people write (lists, 'name: value' pairs)."""
    current = community_profile(engine, user, community_id)
    return current, profile_to_fields(current.profile)


def save_profile_form(
    engine: Engine, user: User, community_id: str, fields: dict[str, str], *, based_on: int, note: str = ""
) -> tuple[int | None, dict[str, str]]:
    """Save the edit form as the next version: (the version, {}) or (None, the reason per field to fix)."""
    _may_edit(user)
    profile, errors = profile_from_fields(fields)
    if profile is None:
        return None, errors
    return save_profile(engine, user, community_id, profile, based_on=based_on, note=note), {}
