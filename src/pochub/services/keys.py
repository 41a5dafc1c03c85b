"""The mission's secret key: make one, and move every protected field to a new one (key rotation).

Informants' names and numbers, the sender matching keys, gateways' signing secrets and staff phone numbers (with
their look-up keys) all derive from the one secret (services/protection.py). Rotation decrypts each protected value under the old key and encrypts it under
the new one, recomputes every sender matching key and every stored fuzzed place (their offsets derive from the
key: an offset of a retired key must not outlive it), in one transaction: a failure (a value the old key cannot
read, a database error) leaves the database as it was. Keys are never printed, logged or audited.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import Engine, select, update

from pochub.config import MIN_SECRET_KEY_LENGTH
from pochub.errors import Conflict, InvalidInput
from pochub.services.alerts import refuzz
from pochub.services.protection import Protector
from pochub.store import audit, tables

KEY_BYTES = 32
"""Random bytes in a generated key (256 bits; written as 43 URL-safe characters)."""


def new_key() -> str:
    """A fresh random secret key."""
    key = secrets.token_urlsafe(KEY_BYTES)
    assert len(key) >= MIN_SECRET_KEY_LENGTH
    return key


def write_key_file(path: Path, key: str | None = None) -> Path:
    """Write ``key`` (default: a new one) to a new file readable and writable only by its owner (mode 0600).

    An existing file is never overwritten: it may hold the key the database is encrypted under.
    """
    secret = key or new_key()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Conflict(
            f"{path} exists already: a key file is never overwritten (choose another name)"
        ) from None
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot create the key file ({exc.strerror})") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)  # whatever the umask
        handle.write(secret + "\n")
    return path


def read_key_file(path: Path) -> SecretStr:
    """The key in ``path`` (surrounding white space ignored); InvalidInput naming the file, never the key."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not readable as text"
        raise InvalidInput(f"{path}: cannot read the key file ({reason})") from None
    if len(text) < MIN_SECRET_KEY_LENGTH:
        raise InvalidInput(
            f"{path}: the key is too short (at least {MIN_SECRET_KEY_LENGTH} characters; it is not shown)"
        )
    return SecretStr(text)


@dataclass(frozen=True)
class Rotation:
    """What a key rotation rewrote."""

    alerts: int
    reports: int
    gateways: int
    staff_numbers: int = 0


def rotate_key(
    engine: Engine,
    old_key: str | SecretStr | None,
    new_key_value: str | SecretStr,
    *,
    fuzz_km: float,
    actor: str = "system",
    now: datetime | None = None,
) -> Rotation:
    """Re-encrypt every protected field under ``new_key_value``, recompute sender matching keys and fuzzed places
    (``fuzz_km``: settings.location_fuzz_km), atomically.

    InvalidInput (and nothing changed) when a stored value cannot be read under ``old_key`` or the keys are equal.
    """
    old, new = Protector(old_key), Protector(new_key_value)
    if _value(old_key) == _value(new_key_value):
        raise InvalidInput("the new key is the key in use: nothing to rotate")
    moment = now or datetime.now(UTC)
    a, r, u = tables.alerts.c, tables.alert_reports.c, tables.users.c
    with engine.begin() as conn:
        alerts = conn.execute(
            select(a.alert_id, a.sender_name, a.sender_number).where(
                (a.sender_name.is_not(None)) | (a.sender_number.is_not(None))
            )
        ).all()
        for row in alerts:
            number = old.decrypt(row.sender_number)
            conn.execute(
                update(tables.alerts)
                .where(a.alert_id == row.alert_id)
                .values(
                    sender_name=new.encrypt(old.decrypt(row.sender_name)),
                    sender_number=new.encrypt(number),
                    sender_key=new.sender_key(number),
                )
            )
        reports = conn.execute(
            select(r.report_id, r.sender_name, r.sender_number).where(
                (r.sender_name.is_not(None)) | (r.sender_number.is_not(None))
            )
        ).all()
        for report in reports:
            conn.execute(
                update(tables.alert_reports)
                .where(r.report_id == report.report_id)
                .values(
                    sender_name=new.encrypt(old.decrypt(report.sender_name)),
                    sender_number=new.encrypt(old.decrypt(report.sender_number)),
                )
            )
        gateways = conn.execute(
            select(u.user_id, u.gateway_secret).where(u.gateway_secret.is_not(None))
        ).all()
        for gateway in gateways:
            conn.execute(
                update(tables.users)
                .where(u.user_id == gateway.user_id)
                .values(gateway_secret=new.encrypt(old.decrypt(gateway.gateway_secret)))
            )
        n = tables.staff_numbers.c
        staff_numbers = conn.execute(select(n.number_id, n.number)).all()
        for staff in staff_numbers:
            number = old.decrypt(staff.number)
            conn.execute(
                update(tables.staff_numbers)
                .where(n.number_id == staff.number_id)
                .values(number=new.encrypt(number), number_key=new.sender_key(number))
            )
        refuzz(conn, new, fuzz_km)
        audit.record(
            conn,
            actor=actor,
            role="admin",
            action="write",
            entity="secret_key",
            detail=f"rotated the secret key: {len(alerts)} alerts, {len(reports)} reports, "
            f"{len(gateways)} gateway signing secrets, {len(staff_numbers)} staff numbers re-encrypted",
            at=moment,
        )
    return Rotation(len(alerts), len(reports), len(gateways), len(staff_numbers))


def _value(key: str | SecretStr | None) -> str | None:
    return key.get_secret_value() if isinstance(key, SecretStr) else key
