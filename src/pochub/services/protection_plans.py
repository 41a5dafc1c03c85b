"""Community protection plan use cases: save a version, read the current plan, and the plans that need review.

A plan needs review when one of its indicators' event types was recorded near the community since the last
review, a commitment is overdue, or six months have passed (``core.perspectives.plans.review_due``). The area rule
is the one of every local-perspectives use case (``engagements.community_for``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import yaml
from sqlalchemy import Connection, Engine, and_, func, insert, select
from sqlalchemy.exc import IntegrityError

from pochub.core.allocation._geodesy import haversine_km
from pochub.core.models.access import Role, User, in_area
from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.plan_fields import PLAN_FIELDS, plan_from_fields, plan_to_fields
from pochub.core.perspectives.plans import (
    ProtectionPlan,
    Review,
    check_plan,
    from_document,
    review_due,
    to_document,
)
from pochub.core.text import N_, Message, Text
from pochub.errors import Conflict, Forbidden, InvalidInput, NotFound
from pochub.services.engagements import community_for
from pochub.store import audit, tables

NEARBY_KM = 10.0
"""An event within this distance of the community is "nearby" for a plan's indicators."""
PLANNING_ROLES = frozenset({Role.ADMIN, Role.POC_ADVISER, Role.FIELD_OFFICER, Role.CLA})
FORM_FIELDS = PLAN_FIELDS
"""The fields of the plan's edit form (``core.perspectives.plan_fields``)."""


@dataclass(frozen=True)
class PlanVersion:
    """The current plan of a community, with its version and why it needs review (empty: it does not)."""

    community_id: str
    community: str
    version: int
    plan: ProtectionPlan
    changed_by: str
    changed_at: datetime
    review_reasons: tuple[Text, ...]


def save_plan(
    engine: Engine, user: User, plan: ProtectionPlan, *, based_on: int, now: datetime | None = None
) -> int:
    """Save ``plan`` as the next version of its community's plan (``based_on``: the version the editor opened)."""
    if user.role not in PLANNING_ROLES:
        raise Forbidden(Message(N_("a {role} may not edit protection plans"), role=user.role.value))
    check_plan(plan)
    moment = now or datetime.now(UTC)
    with engine.begin() as conn:
        community_for(conn, user, plan.community_id)
        current = (
            conn.execute(
                select(func.max(tables.protection_plans.c.version)).where(
                    tables.protection_plans.c.community_id == plan.community_id
                )
            ).scalar()
            or 0
        )
        if current != based_on:
            raise Conflict(
                Message(
                    N_("someone saved version {current} of this plan since you opened version {based_on}: reload it"),
                    current=current, based_on=based_on,
                )
            )  # fmt: skip
        try:
            conn.execute(
                insert(tables.protection_plans).values(
                    community_id=plan.community_id, version=current + 1, document=json.dumps(to_document(plan)),
                    changed_by=user.username, changed_at=moment,
                )
            )  # fmt: skip
        except IntegrityError as exc:
            raise Conflict(N_("someone saved this plan at the same moment: reload it")) from exc
        audit.record(
            conn, actor=user.username, role=user.role.value, action="write", entity="protection_plan",
            entity_id=plan.community_id, detail=f"version {current + 1}", at=moment,
        )  # fmt: skip
    return current + 1


