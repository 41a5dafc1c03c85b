"""The ``Idempotency-Key`` request header of the API's writes that a phone may send again (alert intake,
engagements, action point steps): the same key from the same user answers the first result, stored once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from pochub.services.idempotency import HEADER, KEY_PATTERN

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=HEADER,
        pattern=f"^{KEY_PATTERN.pattern}$",
        description="A key of the client's choosing (a random UUID): sent again with the same request, the first "
        "result is answered and nothing new is stored.",
    ),
]
"""A route parameter holding the request's idempotency key (None without one)."""
