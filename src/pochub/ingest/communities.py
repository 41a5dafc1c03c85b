"""Communities from a table (CSV, TSV, XLSX, XLS, ODS: id,name,lat,lon,population + optional columns) or GeoJSON
points with those properties, including place files as people have them: a GeoNames extract (``geonameid``,
``name``, ``latitude``, ``longitude``, ``population``), a gazetteer (the DRC's RGC localities: ``PCODE``, ``NOM1``,
no population) or a list of health facilities (``Facility name``, no id).

Columns are found by name (``COLUMN_NAMES``); the one taken for each field is reported. A file without an id
column gets ids made from each place's name and coordinates (the same place gets the same id on re-import). A
missing optional column, or an empty cell, is unknown, never "no" or 0: a community without ``phone_coverage`` has
unknown phone coverage, a locality of a gazetteer without population has an unknown population, not none.
"""

from __future__ import annotations

import hashlib
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
from pochub.ingest._csv import LINE, CsvTable, normalise_header
from pochub.ingest._records import Records

REQUIRED = ("id", "name", "lat", "lon")
OPTIONAL = (
    "population",
    "pcode",
    "vulnerable_groups",
    "self_protection_capacities",
    "focal_point",
    "phone_coverage",
    "radio_coverage",
)
OPTIONAL_HELP = {
    "population": "people (default: unknown, never 0; a gazetteer's places count as unknown in exposure and plans)",
    "pcode": "admin P-code (default: found from the stored boundaries)",
    "vulnerable_groups": "';'-separated (default: none recorded)",
    "self_protection_capacities": "';'-separated (default: none recorded)",
    "focal_point": "name or contact (default: none recorded)",
    "phone_coverage": "yes/no (default: unknown)",
    "radio_coverage": "yes/no (default: unknown)",
}
"""What each optional column holds and what its absence means."""
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "id": (
        "id", "community_id", "geonameid", "geoname_id", "place_id", "locality_id", "site_id", "facility_id",
        "village_id", "pcode", "p_code", "code", "osm_id", "fid", "objectid",
    ),
    "name": (
        "name", "community", "community_name", "place_name", "locality", "locality_name", "localite", "nom",
        "nom1", "village", "village_name", "town", "site_name", "facility_name", "facility", "asciiname",
    ),
    "lat": ("lat", "latitude", "y", "lat_dd", "gps_latitude"),
    "lon": ("lon", "longitude", "lng", "long", "x", "lon_dd", "gps_longitude"),
    "population": ("population", "pop", "total_population", "population_total", "habitants", "inhabitants"),
}  # fmt: skip
"""For each field, the column names that hold it (lower case, spaces and dashes as ``_``), first found wins. An id
may also come from any other column named ``*_id``. An id taken from a publisher's own code column other than
``id``/``community_id`` is prefixed with that column's name (``geonameid:2314302``, ``pcode:30330041``), so two
files' numbering never collide; a ``pcode`` column used as the id is the place's own code, not its admin area's."""
OWN_IDS = ("id", "community_id")
DERIVED_ID = "name+coordinates"
SHARED_CODE = "_shared_code"
UNNAMED = "no name (a point of a gazetteer without a name or id of its own)"
SAME_PLACE = "same place as an earlier row (name and coordinates)"
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
            (text(frame, "population") != "")
            & ~(parse_count(text(frame, "population")) >= 0).fill_null(False),
            "population must be a number >= 0 (or empty: unknown)",
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


