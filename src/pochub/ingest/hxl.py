"""HXL-tagged CSV (the Humanitarian Exchange Language): columns are found by their hashtags, not their names.

Reads any HXL event file (HDX conflict files, partners' incident logs) and PoC Hub's own CSV/HXL exports, which
carry every event field under the tags of ``EVENT_TAGS`` so that an export imports back unchanged. A plain CSV
with PoC Hub's column names (the ``csv`` export) is read by name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import polars as pl

from pochub.core.evidence.classification import (
    ACLED_EVENT_TYPES,
    ACLED_SUB_EVENT_TYPES,
    UCDP_TYPES_OF_VIOLENCE,
    inter_code,
    known_values,
    normalised_key,
    threat_type,
)
from pochub.core.models.events import EVENT_COLUMNS, DatePrecision, GeoPrecision
from pochub.core.models.taxonomy import EventCategory, ThreatType
from pochub.errors import InvalidInput
from pochub.ingest._columns import (
    Check,
    date_error,
    date_formats,
    parse_date,
    parse_float,
    parse_int,
    raw,
    raw_json,
    text,
)
from pochub.ingest._csv import CsvTable
from pochub.ingest.event_geojson import GeoJsonTable
from pochub.ingest.events import EventFormat, ImportOptions

SOURCE = "hxl"
DEFAULT_GRADE = "C3"

EVENT_TAGS: dict[str, str] = {
    "source": "#meta+dataset",
    "source_id": "#event+code",
    "event_date": "#date+occurred",
    "date_end": "#date+end",
    "date_precision": "#date+precision",
    "latitude": "#geo+lat",
    "longitude": "#geo+lon",
    "geo_precision": "#geo+precision",
    "country": "#country+name",
    "iso3": "#country+code",
    "admin1_name": "#adm1+name",
    "admin2_name": "#adm2+name",
    "admin3_name": "#adm3+name",
    "location": "#loc+name",
    "admin1_pcode": "#adm1+code",
    "admin2_pcode": "#adm2+code",
    "category": "#event+type+category",
    "source_event_type": "#event+type",
    "source_sub_event_type": "#event+type+sub",
    "threat_type": "#event+type+threat",
    "actor1": "#group+name+first",
    "assoc_actor1": "#group+name+first+assoc",
    "actor2": "#group+name+second",
    "assoc_actor2": "#group+name+second+assoc",
    "inter1": "#group+type+first",
    "inter2": "#group+type+second",
    "civilian_targeting": "#indicator+civilian_targeting",
    "fatalities_low": "#affected+killed+low",
    "fatalities_best": "#affected+killed",
    "fatalities_high": "#affected+killed+high",
    "civilian_fatalities": "#affected+killed+civilians",
    "notes": "#description",
    "source_grade": "#meta+grade",
    "source_updated": "#date+updated",
    "raw": "#meta+raw",
}
"""The HXL tag of every event column in PoC Hub's exports (and the first choice when reading)."""

ALTERNATIVE_TAGS: dict[str, tuple[str, ...]] = {
    "event_date": ("#date+event", "#date+start", "#date"),
    "source_id": ("#event+id",),
    "admin1_name": ("#adm1",),
    "admin2_name": ("#adm2",),
    "location": ("#loc",),
    # HXL's #group is "a population group" and #org "an organisation": files tag the actors either way.
    "actor1": ("#org+name+first", "#org+first", "#group+name", "#org+name", "#group", "#org"),
    "assoc_actor1": ("#org+name+first+assoc", "#org+first+assoc", "#group+first+assoc"),
    "actor2": ("#org+name+second", "#org+second", "#group+second"),
    "assoc_actor2": ("#org+name+second+assoc", "#org+second+assoc", "#group+second+assoc"),
}


@dataclass(frozen=True)
class Tag:
    """A parsed hashtag: its base and its set of attributes."""

    base: str
    attributes: frozenset[str]

    @classmethod
    def parse(cls, text_: str) -> Tag:
        """Parse ``#base+attr1+attr2`` (case and spaces ignored)."""
        parts = text_.strip().lower().replace(" ", "").split("+")
        return cls(parts[0], frozenset(p for p in parts[1:] if p))


