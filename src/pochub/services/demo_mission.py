"""Load the fictional demo mission: generate its files, then store them through the normal importers."""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from pochub.config import Settings
from pochub.core.models.access import Role, User
from pochub.core.models.alerts import Channel, Report
from pochub.core.workflow.lifecycle import SYSTEM, Actor
from pochub.errors import InvalidInput, NotFound
from pochub.ingest.acled import ACLED
from pochub.ingest.events import ImportOptions
from pochub.ingest.ucdp import UCDP
from pochub.services.access import create_user, get_user
from pochub.services.alerts import act, count_alerts, receive_report
from pochub.services.capacities import import_bases, import_roads, import_units, store_structure
from pochub.services.gateways import create_gateway
from pochub.services.imports import import_events
from pochub.services.places import import_boundaries, import_communities
from pochub.services.structures import current_structure, require_structure
from pochub.store import tables


def load_demo(
    engine: Engine,
    settings: Settings,
    *,
    seed: int = 1,
    n_communities: int = 2000,
    n_events: int = 20000,
    keep: Path | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """Generate the demo mission for ``seed`` and import it; returns each step's figures. A database that holds
    a mission's own data is refused: the fictional mission would mix with it."""
    from pochub.demo.generator import generate_demo

    _refuse_mission_data(engine)

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
    ("head", Role.FIELD_OFFICER, "first", "Head of Office"),
    ("planner", Role.PLANNER, None, "Force planner (U3/U5)"),
    ("trainer", Role.TRAINER, None, "Trainer"),
    ("viewer", Role.VIEWER, None, "Viewer"),
    ("partner", Role.PARTNER, None, "Humanitarian partner"),
    ("gateway", Role.GATEWAY, None, "SMS gateway"),
)
"""One demo account per role, and the head of office; field roles work in the demo structure's first field office.
The gateway is a real gateway (a generic relay): its credential, printed in place of a password, may only post to
intake."""
DEMO_POSTS = {"adviser": "senior_poc_adviser", "head": "head_of_office_{office}"}
"""The post of the structure these demo accounts hold (``{office}``: the field office of the field roles), as a
user's ``structure_role``: the adviser holds the senior PoC adviser's post, ``head`` the first field office's head
of office, so each moves the action points their post owns (the demo's field forums give theirs to the head of
office). A post the stored structure does not have is not held."""
DEMO_GATEWAY_DAYS = 365.0


@dataclass(frozen=True)
class DemoAccount:
    """A demo sign-in, with the password (for the gateway: its credential) shown once."""

    username: str
    role: str
    field_office: str | None
    password: str
    post: str | None = None


def _exists(engine: Engine, username: str) -> bool:
    try:
        get_user(engine, username)
    except NotFound:
        return False
    return True


def create_demo_accounts(engine: Engine, field_office: str) -> list[DemoAccount]:
    """One account per role with a fresh random password each (printed by `pochub demo`, stored hashed), holding
    the posts of ``DEMO_POSTS``."""
    with engine.connect() as conn:
        structure = current_structure(conn)
    accounts = []
    for username, role, office, title in DEMO_ACCOUNTS:
        if _exists(engine, username):
            continue
        if role is Role.GATEWAY:
            _, credential = create_gateway(
                engine,
                username,
                "generic",
                timedelta(days=DEMO_GATEWAY_DAYS),
                secret_key=None,
                actor="pochub demo",
            )
            accounts.append(DemoAccount(username, role.value, None, credential))
            continue
        password = secrets.token_urlsafe(12)  # 16 random characters: beyond the password policy's minimum
        chosen_office = field_office if office == "first" else None
        post = DEMO_POSTS[username].format(office=field_office) if username in DEMO_POSTS else None
        if post is not None and (structure is None or structure.post(post) is None):
            post = None
        create_user(engine, username, password, role, field_office=chosen_office, display_name=title,
                    structure_role=post, actor="pochub demo")  # fmt: skip
        accounts.append(DemoAccount(username, role.value, chosen_office, password, post))
    return accounts


