"""Byte-stable writers for the demo files: CSV with a header row, GeoJSON one feature per line.

Floats are written by ``repr`` (shortest round-trip form), so a reader gets exactly the coordinates the
generator used for its containment checks.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write a UTF-8 CSV file with Unix line ends."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def feature(geometry: BaseGeometry, properties: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON Feature."""
    return {"type": "Feature", "properties": properties, "geometry": mapping(geometry)}


def write_feature_collection(path: Path, features: Iterable[dict[str, Any]]) -> None:
    """Write a GeoJSON FeatureCollection (WGS 84 longitude/latitude), one feature per line."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write('{"type":"FeatureCollection","features":[\n')
        handle.write(",\n".join(lines))
        handle.write("\n]}\n")
