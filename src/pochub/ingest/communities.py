"""Communities from a table (CSV, TSV, XLSX, XLS, ODS: id,name,lat,lon,population + optional columns) or GeoJSON
points with those properties.

A missing optional column, or an empty cell, is unknown, never "no": a community without ``phone_coverage`` has
unknown phone coverage, not none.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from pochub.core.models.places import Community
from pochub.errors import InvalidInput, RowError
from pochub.ingest._columns import (
    FALSE_WORDS,
    TRUE_WORDS,
    Check,
    coordinate_checks,
    count_is_rounded,
    parse_count,
    parse_float,
    prefix_raw,
    run_checks,
    text,
)
from pochub.ingest._csv import LINE, CsvTable, require_columns
from pochub.ingest._records import Records

REQUIRED = ("id", "name", "lat", "lon", "population")
OPTIONAL = (
    "pcode",
    "vulnerable_groups",
    "self_protection_capacities",
    "focal_point",
    "phone_coverage",
    "radio_coverage",
)
OPTIONAL_HELP = {
    "pcode": "admin P-code (default: found from the stored boundaries)",
    "vulnerable_groups": "';'-separated (default: none recorded)",
    "self_protection_capacities": "';'-separated (default: none recorded)",
    "focal_point": "name or contact (default: none recorded)",
    "phone_coverage": "yes/no (default: unknown)",
    "radio_coverage": "yes/no (default: unknown)",
}
"""What each optional column holds and what its absence means."""
ALIASES = {"latitude": "lat", "longitude": "lon", "lng": "lon", "community_id": "id"}
COVERAGE = ("phone_coverage", "radio_coverage")


def _checks(frame: pl.DataFrame) -> list[Check]:
    ids = text(frame, "id")
    checks = [
        Check("id", ids, ids == "", "empty id"),
        Check("id", ids, (ids != "") & ~ids.is_first_distinct(), "id repeated (an earlier row has it)"),
        Check("name", text(frame, "name"), text(frame, "name") == "", "empty name"),
        *coordinate_checks(frame, "lat", "lon"),
        Check(
            "population",
            text(frame, "population"),
            ~(parse_count(text(frame, "population")) >= 0),
            "population must be a number >= 0",
        ),
    ]
    for column in COVERAGE:
        checks.append(
            Check(
                column,
                text(frame, column),
                ~text(frame, column).str.to_lowercase().is_in([*TRUE_WORDS, *FALSE_WORDS, ""]),
                "must be yes or no (or empty: unknown)",
            )
        )
    return checks


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.replace(",", ";").split(";") if part.strip())


def coverage(frame: pl.DataFrame, column: str) -> pl.Expr:
    """True, False, or null (unknown) when the column is missing or the cell empty."""
    value = text(frame, column).str.to_lowercase()
    return (
        pl.when(value.is_in(TRUE_WORDS)).then(True).when(value.is_in(FALSE_WORDS)).then(False).otherwise(None)
    )


def _communities(frame: pl.DataFrame) -> Iterator[Community]:
    values = frame.select(
        text(frame, "id").alias("id"),
        text(frame, "name").alias("name"),
        parse_float(text(frame, "lat")).alias("lat"),
        parse_float(text(frame, "lon")).alias("lon"),
        parse_count(text(frame, "population")).alias("population"),
        text(frame, "pcode").alias("pcode"),
        text(frame, "vulnerable_groups").alias("groups"),
        text(frame, "self_protection_capacities").alias("caps"),
        text(frame, "focal_point").alias("focal"),
        coverage(frame, "phone_coverage").alias("phone"),
        coverage(frame, "radio_coverage").alias("radio"),
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
                **{c: props[c] for c in REQUIRED + OPTIONAL if c in props},
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
    return read_communities_table(path, encoding).checked(skip_invalid=False).records


def read_communities_table(path: Path, encoding: str = "auto") -> Records[Community]:
    """Communities with the account of every row: the valid ones, the errors of the others, and warnings for
    values taken on an assumption (decimal populations rounded, coverage unknown)."""
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    if path.suffix.lower() in (".geojson", ".json"):
        frames = [_geojson_frame(path)]
        found: Records[Community] = Records(str(path), read_as="GeoJSON")
    else:
        table = CsvTable(
            path, known_columns=frozenset(REQUIRED + OPTIONAL), aliases=ALIASES, encoding=encoding
        )
        frames = list(table.batches(50_000))
        require_columns(table, list(REQUIRED), "communities")
        found = Records(table.name, read_as=table.read_as)
        found.errors += table.ragged
        found.rows_read = len(table.ragged)
    errors: list[RowError] = []
    rounded = 0
    unknown = dict.fromkeys(COVERAGE, 0)
    whole = pl.concat(frames, how="diagonal") if frames else pl.DataFrame()
    for frame in [prefix_raw(whole)] if whole.height else []:  # one frame: repeated ids are found file-wide
        found.rows_read += frame.height
        ok, batch_errors = run_checks(frame, _checks(frame), found.file)
        errors += batch_errors
        valid = frame.filter(ok)
        flags = valid.with_columns(
            count_is_rounded(text(valid, "population")).alias("rounded"),
            *(coverage(valid, column).is_null().alias(column) for column in COVERAGE),
        )
        rounded += int(flags["rounded"].sum())
        for column in COVERAGE:
            unknown[column] += int(flags[column].sum())
        found.records += _communities(valid)
    found.errors += errors
    if rounded:
        found.warnings.append(f"population: {rounded} decimal value(s) rounded to whole numbers")
    for column, count in unknown.items():
        if count:
            found.warnings.append(f"{column}: unknown for {count} communit{'y' if count == 1 else 'ies'}")
    return found