def load_plan_file(path: str, text: str) -> ProtectionPlan:
    """A plan written as YAML (the form a field office fills in with the community), checked."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(
            Message(N_("{path}: cannot read the plan: {reason}"), path=path, reason=str(exc))
        ) from exc
    if not isinstance(document, dict):
        raise InvalidInput(Message(N_("{path}: a plan is a YAML object"), path=path))
    try:
        return from_document(document)
    except InvalidInput as exc:
        raise InvalidInput(Message(N_("{path}: {reason}"), path=path, reason=exc.message)) from exc


def events_nearby(
    conn: Connection, latitude: float, longitude: float, since: date, today: date
) -> dict[ThreatType, int]:
    """Events against civilians within ``NEARBY_KM`` of a place after ``since`` up to ``today``, by threat type."""
    rows = conn.execute(
        select(tables.events.c.latitude, tables.events.c.longitude, tables.events.c.threat_type).where(
            and_(
                tables.events.c.event_date > since, tables.events.c.event_date <= today,
                tables.events.c.threat_type.is_not(None), tables.events.c.duplicate_of.is_(None),
                tables.events.c.latitude.between(latitude - 0.2, latitude + 0.2),
                tables.events.c.longitude.between(longitude - 0.2, longitude + 0.2),
            )
        )
    ).all()  # fmt: skip
    if not rows:
        return {}
    distances = haversine_km(
        np.array([latitude]),
        np.array([longitude]),
        np.array([r.latitude for r in rows]),
        np.array([r.longitude for r in rows]),
    ).ravel()
    counts: dict[ThreatType, int] = {}
    for row, km in zip(rows, distances, strict=True):
        if km <= NEARBY_KM:
            counts[ThreatType(row.threat_type)] = counts.get(ThreatType(row.threat_type), 0) + 1
    return counts


def current_plan(engine: Engine, user: User, community_id: str, *, today: date | None = None) -> PlanVersion:
    """The community's current plan and why it needs review now."""
    day = today or datetime.now(UTC).date()
    with engine.connect() as conn:
        name, _ = community_for(conn, user, community_id)
        row = conn.execute(
            select(tables.protection_plans)
            .where(tables.protection_plans.c.community_id == community_id)
            .order_by(tables.protection_plans.c.version.desc())
            .limit(1)
        ).first()
        if row is None:
            raise NotFound(Message(N_("{community} has no protection plan yet"), community=name))
        plan = from_document(json.loads(row.document))
        place = conn.execute(
            select(tables.communities.c.latitude, tables.communities.c.longitude).where(
                tables.communities.c.community_id == community_id
            )
        ).one()
        last = max([plan.agreed_on, *(r.held_on for r in plan.reviews)])
        nearby = events_nearby(conn, place.latitude, place.longitude, last, day)
    return PlanVersion(
        community_id, name, row.version, plan, row.changed_by, row.changed_at,
        tuple(review_due(plan, day, events_nearby=nearby)),
    )  # fmt: skip


def plans(engine: Engine, user: User, *, today: date | None = None) -> list[PlanVersion]:
    """Every current plan of the user's area, those that need review first."""
    with engine.connect() as conn:
        latest = (
            select(
                tables.protection_plans.c.community_id, func.max(tables.protection_plans.c.version).label("v")
            )
            .group_by(tables.protection_plans.c.community_id)
            .subquery()
        )
        rows = conn.execute(
            select(tables.protection_plans.c.community_id, tables.communities.c.pcode)
            .join(latest, and_(latest.c.community_id == tables.protection_plans.c.community_id,
                               latest.c.v == tables.protection_plans.c.version))
            .join(tables.communities, tables.communities.c.community_id == tables.protection_plans.c.community_id)
        ).all()  # fmt: skip
    visible = [r.community_id for r in rows if in_area(user, pcode=r.pcode, field_office=None)]
    found = [current_plan(engine, user, community_id, today=today) for community_id in visible]
    return sorted(found, key=lambda p: (not p.review_reasons, p.community))


def plan_form(
    engine: Engine, user: User, community_id: str, *, today: date | None = None
) -> tuple[str, int, ProtectionPlan | None, dict[str, str]]:
    """The community's plan as the edit form shows it: (the community's name, the version opened (0: none yet),
    the plan, the text of each field). Roles and area as for saving."""
    if user.role not in PLANNING_ROLES:
        raise Forbidden(Message(N_("a {role} may not edit protection plans"), role=user.role.value))
    day = today or datetime.now(UTC).date()
    with engine.connect() as conn:
        name, _ = community_for(conn, user, community_id)
        row = conn.execute(
            select(tables.protection_plans.c.version, tables.protection_plans.c.document)
            .where(tables.protection_plans.c.community_id == community_id)
            .order_by(tables.protection_plans.c.version.desc())
            .limit(1)
        ).first()
    plan = from_document(json.loads(row.document)) if row is not None else None
    return name, row.version if row is not None else 0, plan, plan_to_fields(plan, day)


def save_plan_form(
    engine: Engine,
    user: User,
    community_id: str,
    fields: dict[str, str],
    *,
    based_on: int,
    review: tuple[str, str, bool] | None = None,
    now: datetime | None = None,
) -> tuple[int | None, dict[str, Text]]:
    """Save the edit form as the next version of the plan: (the version, {}) or (None, the reason per field).
    ``review``: a review held (its day, its findings, whether it revised the plan), added to the plan's reviews
    under the user's name; the plan's other reviews are kept."""
    _, _, current, _ = plan_form(engine, user, community_id)
    new_review = None
    if review is not None:
        day, findings, revised = review
        try:
            held_on = date.fromisoformat(day.strip())
        except ValueError:
            return None, {"review_on": N_("write the day of the review as a date such as 2026-12-31")}
        new_review = Review(held_on, user.username, findings.strip(), revised)
    plan, errors = plan_from_fields(community_id, fields, current, new_review)
    if plan is None:
        return None, errors
    return save_plan(engine, user, plan, based_on=based_on, now=now), {}  # someone's save meanwhile: Conflict
