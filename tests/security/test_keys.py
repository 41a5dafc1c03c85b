"""Keys: no secret in the source, no server without a key, key files only their owner reads, errors that never
print a key, and a rotation that moves every protected field to a new key at once. Storage tests on both backends.

The attacks: an outsider with a copy of the database and the source tries the source's key; an operator's
typo in the key must not end up in a log; a rotation half done would leave informants readable by the old key.
"""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from pochub.config import MissingSecretKey, Settings
from pochub.core.models.alerts import Channel, Report
from pochub.core.workflow.lifecycle import SYSTEM, Actor
from pochub.errors import InvalidInput
from pochub.services.alerts import receive_report
from pochub.services.capacities import store_structure
from pochub.services.keys import rotate_key
from pochub.services.protection import Protector
from pochub.store import tables
from tests.conftest import CliRunner

OLD_KEY = "the mission's first key, long and random enough"
NEW_KEY = "the mission's second key, also long and random"
NAME, NUMBER = "Mama Furaha", "+243 81 234 5678"
STRUCTURE = "poc_advisers_as_coordinators.yaml"


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _report(external_id: str, number: str = NUMBER, text: str = "Armed men at the market") -> Report:
    return Report(
        Channel.SMS,
        external_id,
        datetime.now(UTC) - timedelta(minutes=5),
        text,
        sender_name=NAME,
        sender_number=number,
        pcode="XX0101",
    )


@pytest.fixture
def engine(engine: Engine) -> Engine:
    """The empty database of each backend with a coordination structure (alerts are routed by it)."""
    import pochub

    store_structure(engine, Path(pochub.__file__).parent / "structures" / "templates" / STRUCTURE)
    return engine


def test_the_source_holds_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POCHUB_SECRET_KEY", raising=False)
    monkeypatch.delenv("POCHUB_SECRET_KEY_FILE", raising=False)
    assert Settings().secret_key is None  # no default: a copy of the source decrypts nothing
    with pytest.raises(MissingSecretKey, match="pochub keys generate"):
        Settings().key()
    source = Path(__file__).resolve().parents[2] / "src" / "pochub"
    assert not [p for p in source.rglob("*.py") if "development-key" in p.read_text(encoding="utf-8")]


def test_serve_refuses_to_start_without_a_key_and_says_how_to_make_one(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import uvicorn

    started: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.append(args))
    monkeypatch.delenv("POCHUB_SECRET_KEY", raising=False)
    result = cli("--database", f"sqlite:///{tmp_path / 'x.db'}", "serve", "--port", "1")
    assert result.code == 1 and not started
    assert "no secret key" in result.err and "pochub keys generate" in result.err


def test_nothing_protected_is_written_without_a_key(engine: Engine) -> None:
    """The old server started on the source's key; now an intake without a key stores nothing."""
    keyless = Settings.model_construct(**{**Settings(database_url=_url(engine)).__dict__, "secret_key": None})
    with pytest.raises(MissingSecretKey):
        receive_report(engine, keyless, _report("no-key-1"), actor=Actor("gateway", SYSTEM))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.alerts)).scalar_one() == 0


