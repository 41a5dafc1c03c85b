"""A threat matrix row's key is read as forum agendas name a top risk: area, threat label, perpetrator."""

from __future__ import annotations

from pochub.core.text import Message
from pochub.core.threats.keys import parse_threat_key, threat_key, threat_key_text, threat_row_text
from pochub.i18n import localise


def test_a_key_is_read_as_area_threat_and_perpetrator_in_the_readers_language() -> None:
    key = threat_key("KT0305", "killing", "MPR: Movement of Patriots for Renewal")
    assert key == "KT0305|killing|MPR: Movement of Patriots for Renewal"
    text = threat_key_text(key, {"KT0305": "Besu"})
    assert localise(text, "en") == "Besu: Killing (MPR: Movement of Patriots for Renewal)"
    assert localise(text, "fr") == "Besu : Meurtres (MPR: Movement of Patriots for Renewal)"
    assert "|" not in localise(text, "fr")


def test_an_unknown_area_a_missing_perpetrator_and_text_that_is_no_key() -> None:
    assert (
        localise(threat_key_text("KT99|maiming_injury|", {}), "en")
        == "KT99: Maiming and injury (unidentified)"
    )
    assert localise(threat_key_text("KT99|maiming_injury|", {}), "fr").endswith("(non identifié)")
    assert threat_key_text("  a row typed by hand ", {}) == "a row typed by hand"
    assert parse_threat_key("mission_poc_wg|demo") is None and parse_threat_key("|killing|x") is None
    parsed = parse_threat_key("KT02|attack|armed group|with a bar")
    assert parsed is not None and parsed.perpetrator == "armed group|with a bar"


def test_agendas_and_keys_share_one_wording() -> None:
    row = threat_row_text("Besu", "killing", "")
    assert isinstance(row, Message) and row == threat_key_text("KT01|killing|", {"KT01": "Besu"})
