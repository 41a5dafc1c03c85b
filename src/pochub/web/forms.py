"""The posted form as a dependency: read in the event loop, so that the page route itself can be a plain
(sync) function that FastAPI runs in its thread pool, with its database work, solver runs and rendering."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from pochub.services import idempotency


async def posted_form(request: Request) -> FormData:
    """The request's form fields (urlencoded or multipart)."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(posted_form)]
"""A route parameter holding the posted form."""


def idempotency_key(request: Request, posted: FormData) -> str | None:
    """The idempotency key a phone's queue sends (the ``Idempotency-Key`` header, else the ``idempotency_key``
    field) when it has the form of one; None otherwise (the page's own forms send none)."""
    field = posted.get(idempotency.FIELD)
    key = request.headers.get(idempotency.HEADER) or (field if isinstance(field, str) else "")
    return key if idempotency.KEY_PATTERN.fullmatch(key) else None
