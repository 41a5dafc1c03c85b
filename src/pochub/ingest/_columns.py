"""Vectorised parsing and validation of text columns into typed columns, with row errors for bad values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson
import polars as pl

from pochub.core.models.events import EVENT_SCHEMA
from pochub.errors import RowError
from pochub.ingest._csv import LINE

ISO_DATE = "%Y-%m-%d"
DATE_FORMATS: tuple[str, ...] = (
    ISO_DATE,
    "%d %B %Y",
    "%d-%B-%Y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%B %d, %Y",
    "%b %d, %Y",
)
"""Unambiguous date spellings seen in ACLED, UCDP and HXL exports (ISO, month names). Numeric dates such as
06/12/2022 are read only in the order found for the whole file (``numeric_date_formats``)."""

NUMERIC_DATE = r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\b"
"""A date written with two one- or two-digit numbers before a four-digit year: day and month in either order."""
DAY_FIRST = "%d/%m/%Y"
MONTH_FIRST = "%m/%d/%Y"
DATE_FORMAT_HINT = "give the format with --date-format (e.g. --date-format %d/%m/%Y for 31/12/2022)"
"""Ends every date error: the option that settles a format PoC Hub cannot read or cannot tell."""


def numeric_date_formats(day_first: bool) -> tuple[str, ...]:
    """The numeric spellings (slash, dot, dash) in one day/month order."""
    order = ("%d", "%m") if day_first else ("%m", "%d")
    return tuple(f"{order[0]}{sep}{order[1]}{sep}%Y" for sep in ("/", ".", "-"))


def date_formats(date_format: str | None, day_first: bool | None) -> tuple[str, ...]:
    """The formats to try: the user's, or the unambiguous ones plus numeric dates in the file's order."""
    if date_format:
        return (date_format,)
    return DATE_FORMATS + (numeric_date_formats(day_first) if day_first is not None else ())


def date_error(date_format: str | None, day_first: bool | None, expected: str) -> str:
    """The reason given for a value that is not a date, naming ``--date-format``."""
    if date_format:
        return f"not a date in format {date_format}; {DATE_FORMAT_HINT}"
    if day_first is not None:
        expected += (
            f", or {'31/12/2022 (day first)' if day_first else '12/31/2022 (month first)'} as in the file"
        )
    return f"not a date (expected {expected}); {DATE_FORMAT_HINT}"


def numeric_date_parts(expr: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The first and second numbers of numeric dates (null for other values)."""
    groups = expr.str.extract_groups(NUMERIC_DATE)
    return groups.struct.field("1").cast(pl.Int32), groups.struct.field("2").cast(pl.Int32)


RAW_PREFIX = "raw:"
"""Prefix of the file's own columns in a batch, so that parsed event columns never shadow them."""


def raw(column: str) -> str:
    """The batch column holding the file's column ``column``."""
    return RAW_PREFIX + column


def has(frame: pl.DataFrame, column: str) -> bool:
    """True when the file has the column ``column``."""
    return raw(column) in frame.columns


def text(frame: pl.DataFrame, column: str) -> pl.Expr:
    """The file's column ``column`` as trimmed text, or empty text when the file has no such column."""
    if has(frame, column):
        return pl.col(raw(column)).fill_null("").str.strip_chars()
    return pl.lit("", dtype=pl.String)


def prefix_raw(frame: pl.DataFrame) -> pl.DataFrame:
    """Rename a batch's file columns with ``RAW_PREFIX``."""
    return frame.rename({c: raw(c) for c in frame.columns if c != LINE})


def parse_date(expr: pl.Expr, formats: Sequence[str] = DATE_FORMATS) -> pl.Expr:
    """Parse dates written in any of ``formats`` (a time part after the date is ignored); null if none fits."""
    head = expr.str.replace(r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$", "")
    return pl.coalesce([head.str.strptime(pl.Date, f, strict=False) for f in formats])


def parse_float(expr: pl.Expr) -> pl.Expr:
    """Parse a decimal number (a decimal comma is accepted); null if it is not one."""
    return expr.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)


TRUE_WORDS = ("true", "1", "yes", "y", "oui", "vrai", "o")
FALSE_WORDS = ("false", "0", "no", "n", "non", "faux")
"""Yes/no answers as files write them (English and French); an empty cell is neither: unknown."""

THOUSANDS = r"^\d{1,3}([,\s\u00a0\u202f]\d{3})+$"
"""A count with thousands separators (1,234 or 1 234): never a decimal, a count of people is whole."""


