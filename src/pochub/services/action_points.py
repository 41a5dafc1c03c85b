"""Action point use cases (issue 17, items 2 and 4): the board per body and per post, owners updating their
action points, overdue ones escalated along the structure's path through the outbox, and a checklist
self-assessment's remedial measures made action points (the assessment kept and compared with the previous one).

The rules live here once: PoC advisers and administrators act on every action point; a user whose
``structure_role`` is the owner post acts on theirs; partners and gateways read none; an area-scoped user reads
the action points of their field office's bodies and those their post owns. Every write is audited; every step is
kept, dated and attributed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from pochub.core.coordination_practice.actions import (
    ActionLinks,
    ActionPoint,
    ActionStatus,
    ActionStep,
    action_step,
    check_action_point,
    escalation_body,
)
from pochub.core.coordination_practice.checklist_history import (
    TaskChange,
    assessment_document,
    compare_assessments,
)
from pochub.core.models.access import Role, User
from pochub.core.models.coordination import Structure
from pochub.core.text import N_, Message, Text
from pochub.core.toolkit.checklist import ChecklistAssessment
from pochub.errors import Conflict, Forbidden, InvalidInput, NotFound
from pochub.services.structures import current_structure
from pochub.services.team_access import readable_team_ids
from pochub.store import audit, tables

RUNNING_ROLES = frozenset({Role.ADMIN, Role.POC_ADVISER})
"""Roles that run every forum and act on every action point."""

NO_READ_ROLES = frozenset({Role.PARTNER, Role.GATEWAY})
"""Roles that read no forum and no action point."""

ESCALATION_DAYS = 7
"""An overdue action point climbs one body up the escalation path on its first day late and every week after."""

SYSTEM = "system"


@dataclass(frozen=True)
class ActionPointRecord:
    """A stored action point with where it stands."""

    action_point_id: int
    point: ActionPoint
    decision_id: int | None
    overdue: bool
    days_late: int
    escalated_to: str
    created_at: datetime

    @property
    def what_text(self) -> Text:
        """What is to be done as a person reads it: a checklist's remedial measure is a catalogue text, shown in
        the reader's language; anything else as written."""
        what = self.point.what
        if self.point.links.checklist_task and "{" not in what and "}" not in what:
            return Message(what)
        return what

    @property
    def reference(self) -> str:
        """How people name it: AP-12."""
        return f"AP-{self.action_point_id}"

    def as_dict(self) -> dict[str, Any]:
        """As the API and the CLI's JSON show it."""
        return {
            "id": self.action_point_id,
            "reference": self.reference,
            "what": self.point.what,
            "owner_post": self.point.owner_post,
            "due": self.point.due.isoformat(),
            "body": self.point.body_id,
            "status": self.point.status.value,
            "note": self.point.note,
            "links": self.point.links.as_dict(),
            "decision_id": self.decision_id,
            "overdue": self.overdue,
            "days_late": self.days_late,
            "escalated_to": self.escalated_to or None,
            "team": None if self.team_id is None else {
                "id": self.team_id, "page": f"/teams/{self.team_id}", "api": f"/api/v1/teams/{self.team_id}",
            },
        }  # fmt: skip

    @property
    def team_id(self) -> int | None:
        """The joint team whose recommendation it carries, when the reader may read that team (else None)."""
        return self.point.links.team_id


def require_structure_for_forums(conn: Connection) -> Structure:
    """The stored structure; InvalidInput when none is stored (forums and action points need one)."""
    structure = current_structure(conn)
    if structure is None:
        raise InvalidInput(
            N_("no coordination structure is stored: import one first (pochub structure import)")
        )
    return structure


def may_read(user: User) -> None:
    """Forbidden for roles that read no forum or action point."""
    if user.role in NO_READ_ROLES:
        raise Forbidden(Message(N_("a {role} may not read forums or action points"), role=user.role.value))


