"""Failed sign-ins slow down, never lock: the wait the next attempt for a name, or from an address, must respect."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from pochub.errors import Forbidden
from pochub.store import tables
from pochub.store.database import as_utc

FREE_ACCOUNT_FAILURES = 5
"""Failed sign-ins of one name within ``FAILED_LOGIN_WINDOW`` before each further attempt must wait."""
FREE_ADDRESS_FAILURES = 20
"""Failed sign-ins from one client address (any names) before each further attempt must wait."""
FAILED_LOGIN_WINDOW = timedelta(hours=1)
MAX_SIGN_IN_DELAY = timedelta(minutes=15)
"""The longest wait between attempts, however many failures: slowed down, never locked out."""
KNOWN_ADDRESS_DAYS = 30
"""An address the account signed in from within this many days is not held back by other addresses' failures."""


class SignInThrottled(Forbidden):
    """Too many failed sign-ins: the next attempt must wait ``retry_after`` seconds (the same for any name)."""

    http_status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins: try again in {retry_after} seconds")
        self.retry_after = retry_after


def _failures(
    conn: Connection, *, username: str | None, client: str | None, since: datetime
) -> tuple[int, datetime | None]:
    """How many failed sign-ins for ``username`` (or from ``client``) since ``since``, and the latest one."""
    log = tables.audit_log.c
    statement = select(func.count(), func.max(log.at)).where(log.action == "login_failed", log.at >= since)
    if username is not None:
        statement = statement.where(log.entity == "user", log.entity_id == username[:80])
    if client is not None:
        statement = statement.where(log.client == client[:64])
    count, latest = conn.execute(statement).one()
    return int(count), as_utc(latest) if latest is not None else None


def _delay(failures: int, free: int) -> timedelta:
    """The wait after ``failures`` failed sign-ins: none within the free ones, then 2 s doubling, capped."""
    if failures < free:
        return timedelta(0)
    return min(MAX_SIGN_IN_DELAY, timedelta(seconds=2 ** min(failures - free + 1, 20)))


def _known_address(conn: Connection, username: str, client: str, moment: datetime) -> bool:
    """Has this account signed in from ``client`` lately?"""
    if not client:
        return False
    log = tables.audit_log.c
    found = conn.execute(
        select(log.audit_id)
        .where(
            log.client == client[:64],
            log.action == "login",
            log.at >= moment - timedelta(days=KNOWN_ADDRESS_DAYS),
            log.entity == "user",
            log.entity_id == username[:80],
        )
        .limit(1)
    ).first()
    return found is not None


def sign_in_wait(conn: Connection, username: str, client: str, moment: datetime) -> int:
    """Seconds the next sign-in for ``username`` from ``client`` must still wait (0: go ahead)."""
    since = moment - FAILED_LOGIN_WINDOW
    waits = [timedelta(0)]
    if not _known_address(conn, username, client, moment):
        count, latest = _failures(conn, username=username, client=None, since=since)
        if latest is not None:
            waits.append(latest + _delay(count, FREE_ACCOUNT_FAILURES) - moment)
    if client:
        count, latest = _failures(conn, username=None, client=client, since=since)
        if latest is not None:
            waits.append(latest + _delay(count, FREE_ADDRESS_FAILURES) - moment)
    longest = max(waits)
    return int(-(-longest.total_seconds() // 1)) if longest > timedelta(0) else 0
