"""The actor registry: every actor name the stored events use, matched to one registry actor, and the analyst's
aliases (merge, alias, a YAML file) that extend the automatic matching.

The registry is rebuilt from all stored names and aliases each time (``register``), so it never depends on the
order files were imported in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from sqlalchemy import Connection, Engine, delete, func, insert, or_, select

from pochub.core.evidence.actor_registry import ActorRegistry, build_registry, field_actor, split_names
from pochub.core.models.filters import EventFilter
from pochub.errors import InvalidInput, NotFound
from pochub.store import event_queries, tables

ACTOR_FIELDS = ("actor1", "assoc_actor1", "actor2", "assoc_actor2")
"""The event columns that name actors (ACLED actor1/2 and assoc_actor_1/2, UCDP side_a/b, HXL #group)."""


@dataclass(frozen=True)
class SourceName:
    """One spelling of an actor in the stored events."""

    name: str
    sources: tuple[str, ...]
    events: int


@dataclass(frozen=True)
class ActorListing:
    """A registry actor with every source name behind it."""

    actor: str
    events: int
    names: tuple[SourceName, ...]


def _stored_names(conn: Connection) -> dict[str, tuple[set[str], int]]:
    """Every actor name in the events, with the sources that use it and the events naming it.

    One scan of the events grouped by all four actor fields (not one scan per field: at a million events each scan
    reads the whole table); the per-field counts are summed from the groups in Python."""
    ev = tables.events.c
    fields = [getattr(ev, column) for column in ACTOR_FIELDS]
    named = [(field.is_not(None)) & (field != "") for field in fields]
    rows = conn.execute(
        select(*fields, ev.source, func.count()).where(or_(*named)).group_by(*fields, ev.source)
    ).all()
    per_field: dict[tuple[str, str], int] = {}
    for row in rows:
        source, count = row[-2], int(row[-1])
        for value in row[:-2]:
            if value:
                per_field[(value, source)] = per_field.get((value, source), 0) + count
    found: dict[str, tuple[set[str], int]] = {}
    for (value, source), count in per_field.items():
        for name in split_names(value):
            sources, events = found.get(name, (set(), 0))
            found[name] = (sources | {source}, events + count)
    return found


def _aliases(conn: Connection) -> list[tuple[str, str]]:
    a = tables.actor_aliases.c
    return [(r.name, r.actor) for r in conn.execute(select(a.name, a.actor).order_by(a.name))]


def register(conn: Connection) -> ActorRegistry:
    """Rebuild the registry from the stored events' names and the aliases (inside the caller's transaction)."""
    names = _stored_names(conn)
    registry = build_registry(names, _aliases(conn))
    conn.execute(delete(tables.actor_names))
    rows = [
        {"name": name, "actor": actor, "sources": ",".join(sorted(names[name][0])), "events": names[name][1]}
        for name, actor in registry.mapping().items()
    ]
    for start in range(0, len(rows), 1000):
        conn.execute(insert(tables.actor_names), rows[start : start + 1000])
    return registry


def name_mapping(conn: Connection) -> dict[str, str]:
    """Each stored source name -> its registry actor."""
    t = tables.actor_names.c
    return {r.name: r.actor for r in conn.execute(select(t.name, t.actor))}


def with_registry_actor(
    frame: pl.DataFrame, mapping: Mapping[str, str], column: str = "actor1"
) -> pl.DataFrame:
    """``column`` as registry actors; the source's own spelling kept in ``{column}_source``."""
    if column not in frame.columns:
        return frame
    spellings = frame.get_column(column).drop_nulls().unique().to_list()
    actors = {value: field_actor(value, mapping) for value in spellings if value}
    return frame.with_columns(
        pl.col(column).alias(f"{column}_source"),
        pl.col(column).replace(actors).alias(column),
    )


def listing(engine: Engine) -> tuple[list[ActorListing], tuple[str, ...]]:
    """Every registry actor with its source names (most events first), and the acronyms left ambiguous."""
    with engine.connect() as conn:
        t = tables.actor_names.c
        rows = conn.execute(select(t.name, t.actor, t.sources, t.events)).all()
        aliases = _aliases(conn)
    grouped: dict[str, list[SourceName]] = defaultdict(list)
    for row in rows:
        grouped[row.actor].append(SourceName(row.name, tuple(row.sources.split(",")), int(row.events)))
    actors = [
        ActorListing(
            actor, sum(n.events for n in names), tuple(sorted(names, key=lambda n: (-n.events, n.name)))
        )
        for actor, names in grouped.items()
    ]
    ambiguous = build_registry([r.name for r in rows], aliases).ambiguous_acronyms
    return sorted(actors, key=lambda a: (-a.events, a.actor)), ambiguous


def _known(conn: Connection, name: str) -> str | None:
    """The registry actor a source name or registry actor name stands for, if stored."""
    t = tables.actor_names.c
    row = conn.execute(select(t.actor).where((t.name == name) | (t.actor == name)).limit(1)).first()
    return row.actor if row else None


def alias(
    engine: Engine, name: str, actor: str, analyst: str = "analyst", now: datetime | None = None
) -> str:
    """Record that ``name`` (a source name or a registry actor) is the actor ``actor``; returns the actor of
    ``name`` after the registry is rebuilt."""
    name, actor = name.strip(), actor.strip()
    if not name or not actor:
        raise InvalidInput("an alias needs a name and the actor it is")
    with engine.begin() as conn:
        if _known(conn, name) is None:
            raise NotFound(
                f"no actor or source name {name!r} in the registry; `pochub actors list` shows them"
            )
        _store_alias(conn, name, actor, analyst, now)
        return register(conn).actor_of(name)


def merge(
    engine: Engine, first: str, second: str, analyst: str = "analyst", now: datetime | None = None
) -> str:
    """Make ``second`` (and every name behind it) the same actor as ``first``; returns that actor."""
    with engine.begin() as conn:
        target = _known(conn, first.strip())
        if target is None:
            raise NotFound(
                f"no actor or source name {first!r} in the registry; `pochub actors list` shows them"
            )
        if _known(conn, second.strip()) is None:
            raise NotFound(
                f"no actor or source name {second!r} in the registry; `pochub actors list` shows them"
            )
        _store_alias(conn, second.strip(), target, analyst, now)
        return register(conn).actor_of(first.strip())


def remove_alias(engine: Engine, name: str) -> None:
    """Forget the analyst's alias of ``name`` (automatic matching still applies)."""
    with engine.begin() as conn:
        removed = conn.execute(
            delete(tables.actor_aliases).where(tables.actor_aliases.c.name == name)
        ).rowcount
        if not removed:
            raise NotFound(f"no alias for {name!r}")
        register(conn)


def _store_alias(conn: Connection, name: str, actor: str, analyst: str, now: datetime | None) -> None:
    conn.execute(delete(tables.actor_aliases).where(tables.actor_aliases.c.name == name))
    conn.execute(
        insert(tables.actor_aliases).values(
            name=name[:500], actor=actor[:500], analyst=analyst[:80], created_at=now or datetime.now(UTC)
        )
    )


def parse_aliases(text: str, file: str = "aliases") -> list[tuple[str, str]]:
    """(name, actor) pairs from the aliases YAML: a mapping of each registry actor to its list of source names."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{file}: not valid YAML: {exc}") from exc
    if document is None:
        return []
    if not isinstance(document, dict):
        raise InvalidInput(f"{file}: expected a mapping of actor: [source names, ...]")
    pairs: list[tuple[str, str]] = []
    for actor, names in document.items():
        if (
            not isinstance(actor, str)
            or not isinstance(names, list)
            or not all(isinstance(n, str) for n in names)
        ):
            raise InvalidInput(f"{file}: actor {actor!r}: expected a list of source names (text)")
        pairs.extend((name, actor) for name in names if name.strip() and name.strip() != actor.strip())
    return pairs


def load_aliases(engine: Engine, path: Path, analyst: str = "analyst") -> int:
    """Add every alias of an aliases file (names not seen yet are kept for later imports); returns how many."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read the aliases file: {exc}") from exc
    pairs = parse_aliases(text, str(path))
    with engine.begin() as conn:
        for name, actor in pairs:
            _store_alias(conn, name.strip(), actor.strip(), analyst, None)
        register(conn)
    return len(pairs)


