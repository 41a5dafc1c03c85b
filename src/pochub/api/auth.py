"""Moved: who is calling is :mod:`pochub.http.auth`, shared by the API and the pages (kept while callers move)."""

from __future__ import annotations

from pochub.http.auth import (
    CREDENTIALS,
    SESSION_COOKIE,
    AppSettings,
    CurrentUser,
    OptionalUser,
    client_address,
    current_user,
    optional_user,
    require_roles,
)

__all__ = [
    "CREDENTIALS",
    "SESSION_COOKIE",
    "AppSettings",
    "CurrentUser",
    "OptionalUser",
    "client_address",
    "current_user",
    "optional_user",
    "require_roles",
]