def resolve_columns(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
    """The frame with each field's column renamed to the field (``COLUMN_NAMES``), and for each field the file
    column it came from. Without an id column, ids are made from the name and coordinates (``DERIVED_ID``)."""
    names = [c for c in frame.columns if c != LINE]
    taken: dict[str, str] = {}
    for field_name, candidates in COLUMN_NAMES.items():
        found = next((c for c in candidates if c in names and c not in taken.values()), None)
        if found is None and field_name == "id":
            found = next((c for c in names if c.endswith("_id") and c not in taken.values()), None)
        if found is not None:
            taken[field_name] = found
    renamed = {c: f"_file_{c}" for c in names if c in COLUMN_NAMES and c not in taken.values()}
    renamed |= {column: field_name for field_name, column in taken.items()}
    out = frame.rename(renamed)
    source = taken.get("id")
    if source in OWN_IDS or not {"name", "lat", "lon"} <= taken.keys():
        return out, taken
    key = pl.concat_str([text_of("name").str.to_lowercase(), text_of("lat"), text_of("lon")], separator="|")
    derived = pl.Series(
        [f"place:{hashlib.sha1(k.encode()).hexdigest()[:12]}" for k in out.select(key).to_series().to_list()],
        dtype=pl.String,
    )
    if source is None:
        taken["id"] = DERIVED_ID
        return out.with_columns(derived.alias("id")), taken
    # a publisher's code: placeholders ("0") and codes given to several places do not name one place
    code = text_of("id")
    return out.with_columns(
        pl.when((code == "") | code.is_duplicated())
        .then(pl.lit(derived))
        .otherwise(pl.lit(f"{source}:") + code)
        .alias("id"),
        pl.when(code.is_duplicated() & (code != "")).then(code).otherwise(None).alias(SHARED_CODE),
    ), taken


def text_of(column: str) -> pl.Expr:
    """A column of a frame before its columns were prefixed, as trimmed text."""
    return pl.col(column).cast(pl.String).fill_null("").str.strip_chars()


def _geojson_frame(path: Path) -> pl.DataFrame:
    try:
        document: Any = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: not valid JSON: {exc}") from exc
    rows = []
    for number, feature in enumerate(document.get("features") or [], start=1):
        props = {
            normalise_header(k): "" if v is None else str(v)
            for k, v in (feature.get("properties") or {}).items()
        }
        geometry = feature.get("geometry") or {}
        if geometry.get("type") != "Point":
            raise InvalidInput(f"{path}: feature {number}: a community must be a Point")
        lon, lat = geometry["coordinates"][:2]  # GeoJSON is [lon, lat]
        rows.append(
            {
                **{c: v for c, v in props.items() if c not in ("lat", "lon", "latitude", "longitude")},
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
        table = CsvTable(path, encoding=encoding)
        frames = list(table.batches(50_000))
        found = Records(table.name, read_as=table.read_as)
        found.errors += table.ragged
        found.rows_read = len(table.ragged)
    errors: list[RowError] = []
    rounded = 0
    unknown = dict.fromkeys(COVERAGE, 0)
    whole = pl.concat(frames, how="diagonal") if frames else pl.DataFrame()
    whole, taken = resolve_columns(whole)
    missing = [c for c in REQUIRED if c not in taken]
    if missing:
        found_columns = ", ".join(c for c in (frames[0].columns if frames else []) if c != LINE)
        raise InvalidInput(
            f"{found.file}:1: not a communities file: no column for {', '.join(missing)} "
            f"(looked for {'; '.join('/'.join(COLUMN_NAMES[c][:6]) for c in missing)}; found: {found_columns})"
        )
    for field_name, column in taken.items():
        if column != field_name:
            found.warnings.append(f"{field_name}: read from column {column}")
    if taken["id"] == DERIVED_ID:
        found.warnings.append("id: no id column; each place's id is made from its name and coordinates")
    if "population" not in taken:
        found.warnings.append("population: no column; unknown for every community (never read as 0)")
    unknown_population = 0
    if SHARED_CODE in whole.columns:
        shared = whole[SHARED_CODE].drop_nulls()
        if shared.len():
            codes = ", ".join(shared.unique(maintain_order=True).head(5).to_list())
            found.warnings.append(
                f"id: {shared.len()} rows share their {taken['id']} with other rows ({codes}...): "
                "their ids are made from name and coordinates"
            )
        whole = whole.drop(SHARED_CODE)
    if taken["id"] not in OWN_IDS:  # a gazetteer's or facility list's points, not a list of communities
        unnamed = whole.select(text_of("name") == "").to_series()
        if unnamed.any():
            found.left_out[UNNAMED] += int(unnamed.sum())
            found.rows_read += int(unnamed.sum())
            whole = whole.filter(~unnamed)
        repeated = whole["id"].is_duplicated() & ~whole["id"].is_first_distinct()
        if repeated.any():
            found.left_out[SAME_PLACE] += int(repeated.sum())
            found.rows_read += int(repeated.sum())
            whole = whole.filter(~repeated)
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
        if "population" in taken:
            unknown_population += int(valid.select((text(valid, "population") == "").sum()).item())
        for column in COVERAGE:
            unknown[column] += int(flags[column].sum())
        found.records += _communities(valid)
    found.errors += errors
    if unknown_population:
        found.warnings.append(f"population: unknown for {unknown_population} communities (empty cells)")
    if rounded:
        found.warnings.append(f"population: {rounded} decimal value(s) rounded to whole numbers")
    for column, count in unknown.items():
        if count:
            found.warnings.append(f"{column}: unknown for {count} communit{'y' if count == 1 else 'ies'}")
    return found
