"""What the API and the web pages share over HTTP: CSRF protection and the security headers of every response.

ARCHITECTURE.md names this package the composition root; ``install`` adds its middleware to an application.
"""

from __future__ import annotations

from starlette.applications import Starlette

from pochub.config import Settings
from pochub.http.csrf import CsrfMiddleware
from pochub.http.security_headers import SecurityHeadersMiddleware


def install(app: Starlette, settings: Settings) -> None:
    """Add the CSRF check, and outside it the security headers (so that refusals carry them too)."""
    app.add_middleware(CsrfMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, force_https=settings.secure_cookies)


__all__ = ["install"]
