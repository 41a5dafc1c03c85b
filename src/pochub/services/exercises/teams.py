"""The teams of an exercise: add one (trainees and the posts they play), find a trainee's team, and check
before the start what would make the exercise unfair to a team."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, exists, insert, select
from sqlalchemy.exc import IntegrityError

from pochub.core.exercise.clock import ClockStatus
from pochub.core.exercise.scenario import InjectKind
from pochub.core.models.access import FACILITATOR_ROLES, User, in_area
from pochub.core.models.alerts import ActionName
from pochub.core.text import N_, Message, joined
from pochub.core.workflow.lifecycle import (
    ACTION_LABELS,
    ACTION_ROLES,
)
from pochub.core.workflow.structure import field_office_of
from pochub.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from pochub.services import alerts as alert_service
from pochub.services.exercises.clock import exercise_status
from pochub.services.exercises.records import (
    EX,
    INJECTS,
    MEMBERS,
    TEAMS,
    exercise_row,
    real_moment,
    require_facilitator,
    team_rows,
)
from pochub.store import audit, tables


def add_team(
    engine: Engine,
    exercise_id: int,
    user: User,
    *,
    name: str,
    members: Sequence[tuple[str, str | None]],
    now: datetime | None = None,
) -> dict[str, Any]:
    """A team of trainees (username, the post of the coordination structure they play); one team each."""
    require_facilitator(user)
    if not name.strip():
        raise InvalidInput(N_("a team needs a name"))
    if not members:
        raise InvalidInput(N_("a team needs at least one member"))
    with engine.begin() as conn:
        row = exercise_row(conn, exercise_id)
        if row.status == ClockStatus.FINISHED.value:
            raise InvalidTransition(N_("the exercise is finished"))
        structure = alert_service.rules_for(conn).structure
        posts = {p.id for p in structure.roles}
        try:
            team_id = int(
                conn.execute(
                    insert(TEAMS)
                    .values(exercise_id=exercise_id, name=name.strip())
                    .returning(TEAMS.c.team_id)
                ).scalar_one()
            )
        except IntegrityError:
            raise Conflict(
                Message(
                    N_("exercise {exercise_id} has a team {name} already"),
                    exercise_id=exercise_id,
                    name=repr(name),
                )
            ) from None
        taken = {
            r.user_id
            for r in conn.execute(
                select(MEMBERS.c.user_id)
                .join(TEAMS, TEAMS.c.team_id == MEMBERS.c.team_id)
                .where(TEAMS.c.exercise_id == exercise_id, TEAMS.c.team_id != team_id)
            )
        }
        for username, post in members:
            trainee = conn.execute(
                select(tables.users.c.user_id, tables.users.c.active).where(
                    tables.users.c.username == username
                )
            ).first()
            if trainee is None or not trainee.active:
                raise NotFound(Message(N_("no active user {username}"), username=repr(username)))
            if trainee.user_id in taken:
                raise Conflict(
                    Message(N_("{username} is in another team of this exercise"), username=username)
                )
            if post is not None and post not in posts:
                raise InvalidInput(
                    Message(
                        N_("{post} is not a role of the coordination structure (known: {known})"),
                        post=repr(post),
                        known=", ".join(sorted(posts)),
                    )
                )
            try:
                conn.execute(insert(MEMBERS).values(team_id=team_id, user_id=trainee.user_id, post_id=post))
            except IntegrityError:
                raise InvalidInput(Message(N_("{username} is listed twice"), username=username)) from None
        audit.record(
            conn, actor=user.username, role=user.role.value, action="write", entity="exercise",
            entity_id=str(exercise_id), detail=f"team {name} ({len(members)} members)", at=real_moment(now),
        )  # fmt: skip
    return exercise_status(engine, exercise_id, now=now)


def team_of(conn: Connection, exercise_id: int, user: User) -> tuple[int, str, str | None]:
    """The user's team in the exercise: (team id, name, post); Forbidden when they play in none."""
    found = conn.execute(
        select(TEAMS.c.team_id, TEAMS.c.name, MEMBERS.c.post_id)
        .join(MEMBERS, MEMBERS.c.team_id == TEAMS.c.team_id)
        .where(TEAMS.c.exercise_id == exercise_id, MEMBERS.c.user_id == user.user_id)
    ).first()
    if found is None:
        raise Forbidden(
            Message(
                N_("{username} plays in no team of exercise {exercise_id}"),
                username=user.username,
                exercise_id=exercise_id,
            )
        )
    return int(found.team_id), str(found.name), found.post_id


def team_alert(conn: Connection, exercise_id: int, reference: str, user: User) -> tuple[int, str, str | None]:
    """Exercise isolation: the user's team (as ``team_of``) when alert ``reference`` is one of its alerts; NotFound
    otherwise (another team's alert, an operational one or none), Forbidden when the user plays in no team.

    Each team plays its own copy of every alert inject (``alerts.exercise_id`` is the team's id): this is the one
    check that lets a trainee see or act on an exercise alert, whichever edge asks.
    """
    team_id, name, post = team_of(conn, exercise_id, user)
    owner = conn.execute(
        select(tables.alerts.c.exercise_id).where(tables.alerts.c.reference == reference)
    ).scalar_one_or_none()
    if owner != team_id:
        raise NotFound(Message(N_("no alert {reference} in your team's play"), reference=repr(reference)))
    return team_id, name, post


