"""Staff phone numbers: the registered phones whose structured SMS intake reads into a classified alert (issue 18,
item 4).

A field officer or CLA without data texts ``ALERT <place> <threat> <urgency> <text>`` to the intake number
(:mod:`pochub.core.warning.staff_sms`); intake reads it as structured only when the sender's number is registered
here for an active user who logs alerts. Any other sender's SMS stays an ordinary community alert.

Numbers are kept as informants' numbers are: encrypted under the mission's key (``Protector.encrypt``) and found
by the keyed hash of their international form (``Protector.sender_key``), never in clear; what people read is the
masked number (``+243 •••• ••22``: the country and the last two digits), and the audit log says no more. Only the
administrator registers and removes numbers (as users are managed: the command line acts as the administrator);
each change is audited.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from pochub.config import Settings
from pochub.core.models.access import INTAKE_ROLES, User
from pochub.core.text import N_, Message
from pochub.errors import Conflict, InvalidInput, NotFound
from pochub.services.access.common import moment_of
from pochub.services.access.users import current_offices, user_from_row
from pochub.services.phone_numbers import normalise_number
from pochub.services.protection import Protector
from pochub.store import audit, tables

MASK = "•••• ••"
"""What stands for a number's digits between its country code and its last two."""


@dataclass(frozen=True)
class StaffNumber:
    """A registered staff number as people read it: masked, with its user and who registered it when."""

    number_id: int
    username: str
    masked: str
    active: bool
    """Whether the user is active: a deactivated user's number is kept but reads as an ordinary sender's."""
    created_at: datetime
    created_by: str


def mask(number: str) -> str:
    """``+243810000222`` as ``+243 •••• ••22``: the country code and the last two digits, never the length."""
    digits = number.lstrip("+")
    try:
        country = str(phonenumbers.parse(number if number.startswith("+") else f"+{digits}").country_code)
    except phonenumbers.NumberParseException:
        country = digits[:3]
    return f"+{country} {MASK}{digits[-2:]}"


def _international(number: str, settings: Settings) -> str:
    """``number`` in E.164 form (national numbers read in the mission's country); InvalidInput otherwise."""
    return normalise_number(number, settings.country_code)


def _user_row(conn: Connection, username: str) -> tuple[int, bool]:
    """The user id and whether the user is active; NotFound for an unknown name."""
    row = conn.execute(
        select(tables.users.c.user_id, tables.users.c.active).where(tables.users.c.username == username)
    ).first()
    if row is None:
        raise NotFound(Message(N_("no user named {username}"), username=repr(username)))
    return int(row.user_id), bool(row.active)


def _audit(conn: Connection, actor: str, actor_role: str, username: str, detail: str, at: datetime) -> None:
    audit.record(
        conn, actor=actor, role=actor_role, action="write", entity="staff_number", entity_id=username,
        detail=detail, at=at,
    )  # fmt: skip


def register_number(
    engine: Engine,
    settings: Settings,
    username: str,
    number: str,
    *,
    actor: str = "system",
    actor_role: str = "admin",
    now: datetime | None = None,
) -> StaffNumber:
    """Register ``number`` as a phone of ``username`` (an active user who logs alerts); audited, masked.

    Conflict when the number is registered already (to this user or another: a number is one person's).
    """
    protector = Protector(settings.secret_key)
    e164 = _international(number, settings)
    key = protector.sender_key(e164)
    assert key is not None
    moment = moment_of(now)
    with engine.begin() as conn:
        row = conn.execute(
            select(tables.users.c.user_id, tables.users.c.role, tables.users.c.active).where(
                tables.users.c.username == username
            )
        ).first()
        if row is None:
            raise NotFound(Message(N_("no user named {username}"), username=repr(username)))
        if not row.active:
            raise InvalidInput(
                Message(
                    N_("user {username} is deactivated: a number cannot be registered"), username=username
                )
            )
        if row.role not in {r.value for r in INTAKE_ROLES}:
            raise InvalidInput(
                Message(
                    N_("a {role} does not log alerts: only staff who do (admin, PoC adviser, field officer, CLA) "
                       "may have a staff number"),
                    role=row.role,
                )
            )  # fmt: skip
        owner = conn.execute(
            select(tables.users.c.username)
            .join(tables.staff_numbers, tables.staff_numbers.c.user_id == tables.users.c.user_id)
            .where(tables.staff_numbers.c.number_key == key)
        ).scalar()
        if owner is not None:
            raise Conflict(
                Message(N_("this number is registered already, for user {username}"), username=owner)
            )
        try:
            result = conn.execute(
                insert(tables.staff_numbers).values(
                    user_id=row.user_id, number_key=key, number=protector.encrypt(e164), created_at=moment,
                    created_by=actor,
                )
            )  # fmt: skip
        except IntegrityError as exc:  # registered meanwhile by another transaction
            raise Conflict(Message(N_("this number is registered already"))) from exc
        inserted = result.inserted_primary_key
        assert inserted is not None
        shown = mask(e164)
        _audit(conn, actor, actor_role, username, f"registered staff number {shown} for {username}", moment)
    return StaffNumber(int(inserted[0]), username, shown, True, moment, actor)


