"""Pagination shared by the list endpoints: ``limit`` and ``offset`` in, ``total`` and a ``next`` link out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from fastapi import Query, Request
from pydantic import BaseModel, Field

MAX_OFFSET = 10_000_000
"""The largest offset accepted (keeps every value that reaches SQL bounded)."""

Item = TypeVar("Item")


@dataclass(frozen=True)
class PageRequest:
    """Which slice of a result a request asks for."""

    limit: int
    offset: int

    def next_offset(self, total: int) -> int | None:
        """The offset of the following page, or None when this page reaches the end."""
        following = self.offset + self.limit
        return following if following < total else None


def paging(default: int = 100, maximum: int = 1000) -> Callable[..., PageRequest]:
    """A dependency reading ``limit`` (1..``maximum``, default ``default``) and ``offset`` (0..MAX_OFFSET)."""

    def page_request(
        limit: int = Query(default, ge=1, le=maximum, description=f"Items per page (at most {maximum})."),
        offset: int = Query(0, ge=0, le=MAX_OFFSET, description="Items to skip."),
    ) -> PageRequest:
        return PageRequest(limit, offset)

    return page_request


def next_link(request: Request, page: PageRequest, total: int) -> str | None:
    """The URL of the following page (this request's URL with the offset moved on), or None at the end."""
    following = page.next_offset(total)
    if following is None:
        return None
    return str(request.url.include_query_params(offset=following, limit=page.limit))


class PageFields(BaseModel):
    """Where a page sits in the whole result."""

    total: int = Field(ge=0, description="Items matching the filters, over every page.")
    limit: int = Field(ge=1, description="Items per page asked for.")
    offset: int = Field(ge=0, description="Items skipped before this page.")
    next: str | None = Field(description="URL of the following page; null on the last page.")


class Page(PageFields, Generic[Item]):
    """One page of a list."""

    items: list[Item]


def page_fields(request: Request, page: PageRequest, total: int) -> dict[str, int | str | None]:
    """The ``PageFields`` of a page, as keyword values."""
    return {
        "total": total,
        "limit": page.limit,
        "offset": page.offset,
        "next": next_link(request, page, total),
    }
