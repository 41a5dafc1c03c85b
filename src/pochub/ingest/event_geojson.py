"""Events as GeoJSON points (PoC Hub's own export, partners' incident maps), read as a table of text columns.

GeoJSON orders coordinates [lon, lat]; the feature number stands in for the line number in messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from pochub.errors import InvalidInput, RowError
from pochub.ingest._csv import LINE


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class GeoJsonTable:
    """A GeoJSON FeatureCollection of points, offered with the interface of ``CsvTable``."""

    path: Path
    columns: list[str] = field(init=False, default_factory=list)
    hxl_tags: dict[str, str] = field(init=False, default_factory=dict)
    ragged: list[RowError] = field(init=False, default_factory=list)
    bytes_total: int = field(init=False, default=0)

    @property
    def name(self) -> str:
        """The file name used in messages."""
        return str(self.path)

    def _rows(self) -> list[dict[str, str]]:
        if not self.path.exists():
            raise InvalidInput(f"{self.path}: no such file")
        self.bytes_total = self.path.stat().st_size
        try:
            document = orjson.loads(self.path.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise InvalidInput(f"{self.path}: not valid JSON: {exc}") from exc
        features = document.get("features") if isinstance(document, dict) else None
        if not isinstance(features, list):
            raise InvalidInput(f"{self.path}: not a GeoJSON FeatureCollection")
        rows = []
        for number, feat in enumerate(features, start=1):
            geometry = feat.get("geometry") or {}
            coordinates = geometry.get("coordinates") or []
            if geometry.get("type") != "Point" or len(coordinates) < 2:
                self.ragged.append(
                    RowError(
                        self.name,
                        number,
                        "geometry",
                        str(geometry.get("type")),
                        f"feature {number}: an event must be a Point",
                    )
                )
                continue
            row = {k: _text(v) for k, v in (feat.get("properties") or {}).items()}
            row["longitude"], row["latitude"] = _text(coordinates[0]), _text(coordinates[1])
            row[LINE] = str(number)
            rows.append(row)
        names: dict[str, None] = {}
        for row in rows:
            names.update(dict.fromkeys(row))
        names.pop(LINE, None)
        self.columns = list(names)
        return rows

    def batches(
        self, rows_per_batch: int, on_progress: Callable[[int], None] | None = None
    ) -> Iterator[pl.DataFrame]:
        """The features as frames of text columns plus ``_line``."""
        rows = self._rows()
        for start in range(0, len(rows), rows_per_batch):
            part = rows[start : start + rows_per_batch]
            data = {c: pl.Series(c, [r.get(c, "") for r in part], dtype=pl.String) for c in self.columns}
            data[LINE] = pl.Series(LINE, [int(r[LINE]) for r in part], dtype=pl.Int64)
            yield pl.DataFrame(data)
        if on_progress:
            on_progress(self.bytes_total)
