"""Informant protection: sender details encrypted under the settings' key, keyed sender matching, fuzzing keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pochub.core.geography.fuzzing import great_circle_km
from pochub.errors import InvalidInput
from pochub.services.protection import Protector, normalise_number

SECRET = "a mission secret of some length, 32+"


@given(st.text(min_size=1, max_size=200))
def test_encryption_round_trips(text: str) -> None:
    protector = Protector(SECRET)
    blob = protector.encrypt(text)
    assert blob is not None and blob != text.encode()
    assert protector.decrypt(blob) == text
    assert protector.encrypt(text) != blob  # a fresh IV each time: equal names do not show as equal blobs


def test_ciphertext_does_not_contain_the_name_or_number() -> None:
    blob = Protector(SECRET).encrypt("Mama Furaha +243812345678")
    assert blob is not None and b"Furaha" not in blob and b"243812345678" not in blob


def test_key_derivation_is_deterministic_and_secret_dependent() -> None:
    blob = Protector(SECRET).encrypt("Mama Furaha, +243 81 234 5678")
    assert Protector(SECRET).decrypt(blob) == "Mama Furaha, +243 81 234 5678"  # a restart reads old data
    with pytest.raises(InvalidInput, match="another secret key"):
        Protector("another secret, also long enough to use").decrypt(blob)
    assert Protector(SECRET).encrypt(None) is None and Protector(SECRET).encrypt("") is None
    assert Protector(SECRET).decrypt(None) is None


def test_short_secrets_are_refused() -> None:
    with pytest.raises(InvalidInput):
        Protector("short")


@pytest.mark.parametrize(
    "number", ["+243 81 234 5678", "+243-812-345-678", "00243812345678", "(+243) 812.345.678", "243812345678"]
)
def test_one_sender_one_key_however_the_number_is_written(number: str) -> None:
    assert normalise_number(number) == "+243812345678"
    assert Protector(SECRET).sender_key(number) == Protector(SECRET).sender_key("+243812345678")


def test_sender_keys_are_keyed_and_opaque() -> None:
    key = Protector(SECRET).sender_key("+243812345678")
    assert key is not None and len(key) == 64 and "243812345678" not in key
    assert Protector("another secret, also long enough to use").sender_key("+243812345678") != key
    assert Protector(SECRET).sender_key("+243812345679") != key
    assert Protector(SECRET).sender_key(None) is None
    assert Protector(SECRET).sender_key("no digits") is None


def test_fuzzed_locations_are_stable_per_record_and_secret() -> None:
    protector = Protector(SECRET)
    first = protector.fuzz_location(-1.68, 29.23, 5.0, "AL-2026-0001")
    assert first == Protector(SECRET).fuzz_location(-1.68, 29.23, 5.0, "AL-2026-0001")
    assert 0 < great_circle_km(-1.68, 29.23, *first) <= 5.0
    assert first != protector.fuzz_location(-1.68, 29.23, 5.0, "AL-2026-0002")
    # knowing the reference is not enough to undo the move: it depends on the secret
    assert first != Protector("another secret, also long enough to use").fuzz_location(
        -1.68, 29.23, 5.0, "AL-2026-0001"
    )
