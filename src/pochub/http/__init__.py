"""PoC Hub over HTTP: the composition root, and what the API and the web pages share (CSRF protection, the
security headers of every response, and the modules below).

ARCHITECTURE.md names this package the composition root: :mod:`pochub.http.app` builds the application and mounts
the API and the pages; ``install`` adds the CSRF and headers middleware to it. The rest is what both edges share:
who is calling (``auth``), the request's database (``database``), its language (``language``), errors as HTTP
answers (``errors``) and the guards around everything (``guards``). Neither edge imports the other.
"""

from __future__ import annotations

from starlette.applications import Starlette

from pochub.config import Settings
from pochub.http.csrf import CsrfMiddleware, RefusalPage
from pochub.http.security_headers import SecurityHeadersMiddleware


def install(app: Starlette, settings: Settings, refusal_page: RefusalPage | None = None) -> None:
    """Add the CSRF check (its refusals rendered for browsers by ``refusal_page``), and outside it the security
    headers (so that refusals carry them too)."""
    app.add_middleware(CsrfMiddleware, refusal_page=refusal_page)
    app.add_middleware(SecurityHeadersMiddleware, force_https=settings.secure_cookies)


__all__ = ["install"]
