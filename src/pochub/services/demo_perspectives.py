"""The demo mission's local perspectives, stored through the services a field office uses: profiles (two versions),
a year of engagements whose commitments stand in every state (open, overdue, in progress, delivered or given up
awaiting feedback, closed with feedback), two perception-survey waves imported from a KoBo export through a
mapping file, and protection plans. Made once: a store that holds engagements gets none."""

from __future__ import annotations

import random
import tempfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from pochub.core.models.access import User
from pochub.core.models.alerts import Feedback, FeedbackChannel
from pochub.core.models.coordination import FieldOffice
from pochub.core.perspectives.engagements import CommitmentAction
from pochub.core.perspectives.profiles import Strategy
from pochub.demo import perspectives as generate
from pochub.services import engagements, perspectives, profiles, protection_plans
from pochub.services.demo_mission import DEMO_STAFF_ROLES, _staff
from pochub.services.structures import require_structure
from pochub.store import tables

PER_OFFICE = 12
"""Communities per field office that the demo gives a voice."""
ENGAGEMENTS_PER_OFFICE = 30


def _office_communities(
    engine: Engine, office: FieldOffice, rng: random.Random
) -> list[generate.DemoCommunity]:
    c = tables.communities.c
    with engine.connect() as conn:
        rows = conn.execute(select(c.community_id, c.name, c.pcode).order_by(c.community_id)).all()
    inside = [r for r in rows if r.pcode and office.covers(r.pcode)]
    chosen = rng.sample(inside, k=min(PER_OFFICE, len(inside)))
    return [generate.DemoCommunity(r.community_id, r.name, rng.random() < 0.35) for r in chosen]


def create_demo_perspectives(engine: Engine, *, seed: int = 1, now: datetime | None = None) -> dict[str, int]:
    """Store the demo's local perspectives; returns what was made (empty when engagements already exist)."""
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(tables.engagements)).scalar_one():
            return {}
    moment = now or datetime.now(UTC)
    rng = random.Random(seed)
    structure = require_structure(engine)
    made = {"profiles": 0, "engagements": 0, "commitments": 0, "plans": 0, "respondents": 0}
    states: dict[str, int] = {}
    everyone: list[generate.DemoCommunity] = []
    for office in structure.field_offices:
        staff = {key: _staff(engine, f"{office.id}_{key}", role, office.id, f"{office.name} {key} (demo staff)")
                 for key, role in DEMO_STAFF_ROLES}  # fmt: skip
        post = f"{office.name} PoC focal point"
        communities = _office_communities(engine, office, rng)
        everyone += communities
        for community in communities:
            first = generate.profile(rng, community)
            profiles.save_profile(engine, staff["cla"], community.community_id, first, based_on=0,
                                  note="first visit", now=moment - timedelta(days=300))  # fmt: skip
            richer = replace(first, strategies=first.strategies | {Strategy.EARLY_WARNING_COMMITTEE})
            profiles.save_profile(engine, staff["focal"], community.community_id, richer, based_on=1,
                                  note="the early-warning committee was set up", now=moment - timedelta(days=60))  # fmt: skip
            made["profiles"] += 1
        if not communities:
            continue
        for held_on in generate.year_of_dates(rng, moment, ENGAGEMENTS_PER_OFFICE):
            community = rng.choice(communities)
            engagement = generate.engagement(rng, community, held_on, post, promise=rng.random() < 0.6)
            engagements.record_engagement(engine, staff["cla"], engagement, now=held_on)
            made["engagements"] += 1
        for number, record in enumerate(
            engagements.commitments_board(engine, staff["focal"], today=moment.date())
        ):
            made["commitments"] += 1
            due = record.commitment.due
            forced = not states.get(EVERY_STATE[number], 0) if number < len(EVERY_STATE) else False
            target = EVERY_STATE[number] if forced else _target((moment.date() - due).days, rng.random())
            state = _drive(engine, staff, record.commitment_id, target, due, moment, rng)
            states[state] = states.get(state, 0) + 1
        for community in communities[:2]:
            agreed = (moment - timedelta(days=rng.randint(40, 200))).date()
            plan = generate.plan(rng, community, agreed, post, moment.date())
            protection_plans.save_plan(engine, staff["focal"], plan, based_on=0, now=moment)
            made["plans"] += 1
    with tempfile.TemporaryDirectory(prefix="pochub-demo-survey-") as folder:
        export, mapping, form = generate.write_survey(Path(folder), rng, everyone, moment.date())
        for summary in (perspectives.import_survey(engine, export, mapping, form, now=moment),):
            made["respondents"] += summary.respondents
    return {**made, **{f"commitments {state}": count for state, count in sorted(states.items())}}


EVERY_STATE = ("closed", "delivered", "cannot_keep", "in_progress", "open")
"""The states the first office's first commitments are taken to, so the demo always shows each one."""


def _target(age: int, roll: float) -> str:
    """A state that fits a commitment's age: old ones mostly closed with feedback, recent ones still open."""
    if age > 20 and roll < 0.8:
        return "closed"
    for state, limit in (("delivered", 0.85), ("cannot_keep", 0.9), ("in_progress", 0.95)):
        if roll < limit:
            return state
    return "open"


def _drive(engine: Engine, staff: dict[str, User], commitment_id: int, target: str, due: date, moment: datetime,
           rng: random.Random) -> str:  # fmt: skip
    """Take a commitment to ``target`` through the service, as its owner and the CLA would."""
    focal, cla = staff["focal"], staff["cla"]
    told = Feedback(
        FeedbackChannel.COMMUNITY_MEETING, rng.choice(generate.FEEDBACK), moment - timedelta(days=1)
    )
    act = engagements.act_on_commitment
    if target == "closed":
        outcome = f"{rng.choice(generate.OUTCOMES)} {due.isoformat()}"
        act(engine, focal, commitment_id, CommitmentAction.DELIVER, outcome=outcome, now=moment)
        act(engine, cla, commitment_id, CommitmentAction.CLOSE, feedback=told, now=moment)
    elif target == "delivered":
        act(
            engine,
            focal,
            commitment_id,
            CommitmentAction.DELIVER,
            outcome="Done; the community is to be told",
            now=moment,
        )
    elif target == "cannot_keep":
        act(
            engine,
            focal,
            commitment_id,
            CommitmentAction.GIVE_UP,
            outcome="The road is cut in the rains",
            now=moment,
        )
    elif target == "in_progress":
        act(engine, focal, commitment_id, CommitmentAction.START, now=moment)
    return target
