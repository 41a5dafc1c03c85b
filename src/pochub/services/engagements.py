"""Engagement use cases: record a meeting with a community, act on its commitments, and the commitments board.

Area rules live here once: an area-scoped user records engagements and acts on commitments only for communities of
their area, and sees only those (an id from another area answers "not found", as if it did not exist). Every write
is audited; every step of a commitment is kept, dated and attributed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from pochub.core.models.access import User, in_area
from pochub.core.models.alerts import Feedback, FeedbackChannel
from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.engagements import (
    ENGAGING_ROLES,
    AgeGroup,
    Commitment,
    CommitmentAction,
    CommitmentStatus,
    Concern,
    Engagement,
    EngagementKind,
    Sex,
    check_engagement,
    commitment_step,
)
from pochub.core.text import N_, Message
from pochub.errors import Conflict, Forbidden, NotFound
from pochub.services import idempotency
from pochub.store import audit, tables


@dataclass(frozen=True)
class CommitmentRecord:
    """A stored commitment with where it stands and where it comes from."""

    commitment_id: int
    engagement_id: int
    community_id: str
    community: str
    commitment: Commitment
    overdue: bool
    awaiting_feedback: bool


@dataclass(frozen=True)
class EngagementRecord:
    """A stored engagement and its commitments."""

    engagement_id: int
    engagement: Engagement
    recorded_by: str
    commitments: tuple[CommitmentRecord, ...]


def community_for(conn: Connection, user: User, community_id: str) -> tuple[str, str | None]:
    """The community's name and area, if ``user`` may see it; else NotFound (the same answer as for none). The one
    area rule of local perspectives: engagements, commitments and profiles all call it."""
    row = conn.execute(
        select(tables.communities.c.name, tables.communities.c.pcode).where(
            tables.communities.c.community_id == community_id
        )
    ).first()
    if row is None or not in_area(user, pcode=row.pcode, field_office=None):
        raise NotFound(Message(N_("no community '{community}'"), community=community_id))
    return row.name, row.pcode


def _participants_document(engagement: Engagement) -> str:
    return json.dumps(
        {f"{sex.value}/{age.value}": n for (sex, age), n in sorted(engagement.participants.items())}
    )


def record_engagement(
    engine: Engine, user: User, engagement: Engagement, *, now: datetime | None = None, key: str | None = None
) -> int:
    """Store an engagement and its commitments (open); its id. Refused for roles that do not engage and for
    communities outside the user's area. With an idempotency ``key`` (a phone's queue sending it again), the
    engagement first stored under the key is answered and nothing new is stored."""
    moment = now or datetime.now(UTC)
    if user.role not in ENGAGING_ROLES:
        raise Forbidden(
            Message(N_("a {role} may not record engagements with communities"), role=user.role.value)
        )
    check_engagement(engagement, moment.date())
    scope = f"engagement {engagement.community_id}"
    try:
        with engine.begin() as conn:
            if (first := idempotency.kept(conn, user, key, scope)) is not None:
                return int(first["engagement_id"])
            engagement_id = _store_engagement(conn, user, engagement, moment)
            idempotency.keep(conn, user, key, scope, {"engagement_id": engagement_id}, now=moment)
    except IntegrityError as error:
        if key is None:
            raise
        return int(idempotency.settled(engine, user, key, scope, error)["engagement_id"])
    return engagement_id


def _store_engagement(conn: Connection, user: User, engagement: Engagement, moment: datetime) -> int:
    """Insert the engagement, its commitments and their first steps, audited, in the caller's transaction."""
    community_for(conn, user, engagement.community_id)
    engagement_id = conn.execute(
        insert(tables.engagements).values(
            community_id=engagement.community_id, kind=engagement.kind.value, held_on=engagement.held_on,
            mission_posts=json.dumps(list(engagement.mission_posts)),
            participants=_participants_document(engagement),
            concerns=json.dumps([
                {"threat_type": c.threat_type.value, "place": c.place, "perpetrator": c.perpetrator, "note": c.note}
                for c in engagement.concerns
            ]),
            requests=json.dumps(list(engagement.requests)), recorded_by=user.username, recorded_at=moment,
        )
    ).inserted_primary_key[0]  # type: ignore[index]  # fmt: skip
    for commitment in engagement.commitments:
        commitment_id = conn.execute(
            insert(tables.commitments).values(
                engagement_id=engagement_id, community_id=engagement.community_id, what=commitment.what.strip(),
                owner_post=commitment.owner_post.strip(), due=commitment.due, status=CommitmentStatus.OPEN.value,
            )
        ).inserted_primary_key[0]  # type: ignore[index]  # fmt: skip
        conn.execute(
            insert(tables.commitment_steps).values(
                commitment_id=commitment_id, action="made", status=CommitmentStatus.OPEN.value, note="",
                actor=user.username, at=moment,
            )
        )  # fmt: skip
    audit.record(
        conn, actor=user.username, role=user.role.value, action="write", entity="engagement",
        entity_id=str(engagement_id), detail=engagement.kind.value, at=moment,
    )  # fmt: skip
    return int(engagement_id)


