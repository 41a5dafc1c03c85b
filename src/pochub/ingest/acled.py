"""ACLED exports of every vintage: the current 31-column format, the transitional 2019 schema, the legacy
upper-case schema (EVENT_DATE, "Event Type", ALLY_ACTOR_1, GEO_PRECIS ...), HDX copies with an HXL row, and
the deleted-events list that keeps a living database in step.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from pochub.core.evidence.classification import (
    ACLED_EVENT_TYPES,
    ACLED_SUB_EVENT_TYPES,
    acled_category,
    acled_sub_event_known,
    inter_code,
    known_values,
    normalised_key,
    threat_type,
)
from pochub.core.models.actors import ActorCategory
from pochub.core.models.events import DatePrecision, GeoPrecision
from pochub.core.models.taxonomy import EventCategory
from pochub.errors import InvalidInput
from pochub.ingest._columns import (
    Check,
    coordinate_checks,
    date_error,
    date_formats,
    has,
    parse_date,
    parse_float,
    parse_int,
    raw,
    raw_json,
    text,
)
from pochub.ingest._csv import CsvTable, require_columns
from pochub.ingest.events import EventFormat, ImportOptions

SOURCE = "acled"
DEFAULT_GRADE = "B2"

COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
    "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip
"""The current ACLED export columns (31)."""

ALIASES = {
    "actor": "actor1",
    "ally_actor_1": "assoc_actor_1",
    "ally_actor_2": "assoc_actor_2",
    "geo_precis": "geo_precision",
    "event_type": "event_type",
}

TIME_PRECISION = {"1": DatePrecision.DAY.value, "2": DatePrecision.WEEK.value, "3": DatePrecision.MONTH.value}
GEO_PRECISION = {"1": int(GeoPrecision.EXACT), "2": int(GeoPrecision.NEAR), "3": int(GeoPrecision.ADMIN1)}


def _normalise(frame: pl.DataFrame, options: ImportOptions) -> tuple[pl.DataFrame, list[Check]]:
    date_text = text(frame, "event_date")
    event_date = parse_date(date_text, date_formats(options.date_format, options.day_first))
    has_civilian_targeting = has(frame, "civilian_targeting")
    has_sub_event = has(frame, "sub_event_type")
    out = frame.with_columns(
        source=pl.lit(options.source_name or SOURCE),
        source_id=text(frame, "event_id_cnty"),
        event_date=event_date,
        date_precision=text(frame, "time_precision").replace_strict(
            {**TIME_PRECISION, "": DatePrecision.DAY.value}, default=None, return_dtype=pl.String
        ),
        latitude=parse_float(text(frame, "latitude")),
        longitude=parse_float(text(frame, "longitude")),
        geo_precision=text(frame, "geo_precision").replace_strict(
            {**GEO_PRECISION, "": int(GeoPrecision.NEAR)}, default=None, return_dtype=pl.Int16
        ),
        country=text(frame, "country"),
        iso3=text(frame, "iso3"),
        admin1_name=text(frame, "admin1"),
        admin2_name=text(frame, "admin2"),
        admin3_name=text(frame, "admin3"),
        location=text(frame, "location"),
        category_raw=acled_category(raw("event_type")),
        source_event_type=text(frame, "event_type"),
        source_sub_event_type=text(frame, "sub_event_type"),
        actor1=text(frame, "actor1"),
        assoc_actor1=text(frame, "assoc_actor_1"),
        actor2=text(frame, "actor2"),
        assoc_actor2=text(frame, "assoc_actor_2"),
        inter1=inter_code(raw("inter1")) if has(frame, "inter1") else pl.lit(0, pl.Int16),
        inter2=inter_code(raw("inter2")) if has(frame, "inter2") else pl.lit(0, pl.Int16),
        fatalities_best=parse_int(
            pl.when(text(frame, "fatalities") == "").then(pl.lit("0")).otherwise(text(frame, "fatalities"))
        ),
        source_grade=pl.lit(options.source_grade or DEFAULT_GRADE),
        source_updated=parse_int(text(frame, "timestamp")),
        raw=raw_json(frame),
    )
    riot = (
        (pl.col("category_raw") == EventCategory.PROTESTS.value)
        & (normalised_key("source_event_type") == "riots/protests")
        & (pl.col("inter1") == int(ActorCategory.RIOTERS))
    )
    out = out.with_columns(
        category=pl.when(riot).then(pl.lit(EventCategory.RIOTS.value)).otherwise(pl.col("category_raw"))
    )
    if has_civilian_targeting:
        targeting = normalised_key(raw("civilian_targeting")) == "civilian targeting"
    else:
        targeting = (pl.col("category") == EventCategory.VIOLENCE_AGAINST_CIVILIANS.value) | (
            pl.col("inter2") == int(ActorCategory.CIVILIANS)
        )
    out = out.with_columns(civilian_targeting=targeting.fill_null(False))
    out = out.with_columns(
        threat_type=threat_type(
            pl.col("category"),
            normalised_key("source_sub_event_type"),
            pl.col("civilian_targeting"),
            pl.col("fatalities_best"),
        ),
        fatalities_low=pl.col("fatalities_best"),
        fatalities_high=pl.col("fatalities_best"),
        civilian_fatalities=pl.when(pl.col("civilian_targeting"))
        .then(pl.col("fatalities_best"))
        .otherwise(0),
    )
    checks = [
        Check("event_id_cnty", pl.col("source_id"), pl.col("source_id") == "", "empty event id"),
        Check(
            "event_date",
            date_text,
            pl.col("event_date").is_null(),
            date_error(options.date_format, options.day_first, "e.g. 2022-12-06 or 06 December 2022"),
        ),
        *coordinate_checks(frame, latitude=pl.col("latitude"), longitude=pl.col("longitude")),
        Check(
            "fatalities",
            text(frame, "fatalities"),
            ~(pl.col("fatalities_best") >= 0),
            "fatalities must be a whole number >= 0",
        ),
        Check(
            "event_type",
            pl.col("source_event_type"),
            pl.col("category").is_null(),
            "unknown ACLED event type; known: " + known_values(ACLED_EVENT_TYPES),
        ),
        Check(
            "time_precision",
            text(frame, "time_precision"),
            pl.col("date_precision").is_null(),
            "time_precision must be 1, 2 or 3",
        ),
        Check(
            "geo_precision",
            text(frame, "geo_precision"),
            pl.col("geo_precision").is_null(),
            "geo_precision must be 1, 2 or 3",
        ),
    ]
    if has(frame, "year"):
        year = parse_int(text(frame, "year"))
        checks.append(
            Check(
                "year",
                text(frame, "year"),
                year.is_not_null()
                & pl.col("event_date").is_not_null()
                & (pl.col("event_date").dt.year() != year),
                "year does not agree with event_date",
            )
        )
    if has_sub_event:
        checks.append(
            Check(
                "sub_event_type",
                pl.col("source_sub_event_type"),
                ~acled_sub_event_known("source_sub_event_type"),
                "unknown ACLED sub-event type; known: " + known_values(ACLED_SUB_EVENT_TYPES),
            )
        )
    if has_civilian_targeting:
        checks.append(
            Check(
                "civilian_targeting",
                text(frame, "civilian_targeting"),
                ~normalised_key(raw("civilian_targeting")).is_in(["", "civilian targeting"]),
                "civilian_targeting must be 'Civilian targeting' or empty",
            )
        )
    for column in ("inter1", "inter2"):
        if has(frame, column):
            checks.append(
                Check(
                    column,
                    text(frame, column),
                    pl.col(column).is_null(),
                    "unknown actor type; give a code 0-8 or an ACLED label such as 'Rebel group'",
                )
            )
    return out, checks


ACLED = EventFormat(
    name="ACLED",
    required=("event_id_cnty", "event_date", "event_type", "latitude", "longitude", "fatalities"),
    normalise=_normalise,
    known_columns=frozenset(COLUMNS),
    aliases=ALIASES,
    date_columns=("event_date",),
)


def read_deletions(path: Path, encoding: str = "auto") -> Iterator[list[str]]:
    """Event ids from an ACLED deleted-events file (columns event_id_cnty and deleted_timestamp)."""
    table = CsvTable(path, known_columns=frozenset({"event_id_cnty"}), encoding=encoding)
    checked = False
    for frame in table.batches(50_000):
        if not checked:
            require_columns(table, ["event_id_cnty"], "ACLED deleted-events")
            checked = True
        ids = frame.select(pl.col("event_id_cnty").str.strip_chars()).to_series()
        empty = frame.filter(ids == "")
        if empty.height:
            raise InvalidInput(f"{path}:{empty['_line'][0]}: column 'event_id_cnty': empty event id")
        yield ids.to_list()
    if not checked:
        require_columns(table, ["event_id_cnty"], "ACLED deleted-events")