def match_columns(tags: dict[str, str]) -> dict[str, str]:
    """For each event field, the file column whose tag fits best: exact attributes first, then the fewest extra.

    A pattern matches a column when the bases agree and the pattern's attributes are all on the column; a column
    is used for one field only, the most specific pattern claiming it first.
    """
    parsed = {column: Tag.parse(tag) for column, tag in tags.items()}
    patterns = [(field, EVENT_TAGS[field]) for field in EVENT_TAGS]
    patterns += [(field, tag) for field, alts in ALTERNATIVE_TAGS.items() for tag in alts]
    patterns.sort(key=lambda fp: -len(Tag.parse(fp[1]).attributes))
    chosen: dict[str, str] = {}
    used: set[str] = set()
    for field, pattern_text in patterns:
        if field in chosen:
            continue
        pattern = Tag.parse(pattern_text)
        candidates = [
            (len(tag.attributes - pattern.attributes), column)
            for column, tag in parsed.items()
            if column not in used and tag.base == pattern.base and pattern.attributes <= tag.attributes
        ]
        exact = [c for extra, c in candidates if extra == 0]
        if exact:
            (chosen[field],) = exact[:1]
            used.add(exact[0])
    # second pass: allow extra attributes for fields still without a column
    for field, pattern_text in patterns:
        if field in chosen:
            continue
        pattern = Tag.parse(pattern_text)
        candidates = sorted(
            (len(tag.attributes - pattern.attributes), column)
            for column, tag in parsed.items()
            if column not in used and tag.base == pattern.base and pattern.attributes <= tag.attributes
        )
        if candidates:
            chosen[field] = candidates[0][1]
            used.add(candidates[0][1])
    return chosen


def _type_vocabulary() -> dict[str, tuple[str, str | None]]:
    """Event-type words accepted in HXL files -> (category, implied threat)."""
    vocab: dict[str, tuple[str, str | None]] = {k: (v.value, None) for k, v in ACLED_EVENT_TYPES.items()}
    vocab.update({name: (cat.value, None) for name, cat in UCDP_TYPES_OF_VIOLENCE.values()})
    vocab.update({t.value: (EventCategory.VIOLENCE_AGAINST_CIVILIANS.value, t.value) for t in ThreatType})
    vocab.update(
        {
            t.value.replace("_", " "): (EventCategory.VIOLENCE_AGAINST_CIVILIANS.value, t.value)
            for t in ThreatType
        }
    )
    return vocab


TYPE_VOCABULARY = _type_vocabulary()


def _row_ids(frame: pl.DataFrame) -> pl.Series:
    """Stable ids for rows that carry none: a digest of the row's content."""
    raw = frame.select(raw_json(frame)).to_series()
    return pl.Series([hashlib.sha1(r.encode()).hexdigest()[:16] for r in raw], dtype=pl.String)


NEUTRALISED = r"^'[=+\-@\t\r]"
"""Text PoC Hub's own exports wrote with a leading apostrophe so that no spreadsheet runs it as a formula."""


def _field(frame: pl.DataFrame, columns: dict[str, str], name: str) -> pl.Expr:
    column = columns.get(name)
    if not column:
        return pl.lit("", dtype=pl.String)
    value = text(frame, column)
    if "raw" in columns:  # PoC Hub's own export: take its formula guard off again
        return pl.when(value.str.contains(NEUTRALISED)).then(value.str.slice(1)).otherwise(value)
    return value


def _optional_inter(columns: dict[str, str], name: str) -> pl.Expr:
    """An actor-type column where empty means unknown (null), not ACLED's 0."""
    if name not in columns:
        return pl.lit(None, pl.Int16)
    column = raw(columns[name])
    return (
        pl.when(pl.col(column).fill_null("").str.strip_chars() == "").then(None).otherwise(inter_code(column))
    )


