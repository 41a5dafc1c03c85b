"""The posted form as a dependency: read in the event loop, so that the page route itself can be a plain
(sync) function that FastAPI runs in its thread pool, with its database work, solver runs and rendering."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData


async def posted_form(request: Request) -> FormData:
    """The request's form fields (urlencoded or multipart)."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(posted_form)]
"""A route parameter holding the posted form."""