def _refuse_mission_data(engine: Engine) -> None:
    """InvalidInput when the store holds events or boundaries of somewhere other than the demo's Kanthara."""
    from pochub.demo.event_exports import COUNTRY
    from pochub.demo.geography import COUNTRY_CODE

    with engine.connect() as conn:
        ev, areas = tables.events.c, tables.admin_areas.c
        foreign_event = conn.execute(
            select(ev.country).where(ev.country.is_not(None), ev.country != COUNTRY).limit(1)
        ).scalar_one_or_none()
        foreign_area = conn.execute(
            select(areas.pcode).where(areas.pcode.not_like(f"{COUNTRY_CODE}%")).limit(1)
        ).scalar_one_or_none()
    if foreign_event is not None or foreign_area is not None:
        found = f"events of {foreign_event}" if foreign_event else f"the boundary {foreign_area}"
        raise InvalidInput(
            f"this database holds a mission's own data ({found}): the fictional demo mission would mix with it; "
            "build the demo in a database of its own: pochub --database sqlite:///demo.db demo "
            "(or make demo DEMO_DB=sqlite:///demo.db)"
        )


DEMO_STAFF_ROLES = (("focal", Role.FIELD_OFFICER), ("cla", Role.CLA))
"""The staff each field office's demo alerts are worked by (besides the mission-wide analyst)."""
ACTION_ROLE = {
    "acknowledge": "cla",
    "give_feedback": "cla",
    "after_action_review": "analyst",
}
"""Who takes each action in the demo (every other action: the office's PoC focal point)."""


def _staff(engine: Engine, username: str, role: Role, office: str | None, title: str) -> User:
    """A demo staff account (a random password nobody is shown: an administrator resets it to use it)."""
    if not _exists(engine, username):
        create_user(engine, username, secrets.token_urlsafe(18), role, field_office=office, display_name=title,
                    actor="pochub demo")  # fmt: skip
    return get_user(engine, username)


def _office_place(
    engine: Engine, area_pcodes: tuple[str, ...], base: str | None
) -> tuple[Any, tuple[str, ...]]:
    """The office's most populous community and the units of its base (else any two units)."""
    c, u = tables.communities.c, tables.units.c
    with engine.connect() as conn:
        rows = conn.execute(select(c.community_id, c.name, c.latitude, c.longitude, c.pcode)).all()
        inside = [r for r in rows if r.pcode and any(r.pcode.startswith(p) for p in area_pcodes)]
        community = max(inside or rows, key=lambda r: (r.pcode is not None, r.community_id))
        units = conn.execute(select(u.unit_id).where(u.home_base == base).order_by(u.unit_id).limit(2)).all()
        if not units:
            units = conn.execute(select(u.unit_id).order_by(u.unit_id).limit(2)).all()
    return community, tuple(r.unit_id for r in units)


def create_demo_alerts(engine: Engine, settings: Settings, *, now: datetime | None = None) -> dict[str, int]:
    """Alerts in every lifecycle status in each field office of the stored structure, taken there through the
    alert service by the office's staff (so every step follows the lifecycle's rules and is recorded), with
    feedback to the communities; returns the alerts per status. Made once: a store holding alerts gets none."""
    from pochub.demo.alerts import office_alerts

    if count_alerts(engine):
        return {}
    moment = now or datetime.now(UTC)
    structure = require_structure(engine)
    analyst = _staff(engine, "demo_jmac", Role.ANALYST, None, "JMAC analyst (demo staff)")
    made: dict[str, int] = {}
    for office in structure.field_offices:
        staff = {
            key: _staff(engine, f"{office.id}_{key}", role, office.id, f"{office.name} {key} (demo staff)")
            for key, role in DEMO_STAFF_ROLES
        }
        staff["analyst"] = analyst
        community, units = _office_place(engine, office.area_pcodes, office.base)
        for number, plan in enumerate(office_alerts(community.name, units)):
            received = moment - plan.age
            result = receive_report(
                engine,
                settings,
                Report(
                    Channel.SMS,
                    f"demo-{office.id}-{number}",
                    received,
                    plan.text,
                    latitude=community.latitude,
                    longitude=community.longitude,
                    pcode=community.pcode,
                    community_id=community.community_id,
                ),
                actor=Actor("pochub demo", SYSTEM),
                now=received,
            )
            step = plan.age / (len(plan.actions) + 1)
            for index, action in enumerate(plan.actions, start=1):
                user = staff[ACTION_ROLE.get(action.name.value, "focal")]
                act(engine, settings, result.reference, action, user, now=received + step * index)
            made[plan.status] = made.get(plan.status, 0) + 1
    return made