def normalise_with(columns: dict[str, str]) -> EventFormat:
    """An EventFormat reading HXL/CSV columns located by ``columns`` (event field -> file column)."""

    def normalise(frame: pl.DataFrame, options: ImportOptions) -> tuple[pl.DataFrame, list[Check]]:
        def field(name: str) -> pl.Expr:
            return _field(frame, columns, name)

        formats = date_formats(options.date_format, options.day_first)
        not_a_date = date_error(options.date_format, options.day_first, "e.g. 2022-12-06 or 06 December 2022")
        event_date, date_end = (parse_date(field(n), formats) for n in ("event_date", "date_end"))
        type_key = (
            normalised_key(raw(columns["source_event_type"]))
            if "source_event_type" in columns
            else pl.lit("")
        )
        vocab_category = {k: v[0] for k, v in TYPE_VOCABULARY.items()}
        vocab_threat = {k: v[1] for k, v in TYPE_VOCABULARY.items() if v[1]}
        has_own_category = "category" in columns
        best_text = field("fatalities_best")
        best = parse_int(pl.when(best_text == "").then(pl.lit("0")).otherwise(best_text))
        source_id = field("source_id") if "source_id" in columns else pl.lit(_row_ids(frame))
        out = frame.with_columns(
            source=pl.when(field("source") != "")
            .then(field("source"))
            .otherwise(pl.lit(options.source_name or SOURCE)),
            source_id=source_id,
            event_date=event_date,
            date_end=date_end,
            date_precision=pl.when(field("date_precision") == "")
            .then(pl.lit(DatePrecision.DAY.value))
            .otherwise(field("date_precision").str.to_lowercase()),
            latitude=parse_float(field("latitude")),
            longitude=parse_float(field("longitude")),
            geo_precision=pl.when(field("geo_precision") == "")
            .then(pl.lit(int(GeoPrecision.EXACT)))
            .otherwise(parse_int(field("geo_precision"))),
            country=field("country"),
            iso3=field("iso3"),
            admin1_name=field("admin1_name"),
            admin2_name=field("admin2_name"),
            admin3_name=field("admin3_name"),
            location=field("location"),
            admin1_pcode=pl.when(field("admin1_pcode") == "").then(None).otherwise(field("admin1_pcode")),
            admin2_pcode=pl.when(field("admin2_pcode") == "").then(None).otherwise(field("admin2_pcode")),
            source_event_type=field("source_event_type"),
            source_sub_event_type=field("source_sub_event_type"),
            category=(
                field("category")
                if has_own_category
                else type_key.replace_strict(vocab_category, default=None, return_dtype=pl.String)
            ),
            actor1=field("actor1"),
            assoc_actor1=field("assoc_actor1"),
            actor2=field("actor2"),
            assoc_actor2=field("assoc_actor2"),
            inter1=_optional_inter(columns, "inter1"),
            inter2=_optional_inter(columns, "inter2"),
            fatalities_best=best,
            notes=field("notes"),
            source_grade=pl.when(field("source_grade") != "")
            .then(field("source_grade"))
            .otherwise(pl.lit(options.source_grade or DEFAULT_GRADE)),
            source_updated=parse_int(field("source_updated")),
            raw=field("raw") if "raw" in columns else raw_json(frame),
        )
        low_text, high_text, civ_text = (
            field("fatalities_low"),
            field("fatalities_high"),
            field("civilian_fatalities"),
        )
        if "civilian_targeting" in columns:
            targeting = (
                field("civilian_targeting")
                .str.to_lowercase()
                .is_in(["true", "1", "yes", "civilian targeting"])
            )
        else:
            targeting = (pl.col("category") == EventCategory.VIOLENCE_AGAINST_CIVILIANS.value) | (
                pl.col("inter2") == 7
            )
        out = out.with_columns(civilian_targeting=targeting.fill_null(False))
        implied = type_key.replace_strict(vocab_threat, default=None, return_dtype=pl.String)
        computed_threat = pl.coalesce(
            implied,
            threat_type(
                pl.col("category"),
                normalised_key("source_sub_event_type"),
                pl.col("civilian_targeting"),
                pl.col("fatalities_best"),
            ),
        )
        out = out.with_columns(
            threat_type=(
                pl.when(field("threat_type") == "").then(None).otherwise(field("threat_type"))
                if "threat_type" in columns
                else computed_threat
            ),
            fatalities_low=pl.when(low_text == "")
            .then(pl.col("fatalities_best"))
            .otherwise(parse_int(low_text)),
            fatalities_high=pl.when(high_text == "")
            .then(pl.col("fatalities_best"))
            .otherwise(parse_int(high_text)),
            civilian_fatalities=pl.when(civ_text != "")
            .then(parse_int(civ_text))
            .when(pl.col("civilian_targeting"))
            .then(pl.col("fatalities_best"))
            .otherwise(0),
        )
        known_categories = [c.value for c in EventCategory]
        known_threats = [t.value for t in ThreatType]
        checks = [
            Check(
                columns.get("source_id", "*"),
                pl.col("source_id"),
                pl.col("source_id") == "",
                "empty event id",
            ),
            Check(columns["event_date"], field("event_date"), pl.col("event_date").is_null(), not_a_date),
            Check(
                columns.get("date_end", "*"),
                field("date_end"),
                (field("date_end") != "") & pl.col("date_end").is_null(),
                not_a_date,
            ),
            Check(
                columns["latitude"],
                field("latitude"),
                ~pl.col("latitude").is_between(-90, 90),
                "latitude missing or outside -90..90",
            ),
            Check(
                columns["longitude"],
                field("longitude"),
                ~pl.col("longitude").is_between(-180, 180),
                "longitude missing or outside -180..180",
            ),
            Check(
                columns.get("category", columns["source_event_type"]),
                pl.col("source_event_type"),
                ~pl.col("category").is_in(known_categories),
                "unknown event type; known: " + known_values(TYPE_VOCABULARY),
            ),
            Check(
                columns.get("threat_type", "*"),
                pl.col("threat_type"),
                pl.col("threat_type").is_not_null() & ~pl.col("threat_type").is_in(known_threats),
                "unknown threat type; known: " + ", ".join(known_threats),
            ),
            *(
                Check(columns.get(name, "*"), value, ~(pl.col(name) >= 0), "must be a whole number >= 0")
                for name, value in (
                    ("fatalities_best", best_text),
                    ("fatalities_low", low_text),
                    ("fatalities_high", high_text),
                    ("civilian_fatalities", civ_text),
                )
            ),
            Check(
                columns.get("date_precision", "*"),
                field("date_precision"),
                ~pl.col("date_precision").is_in([p.value for p in DatePrecision]),
                "date precision must be one of " + ", ".join(p.value for p in DatePrecision),
            ),
            Check(
                columns.get("geo_precision", "*"),
                field("geo_precision"),
                ~pl.col("geo_precision").is_between(1, 5),
                "geo precision must be 1-5",
            ),
        ]
        for name in ("inter1", "inter2"):
            if name in columns:
                checks.append(
                    Check(
                        columns[name],
                        field(name),
                        (field(name) != "") & pl.col(name).is_null(),
                        "unknown actor type; give a code 0-8 or an ACLED label",
                    )
                )
        if "source_sub_event_type" in columns and "threat_type" not in columns:
            checks.append(
                Check(
                    columns["source_sub_event_type"],
                    pl.col("source_sub_event_type"),
                    ~normalised_key("source_sub_event_type").is_in(list(ACLED_SUB_EVENT_TYPES)),
                    "unknown sub-event type; known: " + known_values(ACLED_SUB_EVENT_TYPES),
                )
            )
        return out, checks

    dates = tuple(columns[f] for f in ("event_date", "date_end") if f in columns)
    return EventFormat(name="HXL", required=(), normalise=normalise, date_columns=dates)


