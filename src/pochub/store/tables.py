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
    Column("population", Integer),  # null: unknown (a gazetteer without population), never 0 (migration 0012)
    Column("pcode", String(32)),
    Column("vulnerable_groups", Text, nullable=False, server_default=""),
    Column("self_protection_capacities", Text, nullable=False, server_default=""),
    Column("focal_point", String(200), nullable=False, server_default=""),
    Column("phone_coverage", Boolean),  # null: unknown, not "no"
    Column("radio_coverage", Boolean),
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
    Column(
        "older", Integer, nullable=False, server_default="0"
    ),  # older vintages kept as stored (migration 0012)
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

# --- access: users, their sessions and tokens, the append-only audit log ---

users = Table(
    "users",
    metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False, server_default=""),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(24), nullable=False),
    Column("field_office", String(64)),
    Column("area_pcodes", Text, nullable=False, server_default="[]"),
    Column("structure_role", String(120)),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("gateway_kind", String(16)),  # gateways only: twilio | rapidpro | kobo | generic
    Column("gateway_secret", LargeBinary),  # Twilio's auth token that signs its posts, encrypted at rest
)

credentials = Table(
    "credentials",
    metadata,
    Column("credential_id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.user_id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(8), nullable=False),  # session (web cookie) | token (API bearer)
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("name", String(120), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Index("ix_credentials_user_id", "user_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("audit_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("role", String(24), nullable=False),
    Column("action", String(40), nullable=False),  # write | read_protected | login | ...
    Column("entity", String(40), nullable=False),
    Column("entity_id", String(80), nullable=False, server_default=""),
    Column("detail", Text, nullable=False, server_default=""),
    Column("client", String(64), nullable=False, server_default=""),  # the client address of a web request
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_entity", "entity", "entity_id"),
    Index("ix_audit_log_client_action_at", "client", "action", "at"),
)

# --- response: alerts, the reports merged into them, their transitions, the notification outbox ---

alerts = Table(
    "alerts",
    metadata,
    Column("alert_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("reference", String(32), nullable=False, unique=True),
    Column("state", String(24), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("alert_network", String(120), nullable=False, server_default=""),
    Column("text", Text, nullable=False),
    Column("location_text", String(300), nullable=False, server_default=""),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("pcode", String(32)),
    Column("field_office", String(64)),
    Column("community_id", String(64)),
    Column("threat_type", String(48)),
    Column("urgency", String(16), nullable=False),
    Column("body_id", String(120), nullable=False),
    Column("focal_point_role", String(120)),
    Column("escalation_level", SmallInteger, nullable=False, server_default="0"),
    Column("next_step", String(24)),
    Column("due_at", DateTime(timezone=True)),
    Column("sender_name", LargeBinary),  # encrypted at rest
    Column("sender_number", LargeBinary),  # encrypted at rest
    Column("sender_key", String(64)),  # keyed hash of the number: merges reports without decrypting
    Column("details", Text, nullable=False, server_default="{}"),  # verification, response, outcome, feedback
    Column("exercise_id", Integer),
    Column("version", Integer, nullable=False, server_default="1"),
    # the place as viewers, partners and exports see it (moved under the secret key at intake): they are
    # filtered, counted and sorted on these columns only, so no question about the data finds the true place
    Column("fuzzed_latitude", Float),
    Column("fuzzed_longitude", Float),
    Column("fuzzed_pcode", String(32)),
    Index("ix_alerts_state_due_at", "state", "due_at"),
    Index("ix_alerts_field_office", "field_office"),
    Index("ix_alerts_pcode_received_at", "pcode", "received_at"),
)

alert_reports = Table(
    "alert_reports",
    metadata,
    Column("report_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column(
        "alert_id",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("alerts.alert_id"),
        nullable=False,
    ),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("external_id", String(128), nullable=False),
    Column("text", Text, nullable=False),
    Column("sender_name", LargeBinary),
    Column("sender_number", LargeBinary),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("pcode", String(32)),
    Column("recorded_by", String(80), nullable=False, server_default=""),
    UniqueConstraint("channel", "external_id"),
    Index("ix_alert_reports_alert_id", "alert_id"),
)

alert_transitions = Table(
    "alert_transitions",
    metadata,
    Column(
        "transition_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column(
        "alert_id",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("alerts.alert_id"),
        nullable=False,
    ),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("role", String(24), nullable=False),
    Column("action", String(24), nullable=False),
    Column("from_state", String(24), nullable=False),
    Column("to_state", String(24), nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("detail", Text, nullable=False, server_default="{}"),
    Index("ix_alert_transitions_alert_id", "alert_id"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("effect_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("alert_id", BigInteger().with_variant(Integer, "sqlite")),
    Column("kind", String(40), nullable=False),
    Column("target", String(120), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(12), nullable=False),  # pending | delivered | failed | skipped
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True)),
    Column("exercise_id", Integer),
    Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("endpoint_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("url", Text, nullable=False),
    Column("targets", Text, nullable=False, server_default='["*"]'),  # bodies or roles it serves
    Column("secret", String(200), nullable=False, server_default=""),
    Column("active", Boolean, nullable=False, server_default="1"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("delivery_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column(
        "effect_id",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("outbox.effect_id"),
        nullable=False,
    ),
    Column("endpoint_id", Integer, ForeignKey("webhook_endpoints.endpoint_id"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("status_code", Integer),
    Column("error", Text, nullable=False, server_default=""),
    Column("delivered", Boolean, nullable=False),
    UniqueConstraint("effect_id", "endpoint_id", "attempt"),
    Index("ix_deliveries_effect_id", "effect_id"),
)

# --- training: exercises, their teams and members, injects, deliveries to teams, decisions, scores ---
# An exercise alert's ``alerts.exercise_id`` (and its outbox rows') is the id of the TEAM whose play it belongs to
# (``exercise_teams.team_id``): each team plays its own copy of every inject, so teams never see or merge each
# other's alerts. Events replayed from real data stay in ``exercise_injects``, never in ``events``.

exercises = Table(
    "exercises",
    metadata,
    Column("exercise_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("source", String(32), nullable=False),  # demo | acled | ucdp | hxl | scripted
    Column("description", Text, nullable=False, server_default=""),
    Column("settings", Text, nullable=False, server_default="{}"),  # difficulty, area, period, standard ...
    Column("status", String(12), nullable=False),  # planned | running | paused | finished
    Column("scenario_start", DateTime(timezone=True), nullable=False),
    Column("scenario_end", DateTime(timezone=True), nullable=False),
    Column("speed", Float, nullable=False),  # exercise seconds per real second
    Column("elapsed_seconds", Float, nullable=False, server_default="0"),  # exercise time at the anchor
    Column("anchor_at", DateTime(timezone=True)),  # real time the clock last started (null unless running)
    Column("created_by", String(80), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

exercise_teams = Table(
    "exercise_teams",
    metadata,
    Column("team_id", Integer, primary_key=True, autoincrement=True),
    Column("exercise_id", Integer, ForeignKey("exercises.exercise_id", ondelete="CASCADE"), nullable=False),
    Column("name", String(120), nullable=False),
    UniqueConstraint("exercise_id", "name"),
)

exercise_members = Table(
    "exercise_members",
    metadata,
    Column("member_id", Integer, primary_key=True, autoincrement=True),
    Column("team_id", Integer, ForeignKey("exercise_teams.team_id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.user_id"), nullable=False),
    Column("post_id", String(120)),  # the role of the coordination structure the trainee plays
    UniqueConstraint("team_id", "user_id"),
)

exercise_injects = Table(
    "exercise_injects",
    metadata,
    Column("inject_id", Integer, primary_key=True, autoincrement=True),
    Column("exercise_id", Integer, ForeignKey("exercises.exercise_id", ondelete="CASCADE"), nullable=False),
    Column(
        "kind", String(24), nullable=False
    ),  # community_alert | rumour | road_cut | unit_unavailable | event
    Column("at", DateTime(timezone=True), nullable=False),  # exercise time it is delivered
    Column("title", String(300), nullable=False),
    Column("text", Text, nullable=False),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("pcode", String(32)),
    Column("community_id", String(64)),
    Column("threat_type", String(48)),
    Column("urgency", String(16)),
    Column(
        "details", Text, nullable=False, server_default="{}"
    ),  # source event, expected answer, units, roads
    Column("origin", String(32), nullable=False),  # scripted | demo | acled | ucdp | hxl | facilitator
    Column("delivered_at", DateTime(timezone=True)),  # exercise time it was delivered (null until then)
    Index("ix_exercise_injects_exercise_id_at", "exercise_id", "at"),
)

exercise_deliveries = Table(
    "exercise_deliveries",
    metadata,
    Column("delivery_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "inject_id", Integer, ForeignKey("exercise_injects.inject_id", ondelete="CASCADE"), nullable=False
    ),
    Column("team_id", Integer, ForeignKey("exercise_teams.team_id", ondelete="CASCADE"), nullable=False),
    Column("alert_reference", String(32)),  # the alert the inject became (none for situation injects)
    Column("delivered_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("inject_id", "team_id"),
)

exercise_decisions = Table(
    "exercise_decisions",
    metadata,
    Column("decision_id", Integer, primary_key=True, autoincrement=True),
    Column("exercise_id", Integer, ForeignKey("exercises.exercise_id", ondelete="CASCADE"), nullable=False),
    Column("team_id", Integer, ForeignKey("exercise_teams.team_id", ondelete="CASCADE"), nullable=False),
    Column("alert_reference", String(32), nullable=False),
    Column("action", String(24), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("post_id", String(120)),
    Column("at", DateTime(timezone=True), nullable=False),  # exercise time
    Column("real_at", DateTime(timezone=True), nullable=False),
    Column("detail", Text, nullable=False, server_default="{}"),
    Index("ix_exercise_decisions_team_id", "team_id"),
)

exercise_scores = Table(
    "exercise_scores",
    metadata,
    Column("score_id", Integer, primary_key=True, autoincrement=True),
    Column("exercise_id", Integer, ForeignKey("exercises.exercise_id", ondelete="CASCADE"), nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False),  # exercise time scored at
    Column("document", Text, nullable=False),  # every team's scores with their explanations (JSON)
    Index("ix_exercise_scores_exercise_id", "exercise_id"),
)

actor_names = Table(  # the actor registry: every source name and the registry actor it is (rebuilt on import)
    "actor_names",
    metadata,
    Column("name", String(500), primary_key=True),
    Column("actor", String(500), nullable=False),
    Column("sources", String(200), nullable=False),  # the sources that spell it so, comma-separated
    Column("events", Integer, nullable=False),  # events naming it in any actor field
    Index("ix_actor_names_actor", "actor"),
)

actor_aliases = Table(  # the analyst's aliases: this name is that registry actor
    "actor_aliases",
    metadata,
    Column("name", String(500), primary_key=True),
    Column("actor", String(500), nullable=False),
    Column("analyst", String(80), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

population_points = (
    Table(  # people where they live: a population grid's cells or a table of points (migration 0008)
        "population_points",
        metadata,
        Column("point_id", Integer, primary_key=True, autoincrement=True),
        Column("latitude", Float, nullable=False),
        Column("longitude", Float, nullable=False),
        Column("population", Float, nullable=False),
        Column(
            "source", String(500), nullable=False
        ),  # the file it came from (re-importing a file replaces it)
        Index("ix_population_points_source", "source"),
    )
)

area_populations = (
    Table(  # people per admin area, from a boundary file's population property (migration 0008)
        "area_populations",
        metadata,
        Column("pcode", String(32), primary_key=True),
        Column("population", BigInteger, nullable=False),
        Column("source", String(500), nullable=False),
    )
)

surveys = Table(  # perception surveys: what each mapped question measures (migration 0013)
    "surveys",
    metadata,
    Column("survey_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("minimum", Integer, nullable=False),  # the fewest respondents behind a published figure
    Column(
        "measures", Text, nullable=False
    ),  # JSON: id, question, per_choice, labels and choice labels per language
    Column("source", Text, nullable=False),  # the export and mapping files last imported
    Column("imported_at", DateTime(timezone=True), nullable=False),
)

survey_responses = (
    Table(  # one respondent's mapped answers, never who they are (no name, number, uuid or GPS)
        "survey_responses",
        metadata,
        Column("response_id", Integer, primary_key=True, autoincrement=True),
        Column("survey_id", Integer, ForeignKey("surveys.survey_id", ondelete="CASCADE"), nullable=False),
        Column("community_id", String(64), nullable=False),
        Column("wave", String(64), nullable=False),
        Column("weight", Float, nullable=False),
        Column(
            "answers", Text, nullable=False
        ),  # JSON: measure -> true, false, null or the list of choices ticked
        Index("ix_survey_responses_survey_id", "survey_id", "wave"),
        Index("ix_survey_responses_community_id", "community_id"),
    )
)

engagements = (
    Table(  # the mission's meetings with communities; participants in aggregate only (migration 0014)
        "engagements",
        metadata,
        Column("engagement_id", Integer, primary_key=True, autoincrement=True),
        Column("community_id", String(64), nullable=False),
        Column("kind", String(40), nullable=False),
        Column("held_on", DateTime(timezone=True), nullable=False),
        Column("mission_posts", Text, nullable=False),  # JSON list of posts
        Column("participants", Text, nullable=False),  # JSON {"female/18_59": 12, ...}
        Column("concerns", Text, nullable=False),  # JSON list of {threat_type, place, perpetrator, note}
        Column("requests", Text, nullable=False),  # JSON list of texts
        Column("recorded_by", String(80), nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False),
        Index("ix_engagements_community_id", "community_id"),
    )
)

commitments = Table(  # what the mission promised, tracked to closure with the community's feedback
    "commitments",
    metadata,
    Column("commitment_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "engagement_id", Integer, ForeignKey("engagements.engagement_id", ondelete="CASCADE"), nullable=False
    ),
    Column("community_id", String(64), nullable=False),
    Column("what", Text, nullable=False),
    Column("owner_post", String(200), nullable=False),
    Column("due", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("outcome", Text, nullable=False, server_default=""),
    Column("feedback_channel", String(40)),
    Column("feedback_message", Text),
    Column("feedback_given_at", DateTime(timezone=True)),
    Column("version", Integer, nullable=False, server_default="1"),  # optimistic locking
    Index("ix_commitments_status", "status"),
    Index("ix_commitments_community_id", "community_id"),
)

commitment_steps = Table(  # every change of a commitment, dated and attributed
    "commitment_steps",
    metadata,
    Column("step_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "commitment_id", Integer, ForeignKey("commitments.commitment_id", ondelete="CASCADE"), nullable=False
    ),
    Column("action", String(20), nullable=False),
    Column("status", String(20), nullable=False),  # the status after the step
    Column("note", Text, nullable=False, server_default=""),
    Column("actor", String(80), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_commitment_steps_commitment_id", "commitment_id"),
)

community_profiles = Table(  # every version of a community's profile, dated and attributed (migration 0015)
    "community_profiles",
    metadata,
    Column("profile_id", Integer, primary_key=True, autoincrement=True),
    Column("community_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("document", Text, nullable=False),  # JSON (core.perspectives.profiles.to_document)
    Column("changed_by", String(80), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column(
        "note", Text, nullable=False, server_default=""
    ),  # where it comes from: a visit, an import, a survey
    UniqueConstraint("community_id", "version", name="uq_community_profiles_community_id"),
)

protection_plans = (
    Table(  # every version of a community's protection plan, dated and attributed (migration 0016)
        "protection_plans",
        metadata,
        Column("plan_id", Integer, primary_key=True, autoincrement=True),
        Column("community_id", String(64), nullable=False),
        Column("version", Integer, nullable=False),
        Column("document", Text, nullable=False),  # JSON (core.perspectives.plans.to_document)
        Column("changed_by", String(80), nullable=False),
        Column("changed_at", DateTime(timezone=True), nullable=False),
        UniqueConstraint("community_id", "version", name="uq_protection_plans_community_id"),
    )
)

# --- coordination practice: forum meetings, decisions, action points, checklist assessments (migration 0017) ---
meetings = Table(
    "meetings",
    metadata,
    Column("meeting_id", Integer, primary_key=True, autoincrement=True),
    Column("body_id", String(120), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("agenda", Text, nullable=False),  # JSON list of agenda items
    Column("note", Text, nullable=False, server_default=""),
    Column("recorded_by", String(80), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_meetings_body_id", "body_id"),
)

meeting_attendance = Table(
    "meeting_attendance",
    metadata,
    Column("meeting_id", Integer, ForeignKey("meetings.meeting_id", ondelete="CASCADE"), primary_key=True),
    Column("post", String(120), primary_key=True),
)

decisions = Table(
    "decisions",
    metadata,
    Column("decision_id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", Integer, ForeignKey("meetings.meeting_id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Index("ix_decisions_meeting_id", "meeting_id"),
)

action_points = Table(  # decided by a forum (decision_id) or from a checklist measure (decision_id NULL)
    "action_points",
    metadata,
    Column("action_point_id", Integer, primary_key=True, autoincrement=True),
    Column("decision_id", Integer, ForeignKey("decisions.decision_id", ondelete="CASCADE")),
    Column("body_id", String(120), nullable=False),
    Column("what", Text, nullable=False),
    Column("owner_post", String(120), nullable=False),
    Column("due", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("threat_key", String(200), nullable=False, server_default=""),
    Column("alert_reference", String(40), nullable=False, server_default=""),
    Column("community_id", String(64), nullable=False, server_default=""),
    Column("commitment_id", Integer),
    Column("checklist_task", String(80), nullable=False, server_default=""),
    Column(  # the joint team whose recommendation it carries (migration 0019)
        "team_id", Integer, ForeignKey("joint_teams.team_id", ondelete="SET NULL")
    ),
    Column("escalated_to", String(120), nullable=False, server_default=""),  # the last body notified
    Column("created_by", String(80), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Index("ix_action_points_status", "status"),
    Index("ix_action_points_body_id", "body_id"),
    Index("ix_action_points_owner_post", "owner_post"),
    Index("ix_action_points_team_id", "team_id"),
)

action_point_steps = Table(
    "action_point_steps",
    metadata,
    Column("step_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "action_point_id",
        Integer,
        ForeignKey("action_points.action_point_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("action", String(20), nullable=False),
    Column("status", String(20), nullable=False),  # the status after the step
    Column("note", Text, nullable=False, server_default=""),
    Column("actor", String(80), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_action_point_steps_action_point_id", "action_point_id"),
)

checklist_assessments = (
    Table(  # each self-assessment kept, so a re-assessment is compared with the previous one
        "checklist_assessments",
        metadata,
        Column("assessment_id", Integer, primary_key=True, autoincrement=True),
        Column("as_of", Date, nullable=False),
        Column("score", Float, nullable=False),
        Column("document", Text, nullable=False),  # JSON: task key -> score and question statuses
        Column("recorded_by", String(80), nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False),
    )
)

joint_teams = Table(  # joint protection teams and joint assessment missions (issue 17 item 3, migration 0018)
    "joint_teams",
    metadata,
    Column("team_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(8), nullable=False),
    Column("origin", String(16), nullable=False),
    Column("origin_ref", String(200), nullable=False),
    Column("community_id", String(64), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("members", Text, nullable=False),  # JSON list of {component, post}
    Column("status", String(16), nullable=False),
    Column("departs", DateTime(timezone=True)),
    Column("base_id", String(64)),
    Column("escort_unit", String(64)),
    Column("travel_hours", Float),
    Column("season", String(16)),
    Column("route_note", Text, nullable=False, server_default=""),
    Column("needs", Text, nullable=False, server_default="[]"),  # JSON list of texts
    Column("recommendations", Text, nullable=False, server_default="[]"),  # JSON list of texts
    Column("cancel_reason", Text, nullable=False, server_default=""),
    Column("requested_by", String(80), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Index("ix_joint_teams_community_id", "community_id"),
    Index("ix_joint_teams_status", "status"),
)

joint_team_steps = Table(  # every step of a joint team, dated and attributed
    "joint_team_steps",
    metadata,
    Column("step_id", Integer, primary_key=True, autoincrement=True),
    Column("team_id", Integer, ForeignKey("joint_teams.team_id", ondelete="CASCADE"), nullable=False),
    Column("action", String(20), nullable=False),
    Column("status", String(16), nullable=False),  # the status after the step
    Column("note", Text, nullable=False, server_default=""),
    Column("actor", String(80), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_joint_team_steps_team_id", "team_id"),
)

# the threats a team heard, in the taxonomy, one row each (read by the threat matrix)
joint_team_findings = Table(
    "joint_team_findings",
    metadata,
    Column("finding_id", Integer, primary_key=True, autoincrement=True),
    Column("team_id", Integer, ForeignKey("joint_teams.team_id", ondelete="CASCADE"), nullable=False),
    Column("community_id", String(64), nullable=False),
    Column("threat_type", String(40), nullable=False),
    Column("perpetrator", Text, nullable=False, server_default=""),
    Column("place", Text, nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
    Column("heard_on", DateTime(timezone=True), nullable=False),
    Index("ix_joint_team_findings_team_id", "team_id"),
    Index("ix_joint_team_findings_community_id", "community_id"),
)

# what a write sent again with the same key answered the first time (offline replays)
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key_id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.user_id", ondelete="CASCADE"), nullable=False),
    Column("key", String(100), nullable=False),  # chosen by the client (the device's queue: a random UUID)
    # the request the key was first used for ("engagement", ...)
    Column("scope", String(200), nullable=False),
    Column("result", Text, nullable=False, server_default="{}"),  # JSON: what the edge needs to answer again
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_id_key"),
    Index("ix_idempotency_keys_created_at", "created_at"),
)

staff_numbers = Table(  # staff phones whose structured SMS intake reads (issue 18, item 4); never in clear
    "staff_numbers",
    metadata,
    Column("number_id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.user_id", ondelete="CASCADE"), nullable=False),
    Column("number_key", String(64), nullable=False, unique=True),  # Protector.sender_key of the E.164 number
    Column("number", LargeBinary, nullable=False),  # the E.164 number, Protector.encrypt
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(80), nullable=False),
    Index("ix_staff_numbers_user_id", "user_id"),
)
