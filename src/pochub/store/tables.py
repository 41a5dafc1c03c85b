"""The database tables (SQLAlchemy Core). Geometry is stored as WKB; spatial work happens in the core."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

admin_areas = Table(
    "admin_areas",
    metadata,
    Column("pcode", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("level", SmallInteger, nullable=False),
    Column("parent_pcode", String(32)),
    Column("boundary_version", String(200), nullable=False, server_default=""),
    Column("min_lon", Float, nullable=False),
    Column("min_lat", Float, nullable=False),
    Column("max_lon", Float, nullable=False),
    Column("max_lat", Float, nullable=False),
    Column("geometry", LargeBinary, nullable=False),
    Index("ix_admin_areas_level", "level"),
)

communities = Table(
    "communities",
    metadata,
    Column("community_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("population", Integer, nullable=False),
    Column("pcode", String(32)),
    Column("vulnerable_groups", Text, nullable=False, server_default=""),
    Column("self_protection_capacities", Text, nullable=False, server_default=""),
    Column("focal_point", String(200), nullable=False, server_default=""),
    Column("phone_coverage", Boolean, nullable=False, server_default="0"),
    Column("radio_coverage", Boolean, nullable=False, server_default="0"),
    Index("ix_communities_pcode", "pcode"),
)

events = Table(
    "events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("source", String(32), nullable=False),
    Column("source_id", String(128), nullable=False),
    Column("event_date", Date, nullable=False),
    Column("date_end", Date),
    Column("date_precision", String(8), nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("geo_precision", SmallInteger, nullable=False),
    Column("country", String(200)),
    Column("iso3", String(8)),
    Column("admin1_name", String(200)),
    Column("admin2_name", String(200)),
    Column("admin3_name", String(200)),
    Column("location", String(300)),
    Column("admin1_pcode", String(32)),
    Column("admin2_pcode", String(32)),
    Column("category", String(40), nullable=False),
    Column("source_event_type", String(120), nullable=False),
    Column("source_sub_event_type", String(200)),
    Column("threat_type", String(48)),
    Column("actor1", Text),
    Column("assoc_actor1", Text),
    Column("actor2", Text),
    Column("assoc_actor2", Text),
    Column("inter1", SmallInteger),
    Column("inter2", SmallInteger),
    Column("civilian_targeting", Boolean, nullable=False),
    Column("fatalities_low", Integer, nullable=False),
    Column("fatalities_best", Integer, nullable=False),
    Column("fatalities_high", Integer, nullable=False),
    Column("civilian_fatalities", Integer, nullable=False),
    Column("notes", Text),
    Column("source_grade", String(2), nullable=False),
    Column("source_updated", BigInteger),
    Column("raw", Text, nullable=False),
    Column(
        "duplicate_of",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("events.id", ondelete="SET NULL"),
    ),
    UniqueConstraint("source", "source_id"),
    Index("ix_events_event_date", "event_date"),
    Index("ix_events_lat_lon", "latitude", "longitude"),
    Index("ix_events_admin1_pcode", "admin1_pcode"),
    Index("ix_events_duplicate_of", "duplicate_of"),
)

imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("file", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Column("rows_read", Integer, nullable=False),
    Column("stored", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("duplicates_linked", Integer, nullable=False),
)

roads = Table(
    "roads",
    metadata,
    Column("road_id", String(64), primary_key=True),
    Column("road_class", String(32), nullable=False),
    Column("surface", String(32), nullable=False),
    Column("speed_kmh", Float),
    Column("geometry", LargeBinary, nullable=False),
)

bases = Table(
    "bases",
    metadata,
    Column("base_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("base_type", String(40), nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("pcode", String(32)),
    Column("capacity", Integer, nullable=False, server_default="0"),
)

units = Table(
    "units",
    metadata,
    Column("unit_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("unit_type", String(40), nullable=False),
    Column("strength", Integer, nullable=False),
    Column("home_base", String(64), ForeignKey("bases.base_id"), nullable=False),
    Column("tiers", String(16), nullable=False),
    Column("road_speed_kmh", Float, nullable=False),
    Column("air", Boolean, nullable=False),
    Column("readiness", String(16), nullable=False),
)

structures = Table(
    "structures",
    metadata,
    Column("structure_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("document", Text, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
)

threat_overrides = Table(
    "threat_overrides",
    metadata,
    Column("override_id", Integer, primary_key=True, autoincrement=True),
    Column("threat_key", String(400), nullable=False),
    Column("field", String(40), nullable=False),
    Column("value", String(200), nullable=False),
    Column("analyst", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_threat_overrides_threat_key", "threat_key"),
)
