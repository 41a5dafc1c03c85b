"""Forum meetings (DOMAIN.md section 9): a body of the structure meets on a date with an agenda, its members
attend by post, it decides, and its decisions become action points.

Attendance is checked against the body's terms of reference: the quorum (members present, chair or co-chair
counted as members when they hold a seat) and the components that have a seat but sent nobody. A meeting without
quorum is still recorded, flagged: the minutes say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pochub.core.coordination_practice.actions import ActionPoint, check_action_point
from pochub.core.models.coordination import Structure
from pochub.core.text import N_, Message
from pochub.core.toolkit.terms_of_reference import terms_of_reference
from pochub.errors import InvalidInput


@dataclass(frozen=True)
class Decision:
    """What the forum decided, and the action points it gives."""

    text: str
    action_points: tuple[ActionPoint, ...] = ()


@dataclass(frozen=True)
class Meeting:
    """One meeting of a body: its date, agenda items, the posts present, decisions and their action points."""

    body_id: str
    held_on: date
    agenda: tuple[str, ...]
    attendance: tuple[str, ...]
    """Posts (role ids) present."""
    decisions: tuple[Decision, ...] = ()
    note: str = ""

    @property
    def action_points(self) -> tuple[ActionPoint, ...]:
        """Every action point the meeting's decisions give, in order."""
        return tuple(point for decision in self.decisions for point in decision.action_points)


@dataclass(frozen=True)
class AttendanceCheck:
    """Attendance against the terms of reference."""

    body_id: str
    quorum: int
    members_present: tuple[str, ...]
    others_present: tuple[str, ...]
    """Posts present that hold no member seat (observers, guests)."""
    missing_components: tuple[str, ...]
    absent_members: tuple[str, ...]

    @property
    def quorate(self) -> bool:
        """Enough members present."""
        return len(self.members_present) >= self.quorum

    def flags(self) -> tuple[Message, ...]:
        """What the minutes must say about attendance."""
        flags = []
        if not self.quorate:
            flags.append(
                Message(
                    N_("no quorum: {present} member(s) present of {quorum} required"),
                    present=len(self.members_present),
                    quorum=self.quorum,
                )
            )
        if self.missing_components:
            flags.append(
                Message(
                    N_("components not present: {components}"), components=", ".join(self.missing_components)
                )
            )
        return tuple(flags)


def attendance_check(structure: Structure, body_id: str, attendance: tuple[str, ...]) -> AttendanceCheck:
    """Who came against the body's terms of reference: quorum, members absent, components without anyone."""
    body = structure.body(body_id)
    if body is None:
        raise InvalidInput(Message(N_("no body '{body}' in the structure"), body=body_id))
    terms = terms_of_reference(structure, body_id)
    present = set(attendance)
    members = tuple(dict.fromkeys(body.member_roles))
    missing = tuple(
        component for component, roles in body.members if roles and not any(r in present for r in roles)
    )
    return AttendanceCheck(
        body_id=body_id,
        quorum=terms.quorum,
        members_present=tuple(r for r in members if r in present),
        others_present=tuple(r for r in dict.fromkeys(attendance) if r not in members),
        missing_components=tuple(dict.fromkeys(missing)),
        absent_members=tuple(r for r in members if r not in present),
    )


def check_meeting(meeting: Meeting, structure: Structure, today: date) -> AttendanceCheck:
    """Refuse a meeting a secretariat would not record (a body the structure does not have, held in the future,
    nobody present, a post the structure does not have, a decision without text, an action point that fails
    :func:`check_action_point` or is decided for another body); the attendance check otherwise."""
    if structure.body(meeting.body_id) is None:
        raise InvalidInput(Message(N_("no body '{body}' in the structure"), body=meeting.body_id))
    if meeting.held_on > today:
        raise InvalidInput(N_("a meeting is recorded once it has taken place, not before"))
    if not meeting.attendance:
        raise InvalidInput(N_("name at least one post present at the meeting"))
    for post in meeting.attendance:
        if structure.post(post) is None:
            raise InvalidInput(Message(N_("no post '{post}' in the structure"), post=post))
    for decision in meeting.decisions:
        if not decision.text.strip():
            raise InvalidInput(N_("every decision says what was decided"))
        for point in decision.action_points:
            if point.body_id != meeting.body_id:
                raise InvalidInput(N_("an action point belongs to the body whose meeting decided it"))
            check_action_point(point, structure, meeting.held_on)
    return attendance_check(structure, meeting.body_id, meeting.attendance)
