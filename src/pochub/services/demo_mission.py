"""Load the fictional demo mission: generate its files, then store them through the normal importers."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from pochub.config import Settings
from pochub.ingest.acled import ACLED
from pochub.ingest.events import ImportOptions
from pochub.ingest.ucdp import UCDP
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