def may_run_forum(user: User, structure: Structure, body_id: str) -> None:
    """PoC advisers and administrators run every forum; a user whose post is the body's secretariat (or chair)
    runs that body's meetings; anyone else is refused."""
    body = structure.body(body_id)
    if body is None:
        raise NotFound(Message(N_("no body '{body}' in the structure"), body=body_id))
    if user.role in RUNNING_ROLES:
        return
    if user.structure_role and user.structure_role in {body.secretariat, body.chair, body.co_chair} - {None}:
        return
    raise Forbidden(
        Message(N_("only a PoC adviser or the secretariat of {body} may run its meetings"), body=body.name)
    )


def _reads(user: User, structure: Structure, body_id: str, owner_post: str) -> bool:
    """The one read rule of action points (and meetings, with ``owner_post`` empty)."""
    if user.role in NO_READ_ROLES:
        return False
    if user.mission_wide:
        return True
    if user.structure_role and user.structure_role == owner_post:
        return True
    body = structure.body(body_id)
    return body is not None and body.field_office is not None and body.field_office == user.field_office


def reads_body(user: User, structure: Structure, body_id: str) -> bool:
    """May ``user`` read the meetings of ``body_id``?"""
    return _reads(user, structure, body_id, "")


def _point(row: Any, teams: frozenset[int] | None = None) -> ActionPoint:
    """The stored action point; its team link only when the team is among ``teams`` (the ones the reader may
    read: see :func:`readable_teams`); None keeps it, for the writers' checks."""
    team_id = row.team_id if teams is None or row.team_id in teams else None
    links = ActionLinks(
        row.threat_key, row.alert_reference, row.community_id, row.commitment_id, row.checklist_task, team_id
    )
    return ActionPoint(
        row.what, row.owner_post, row.due, row.body_id, ActionStatus(row.status), links, row.note
    )


def readable_teams(conn: Connection, user: User, rows: Any) -> frozenset[int]:
    """The teams linked from ``rows`` (stored action points) that ``user`` may read: a link to another area's team
    is left out of what the reader sees, so the team is never named to them."""
    return readable_team_ids(conn, user, (row.team_id for row in rows))


def _record(row: Any, today: date, teams: frozenset[int] = frozenset()) -> ActionPointRecord:
    """The record as a reader sees it: the team link kept only for the teams in ``teams``."""
    point = _point(row, teams)
    return ActionPointRecord(
        row.action_point_id, point, row.decision_id, point.overdue(today), point.days_late(today),
        row.escalated_to, row.created_at,
    )  # fmt: skip


def insert_action_point(
    conn: Connection,
    user: User,
    point: ActionPoint,
    *,
    decision_id: int | None,
    now: datetime,
) -> int:
    """Store one checked action point (open) and its first step, inside the caller's transaction; its id."""
    action_point_id = conn.execute(
        insert(tables.action_points).values(
            decision_id=decision_id, body_id=point.body_id, what=point.what.strip(), owner_post=point.owner_post,
            due=point.due, status=ActionStatus.OPEN.value, note=point.note, **{
                k: (v if v is not None or k in ("commitment_id", "team_id") else "") for k, v in point.links.as_dict().items()
            }, created_by=user.username, created_at=now,
        )
    ).inserted_primary_key[0]  # type: ignore[index]  # fmt: skip
    conn.execute(
        insert(tables.action_point_steps).values(
            action_point_id=action_point_id, action="made", status=ActionStatus.OPEN.value, note="",
            actor=user.username, at=now,
        )
    )  # fmt: skip
    audit.record(
        conn, actor=user.username, role=user.role.value, action="write", entity="action_point",
        entity_id=str(action_point_id), detail=f"made for {point.body_id}, owner {point.owner_post}", at=now,
    )  # fmt: skip
    return int(action_point_id)