UNDER_WAY = (ClockStatus.RUNNING.value, ClockStatus.PAUSED.value)


def plays_under_way(engine: Engine, user: User) -> bool:
    """Does ``user`` play in a team of an exercise under way (running or paused)?"""
    query = select(
        exists()
        .where(MEMBERS.c.user_id == user.user_id)
        .where(MEMBERS.c.team_id == TEAMS.c.team_id)
        .where(TEAMS.c.exercise_id == EX.c.exercise_id)
        .where(EX.c.status.in_(UNDER_WAY))
    )
    with engine.connect() as conn:
        return bool(conn.execute(query).scalar())


def exercises_played(engine: Engine, user: User) -> list[dict[str, Any]]:
    """The exercises ``user`` plays in, newest first, with their team and post."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(EX.c.exercise_id, EX.c.name, EX.c.status, TEAMS.c.name.label("team"), MEMBERS.c.post_id)
            .join(TEAMS, TEAMS.c.exercise_id == EX.c.exercise_id)
            .join(MEMBERS, MEMBERS.c.team_id == TEAMS.c.team_id)
            .where(MEMBERS.c.user_id == user.user_id)
            .order_by(EX.c.exercise_id.desc())
        ).all()
    return [
        {"exercise_id": r.exercise_id, "name": r.name, "status": r.status, "team": r.team, "post": r.post_id}
        for r in rows
    ]


def trainee_candidates(engine: Engine) -> list[dict[str, str]]:
    """Active users who may be trainees (everyone but the facilitators), for the team form's suggestions."""
    users = tables.users
    with engine.connect() as conn:
        rows = conn.execute(
            select(users.c.username, users.c.display_name, users.c.role)
            .where(users.c.active.is_(True))
            .order_by(users.c.username)
            .limit(2000)
        ).all()
    return [
        {"username": r.username, "name": r.display_name or "", "role": r.role}
        for r in rows
        if r.role not in {role.value for role in FACILITATOR_ROLES}
    ]


READINESS_STEPS = (
    ActionName.ACKNOWLEDGE, ActionName.VERIFY, ActionName.CLASSIFY, ActionName.TRANSMIT, ActionName.DECIDE,
    ActionName.DEPLOY, ActionName.RECORD_OUTCOME, ActionName.GIVE_FEEDBACK, ActionName.CLOSE,
)  # fmt: skip
"""The lifecycle steps a team must be able to take for an alert to go from received to closed."""
ALERT_INJECTS = (InjectKind.COMMUNITY_ALERT.value, InjectKind.RUMOUR.value, InjectKind.EVENT.value)


def team_readiness(engine: Engine, exercise_id: int) -> dict[int, list[Message]]:
    """Per team, what would make the exercise unfair to it, said before it starts: lifecycle steps none of its
    members' roles may take (the team cannot close an alert, and is not scored on those steps), and alert injects
    outside every member's area of responsibility (the team never sees them)."""
    from pochub.services.access import get_user

    with engine.connect() as conn:
        structure = alert_service.rules_for(conn).structure
        injects = conn.execute(
            select(INJECTS.c.pcode).where(
                INJECTS.c.exercise_id == exercise_id, INJECTS.c.kind.in_(ALERT_INJECTS)
            )
        ).all()
        teams = [
            (
                team.team_id,
                list(
                    conn.execute(
                        select(tables.users.c.username)
                        .join(MEMBERS, MEMBERS.c.user_id == tables.users.c.user_id)
                        .where(MEMBERS.c.team_id == team.team_id)
                    ).scalars()
                ),
            )
            for team in team_rows(conn, exercise_id)
        ]
    found: dict[int, list[Message]] = {}
    for team_id, usernames in teams:
        users = [get_user(engine, name) for name in usernames]
        warnings: list[Message] = []
        missing = [step for step in READINESS_STEPS if not any(u.role in ACTION_ROLES[step] for u in users)]
        if missing:
            warnings.append(
                Message(
                    N_("no member's role may {steps}: the team cannot take an alert to its close"),
                    steps=joined([ACTION_LABELS[step] for step in missing]),
                )
            )
        if injects:
            seen = 0
            for inject in injects:
                office = field_office_of(structure, inject.pcode)
                where = office.id if office is not None else None
                if any(in_area(u, pcode=inject.pcode, field_office=where) for u in users):
                    seen += 1
            if seen < len(injects):
                warnings.append(
                    Message(
                        N_(
                            "{unseen} of {total} alert injects fall outside every member's area: the team will not see them"
                        ),
                        unseen=len(injects) - seen,
                        total=len(injects),
                    )
                )
        found[team_id] = warnings
    return found
