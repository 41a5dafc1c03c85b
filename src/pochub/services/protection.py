"""Informant protection: sender names and numbers encrypted at rest, keyed sender matching, fuzzing keys.

The people who alert are at risk if identified (DOMAIN.md section 7). Their names and numbers are stored only
encrypted (Fernet: AES-128-CBC with HMAC-SHA256, from ``cryptography``) under a key derived from
``settings.secret_key``; reports from one sender are matched by a keyed HMAC of the normalised number, so
merging never needs decryption and the stored match key reveals nothing without the secret.

Every key is derived deterministically with HKDF-SHA256 from the one secret, with a distinct ``info`` per
purpose, so the encryption key, the sender-matching key and the fuzzing key are independent of each other.
Changing the secret makes stored sender details unreadable: ``pochub keys rotate`` re-encrypts them (and
recomputes the sender matching keys) under a new secret in one transaction (services/keys.py). The secret has
no default: without one, nothing protected is read or written.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

from pochub.config import KEY_HELP, MIN_SECRET_KEY_LENGTH, MissingSecretKey
from pochub.core.geography.fuzzing import fuzz_point
from pochub.errors import InvalidInput

_SALT = b"pochub informant protection v1"
_NON_DIGITS = re.compile(r"\D")


def _derive(secret_key: str, purpose: bytes) -> bytes:
    """32 bytes for ``purpose``, derived from the mission's secret (the same secret gives the same bytes)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose).derive(
        secret_key.encode("utf-8")
    )


def normalise_number(number: str) -> str | None:
    """A phone number as ``+`` and its digits (``00`` international prefix dropped); None without digits.

    ``"+243 81 234-5678"``, ``"00243812345678"`` and ``"243812345678"`` are one sender.
    """
    stripped = number.strip()
    digits = _NON_DIGITS.sub("", stripped)
    if not stripped.startswith("+") and digits.startswith("00"):
        digits = digits[2:]
    return f"+{digits}" if digits else None


class Protector:
    """Encrypts and decrypts sender details and derives the keyed values that stand in for them."""

    def __init__(self, secret_key: str | SecretStr | None) -> None:
        """Keys derived from ``secret_key`` (``settings.secret_key``); refused when absent or short, never shown."""
        if secret_key is None:
            raise MissingSecretKey(f"no secret key is set: {KEY_HELP}")
        if isinstance(secret_key, SecretStr):
            secret_key = secret_key.get_secret_value()
        if len(secret_key) < MIN_SECRET_KEY_LENGTH:
            raise InvalidInput(
                f"the secret key is too short (it needs at least {MIN_SECRET_KEY_LENGTH} characters; it is not "
                f"shown): {KEY_HELP}"
            )
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(secret_key, b"sender details encryption")))
        self._sender_mac_key = _derive(secret_key, b"sender matching")
        self._fuzz_mac_key = _derive(secret_key, b"location fuzzing")

    def encrypt(self, text: str | None) -> bytes | None:
        """``text`` encrypted (None and the empty string stay None: nothing to protect)."""
        if text is None or text == "":
            return None
        return self._fernet.encrypt(text.encode("utf-8"))

    def decrypt(self, blob: bytes | None) -> str | None:
        """The text of ``blob``; InvalidInput when it was encrypted under another secret key or is damaged."""
        if blob is None:
            return None
        try:
            return self._fernet.decrypt(bytes(blob)).decode("utf-8")
        except InvalidToken as exc:
            raise InvalidInput(
                "stored sender details cannot be decrypted: they were encrypted under another secret key "
                "(POCHUB_SECRET_KEY) or are damaged"
            ) from exc

    def sender_key(self, number: str | None) -> str | None:
        """Keyed HMAC-SHA256 (hex) of the normalised number: equal for one sender, opaque without the key."""
        if number is None:
            return None
        normalised = normalise_number(number)
        if normalised is None:
            return None
        return hmac.new(self._sender_mac_key, normalised.encode("ascii"), hashlib.sha256).hexdigest()

    def fuzz_key(self, reference: str) -> bytes:
        """The secret fuzzing key of a record (an alert reference): outsiders cannot recompute its offset."""
        return hmac.new(self._fuzz_mac_key, reference.encode("utf-8"), hashlib.sha256).digest()

    def fuzz_location(
        self, latitude: float, longitude: float, km: float, reference: str
    ) -> tuple[float, float]:
        """The record's location moved by up to ``km``, the same way on every read and in every export."""
        return fuzz_point(latitude, longitude, km, self.fuzz_key(reference))
