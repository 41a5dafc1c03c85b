"""Administrative boundaries from GeoJSON with P-codes (OCHA COD-AB, HDX, OSM exports, the demo mission).

Property names differ between publishers; the P-code, name and parent fields are found by the usual names for
the level (``ADM2_PCODE``, ``admin2Pcod``, ``pcode`` ...) or given explicitly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from shapely.geometry import shape

from pochub.core.geography.repair import Repair, make_polygonal
from pochub.core.models.places import AdminArea
from pochub.errors import InvalidInput, InvalidRows, RowError


@dataclass(frozen=True)
class RepairedFeature:
    """A feature whose geometry was repaired on import, named so the analyst can check it."""

    file: str
    feature: int
    name: str
    pcode: str
    repair: Repair

    def describe(self) -> str:
        """One line: file, feature number, name and P-code, and what was done."""
        return f"{self.file}: feature {self.feature} {self.name} ({self.pcode}): {self.repair.describe()}"


@dataclass(frozen=True)
class BoundaryFile:
    """The areas read from a boundary file and the features whose geometry had to be repaired."""

    areas: list[AdminArea]
    repairs: list[RepairedFeature]
    skipped: list[RowError]
    """Features left out with ``skip_invalid`` (empty P-code, repeated P-code, no polygon), with their reasons."""


def _find(properties: dict[str, Any], patterns: list[str]) -> str | None:
    for pattern in patterns:
        regex = re.compile(pattern, re.IGNORECASE)
        for key in properties:
            if regex.fullmatch(key):
                return key
    return None


def pcode_patterns(level: int) -> list[str]:
    """Property names that hold an area's code at ``level``, most specific first."""
    return ["pcode", f"adm(in)?{level}_?p_?cod(e)?", f"adm(in)?{level}_?code", "iso2", "iso1", "code"]


def name_patterns(level: int) -> list[str]:
    """Property names that hold an area's name at ``level``."""
    return ["name", f"adm(in)?{level}_?name", f"adm(in)?{level}_?(en|fr)", f"adm(in)?{level}_?ref_?n(ame)?"]


def parent_patterns(level: int) -> list[str]:
    """Property names that hold the parent area's code."""
    return ["parent_pcode", f"adm(in)?{level - 1}_?p_?cod(e)?"] if level > 1 else ["parent_pcode"]


def read_boundaries(
    path: Path,
    level: int,
    *,
    pcode_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
    version: str | None = None,
    skip_invalid: bool = False,
) -> BoundaryFile:
    """Read admin areas of ``level`` from a GeoJSON FeatureCollection; every problem names its feature. Each
    geometry is made valid and polygonal (lines and points left by the repair dropped); repairs are listed.
    A bad feature fails the whole file unless ``skip_invalid``: then it is left out and listed."""
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    try:
        document = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: not valid JSON: {exc}") from exc
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or not features:
        raise InvalidInput(f"{path}: not a GeoJSON FeatureCollection with features")
    first = features[0].get("properties") or {}
    pcode_key = pcode_field or _find(first, pcode_patterns(level))
    name_key = name_field or _find(first, name_patterns(level))
    parent_key = parent_field or _find(first, parent_patterns(level))
    if pcode_key is None or name_key is None:
        raise InvalidInput(
            f"{path}: feature 1: cannot tell which property holds the "
            f"{'P-code' if pcode_key is None else 'name'} at level {level}; give --pcode-field/--name-field "
            f"(properties: {', '.join(first)})"
        )
    boundary_version = version or path.name
    areas: list[AdminArea] = []
    errors: list[RowError] = []
    repairs: list[RepairedFeature] = []
    seen: set[str] = set()
    for number, feature in enumerate(features, start=1):
        where = f"feature {number}"
        props = feature.get("properties") or {}
        pcode = str(props.get(pcode_key) or "").strip()
        name = str(props.get(name_key) or "").strip()
        if not pcode:
            errors.append(RowError(str(path), number, pcode_key, "", f"{where}: empty P-code"))
            continue
        if pcode in seen:
            errors.append(RowError(str(path), number, pcode_key, pcode, f"{where}: P-code repeated"))
            continue
        seen.add(pcode)
        try:
            geometry = shape(feature.get("geometry"))
        except Exception as exc:  # shapely raises several kinds for bad geometry
            errors.append(RowError(str(path), number, "geometry", "", f"{where}: not a geometry ({exc})"))
            continue
        try:
            geometry, repair = make_polygonal(geometry)
        except ValueError as exc:
            errors.append(
                RowError(
                    str(path), number, "geometry", "", f"{where}: an admin area must be a polygon: {exc}"
                )
            )
            continue
        if repair is not None:
            repairs.append(RepairedFeature(str(path), number, name or pcode, pcode, repair))
        parent = str(props.get(parent_key) or "").strip() if parent_key else ""
        areas.append(AdminArea(pcode, name or pcode, level, geometry, parent or None, boundary_version))
    if errors and not skip_invalid:
        raise InvalidRows(errors, len(errors), file=str(path))
    if not areas:
        raise InvalidInput(f"{path}: no valid admin area in the file")
    return BoundaryFile(areas, repairs, errors)
