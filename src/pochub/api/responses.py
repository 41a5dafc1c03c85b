"""The error responses the resource routers document, so that the OpenAPI lists every status they return."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Problem(BaseModel):
    """Why a request failed: a message, or (for malformed parameters) the validator's list of errors."""

    detail: str | list[dict[str, Any]] = Field(description="What went wrong.")


SIGNED_IN: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Not signed in, or the token or session is not valid."},
    422: {"model": Problem, "description": "A parameter is malformed or out of range."},
}
"""Responses of every route that needs a signed-in user and takes parameters."""

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "No such item."}}
"""The response of a route that reads one item by its id."""
