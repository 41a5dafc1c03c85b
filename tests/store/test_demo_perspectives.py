"""The demo mission's local perspectives, stored through the services (both backends): profiles with history,
a year of engagements whose commitments stand in every state, two survey waves with suppressed and shown figures,
protection plans; made once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from pochub.core.models.access import Role, User
from pochub.core.perspectives.engagements import CommitmentStatus
from pochub.services import engagements, perspectives, profiles, protection_plans
from pochub.services.demo_perspectives import create_demo_perspectives

ADVISER = User(1, "adviser", Role.POC_ADVISER)
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_the_demo_gives_communities_a_voice(demo_engine: Engine) -> None:
    made = create_demo_perspectives(demo_engine, seed=1, now=NOW)
    assert made["profiles"] > 0 and made["engagements"] > 0 and made["plans"] > 0 and made["respondents"] > 0
    assert create_demo_perspectives(demo_engine, seed=1, now=NOW) == {}  # made once

    board = engagements.commitments_board(demo_engine, ADVISER, today=NOW.date(), include_closed=True)
    statuses = {record.commitment.status for record in board}
    assert statuses == set(CommitmentStatus), statuses
    assert any(record.overdue for record in board) and any(record.awaiting_feedback for record in board)
    assert all(
        r.commitment.feedback is not None for r in board if r.commitment.status is CommitmentStatus.CLOSED
    )

    community = board[0].community_id
    assert profiles.community_profile(demo_engine, ADVISER, community).version in (0, 2)
    profiled = [
        r.community_id
        for r in board
        if profiles.community_profile(demo_engine, ADVISER, r.community_id).version
    ]
    history = profiles.profile_history(demo_engine, ADVISER, profiled[0])
    assert [str(c) for c in history[0].changes] == ["self-protection changed"]

    results = perspectives.survey_results(demo_engine, ADVISER, "Perception survey")
    assert len(results.waves) == 2
    safe = [c.figures["feels_safe_night"] for c in results.communities]
    assert any(f.suppressed for f in safe) and any(not f.suppressed for f in safe)  # type: ignore[union-attr]
    assert len(protection_plans.plans(demo_engine, ADVISER, today=NOW.date())) == made["plans"]
