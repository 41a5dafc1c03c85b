"""UCDP GED files: full releases (49 columns), country and special releases with fewer or more columns,
HDX copies with an HXL row, and files that come without a header row (the standard column order is assumed).
"""

from __future__ import annotations

import polars as pl

from pochub.core.evidence.actor_registry import dyad_sides
from pochub.core.evidence.classification import UCDP_TYPES_OF_VIOLENCE, known_values
from pochub.core.models.events import DatePrecision, GeoPrecision
from pochub.core.models.taxonomy import ThreatType
from pochub.ingest._columns import (
    Check,
    coordinate_checks,
    date_error,
    date_formats,
    parse_date,
    parse_float,
    parse_int,
    raw_json,
    text,
)
from pochub.ingest.events import EventFormat, ImportOptions

SOURCE = "ucdp"
DEFAULT_GRADE = "B2"

COLUMNS = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
    "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id",
    "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources",
    "source_article", "source_office", "source_date", "source_headline", "source_original", "where_prec",
    "where_coordinates", "where_description", "adm_1", "adm_2", "latitude", "longitude", "geom_wkt",
    "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec", "date_start", "date_end",
    "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
)  # fmt: skip
"""The 49 columns of a full GED release, in release order (used for files without a header)."""

EXTRA_COLUMNS = frozenset({"iso3", "deaths_a", "deaths_b", "version"})

DATE_PRECISION = {
    "1": DatePrecision.DAY.value,
    "2": DatePrecision.WEEK.value,
    "3": DatePrecision.WEEK.value,
    "4": DatePrecision.MONTH.value,
    "5": DatePrecision.YEAR.value,
}
GEO_PRECISION = {
    "1": int(GeoPrecision.EXACT),
    "2": int(GeoPrecision.NEAR),
    "3": int(GeoPrecision.ADMIN2),
    "4": int(GeoPrecision.ADMIN1),
    "5": int(GeoPrecision.NEAR),
    "6": int(GeoPrecision.COUNTRY),
    "7": int(GeoPrecision.COUNTRY),
}


def _count(frame: pl.DataFrame, column: str) -> pl.Expr:
    value = text(frame, column)
    return parse_int(pl.when(value == "").then(pl.lit("0")).otherwise(value))


def _side(frame: pl.DataFrame, column: str, index: int) -> pl.Expr:
    """A dyad side, from the dyad's name ("Government of Sudan - SLM/A") when the side's own column is missing or
    empty (files cut down to a few columns keep ``dyad_name``); the split is ``dyad_sides``'."""
    own = text(frame, column)
    dyads = frame.select(text(frame, "dyad_name").unique()).to_series().to_list()
    split = {name: (dyad_sides(name) or ("", ""))[index] for name in dyads}
    sides = text(frame, "dyad_name").replace_strict(split, default="", return_dtype=pl.String)
    return pl.when(own == "").then(sides).otherwise(own)