def action_points_board(
    engine: Engine,
    user: User,
    *,
    body_id: str | None = None,
    owner_post: str | None = None,
    team_id: int | None = None,
    include_ended: bool = False,
    today: date | None = None,
) -> list[ActionPointRecord]:
    """The action points ``user`` may read, of one body, one owner post and/or one joint team (its
    recommendations'; none when the user may not read the team): overdue first (longest late on top), then by due
    date; done and dropped ones only on request."""
    may_read(user)
    day = today or datetime.now(UTC).date()
    with engine.connect() as conn:
        structure = require_structure_for_forums(conn)
        query = select(tables.action_points)
        if body_id is not None:
            query = query.where(tables.action_points.c.body_id == body_id)
        if owner_post is not None:
            query = query.where(tables.action_points.c.owner_post == owner_post)
        if team_id is not None:
            query = query.where(tables.action_points.c.team_id == team_id)
        if not include_ended:
            query = query.where(
                tables.action_points.c.status.in_([ActionStatus.OPEN.value, ActionStatus.IN_PROGRESS.value])
            )
        rows = [r for r in conn.execute(query).all() if _reads(user, structure, r.body_id, r.owner_post)]
        teams = readable_teams(conn, user, rows)
    if team_id is not None and team_id not in teams:  # another area's team is never named, even by its points
        return []
    records = [_record(row, day, teams) for row in rows]
    return sorted(records, key=lambda r: (not r.overdue, -r.days_late, r.point.due, r.action_point_id))


def action_point(
    engine: Engine, user: User, action_point_id: int, *, today: date | None = None
) -> ActionPointRecord:
    """One action point the user may read; NotFound otherwise (the same answer as for none)."""
    may_read(user)
    with engine.connect() as conn:
        structure = require_structure_for_forums(conn)
        row = conn.execute(
            select(tables.action_points).where(tables.action_points.c.action_point_id == action_point_id)
        ).first()
        if row is None or not _reads(user, structure, row.body_id, row.owner_post):
            raise NotFound(Message(N_("no action point {number}"), number=action_point_id))
        teams = readable_teams(conn, user, [row])
    return _record(row, today or datetime.now(UTC).date(), teams)


def action_point_steps(engine: Engine, user: User, action_point_id: int) -> list[dict[str, Any]]:
    """Every step of an action point the user may read, oldest first."""
    action_point(engine, user, action_point_id)
    with engine.connect() as conn:
        rows = conn.execute(
            select(tables.action_point_steps)
            .where(tables.action_point_steps.c.action_point_id == action_point_id)
            .order_by(tables.action_point_steps.c.step_id)
        ).all()
    return [
        {"action": r.action, "status": r.status, "note": r.note, "actor": r.actor, "at": r.at.isoformat()}
        for r in rows
    ]


def update_action_point(
    engine: Engine,
    user: User,
    action_point_id: int,
    step: ActionStep,
    *,
    note: str = "",
    now: datetime | None = None,
) -> ActionPointRecord:
    """Take ``step`` on an action point: PoC advisers, administrators and the owner post's holders may; the step
    is recorded, dated and attributed, and audited."""
    moment = now or datetime.now(UTC)
    may_read(user)
    with engine.begin() as conn:
        structure = require_structure_for_forums(conn)
        row = conn.execute(
            select(tables.action_points).where(tables.action_points.c.action_point_id == action_point_id)
        ).first()
        if row is None or not _reads(user, structure, row.body_id, row.owner_post):
            raise NotFound(Message(N_("no action point {number}"), number=action_point_id))
        if user.role not in RUNNING_ROLES and user.structure_role != row.owner_post:
            raise Forbidden(
                Message(
                    N_("only the owner ({post}) or a PoC adviser may update this action point"),
                    post=structure.title_of(row.owner_post),
                )
            )
        after = action_step(_point(row), step, note=note)
        changed = conn.execute(
            update(tables.action_points)
            .where(
                tables.action_points.c.action_point_id == action_point_id,
                tables.action_points.c.version == row.version,
            )
            .values(status=after.status.value, note=after.note, version=row.version + 1)
        ).rowcount
        if changed != 1:
            raise Conflict(N_("someone changed this action point meanwhile: reload it and try again"))
        conn.execute(
            insert(tables.action_point_steps).values(
                action_point_id=action_point_id, action=step.value, status=after.status.value, note=note.strip(),
                actor=user.username, at=moment,
            )
        )  # fmt: skip
        audit.record(
            conn, actor=user.username, role=user.role.value, action="write", entity="action_point",
            entity_id=str(action_point_id), detail=step.value, at=moment,
        )  # fmt: skip
        row = conn.execute(
            select(tables.action_points).where(tables.action_points.c.action_point_id == action_point_id)
        ).one()
        teams = readable_teams(conn, user, [row])
    return _record(row, moment.date(), teams)


