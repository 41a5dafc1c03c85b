"""Action points: what a forum decided someone must do, owned by a post, due on a date (DOMAIN.md section 9).

An action point links to what it addresses (a threat, an alert, a community, a commitment, a checklist measure, a
joint team's report).
``action_step`` is its transition table: open -> in progress -> done, or dropped with a reason from open or in
progress; anything else is refused and nothing changes. Overdue is computed, never stored: past the due date and
neither done nor dropped. An overdue action point climbs the structure's escalation path, one body per
``escalation_days`` late, from the body that decided it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from pochub.core.models.coordination import Structure
from pochub.core.text import N_, Message
from pochub.core.workflow.structure import escalation_path
from pochub.errors import InvalidInput, InvalidTransition


class ActionStatus(StrEnum):
    """Where an action point stands; done and dropped end it."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


ACTION_STATUS_LABELS = {
    ActionStatus.OPEN: N_("open"),
    ActionStatus.IN_PROGRESS: N_("in progress"),
    ActionStatus.DONE: N_("done"),
    ActionStatus.DROPPED: N_("dropped"),
}


class ActionStep(StrEnum):
    """What an owner does to an action point."""

    START = "start"
    COMPLETE = "complete"
    DROP = "drop"


ACTION_STEP_LABELS = {
    ActionStep.START: N_("started"),
    ActionStep.COMPLETE: N_("completed"),
    ActionStep.DROP: N_("dropped"),
}

ACTION_TRANSITIONS: dict[tuple[ActionStatus, ActionStep], ActionStatus] = {
    (ActionStatus.OPEN, ActionStep.START): ActionStatus.IN_PROGRESS,
    (ActionStatus.OPEN, ActionStep.COMPLETE): ActionStatus.DONE,
    (ActionStatus.IN_PROGRESS, ActionStep.COMPLETE): ActionStatus.DONE,
    (ActionStatus.OPEN, ActionStep.DROP): ActionStatus.DROPPED,
    (ActionStatus.IN_PROGRESS, ActionStep.DROP): ActionStatus.DROPPED,
}
"""Every allowed step; anything else is refused."""

ENDED = frozenset({ActionStatus.DONE, ActionStatus.DROPPED})


@dataclass(frozen=True)
class ActionLinks:
    """What an action point addresses (any may be empty)."""

    threat_key: str = ""
    alert_reference: str = ""
    community_id: str = ""
    commitment_id: int | None = None
    checklist_task: str = ""
    team_id: int | None = None
    """The joint team whose recommendation the action point carries."""

    def as_dict(self) -> dict[str, str | int | None]:
        """The links as plain values."""
        return {
            "threat_key": self.threat_key,
            "alert_reference": self.alert_reference,
            "community_id": self.community_id,
            "commitment_id": self.commitment_id,
            "checklist_task": self.checklist_task,
            "team_id": self.team_id,
        }


@dataclass(frozen=True)
class ActionPoint:
    """One action point: what, whose (a post of the structure), by when, decided by which body, and how it ended."""

    what: str
    owner_post: str
    due: date
    body_id: str
    status: ActionStatus = ActionStatus.OPEN
    links: ActionLinks = ActionLinks()
    note: str = ""

    def overdue(self, today: date) -> bool:
        """Past its due date and not ended."""
        return self.due < today and self.status not in ENDED

    def days_late(self, today: date) -> int:
        """Days past the due date (0 when not overdue)."""
        return (today - self.due).days if self.overdue(today) else 0


def check_action_point(point: ActionPoint, structure: Structure, decided_on: date) -> ActionPoint:
    """Refuse an action point a forum would not write: nothing to do, an owner that is no post of the structure,
    a body the structure does not have, or a due date before the decision."""
    if not point.what.strip():
        raise InvalidInput(N_("an action point says what is to be done"))
    if structure.post(point.owner_post) is None:
        raise InvalidInput(Message(N_("no post '{post}' in the structure"), post=point.owner_post))
    if structure.body(point.body_id) is None:
        raise InvalidInput(Message(N_("no body '{body}' in the structure"), body=point.body_id))
    if point.due < decided_on:
        raise InvalidInput(N_("an action point is due on or after the day it was decided"))
    return point


def action_step(point: ActionPoint, step: ActionStep, *, note: str = "") -> ActionPoint:
    """The action point after ``step``; refused when its status does not allow the step, or a drop gives no
    reason."""
    target = ACTION_TRANSITIONS.get((point.status, step))
    if target is None:
        raise InvalidTransition(
            Message(
                N_("an action point that is {status} cannot be {step}"),
                status=ACTION_STATUS_LABELS[point.status], step=ACTION_STEP_LABELS[step],
            )
        )  # fmt: skip
    if step is ActionStep.DROP and not note.strip():
        raise InvalidInput(N_("say why the action point is dropped"))
    return replace(point, status=target, note=note.strip() or point.note)


def escalation_level(point: ActionPoint, today: date, escalation_days: int = 7) -> int:
    """How far up the escalation path an action point has climbed: 0 while on time, then 1 on the first day
    late and one more every ``escalation_days`` after."""
    if escalation_days < 1:
        raise InvalidInput(N_("escalation days must be at least 1"))
    late = point.days_late(today)
    return 0 if late == 0 else 1 + (late - 1) // escalation_days


def escalation_body(
    point: ActionPoint, structure: Structure, today: date, escalation_days: int = 7
) -> str | None:
    """The body an overdue action point is escalated to today (the highest reached when the path is exhausted);
    None when it is not overdue or the deciding body has nothing above it."""
    level = escalation_level(point, today, escalation_days)
    if level == 0:
        return None
    path = escalation_path(structure, point.body_id)
    if not path:
        return None
    return path[min(level, len(path)) - 1]
