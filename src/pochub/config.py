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


def settings_help() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting, for docs and --help."""
    rows = []
    for name, field in Settings.model_fields.items():
        rows.append((f"POCHUB_{name.upper()}", repr(field.default), field.description or ""))
    return rows
