"""Staff phone numbers on both backends (issue 18, item 4): registered for an active user who logs alerts, one
user per number, kept encrypted and found by their keyed hash whichever way a gateway writes them, listed masked,
removed by number or id, every change audited without the number; a key rotation re-encrypts and re-keys them.
The commands say it all in English and French."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from pochub.config import Settings
from pochub.errors import Conflict, InvalidInput, NotFound
from pochub.services.access import deactivate_user
from pochub.services.keys import rotate_key
from pochub.services.protection import Protector
from pochub.services.staff_numbers import (
    list_numbers,
    mask,
    register_number,
    staff_user,
    unregister_number,
)
from pochub.store import tables
from tests.api.access_helpers import make_user
from tests.conftest import CliRunner

NUMBER = "+243 81 234 5678"
E164 = "+243812345678"
OLD_KEY = "staff numbers' first key, long and random enough"
NEW_KEY = "staff numbers' second key, also long and random"


def _settings(engine: Engine, key: str | None = None, country: str = "") -> Settings:
    url = engine.url.render_as_string(hide_password=False)
    if key is None:
        return Settings(database_url=url, country_code=country)
    return Settings(database_url=url, country_code=country, secret_key=key)


def _user(engine: Engine, role: str = "field_officer", name: str | None = None) -> str:
    user, _ = make_user(engine, role, area_pcodes=("XX01",), username=name)
    return user.username


def _found(engine: Engine, settings: Settings, number: str, region: str = "") -> str | None:
    with engine.connect() as conn:
        user = staff_user(conn, Protector(settings.secret_key), number, region)
    return None if user is None else user.username


def test_mask_keeps_the_country_and_the_last_two_digits() -> None:
    assert mask(E164) == "+243 •••• ••78"
    assert mask("+12025550143") == "+1 •••• ••43"
    assert mask("+33612345678") == "+33 •••• ••78"


def test_a_registered_number_is_found_whichever_way_it_is_written(engine: Engine) -> None:
    settings = _settings(engine)
    officer = _user(engine)
    shown = register_number(engine, settings, officer, NUMBER, actor="cli:admin")
    assert (shown.username, shown.masked, shown.active, shown.created_by) == (
        officer, "+243 •••• ••78", True, "cli:admin",
    )  # fmt: skip
    for written in (E164, "243812345678", "00243812345678", "+243 (81) 234-5678"):
        assert _found(engine, settings, written) == officer, written
    assert _found(engine, settings, "0812345678") is None  # national: only with the mission's country
    assert _found(engine, settings, "0812345678", "CD") == officer
    assert _found(engine, settings, "+243812345679") is None
    assert _found(engine, settings, None) is None
    with engine.connect() as conn:
        row = conn.execute(select(tables.staff_numbers)).one()
    assert b"812345678" not in bytes(row.number) and "812345678" not in row.number_key
    assert Protector(settings.secret_key).decrypt(row.number) == E164
    assert row.number_key == Protector(settings.secret_key).sender_key(E164)


def test_a_number_is_one_persons_and_only_staff_who_log_alerts_have_one(engine: Engine) -> None:
    settings = _settings(engine, country="CD")
    officer, cla, analyst = _user(engine), _user(engine, "cla"), _user(engine, "analyst")
    register_number(engine, settings, officer, "081 234 5678")  # national, read in the mission's country
    for user in (officer, cla):
        with pytest.raises(Conflict, match="registered already"):
            register_number(engine, settings, user, E164)
    with pytest.raises(InvalidInput, match="does not log alerts"):
        register_number(engine, settings, analyst, "+243812000001")
    with pytest.raises(NotFound):
        register_number(engine, settings, "nobody-here", "+243812000001")
    with pytest.raises(InvalidInput):
        register_number(engine, settings, cla, "12")
    deactivate_user(engine, cla)
    with pytest.raises(InvalidInput, match="deactivated"):
        register_number(engine, settings, cla, "+243812000001")
    assert [n.username for n in list_numbers(engine, settings)] == [officer]


def test_a_deactivated_users_number_is_an_ordinary_senders(engine: Engine) -> None:
    settings = _settings(engine)
    officer = _user(engine)
    register_number(engine, settings, officer, NUMBER)
    deactivate_user(engine, officer)
    assert _found(engine, settings, E164) is None
    assert [(n.username, n.active) for n in list_numbers(engine, settings)] == [(officer, False)]


def test_numbers_are_listed_masked_and_removed_by_number_or_id(engine: Engine) -> None:
    settings = _settings(engine)
    first, second = _user(engine, name="a-officer"), _user(engine, "cla", name="b-cla")
    register_number(engine, settings, first, NUMBER)
    kept = register_number(engine, settings, first, "+243 99 000 1122")
    register_number(engine, settings, second, "+33 6 12 34 56 00")
    assert [(n.username, n.masked) for n in list_numbers(engine, settings)] == [
        (first, "+243 •••• ••78"), (first, "+243 •••• ••22"), (second, "+33 •••• ••00"),
    ]  # fmt: skip
    assert [n.masked for n in list_numbers(engine, settings, second)] == ["+33 •••• ••00"]
    with pytest.raises(NotFound):
        unregister_number(engine, settings, second, NUMBER)  # another user's number
    with pytest.raises(InvalidInput):
        unregister_number(engine, settings, first, NUMBER, number_id=kept.number_id)
    assert unregister_number(engine, settings, first, E164).masked == "+243 •••• ••78"
    assert unregister_number(engine, settings, first, number_id=kept.number_id).masked == "+243 •••• ••22"
    assert _found(engine, settings, E164) is None
    with pytest.raises(NotFound):
        unregister_number(engine, settings, first, number_id=kept.number_id)
    assert [n.username for n in list_numbers(engine, settings)] == [second]
    with engine.connect() as conn:
        details = (
            conn.execute(select(tables.audit_log.c.detail).where(tables.audit_log.c.entity == "staff_number"))
            .scalars()
            .all()
        )
    assert len(details) == 5 and not [d for d in details if "5678" in d or "1122" in d or "3456" in d]


def test_a_key_rotation_re_encrypts_and_re_keys_staff_numbers(
    engine: Engine, cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    old = _settings(engine, OLD_KEY)
    officer = _user(engine)
    register_number(engine, old, officer, NUMBER)
    rotated = rotate_key(engine, OLD_KEY, NEW_KEY, fuzz_km=5.0)
    assert rotated.staff_numbers == 1
    new = _settings(engine, NEW_KEY)
    assert _found(engine, new, E164) == officer
    assert _found(engine, old, E164) is None  # the retired key's hash finds nothing
    assert [n.masked for n in list_numbers(engine, new)] == ["+243 •••• ••78"]
    with pytest.raises(InvalidInput, match="another secret key"):
        list_numbers(engine, old)
    # and by the command, which says how many it moved
    newer = tmp_path / "newer.key"
    newer.write_text("staff numbers' third key, long and random too")
    monkeypatch.setenv("POCHUB_SECRET_KEY", NEW_KEY)
    url = engine.url.render_as_string(hide_password=False)
    done = cli("--database", url, "keys", "rotate", "--new-key-file", newer)
    assert done.code == 0, done.err
    assert "1 staff numbers" in done.err
    assert _found(engine, _settings(engine, newer.read_text()), "243812345678") == officer


def test_the_commands_in_english_and_french(engine: Engine, cli: CliRunner) -> None:
    url = engine.url.render_as_string(hide_password=False)
    officer = _user(engine, name="officer-cli")

    def run(*args: str) -> tuple[int, str]:
        result = cli("--database", url, "users", "phone", *args)
        return result.code, result.out + result.err

    assert run("list") == (0, "no staff number registered\n")
    code, said = run("add", officer, NUMBER, "--language", "fr")
    assert code == 0 and "numéro de personnel +243 •••• ••78 enregistré pour officer-cli" in said
    code, said = run("add", officer, E164)
    assert code == 1 and said == "error: this number is registered already, for user officer-cli\n"
    code, said = run("add", officer, E164, "--language", "fr")
    assert code == 1 and said == "error: ce numéro est déjà enregistré, pour l'utilisateur officer-cli\n"
    code, said = run("list", "--language", "fr")
    assert code == 0 and "numéros de personnel" in said and "utilisateur" in said and "oui" in said
    assert "officer-cli" in said and "+243 •••• ••78" in said and "5678" not in said
    code, said = run("list", "--format", "json")
    assert code == 0 and [(n["username"], n["number"]) for n in json.loads(said)] == [
        ("officer-cli", "+243 •••• ••78")
    ]
    code, said = run("remove", officer, "--language", "fr")
    assert code == 1 and "donnez le numéro ou son identifiant" in said
    code, said = run("remove", officer, NUMBER, "--language", "fr")
    assert code == 0 and "retiré" in said and "redeviennent des alertes ordinaires" in said
    code, said = run("remove", officer, NUMBER)
    assert code == 1 and "has no such staff number" in said
    assert run("list", "--language", "fr") == (0, "aucun numéro de personnel enregistré\n")


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", ("ALERT <pcode|community> <threat> <urgency> <text>", "abduction", "Example: ALERT KT0102")),
        (
            "fr",
            ("ALERTE <pcode|communauté> <menace> <urgence> <texte>", "enlevement", "Exemple : ALERTE KT0102"),
        ),
    ],
)
def test_the_format_is_printed_in_the_readers_language(
    cli: CliRunner, language: str, says: tuple[str, ...]
) -> None:
    result = cli("alerts", "sms-format", "--language", language)
    assert result.code == 0 and all(part in result.out for part in says), result.out
    if language == "fr":
        assert "Threat" not in result.out and "registered staff number" not in result.out