def release_version(expr: pl.Expr) -> pl.Expr:
    """A GED release version ("20.1", "24.0.2") as one comparable whole number (200100, 240002); null if none.

    GED rows carry no version of their own; a file may add a ``version`` column (candidate and merged releases
    do). With it, an older release imported after a newer one leaves the newer rows in place; without it the
    last import wins."""
    parts = expr.str.extract_groups(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?$")
    number = [parts.struct.field(str(i)).cast(pl.Int64, strict=False) for i in (1, 2, 3)]
    return number[0] * 10_000 + number[1].fill_null(0) * 100 + number[2].fill_null(0)


def _normalise(frame: pl.DataFrame, options: ImportOptions) -> tuple[pl.DataFrame, list[Check]]:
    formats = date_formats(options.date_format, options.day_first)
    not_a_date = date_error(options.date_format, options.day_first, "YYYY-MM-DD")
    violence = parse_int(text(frame, "type_of_violence"))
    names = {k: v[0] for k, v in UCDP_TYPES_OF_VIOLENCE.items()}
    categories = {k: v[1].value for k, v in UCDP_TYPES_OF_VIOLENCE.items()}
    best = _count(frame, "best")
    out = frame.with_columns(
        source=pl.lit(options.source_name or SOURCE),
        source_id=text(frame, "id"),
        event_date=parse_date(text(frame, "date_start"), formats),
        date_end=parse_date(text(frame, "date_end"), formats),
        date_precision=text(frame, "date_prec").replace_strict(
            {**DATE_PRECISION, "": DatePrecision.DAY.value}, default=None, return_dtype=pl.String
        ),
        latitude=parse_float(text(frame, "latitude")),
        longitude=parse_float(text(frame, "longitude")),
        geo_precision=text(frame, "where_prec").replace_strict(
            {**GEO_PRECISION, "": int(GeoPrecision.NEAR)}, default=None, return_dtype=pl.Int16
        ),
        country=text(frame, "country"),
        iso3=text(frame, "iso3"),
        admin1_name=text(frame, "adm_1"),
        admin2_name=text(frame, "adm_2"),
        location=text(frame, "where_coordinates"),
        violence=violence,
        source_event_type=violence.replace_strict(names, default=None, return_dtype=pl.String),
        category=violence.replace_strict(categories, default=None, return_dtype=pl.String),
        source_sub_event_type=text(frame, "conflict_name"),
        actor1=_side(frame, "side_a", 0),
        actor2=_side(frame, "side_b", 1),
        civilian_targeting=violence == 3,
        fatalities_best=best,
        fatalities_low=pl.when(text(frame, "low") == "").then(best).otherwise(_count(frame, "low")),
        fatalities_high=pl.when(text(frame, "high") == "").then(best).otherwise(_count(frame, "high")),
        civilian_fatalities=_count(frame, "deaths_civilians"),
        notes=text(frame, "source_headline"),
        source_grade=pl.lit(options.source_grade or DEFAULT_GRADE),
        source_updated=release_version(text(frame, "version")),
        raw=raw_json(frame),
    )
    out = out.with_columns(
        threat_type=pl.when(pl.col("violence") == 3).then(pl.lit(ThreatType.KILLING.value)).otherwise(None),
        inter2=pl.when(pl.col("violence") == 3).then(pl.lit(7, pl.Int16)).otherwise(None),
        category=pl.col("category").fill_null(pl.lit(None, pl.String)),
    )
    # Real GED files hold rows where low > best or high < best (and HDX copies with low/high swapped):
    # keep the row, order the three estimates.
    estimates = ["fatalities_low", "fatalities_best", "fatalities_high"]
    out = out.with_columns(
        fatalities_low=pl.min_horizontal(estimates), fatalities_high=pl.max_horizontal(estimates)
    )
    checks = [
        Check("id", pl.col("source_id"), pl.col("source_id") == "", "empty event id"),
        Check(
            "date_start",
            text(frame, "date_start"),
            pl.col("event_date").is_null(),
            not_a_date,
        ),
        Check(
            "date_end",
            text(frame, "date_end"),
            (text(frame, "date_end") != "") & pl.col("date_end").is_null(),
            not_a_date,
        ),
        Check(
            "date_end",
            text(frame, "date_end"),
            (pl.col("date_end") < pl.col("event_date")).fill_null(False),
            "date_end is before date_start",
        ),
        *coordinate_checks(frame, latitude=pl.col("latitude"), longitude=pl.col("longitude")),
        Check(
            "type_of_violence",
            text(frame, "type_of_violence"),
            pl.col("category").is_null(),
            "unknown type_of_violence; known: " + known_values(UCDP_TYPES_OF_VIOLENCE),
        ),
        Check(
            "best", text(frame, "best"), ~(pl.col("fatalities_best") >= 0), "best must be a whole number >= 0"
        ),
        Check(
            "deaths_civilians",
            text(frame, "deaths_civilians"),
            ~(pl.col("civilian_fatalities") >= 0),
            "deaths_civilians must be a whole number >= 0",
        ),
        Check("low", text(frame, "low"), pl.col("fatalities_low") < 0, "low must be a whole number >= 0"),
        Check(
            "date_prec", text(frame, "date_prec"), pl.col("date_precision").is_null(), "date_prec must be 1-5"
        ),
        Check(
            "where_prec",
            text(frame, "where_prec"),
            pl.col("geo_precision").is_null(),
            "where_prec must be 1-7",
        ),
    ]
    return out, checks


UCDP = EventFormat(
    name="UCDP GED",
    required=("id", "type_of_violence", "latitude", "longitude", "date_start", "best"),
    normalise=_normalise,
    known_columns=frozenset(COLUMNS) | EXTRA_COLUMNS,
    default_header=COLUMNS,
    date_columns=("date_start", "date_end"),
)