def escalate_overdue_action_points(
    engine: Engine, *, now: datetime | None = None, worker: str = "escalation-worker"
) -> list[str]:
    """Escalate every overdue action point to the body its lateness reaches on the deciding body's escalation
    path, once per body: one outbox row per escalation (as alerts' notifications), the step and the audit entry
    written in the same transaction. The escalation worker calls it beside the alerts' escalation. The
    references escalated."""
    moment = now or datetime.now(UTC)
    today = moment.date()
    escalated: list[str] = []
    with engine.begin() as conn:
        structure = current_structure(conn)
        if structure is None:
            return []
        rows = conn.execute(
            select(tables.action_points).where(
                tables.action_points.c.status.in_([ActionStatus.OPEN.value, ActionStatus.IN_PROGRESS.value]),
                tables.action_points.c.due < today,
            )
        ).all()
        for row in rows:
            point = _point(row)
            target = escalation_body(point, structure, today, ESCALATION_DAYS)
            if target is None or target == row.escalated_to:
                continue
            changed = conn.execute(
                update(tables.action_points)
                .where(
                    tables.action_points.c.action_point_id == row.action_point_id,
                    tables.action_points.c.version == row.version,
                )
                .values(escalated_to=target, version=row.version + 1)
            ).rowcount
            if changed != 1:
                continue
            reference = f"AP-{row.action_point_id}"
            payload = {
                "kind": "action_point_escalated", "action_point": reference, "what": row.what,
                "owner_post": row.owner_post, "due": row.due.isoformat(), "body": row.body_id,
                "escalated_to": target, "days_late": point.days_late(today),
            }  # fmt: skip
            conn.execute(
                insert(tables.outbox).values(
                    dedupe_key=f"action_point:{row.action_point_id}:{target}", created_at=moment, alert_id=None,
                    kind="action_point_escalated", target=target, payload=json.dumps(payload), status="pending",
                    attempts=0, next_attempt_at=moment, exercise_id=None,
                )
            )  # fmt: skip
            conn.execute(
                insert(tables.action_point_steps).values(
                    action_point_id=row.action_point_id, action="escalate", status=row.status,
                    note=f"escalated to {target}", actor=worker, at=moment,
                )
            )  # fmt: skip
            audit.record(
                conn, actor=worker, role=SYSTEM, action="write", entity="action_point",
                entity_id=str(row.action_point_id), detail=f"escalated to {target}", at=moment,
            )  # fmt: skip
            escalated.append(reference)
    return escalated


# --- the checklist over time ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistRecorded:
    """A kept assessment, the action points its measures gave, and the comparison with the previous one."""

    assessment_id: int
    previous_as_of: date | None
    action_points: tuple[int, ...]
    changes: tuple[TaskChange, ...]


