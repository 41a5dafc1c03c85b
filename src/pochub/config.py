"""Settings, declared once with help text (POCHUB_* environment variables).

Entry points (CLI, API factory) read them and pass them down; nothing else reads the environment.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pochub.errors import InvalidInput

MIN_SECRET_KEY_LENGTH = 32
"""Characters a secret key needs at least (`pochub keys generate` writes 43 random URL-safe characters)."""
KEY_HELP = (
    "make one with `pochub keys generate -o pochub.key` and set POCHUB_SECRET_KEY_FILE=pochub.key "
    "(or POCHUB_SECRET_KEY)"
)


class MissingSecretKey(InvalidInput):
    """No secret key was given: nothing protected can be read or written without one (a setup error)."""

    http_status = 500


class Settings(BaseSettings):
    """PoC Hub settings. Every field can be set as POCHUB_<NAME> in the environment."""

    model_config = SettingsConfigDict(env_prefix="POCHUB_", extra="ignore", hide_input_in_errors=True)

    database_url: str = Field(
        default="sqlite:///pochub.db",
        description="Database URL: sqlite:///FILE (embedded default) or postgresql://USER@HOST:PORT/DB.",
    )
    shared: Path = Field(
        default=Path("../shared"),
        description="Folder of the shared public datasets used by tests and benchmarks (never committed).",
    )
    exercise_data: Path | None = Field(
        default=None,
        description="Folder of the data files a real-data exercise created from the API or the pages may read "
        "(a file named there must lie inside it). Unset: the shared data folder (POCHUB_SHARED).",
    )
    host: str = Field(default="127.0.0.1", description="Address `pochub serve` listens on.")
    port: int = Field(default=8000, description="Port `pochub serve` listens on.")
    import_batch_rows: int = Field(
        default=20_000, ge=100, description="Rows per batch in the streaming import pipeline (bounds memory)."
    )
    duplicate_distance_km: float = Field(
        default=10.0,
        gt=0,
        description="Two records of different sources within this distance may be one event.",
    )
    duplicate_days: int = Field(
        default=1,
        ge=0,
        description="Two records of different sources within this many days may be one event.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Secret that encrypts informants' names and numbers at rest and keys sender matching and "
        f"location fuzzing (at least {MIN_SECRET_KEY_LENGTH} characters; no default: `pochub keys generate` "
        "makes one). Changing it makes stored sender details unreadable: use `pochub keys rotate`.",
    )
    secret_key_file: Path | None = Field(
        default=None,
        description="A file holding the secret key (as written by `pochub keys generate -o FILE`, readable "
        "only by its owner); instead of POCHUB_SECRET_KEY.",
    )
    area_tolerance_km: float = Field(
        default=25.0,
        ge=0,
        description="A point outside every imported boundary takes the nearest area within this distance (coasts, "
        "borders drawn differently); farther, it is counted as 'outside the boundaries'.",
    )
    location_fuzz_km: float = Field(
        default=5.0,
        ge=0,
        description="Alert locations are moved by up to this distance in exports and for viewer and partner roles.",
    )
    session_hours: float = Field(
        default=12.0, gt=0, description="Lifetime of a web session cookie, in hours."
    )
    token_days: float = Field(
        default=90.0, gt=0, description="Default lifetime of an API bearer token, in days (capped per role)."
    )
    token_max_days: dict[str, float] = Field(
        default={"admin": 30.0, "gateway": 365.0},
        description='Longest API token lifetime per role, in days, as JSON (e.g. {"admin": 30}); roles not '
        "named are capped at token_days.",
    )
    merge_window_hours: float = Field(
        default=2.0,
        ge=0,
        description="Reports from the same area within this many hours with similar text merge into one alert.",
    )
    merge_similarity: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="Text similarity (0-1) above which two reports of one area and window are one incident.",
    )
    escalation_interval_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How often the background worker looks for alerts past their deadline.",
    )
    outbox_interval_seconds: float = Field(
        default=5.0, gt=0, description="How often the background worker delivers pending notifications."
    )
    outbox_max_attempts: int = Field(
        default=8, ge=1, description="Webhook delivery attempts before a notification is marked failed."
    )
    workers: bool = Field(
        default=True, description="Run the escalation and notification workers inside `pochub serve`."
    )
    api_docs: bool = Field(
        default=False,
        description="Serve the API's description (/openapi.json) and its pages (/docs, /redoc). Off in "
        "production: it maps every route for an outsider; turn it on for development and API fuzzing.",
    )
    partner_text: str = Field(
        default="redacted",
        pattern="^(redacted|full)$",
        description="What partners see of an alert's message and location description: 'redacted' (withheld: "
        "a community's words can name the informant or the place) or 'full'.",
    )
    cap_sender: str = Field(
        default="pochub@mission.invalid",
        pattern=r"^[^\s,<&]+$",
        description="Who the mission's CAP 1.2 alerts say sent them (CAP's sender: globally unique, e.g. an "
        "address of the mission's domain; no spaces, commas, < or &). The default names no mission: set it "
        "before partners' warning systems receive the alerts.",
    )
    cap_scope: str = Field(
        default="Restricted",
        pattern="^(Restricted|Public)$",
        description="CAP 1.2 scope of the alerts sent to partners: 'Restricted' (with the restriction: protection "
        "partners only, do not publish) or 'Public'.",
    )
    timezone: str = Field(
        default="UTC",
        description="The mission's time zone (an IANA name such as Africa/Kinshasa): pages show times in it, "
        "with the zone, and UTC on hover; exports and the API stay in UTC.",
    )
    country_code: str = Field(
        default="",
        pattern="^([A-Za-z]{2})?$",
        description="The mission's country as a two-letter region (e.g. CD): national phone numbers logged "
        "from a call ('081 000 0222') are stored in international form (+243810000222). Empty: numbers must "
        "be given with their + and country code.",
    )
    secure_cookies: bool = Field(
        default=False,
        description="Mark every cookie Secure and send HSTS even when the server sees plain HTTP: set it behind "
        "a proxy that terminates HTTPS (over HTTPS seen by the server itself, both happen anyway).",
    )

    @model_validator(mode="after")
    def _known_timezone(self) -> Settings:
        """Refuse a time zone the system does not know (a typo would show every time in UTC silently)."""
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {self.timezone!r}: give an IANA name such as Africa/Kinshasa"
            ) from None
        return self

    @model_validator(mode="after")
    def _secret_key_from_file(self) -> Settings:
        """Read the key file when one is named; refuse a short key without ever showing it."""
        if self.secret_key_file is not None:
            if self.secret_key is not None:
                raise ValueError("give POCHUB_SECRET_KEY or POCHUB_SECRET_KEY_FILE, not both")
            try:
                text = self.secret_key_file.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                reason = getattr(exc, "strerror", None) or "not readable as text"
                raise ValueError(f"secret key file {self.secret_key_file}: {reason}") from None
            self.secret_key = SecretStr(text)
        if self.secret_key is not None and len(self.secret_key.get_secret_value()) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"the secret key is too short (it needs at least {MIN_SECRET_KEY_LENGTH} characters; it is not "
                f"shown): {KEY_HELP}"
            )
        return self

    def key(self) -> str:
        """The secret key; MissingSecretKey saying how to make one when none is set."""
        if self.secret_key is None:
            raise MissingSecretKey(f"no secret key is set: {KEY_HELP}")
        return self.secret_key.get_secret_value()


def settings_help() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting, for docs and --help."""
    rows = []
    for name, field in Settings.model_fields.items():
        rows.append((f"POCHUB_{name.upper()}", repr(field.default), field.description or ""))
    return rows
