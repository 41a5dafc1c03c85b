"""Gateways: the SMS and form relays that post community alerts, each with its own credential and nothing more.

A gateway is an account of the ``gateway`` role: its one credential (an API token, sent in a header) lets it
post to the intake routes and nowhere else; it reads no alert, no sender and acts on none. Its kind says how its
posts are checked besides the credential: a Twilio gateway's posts must carry a valid ``X-Twilio-Signature``
(HMAC-SHA1 under the account's auth token, which is stored encrypted under the mission's key); RapidPro, KoBo
and generic relays send the credential as a shared-secret header.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import SecretStr
from sqlalchemy import Engine, select, update

from pochub.core.models.access import Role, User
from pochub.errors import InvalidInput
from pochub.services.access import create_user, issue_credential
from pochub.services.protection import Protector
from pochub.store import tables
from pochub.store.database import engine_key as engine_key  # the intake route's cache key


class GatewayKind(StrEnum):
    """How a gateway posts, and so how its posts are checked."""

    TWILIO = "twilio"
    RAPIDPRO = "rapidpro"
    KOBO = "kobo"
    GENERIC = "generic"


def parse_kind(kind: str) -> GatewayKind:
    """The GatewayKind named ``kind``; InvalidInput listing the kinds otherwise."""
    try:
        return GatewayKind(kind)
    except ValueError:
        known = ", ".join(k.value for k in GatewayKind)
        raise InvalidInput(f"unknown gateway kind {kind!r}; the kinds are {known}") from None


def create_gateway(
    engine: Engine,
    name: str,
    kind: str,
    lifetime: timedelta,
    *,
    secret_key: str | SecretStr | None,
    signing_secret: str | None = None,
    actor: str = "system",
    now: datetime | None = None,
) -> tuple[User, str]:
    """A new gateway account and its credential (shown once). Twilio gateways need their auth token.

    The account has no usable password: it signs in nowhere; it only posts with its credential.
    """
    the_kind = parse_kind(kind)
    if the_kind is GatewayKind.TWILIO and not signing_secret:
        raise InvalidInput("a Twilio gateway needs the Twilio account's auth token (it signs every post)")
    if the_kind is not GatewayKind.TWILIO and signing_secret:
        raise InvalidInput(f"a {the_kind.value} gateway has no signing secret: its credential is its secret")
    encrypted = Protector(secret_key).encrypt(signing_secret) if signing_secret else None
    user = create_user(
        engine,
        name,
        secrets.token_urlsafe(32),  # never shown: gateways do not sign in
        Role.GATEWAY,
        display_name=f"{the_kind.value} gateway",
        actor=actor,
        now=now,
    )
    with engine.begin() as conn:
        conn.execute(
            update(tables.users)
            .where(tables.users.c.user_id == user.user_id)
            .values(gateway_kind=the_kind.value, gateway_secret=encrypted)
        )
    token = issue_credential(engine, user, "token", lifetime, name=f"{the_kind.value} gateway", actor=actor,
                             now=now)  # fmt: skip
    return user, token


def gateway_kind(engine: Engine, user: User) -> tuple[GatewayKind, bytes | None]:
    """The kind of gateway ``user`` is and its encrypted signing secret (generic for accounts without one)."""
    u = tables.users.c
    with engine.connect() as conn:
        row = conn.execute(select(u.gateway_kind, u.gateway_secret).where(u.user_id == user.user_id)).first()
    if row is None or row.gateway_kind is None:
        return GatewayKind.GENERIC, None
    return GatewayKind(row.gateway_kind), row.gateway_secret


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Twilio's request signature: base64 of HMAC-SHA1, keyed by the auth token, over the full URL followed by
    each POST parameter's name and value, sorted by name (then value), as Twilio documents it."""
    data = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def twilio_signature_valid(
    auth_token: str, url: str, params: Iterable[tuple[str, str]], signature: str | None
) -> bool:
    """Does ``signature`` (the X-Twilio-Signature header) sign this URL and these POST parameters?"""
    if not signature:
        return False
    expected = twilio_signature(auth_token, url, params)
    return hmac.compare_digest(expected.encode("ascii"), signature.strip().encode("utf-8", "replace"))
