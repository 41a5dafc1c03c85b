"""Event exports: CSV, HXL-tagged CSV and GeoJSON, streamed, in a form `pochub import` reads back unchanged
(CSV text that a spreadsheet would run as a formula is written with a leading apostrophe)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date
from typing import Any, TextIO

import orjson

from pochub.core.models.events import EVENT_COLUMNS
from pochub.documents.spreadsheet_cells import neutralised_row
from pochub.ingest.hxl import EVENT_TAGS

FORMATS = ("csv", "hxl", "geojson")


def cell(value: Any) -> str:
    """One value as export text: ISO dates, true/false, empty for missing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO, *, hxl: bool) -> int:
    """Write events as CSV with PoC Hub's column names, and the HXL hashtag row when ``hxl``."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EVENT_COLUMNS)
    if hxl:
        writer.writerow([EVENT_TAGS[c] for c in EVENT_COLUMNS])
    written = 0
    for row in rows:
        writer.writerow(neutralised_row(cell(row[c]) for c in EVENT_COLUMNS))
        written += 1
    return written


def json_value(value: Any) -> Any:
    """One value as a JSON-native value: ISO dates, everything else as it is."""
    return value.isoformat() if isinstance(value, date) else value


def feature(row: dict[str, Any], *, as_text: bool = True) -> dict[str, Any]:
    """One event as a GeoJSON Feature ([lon, lat], as GeoJSON orders them).

    ``as_text`` writes every property as text, the export form that imports back unchanged; otherwise
    properties keep their JSON types (numbers, booleans, null), as the API serves them.
    """
    convert = cell if as_text else json_value
    properties = {c: convert(row[c]) for c in EVENT_COLUMNS if c not in ("latitude", "longitude")}
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
        "properties": properties,
    }


def write_geojson(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    """Write events as a GeoJSON FeatureCollection, one feature per line."""
    out.write('{"type": "FeatureCollection", "features": [\n')
    written = 0
    for row in rows:
        if written:
            out.write(",\n")
        out.write(orjson.dumps(feature(row)).decode())
        written += 1
    out.write("\n]}\n")
    return written