def test_a_short_key_is_refused_without_printing_it(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    typo = "hunter2-my-secret"
    monkeypatch.setenv("POCHUB_SECRET_KEY", typo)
    result = cli("settings")
    assert result.code == 1
    assert "too short" in result.err and "pochub keys generate" in result.err
    assert typo not in result.err + result.out and "Traceback" not in result.err


def test_keys_generate_writes_a_random_key_only_its_owner_reads(cli: CliRunner, tmp_path: Path) -> None:
    first, second = tmp_path / "one.key", tmp_path / "two.key"
    assert cli("keys", "generate", "-o", first).code == 0
    assert cli("keys", "generate", "-o", second).code == 0
    assert stat.S_IMODE(os.stat(first).st_mode) == 0o600
    key = first.read_text().strip()
    assert len(key) >= 32 and key != second.read_text().strip()
    assert key not in cli("keys", "generate", "-o", second).err  # an existing key file is never overwritten
    assert second.read_text().strip() != key
    settings = Settings(secret_key_file=first, secret_key=None)
    assert settings.key() == key
    assert key not in repr(settings)


def test_a_copied_database_without_the_key_reads_no_informant(engine: Engine) -> None:
    settings = Settings(database_url=_url(engine), secret_key=OLD_KEY)
    receive_report(engine, settings, _report("copy-1"), actor=Actor("gateway", SYSTEM))
    with engine.connect() as conn:
        row = conn.execute(select(tables.alerts.c.sender_name, tables.alerts.c.sender_number)).one()
    assert b"Furaha" not in row.sender_name and b"812345678" not in row.sender_number
    with pytest.raises(InvalidInput, match="another secret key"):
        Protector("any key an outsider can think of, 32+").decrypt(row.sender_name)
    assert Protector(OLD_KEY).decrypt(row.sender_name) == NAME


def test_rotation_moves_every_protected_field_to_the_new_key(
    engine: Engine, cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    old = Settings(database_url=_url(engine), secret_key=OLD_KEY)
    first = receive_report(engine, old, _report("rotate-1"), actor=Actor("gateway", SYSTEM))
    other = _report("rotate-2", "+243 99 000 1111", "Cattle raiders crossed the river at dawn")
    receive_report(engine, old, other, actor=Actor("gateway", SYSTEM))
    new_file = tmp_path / "new.key"
    new_file.write_text(NEW_KEY)
    monkeypatch.setenv("POCHUB_SECRET_KEY", OLD_KEY)
    rotated = cli("--database", _url(engine), "keys", "rotate", "--new-key-file", new_file)
    assert rotated.code == 0, rotated.err
    assert OLD_KEY not in rotated.err + rotated.out and NEW_KEY not in rotated.err + rotated.out
    new, retired = Protector(NEW_KEY), Protector(OLD_KEY)
    a = tables.alerts.c
    with engine.connect() as conn:
        alerts = conn.execute(select(a.reference, a.sender_name, a.sender_number, a.sender_key)).all()
        reports = conn.execute(select(tables.alert_reports.c.sender_name)).scalars().all()
    assert len(alerts) == 2 and len(reports) == 2
    for alert in alerts:
        assert new.decrypt(alert.sender_name) == NAME
        assert alert.sender_key == new.sender_key(new.decrypt(alert.sender_number))
        with pytest.raises(InvalidInput):
            retired.decrypt(alert.sender_number)
    assert all(new.decrypt(blob) == NAME for blob in reports)
    # the same sender reporting under the new key gets the same matching key as their rotated alert
    again = receive_report(
        engine,
        Settings(database_url=_url(engine), secret_key=NEW_KEY),
        _report("rotate-3", text="Houses burning in the eastern quarter, families fleeing"),
        actor=Actor("gateway", SYSTEM),
    )
    with engine.connect() as conn:
        keys = dict(conn.execute(select(a.reference, a.sender_key)).all())
    assert keys[again.reference] == keys[first.reference]


def test_a_rotation_that_cannot_read_a_field_changes_nothing(engine: Engine) -> None:
    settings = Settings(database_url=_url(engine), secret_key=OLD_KEY)
    receive_report(engine, settings, _report("atomic-1"), actor=Actor("gateway", SYSTEM))
    with engine.connect() as conn:
        before = conn.execute(select(tables.alerts.c.sender_name, tables.alerts.c.sender_key)).all()
    with pytest.raises(InvalidInput):
        rotate_key(engine, "a key this database was never under, 32+", NEW_KEY, fuzz_km=5.0)
    with engine.connect() as conn:
        assert conn.execute(select(tables.alerts.c.sender_name, tables.alerts.c.sender_key)).all() == before
