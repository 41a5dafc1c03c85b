"""Load the fictional demo mission: generate its files, then store them through the normal importers."""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from pochub.config import Settings
from pochub.core.models.access import Role
from pochub.errors import NotFound
from pochub.ingest.acled import ACLED
from pochub.ingest.events import ImportOptions
from pochub.ingest.ucdp import UCDP
from pochub.services.access import create_user, get_user
from pochub.services.capacities import import_bases, import_roads, import_units, store_structure
from pochub.services.imports import import_events
from pochub.services.places import import_boundaries, import_communities


def load_demo(
    engine: Engine,
    settings: Settings,
    *,
    seed: int = 1,
    n_communities: int = 2000,
    n_events: int = 20000,
    keep: Path | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """Generate the demo mission for ``seed`` and import it; returns each step's figures."""
    from pochub.demo.generator import generate_demo

    with tempfile.TemporaryDirectory(prefix="pochub-demo-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        files = generate_demo(folder, seed=seed, n_communities=n_communities, n_events=n_events)
        options = ImportOptions(batch_rows=settings.import_batch_rows)
        steps: list[tuple[str, dict[str, Any]]] = [
            ("admin areas level 1", import_boundaries(engine, files.admin1, 1).as_dict()),
            ("admin areas level 2", import_boundaries(engine, files.admin2, 2).as_dict()),
            ("communities", import_communities(engine, files.communities).as_dict()),
            ("roads", import_roads(engine, files.roads).as_dict()),
            ("bases", import_bases(engine, files.bases).as_dict()),
            ("units", import_units(engine, files.units).as_dict()),
            ("coordination structure", store_structure(engine, files.structure).as_dict()),
            (
                "ACLED-format events",
                import_events(engine, files.acled_events, ACLED, options, settings, kind="acled").as_dict(),
            ),
            (
                "UCDP-format events",
                import_events(engine, files.ucdp_events, UCDP, options, settings, kind="ucdp").as_dict(),
            ),
        ]
    return steps


DEMO_ACCOUNTS = (
    ("admin", Role.ADMIN, None, "System administrator"),
    ("adviser", Role.POC_ADVISER, None, "Senior PoC Adviser"),
    ("analyst", Role.ANALYST, None, "JMAC analyst"),
    ("officer", Role.FIELD_OFFICER, "first", "PoC focal point"),
    ("cla", Role.CLA, "first", "Community Liaison Assistant"),
    ("planner", Role.PLANNER, None, "Force planner (U3/U5)"),
    ("trainer", Role.TRAINER, None, "Trainer"),
    ("viewer", Role.VIEWER, None, "Viewer"),
    ("partner", Role.PARTNER, None, "Humanitarian partner"),
    ("gateway", Role.CLA, "first", "SMS gateway service account"),
)
"""One demo account per role; field roles work in the demo structure's first field office."""


@dataclass(frozen=True)
class DemoAccount:
    """A demo sign-in, with the password shown once."""

    username: str
    role: str
    field_office: str | None
    password: str


def _exists(engine: Engine, username: str) -> bool:
    try:
        get_user(engine, username)
    except NotFound:
        return False
    return True


def create_demo_accounts(engine: Engine, field_office: str) -> list[DemoAccount]:
    """One account per role with a fresh random password each (printed by `pochub demo`, stored hashed)."""
    accounts = []
    for username, role, office, title in DEMO_ACCOUNTS:
        if _exists(engine, username):
            continue
        password = secrets.token_urlsafe(9)
        chosen_office = field_office if office == "first" else None
        create_user(engine, username, password, role, field_office=chosen_office, display_name=title,
                    actor="pochub demo")  # fmt: skip
        accounts.append(DemoAccount(username, role.value, chosen_office, password))
    return accounts
