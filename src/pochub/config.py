"""Settings, declared once with help text (POCHUB_* environment variables).

Entry points (CLI, API factory) read them and pass them down; nothing else reads the environment.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """PoC Hub settings. Every field can be set as POCHUB_<NAME> in the environment."""

    model_config = SettingsConfigDict(env_prefix="POCHUB_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///pochub.db",
        description="Database URL: sqlite:///FILE (embedded default) or postgresql://USER@HOST:PORT/DB.",
    )
    shared: Path = Field(
        default=Path("../shared"),
        description="Folder of the shared public datasets used by tests and benchmarks (never committed).",
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
    secret_key: str = Field(
        default="pochub-development-key-change-me",
        min_length=16,
        description="Secret that encrypts informants' names and numbers at rest and signs sessions. "
        "Set a long random value in production; changing it makes stored sender details unreadable.",
    )
    location_fuzz_km: float = Field(
        default=5.0,
        ge=0,
        description="Alert locations are moved by up to this distance in exports and for viewer and partner roles.",
    )
    session_hours: float = Field(
        default=12.0, gt=0, description="Lifetime of a web session cookie, in hours."
    )
    token_days: float = Field(default=90.0, gt=0, description="Lifetime of an API bearer token, in days.")
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


def settings_help() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting, for docs and --help."""
    rows = []
    for name, field in Settings.model_fields.items():
        rows.append((f"POCHUB_{name.upper()}", repr(field.default), field.description or ""))
    return rows
