"""The request's database, for the API's routes and the pages alike: the application's engine and a reading
connection per request, as typed dependencies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine

from pochub.services.database import reading


def get_engine(request: Request) -> Engine:
    """The application's database engine."""
    engine: Engine = request.app.state.engine
    return engine


def get_connection(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    """A connection for one request's reads (deferred on SQLite: a long read never holds up intake)."""
    with reading(engine) as conn:
        yield conn


DbConnection = Annotated[Connection, Depends(get_connection)]
