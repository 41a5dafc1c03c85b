"""The divergence list on the demo mission (both backends): a survey wave where the people of a quiet area say
they do not feel safe flags that area as possibly under-reported, with its evidence; changing the answers changes
the list; an area-scoped reader sees only their areas."""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, select

from pochub.core.geography.areas import AreaIndex
from pochub.core.models.access import Role, User
from pochub.core.perspectives.divergence import Divergence
from pochub.services import perspectives
from pochub.services.threats import evidence_frame
from pochub.store import repositories, tables

ADVISER = User(1, "adviser", Role.POC_ADVISER)
LEVEL = 2


def _areas(engine: Engine) -> tuple[dict[str, list[str]], dict[str, int], date]:
    """Communities per level-2 area, violence against civilians per area, the day of the latest event."""
    with engine.connect() as conn:
        areas = repositories.load_admin_areas(conn, LEVEL)
        communities = repositories.load_communities(conn)
        last = conn.execute(
            select(tables.events.c.event_date).order_by(tables.events.c.event_date.desc())
        ).scalar()
        events = evidence_frame(conn, LEVEL, date(2000, 1, 1), last)
    codes, _ = AreaIndex.build(areas, LEVEL).locate(
        np.array([c.latitude for c in communities]), np.array([c.longitude for c in communities])
    )
    members: dict[str, list[str]] = defaultdict(list)
    for community, code in zip(communities, codes, strict=True):
        if code:
            members[code].append(community.community_id)
    vac = events.filter(events["threat_type"].is_not_null())
    harm = dict(zip(*vac.group_by("area_pcode").len().to_dict(as_series=False).values(), strict=True))
    return members, {a: int(harm.get(a, 0)) for a in members}, last


def _survey(
    tmp_path: Path, members: dict[str, list[str]], unsafe: dict[str, float], name: str
) -> tuple[Path, Path]:
    rng = random.Random(7)
    export = tmp_path / f"{name}.csv"
    with export.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["community", "wave", "safe_night"])
        for area, ids in members.items():
            for i in range(40):
                writer.writerow(
                    [ids[i % len(ids)], "2026-1", "no" if rng.random() < unsafe.get(area, 0.3) else "yes"]
                )
    mapping = tmp_path / f"{name}.yaml"
    mapping.write_text(
        f"survey: {name}\ncommunity: community\nwave: wave\nminimum: 10\n"
        "measures:\n  feels_safe_night: {question: safe_night, yes: [yes]}\n",
        encoding="utf-8",
    )
    return export, mapping


def test_a_quiet_area_where_people_feel_unsafe_is_flagged_with_its_evidence(
    demo_engine: Engine, tmp_path: Path
) -> None:
    members, harm, last = _areas(demo_engine)
    quiet = min(members, key=lambda a: (harm[a], a))
    export, mapping = _survey(tmp_path, members, {quiet: 0.9}, "Divergence survey")
    perspectives.import_survey(demo_engine, export, mapping)
    flagged = perspectives.divergence(
        demo_engine, ADVISER, level=LEVEL, survey="Divergence survey", as_of=last, days=3650
    )
    found = {a.pcode: a for a in flagged}
    assert quiet in found and found[quiet].kind is Divergence.UNDER_REPORTED, (
        harm[quiet],
        sorted(harm.values()),
    )
    evidence = " | ".join(str(e) for e in found[quiet].evidence)
    assert "say they do not feel safe" in evidence and "recorded events against civilians" in evidence

    # the same area, people now feeling as safe as elsewhere: no longer flagged
    export, mapping = _survey(tmp_path, members, {}, "Calm survey")
    perspectives.import_survey(demo_engine, export, mapping)
    calm = perspectives.divergence(
        demo_engine, ADVISER, level=LEVEL, survey="Calm survey", as_of=last, days=3650
    )
    assert quiet not in {a.pcode for a in calm}

    # an area-scoped reader sees only the areas of their office
    elsewhere = next(a for a in members if a != quiet)
    officer = User(2, "fo", Role.FIELD_OFFICER, field_office="X", area_pcodes=(elsewhere,))
    scoped = perspectives.divergence(
        demo_engine, officer, level=LEVEL, survey="Divergence survey", as_of=last, days=3650
    )
    assert {a.pcode for a in scoped} <= {elsewhere}