def unregister_number(
    engine: Engine,
    settings: Settings,
    username: str,
    number: str | None = None,
    *,
    number_id: int | None = None,
    actor: str = "system",
    actor_role: str = "admin",
    now: datetime | None = None,
) -> StaffNumber:
    """Remove one of ``username``'s numbers, given as the number or by its id (from the list); audited.

    NotFound when the user has no such number: their SMS would be an ordinary community alert from then on.
    """
    if (number is None) == (number_id is None):
        raise InvalidInput(Message(N_("give the number or its id, not both")))
    protector = Protector(settings.secret_key)
    n = tables.staff_numbers.c
    moment = moment_of(now)
    with engine.begin() as conn:
        user_id, active = _user_row(conn, username)
        chosen = select(n.number_id, n.number, n.created_at, n.created_by).where(n.user_id == user_id)
        if number is not None:
            chosen = chosen.where(n.number_key == protector.sender_key(_international(number, settings)))
        else:
            chosen = chosen.where(n.number_id == number_id)
        row = conn.execute(chosen).first()
        if row is None:
            raise NotFound(Message(N_("user {username} has no such staff number"), username=username))
        shown = mask(protector.decrypt(row.number) or "")
        conn.execute(delete(tables.staff_numbers).where(n.number_id == row.number_id))
        _audit(conn, actor, actor_role, username, f"removed staff number {shown} of {username}", moment)
    return StaffNumber(int(row.number_id), username, shown, active, moment_of(row.created_at), row.created_by)


def list_numbers(engine: Engine, settings: Settings, username: str | None = None) -> list[StaffNumber]:
    """The registered numbers (of ``username``, else everyone's), masked, by user then registration."""
    protector = Protector(settings.secret_key)
    n, u = tables.staff_numbers.c, tables.users.c
    query = (
        select(n.number_id, n.number, n.created_at, n.created_by, u.username, u.active)
        .join(tables.users, u.user_id == n.user_id)
        .order_by(u.username, n.number_id)
    )
    with engine.connect() as conn:
        if username is not None:
            _user_row(conn, username)
            query = query.where(u.username == username)
        rows = conn.execute(query).all()
    return [
        StaffNumber(
            int(row.number_id),
            row.username,
            mask(protector.decrypt(row.number) or ""),
            bool(row.active),
            moment_of(row.created_at),
            row.created_by,
        )
        for row in rows
    ]


def _candidate_keys(protector: Protector, number: str, region: str) -> Iterable[str]:
    """The keys ``number`` may be registered under: as the gateway wrote it (``+`` and digits, as informants'
    numbers are keyed) and, when it reads as a number of the mission's country, in E.164 form."""
    keys = {protector.sender_key(number)}
    with contextlib.suppress(InvalidInput):
        keys.add(protector.sender_key(normalise_number(number, region)))
    return {key for key in keys if key is not None}


def staff_user(conn: Connection, protector: Protector, number: str | None, region: str = "") -> User | None:
    """The active user who logs alerts whose registered number ``number`` is; None for anyone else (an ordinary
    sender, a deactivated user, or no number)."""
    if not number:
        return None
    keys = _candidate_keys(protector, number, region)
    if not keys:
        return None
    row = conn.execute(
        select(tables.users)
        .join(tables.staff_numbers, tables.staff_numbers.c.user_id == tables.users.c.user_id)
        .where(tables.staff_numbers.c.number_key.in_(keys), tables.users.c.active.is_(True))
        .limit(1)
    ).first()
    if row is None or row.role not in {r.value for r in INTAKE_ROLES}:
        return None
    return user_from_row(row, current_offices(conn))
