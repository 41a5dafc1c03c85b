"""Communities from CSV (id,name,lat,lon,population + optional columns) or GeoJSON points with those properties."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from pochub.core.models.places import Community
from pochub.errors import InvalidInput, InvalidRows, RowError
from pochub.ingest._columns import (
    Check,
    coordinate_checks,
    parse_float,
    parse_int,
    prefix_raw,
    run_checks,
    text,
)
from pochub.ingest._csv import LINE, CsvTable, require_columns

REQUIRED = ("id", "name", "lat", "lon", "population")
OPTIONAL = (
    "pcode",
    "vulnerable_groups",
    "self_protection_capacities",
    "focal_point",
    "phone_coverage",
    "radio_coverage",
)
ALIASES = {"latitude": "lat", "longitude": "lon", "lng": "lon", "community_id": "id"}
TRUE = ["true", "1", "yes", "y", "oui", "vrai"]
FALSE = ["false", "0", "no", "n", "non", "faux", ""]


def _checks(frame: pl.DataFrame) -> list[Check]:
    checks = [
        Check("id", text(frame, "id"), text(frame, "id") == "", "empty id"),
        Check("name", text(frame, "name"), text(frame, "name") == "", "empty name"),
        *coordinate_checks(frame, "lat", "lon"),
        Check(
            "population",
            text(frame, "population"),
            ~(parse_int(text(frame, "population")) >= 0),
            "population must be a whole number >= 0",
        ),
    ]
    for column in ("phone_coverage", "radio_coverage"):
        checks.append(
            Check(
                column,
                text(frame, column),
                ~text(frame, column).str.to_lowercase().is_in(TRUE + FALSE),
                "must be true or false",
            )
        )
    return checks


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.replace(",", ";").split(";") if part.strip())


def _communities(frame: pl.DataFrame) -> Iterator[Community]:
    values = frame.select(
        text(frame, "id").alias("id"),
        text(frame, "name").alias("name"),
        parse_float(text(frame, "lat")).alias("lat"),
        parse_float(text(frame, "lon")).alias("lon"),
        parse_int(text(frame, "population")).alias("population"),
        text(frame, "pcode").alias("pcode"),
        text(frame, "vulnerable_groups").alias("groups"),
        text(frame, "self_protection_capacities").alias("caps"),
        text(frame, "focal_point").alias("focal"),
        text(frame, "phone_coverage").str.to_lowercase().is_in(TRUE).alias("phone"),
        text(frame, "radio_coverage").str.to_lowercase().is_in(TRUE).alias("radio"),
    )
    for r in values.iter_rows(named=True):
        yield Community(
            r["id"],
            r["name"],
            r["lat"],
            r["lon"],
            r["population"],
            r["pcode"] or None,
            _split(r["groups"]),
            _split(r["caps"]),
            r["focal"],
            r["phone"],
            r["radio"],
        )


def _geojson_frame(path: Path) -> pl.DataFrame:
    try:
        document: Any = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: not valid JSON: {exc}") from exc
    rows = []
    for number, feature in enumerate(document.get("features") or [], start=1):
        props = {
            ALIASES.get(k.lower(), k.lower()): "" if v is None else str(v)
            for k, v in (feature.get("properties") or {}).items()
        }
        geometry = feature.get("geometry") or {}
        if geometry.get("type") != "Point":
            raise InvalidInput(f"{path}: feature {number}: a community must be a Point")
        lon, lat = geometry["coordinates"][:2]  # GeoJSON is [lon, lat]
        rows.append(
            {
                **{c: props.get(c, "") for c in REQUIRED + OPTIONAL},
                "lat": str(lat),
                "lon": str(lon),
                LINE: number,
            }
        )
    if not rows:
        raise InvalidInput(f"{path}: no features")
    return pl.DataFrame(rows)


def read_communities(path: Path, encoding: str = "auto") -> list[Community]:
    """Read and validate communities; raise InvalidRows naming every bad line (feature for GeoJSON)."""
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    if path.suffix.lower() in (".geojson", ".json"):
        frames = [_geojson_frame(path)]
        name = str(path)
    else:
        table = CsvTable(
            path, known_columns=frozenset(REQUIRED + OPTIONAL), aliases=ALIASES, encoding=encoding
        )
        frames = list(table.batches(50_000))
        require_columns(table, list(REQUIRED), "communities")
        name = table.name
        if table.ragged:
            raise InvalidRows(table.ragged, len(table.ragged), file=name)
    communities: list[Community] = []
    errors: list[RowError] = []
    frames = [prefix_raw(frame) for frame in frames]
    for frame in frames:
        ok, found = run_checks(frame, _checks(frame), name)
        errors += found
        communities += _communities(frame.filter(ok))
    seen: set[str] = set()
    for frame in frames:
        for line, community_id in frame.select(LINE, text(frame, "id")).iter_rows():
            if community_id in seen:
                errors.append(RowError(name, line, "id", community_id, "id repeated"))
            seen.add(community_id)
    if errors:
        raise InvalidRows(sorted(errors, key=lambda e: e.line), len(errors), file=name)
    return communities