def parse_count(expr: pl.Expr) -> pl.Expr:
    """A count of people or things: a whole number, or a decimal (population grids give floats) rounded to the
    nearest whole number; null if it is not a number. ``count_is_rounded`` tells which values were rounded."""
    plain = (
        pl.when(expr.str.contains(THOUSANDS))
        .then(expr.str.replace_all(r"[,\s\u00a0\u202f]", ""))
        .otherwise(expr)
    )
    return parse_float(plain).round(0, mode="half_away_from_zero").cast(pl.Int64, strict=False)


def count_is_rounded(expr: pl.Expr) -> pl.Expr:
    """True where ``parse_count`` rounded a decimal value."""
    plain = pl.when(expr.str.contains(THOUSANDS)).then(pl.lit("0")).otherwise(expr)
    value = parse_float(plain)
    return (value.is_not_null() & (value != value.round(0))).fill_null(False)


def parse_int(expr: pl.Expr) -> pl.Expr:
    """Parse a whole number (``3.0`` is accepted); null if it is not one."""
    as_float = expr.cast(pl.Float64, strict=False)
    return pl.when(as_float == as_float.round(0)).then(as_float.cast(pl.Int64, strict=False)).otherwise(None)


def raw_json(frame: pl.DataFrame) -> pl.Expr:
    """The source row as one JSON object per row, keyed by the file's own column names."""
    columns = [c for c in frame.columns if c.startswith(RAW_PREFIX)]
    return pl.struct([pl.col(c).alias(c[len(RAW_PREFIX) :]) for c in columns]).struct.json_encode()


@dataclass(frozen=True)
class Check:
    """A validation rule: rows where ``bad`` is true are rejected, naming ``column`` and ``reason``."""

    column: str
    value: pl.Expr
    bad: pl.Expr
    reason: str | pl.Expr


def coordinate_checks(
    frame: pl.DataFrame,
    lat_column: str = "latitude",
    lon_column: str = "longitude",
    latitude: pl.Expr | None = None,
    longitude: pl.Expr | None = None,
) -> list[Check]:
    """Latitude and longitude present and in range, naming the file's columns. ``latitude``/``longitude`` are the
    parsed values when the caller has them; otherwise the file's columns are parsed here."""
    lat = latitude if latitude is not None else parse_float(text(frame, lat_column))
    lon = longitude if longitude is not None else parse_float(text(frame, lon_column))
    return [
        Check(
            lat_column,
            text(frame, lat_column),
            ~lat.is_between(-90, 90),
            "latitude missing or outside -90..90",
        ),
        Check(
            lon_column,
            text(frame, lon_column),
            ~lon.is_between(-180, 180),
            "longitude missing or outside -180..180",
        ),
    ]


def run_checks(frame: pl.DataFrame, checks: Sequence[Check], file: str) -> tuple[pl.Series, list[RowError]]:
    """Evaluate every check; return the mask of rows without error, and the errors in line order."""
    if not checks or frame.height == 0:
        return pl.Series([True] * frame.height), []
    flags = frame.select([c.bad.fill_null(True).alias(f"bad{i}") for i, c in enumerate(checks)])
    any_bad = flags.select(pl.any_horizontal(pl.all())).to_series()
    errors: list[RowError] = []
    if any_bad.any():
        for i, check in enumerate(checks):
            mask = flags[f"bad{i}"]
            if not mask.any():
                continue
            reason = check.reason if isinstance(check.reason, pl.Expr) else pl.lit(check.reason)
            rows = frame.filter(mask).select(
                pl.col(LINE), check.value.cast(pl.String).fill_null("").alias("v"), reason.alias("r")
            )
            errors.extend(RowError(file, line, check.column, v, r) for line, v, r in rows.iter_rows())
        errors.sort(key=lambda e: e.line)
    return ~any_bad, errors


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """Select and cast the event columns in store order, adding missing ones as nulls, keeping ``_line``."""
    if frame.height == 0:
        return pl.DataFrame(schema={**EVENT_SCHEMA, LINE: pl.Int64()})
    exprs = []
    for name, dtype in EVENT_SCHEMA.items():
        if name in frame.columns:
            exprs.append(pl.col(name).cast(dtype))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    exprs.append(pl.col(LINE))
    return frame.select(exprs)


def dumps_row(row: dict[str, object]) -> str:
    """JSON text of one row (used where rows are built one at a time, e.g. GeoJSON features)."""
    return orjson.dumps(row, option=orjson.OPT_NON_STR_KEYS).decode()