def _commitment(row: Any) -> Commitment:
    """A stored commitment row as the core's commitment."""
    feedback = None
    if row.feedback_message:
        feedback = Feedback(
            FeedbackChannel(row.feedback_channel), row.feedback_message, row.feedback_given_at
        )
    return Commitment(row.what, row.owner_post, row.due, CommitmentStatus(row.status), row.outcome, feedback)


def act_on_commitment(
    engine: Engine,
    user: User,
    commitment_id: int,
    action: CommitmentAction,
    *,
    outcome: str = "",
    feedback: Feedback | None = None,
    now: datetime | None = None,
) -> Commitment:
    """Take ``action`` on a commitment of the user's area; the step is recorded, dated and attributed."""
    moment = now or datetime.now(UTC)
    with engine.begin() as conn:
        row = conn.execute(
            select(tables.commitments).where(tables.commitments.c.commitment_id == commitment_id)
        ).first()  # fmt: skip
        if row is None:
            raise NotFound(Message(N_("no commitment {number}"), number=commitment_id))
        try:
            community_for(conn, user, row.community_id)
        except NotFound:
            raise NotFound(Message(N_("no commitment {number}"), number=commitment_id)) from None
        after = commitment_step(_commitment(row), action, user.role, outcome=outcome, feedback=feedback)
        changed = conn.execute(
            update(tables.commitments)
            .where(tables.commitments.c.commitment_id == commitment_id, tables.commitments.c.version == row.version)
            .values(
                status=after.status.value, outcome=after.outcome, version=row.version + 1,
                feedback_channel=after.feedback.channel.value if after.feedback else None,
                feedback_message=after.feedback.message if after.feedback else None,
                feedback_given_at=after.feedback.given_at if after.feedback else None,
            )
        ).rowcount  # fmt: skip
        if changed != 1:
            raise Conflict(N_("someone changed this commitment meanwhile: reload it and try again"))
        note = (
            after.feedback.message if action is CommitmentAction.CLOSE and after.feedback else outcome.strip()
        )
        conn.execute(
            insert(tables.commitment_steps).values(
                commitment_id=commitment_id, action=action.value, status=after.status.value, note=note,
                actor=user.username, at=moment,
            )
        )  # fmt: skip
        audit.record(
            conn, actor=user.username, role=user.role.value, action="write", entity="commitment",
            entity_id=str(commitment_id), detail=action.value, at=moment,
        )  # fmt: skip
    return after


def _records(conn: Connection, user: User, today: date, *where: object) -> list[CommitmentRecord]:
    query = select(
        tables.commitments, tables.communities.c.name.label("community"), tables.communities.c.pcode
    ).join(tables.communities, tables.communities.c.community_id == tables.commitments.c.community_id)
    for condition in where:
        query = query.where(condition)  # type: ignore[arg-type]
    records = []
    for row in conn.execute(query):
        if not in_area(user, pcode=row.pcode, field_office=None):
            continue
        commitment = _commitment(row)
        records.append(
            CommitmentRecord(
                row.commitment_id, row.engagement_id, row.community_id, row.community, commitment,
                commitment.overdue(today), commitment.awaiting_feedback(),
            )
        )  # fmt: skip
    return records


def commitments_board(
    engine: Engine, user: User, *, today: date | None = None, include_closed: bool = False
) -> list[CommitmentRecord]:
    """The commitments the user may see: overdue first (longest overdue on top), then those awaiting feedback to
    the community, then the rest by due date; closed ones only on request."""
    day = today or datetime.now(UTC).date()
    with engine.connect() as conn:
        where = [] if include_closed else [tables.commitments.c.status != CommitmentStatus.CLOSED.value]
        records = _records(conn, user, day, *where)
    return sorted(
        records,
        key=lambda r: (
            not r.overdue,
            not r.awaiting_feedback,
            r.commitment.due,
            r.community,
            r.commitment_id,
        ),
    )


def community_engagements(engine: Engine, user: User, community_id: str) -> list[EngagementRecord]:
    """A community's engagements, newest first, each with its commitments."""
    today = datetime.now(UTC).date()
    with engine.connect() as conn:
        community_for(conn, user, community_id)
        rows = conn.execute(
            select(tables.engagements)
            .where(tables.engagements.c.community_id == community_id)
            .order_by(tables.engagements.c.held_on.desc(), tables.engagements.c.engagement_id.desc())
        ).all()
        commitments = _records(conn, user, today, tables.commitments.c.community_id == community_id)
    by_engagement: dict[int, list[CommitmentRecord]] = {}
    for record in commitments:
        by_engagement.setdefault(record.engagement_id, []).append(record)
    result = []
    for row in rows:
        participants = {
            (Sex(key.split("/")[0]), AgeGroup(key.split("/")[1])): n
            for key, n in json.loads(row.participants).items()
        }
        engagement = Engagement(
            row.community_id, EngagementKind(row.kind), row.held_on, tuple(json.loads(row.mission_posts)), participants,
            tuple(Concern(ThreatType(c["threat_type"]), c["place"], c["perpetrator"], c["note"])
                  for c in json.loads(row.concerns)),
            tuple(json.loads(row.requests)),
            tuple(r.commitment for r in by_engagement.get(row.engagement_id, [])),
        )  # fmt: skip
        result.append(
            EngagementRecord(
                row.engagement_id,
                engagement,
                row.recorded_by,
                tuple(by_engagement.get(row.engagement_id, [])),
            )
        )
    return result