REQUIRED_FIELDS = ("event_date", "latitude", "longitude", "source_event_type")


def _resolve(table: CsvTable | GeoJsonTable) -> EventFormat:
    columns = columns_for(table.columns, table.hxl_tags)
    missing = [f for f in REQUIRED_FIELDS if f not in columns]
    if missing:
        wanted = ", ".join(f"{f} ({EVENT_TAGS[f]})" for f in missing)
        found = ", ".join(table.hxl_tags.values()) if table.hxl_tags else ", ".join(table.columns)
        raise InvalidInput(f"{table.path}:1: not an HXL event file: no column for {wanted}; found: {found}")
    return normalise_with(columns)


def _unresolved(frame: pl.DataFrame, options: ImportOptions) -> tuple[pl.DataFrame, list[Check]]:
    raise AssertionError("the HXL format is resolved from the file's tags before rows are read")


HXL = EventFormat(name="HXL", required=(), normalise=_unresolved, resolve=_resolve)


def columns_for(names: list[str], hxl_tags: dict[str, str]) -> dict[str, str]:
    """Event field -> file column, by HXL tags when the file has them, by PoC Hub column names otherwise."""
    if hxl_tags:
        return match_columns(hxl_tags)
    return {name: name for name in EVENT_COLUMNS if name in names}
