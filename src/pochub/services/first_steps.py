"""What a command needs in the store before it can answer, and what to import first when it is missing: a
command on an empty store says so instead of printing zeros."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from pochub.errors import InvalidInput
from pochub.store import tables

NEEDS = {
    "events": (
        tables.events,
        "no events stored: import an event file first, e.g. `pochub import acled FILE.csv` "
        "(or `import ucdp`, `import hxl`), or build the demo mission with `pochub demo`",
    ),
    "communities": (
        tables.communities,
        "no communities stored: `pochub import communities FILE.csv` first (id,name,lat,lon,population), "
        "or build the demo mission with `pochub demo`",
    ),
    "bases": (
        tables.bases,
        "no bases stored: `pochub import bases FILE.csv` (or a Geo-PKO file with --mission) and "
        "`pochub import units FILE.csv` first, or build the demo mission with `pochub demo`",
    ),
    "units": (
        tables.units,
        "no units stored: `pochub import units FILE.csv` first (each unit at its home base), "
        "or build the demo mission with `pochub demo`",
    ),
    "users": (
        tables.users,
        "no users yet: add one with `pochub users add NAME --role ROLE` (after `pochub structure import FILE` for "
        "the field offices), or build the demo mission with `pochub demo`",
    ),
}
"""What each kind of data is stored in, and the message naming the import that provides it."""


def missing(engine: Engine, *needs: str) -> str | None:
    """The message for the first of ``needs`` the store holds nothing of, else None."""
    with engine.connect() as conn:
        for need in needs:
            table, message = NEEDS[need]
            if (
                conn.execute(select(func.count()).select_from(select(table).limit(1).subquery())).scalar_one()
                == 0
            ):
                return message
    return None


def require(engine: Engine, *needs: str) -> None:
    """Raise InvalidInput naming what to import first when the store lacks any of ``needs``."""
    message = missing(engine, *needs)
    if message is not None:
        raise InvalidInput(message)
