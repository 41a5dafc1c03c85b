"""Users and bearer tokens for API tests: ``user, token = make_user(engine, "analyst")``."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import Engine

from pochub.core.models.access import Role, User
from pochub.services.access import create_user, issue_credential, passwords

_numbers = itertools.count(1)
_CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
"""Argon2id at test cost: the production cost (64 MiB, 3 passes) takes ~0.5 s a user on a busy test machine."""


@contextmanager
def cheap_password_hashing() -> Iterator[None]:
    """Hash passwords at test cost inside the block (verification reads the cost from each hash); the hasher is
    swapped where hashing reads it, ``access.passwords``."""
    production = passwords.PASSWORD_HASHER
    passwords.PASSWORD_HASHER = _CHEAP_HASHER
    try:
        yield
    finally:
        passwords.PASSWORD_HASHER = production


def make_user(
    engine: Engine,
    role: Role | str,
    *,
    field_office: str | None = None,
    username: str | None = None,
    area_pcodes: tuple[str, ...] = (),
    password: str | None = None,
    display_name: str = "",
) -> tuple[User, str]:
    """A new user of ``role`` and a bearer token for them (valid for a day).

    Field officers and CLAs need ``field_office`` (known to the stored structure, if one is stored) or
    ``area_pcodes``, exactly as in production. The password is hashed at test cost (a sign-in with it
    rehashes it at the production cost, as for any user whose hash parameters are outdated).
    """
    name = username or f"{Role(role).value}-{next(_numbers)}-{secrets.token_hex(3)}"
    with cheap_password_hashing():
        user = create_user(
            engine,
            name,
            password or secrets.token_urlsafe(16),
            role,
            field_office=field_office,
            area_pcodes=area_pcodes,
            display_name=display_name,
            actor="test",
        )
    token = issue_credential(engine, user, "token", timedelta(days=1), name="test")
    return user, token


def auth_header(token: str) -> dict[str, str]:
    """The Authorization header for ``token``."""
    return {"Authorization": f"Bearer {token}"}
