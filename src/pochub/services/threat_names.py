"""Threat matrix rows named as people read them wherever their key is kept (a joint team requested from a row, an
action point that addresses one): ``<area name>: <threat label> (<perpetrator>)``, as forum agendas name top
risks (:mod:`pochub.core.threats.keys`). Area names are not protected: every reader of the key may read them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Engine, select

from pochub.core.text import Text
from pochub.core.threats.keys import parse_threat_key, threat_key_text
from pochub.store import tables


def threat_texts(conn: Connection, keys: Iterable[str]) -> dict[str, Text]:
    """Each non-empty key of ``keys`` as a person reads it (text that is not a row's key stays as written)."""
    wanted = {key for key in keys if key and key.strip()}
    pcodes = {parsed.area_pcode for key in wanted if (parsed := parse_threat_key(key)) is not None}
    names: dict[str, str] = {}
    if pcodes:
        names = {
            r.pcode: r.name
            for r in conn.execute(
                select(tables.admin_areas.c.pcode, tables.admin_areas.c.name).where(
                    tables.admin_areas.c.pcode.in_(sorted(pcodes))
                )
            )
        }
    return {key: threat_key_text(key, names) for key in wanted}


def threat_texts_of(engine: Engine, keys: Iterable[str]) -> dict[str, Text]:
    """:func:`threat_texts` in a connection of its own (for the edges)."""
    with engine.connect() as conn:
        return threat_texts(conn, keys)