def aliases_yaml(engine: Engine) -> str:
    """The stored aliases as the YAML file ``load_aliases`` reads."""
    with engine.connect() as conn:
        pairs = _aliases(conn)
    document: dict[str, list[str]] = defaultdict(list)
    for name, actor in pairs:
        document[actor].append(name)
    header = "# PoC Hub actor aliases: each registry actor with the source names that are it.\n"
    return header + yaml.safe_dump(dict(sorted(document.items())), allow_unicode=True, sort_keys=False)


def summary_by_actor(engine: Engine, event_filter: EventFilter) -> list[dict[str, Any]]:
    """Events, fatalities and civilian fatalities per registry actor (first actor), with the names behind it."""
    with engine.connect() as conn:
        rows = event_queries.summary(conn, "actor", event_filter)
        mapping = name_mapping(conn)
    grouped: dict[str, dict[str, Any]] = {}
    for row in rows:
        actor = field_actor(row["key"], mapping) if row["key"] else ""
        entry = grouped.setdefault(
            actor, {"key": actor, "events": 0, "fatalities": 0, "civilian_fatalities": 0, "names": []}
        )
        for count in ("events", "fatalities", "civilian_fatalities"):
            entry[count] += row[count]
        if row["key"]:
            entry["names"].append(row["key"])
    for entry in grouped.values():
        entry["names"] = sorted(entry["names"])
    return sorted(grouped.values(), key=lambda r: (-r["events"], str(r["key"])))