def record_checklist_assessment(
    engine: Engine,
    user: User,
    assessment: ChecklistAssessment,
    *,
    body_id: str,
    due_in_days: int = 30,
    now: datetime | None = None,
) -> ChecklistRecorded:
    """Keep a self-assessment; each remedial measure of a question not met becomes an action point of
    ``body_id`` (owner: the answer's owner when it is a post of the structure, else the body's secretariat or
    chair; due: the answer's date, else ``due_in_days`` after the assessment), unless an open action point already
    carries that measure; the assessment is compared task by task with the previous one kept."""
    moment = now or datetime.now(UTC)
    with engine.begin() as conn:
        structure = require_structure_for_forums(conn)
        may_run_forum(user, structure, body_id)
        body = structure.body(body_id)
        assert body is not None
        previous = conn.execute(
            select(tables.checklist_assessments).order_by(
                tables.checklist_assessments.c.as_of.desc(),
                tables.checklist_assessments.c.assessment_id.desc(),
            )
        ).first()
        document = assessment_document(assessment)
        assessment_id = conn.execute(
            insert(tables.checklist_assessments).values(
                as_of=assessment.as_of, score=assessment.score, document=json.dumps(document),
                recorded_by=user.username, recorded_at=moment,
            )
        ).inserted_primary_key[0]  # type: ignore[index]  # fmt: skip
        open_measures = {
            (r.checklist_task, r.what)
            for r in conn.execute(
                select(tables.action_points.c.checklist_task, tables.action_points.c.what).where(
                    tables.action_points.c.checklist_task != "",
                    tables.action_points.c.status.in_(
                        [ActionStatus.OPEN.value, ActionStatus.IN_PROGRESS.value]
                    ),
                )
            )
        }
        made = []
        fallback = body.secretariat or body.chair
        for task in assessment.tasks:
            for item in task.open_measures:
                what = item.remedial_measure.strip()
                key = f"{task.task.key}/{item.question.key}"
                if not what or (key, what) in open_measures:
                    continue
                owner = item.owner if structure.post(item.owner) is not None else fallback
                due = item.due_date or assessment.as_of + timedelta(days=due_in_days)
                due = max(due, assessment.as_of)
                point = ActionPoint(what, owner, due, body_id, links=ActionLinks(checklist_task=key))
                check_action_point(point, structure, assessment.as_of)
                made.append(insert_action_point(conn, user, point, decision_id=None, now=moment))
        audit.record(
            conn, actor=user.username, role=user.role.value, action="write", entity="checklist_assessment",
            entity_id=str(assessment_id), detail=f"score {assessment.score:.1f}, {len(made)} action point(s)",
            at=moment,
        )  # fmt: skip
    before = json.loads(previous.document) if previous is not None else None
    return ChecklistRecorded(
        int(assessment_id),
        previous.as_of if previous is not None else None,
        tuple(made),
        compare_assessments(before, document),
    )


@dataclass(frozen=True)
class ActionPointsPeriod:
    """Action points opened and ended (done or dropped) in a period, as the weekly report counts them."""

    opened: tuple[ActionPointRecord, ...]
    done: tuple[ActionPointRecord, ...]
    dropped: tuple[ActionPointRecord, ...]
    overdue: tuple[ActionPointRecord, ...]
    """Open at the period's end and past their due date."""


def action_points_in_period(engine: Engine, user: User, start: datetime, end: datetime) -> ActionPointsPeriod:
    """The action points the user may read opened in ``[start, end)``, those done or dropped in it (by their
    last step), and those overdue at its end: what the weekly situation report says of actions taken and pending."""
    may_read(user)
    with engine.connect() as conn:
        structure = require_structure_for_forums(conn)
        rows = {
            r.action_point_id: r
            for r in conn.execute(select(tables.action_points))
            if _reads(user, structure, r.body_id, r.owner_post)
        }
        teams = readable_teams(conn, user, rows.values())
        ended = {
            s.action_point_id: s.action
            for s in conn.execute(
                select(tables.action_point_steps.c.action_point_id, tables.action_point_steps.c.action).where(
                    tables.action_point_steps.c.action.in_(
                        [ActionStep.COMPLETE.value, ActionStep.DROP.value]
                    ),
                    tables.action_point_steps.c.at >= start,
                    tables.action_point_steps.c.at < end,
                )
            )
        }
    day = end.date()
    readable = {k: _record(r, day, teams) for k, r in rows.items()}

    def created_in(row: Any) -> bool:
        at: datetime = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
        return start <= at < end

    return ActionPointsPeriod(
        opened=tuple(r for k, r in readable.items() if created_in(rows[k])),
        done=tuple(r for k, r in readable.items() if ended.get(k) == ActionStep.COMPLETE.value),
        dropped=tuple(r for k, r in readable.items() if ended.get(k) == ActionStep.DROP.value),
        overdue=tuple(
            r for r in readable.values() if r.overdue and created_in_or_before(rows[r.action_point_id], end)
        ),
    )


def created_in_or_before(row: Any, end: datetime) -> bool:
    """Was the action point made before ``end``?"""
    at: datetime = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return at < end
