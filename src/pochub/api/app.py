"""Moved: the application is built by :mod:`pochub.http.app`, the composition root (kept while callers move)."""

from __future__ import annotations

from pochub.http.app import create_app, create_app_from_environment

__all__ = ["create_app", "create_app_from_environment"]
