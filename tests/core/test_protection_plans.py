"""Community protection plans: checks a community could act on, when a plan needs review and why, storage
round-trip, and the document in English and French (HTML and PDF), with text from the plan never read as HTML."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.plans import (
    Indicator,
    Party,
    PlanCommitment,
    ProtectionPlan,
    Review,
    check_plan,
    from_document,
    review_due,
    to_document,
)
from pochub.core.perspectives.profiles import NamedThreat, Strategy
from pochub.documents import protection_plan
from pochub.errors import InvalidInput

PLAN = ProtectionPlan(
    community_id="C1",
    agreed_on=date(2026, 3, 1),
    threats=(NamedThreat(ThreatType.ABDUCTION, "<b>men from the hills</b>"),),
    vulnerabilities="Women walk 6 km to the fields before dawn.",
    community_measures=((Strategy.NIGHT_WATCH, "Youth watch the river crossing"), (Strategy.SAFE_PLACES, "")),
    commitments=(
        PlanCommitment(
            Party.MISSION, "Field office Beni", "Patrol the field road on market days", date(2026, 4, 1)
        ),
        PlanCommitment(
            Party.AUTHORITIES, "Chef de secteur", "Open the health post at night", date(2026, 6, 1), done=True
        ),
    ),
    indicators=(
        Indicator("An abduction within 10 km", ThreatType.ABDUCTION),
        Indicator("Night watch disbanded"),
    ),
)


def test_a_plan_needs_review_when_its_signs_appear() -> None:
    assert review_due(PLAN, date(2026, 3, 20)) == []
    overdue = [str(r) for r in review_due(PLAN, date(2026, 4, 10))]
    assert overdue == ["commitments overdue (1): Patrol the field road on market days"]
    events = [str(r) for r in review_due(PLAN, date(2026, 3, 20), events_nearby={ThreatType.ABDUCTION: 2})]
    assert events == ["events of the watched type nearby since 2026-03-01 (2): An abduction within 10 km"]
    reviewed = replace(
        PLAN, reviews=(Review(date(2026, 4, 5), "CLA Beni", "Patrol started late", revised=True),)
    )
    assert [str(r) for r in review_due(reviewed, date(2026, 10, 3))][-1] == "last reviewed 181 days ago"


def test_a_plan_no_one_could_act_on_is_refused() -> None:
    for changes, reason in (
        ({"threats": ()}, "at least one threat"),
        ({"commitments": ()}, "at least one commitment"),
        ({"commitments": (PlanCommitment(Party.MISSION, " ", "x", date(2026, 4, 1)),)}, "who commits"),
        (
            {"commitments": (PlanCommitment(Party.MISSION, "FO", "x", date(2026, 1, 1)),)},
            "due before the plan",
        ),
        ({"indicators": ()}, "indicators"),
        ({"reviews": (Review(date(2026, 1, 1), "x", "", False),)}, "before the plan was agreed"),
    ):
        with pytest.raises(InvalidInput, match=reason):
            check_plan(replace(PLAN, **changes))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="lacks 'agreed_on'"):
        from_document({"community_id": "C1"})


@given(st.lists(st.booleans(), min_size=1, max_size=4), st.sampled_from(list(ThreatType)))
def test_a_plan_survives_storage(done: list[bool], threat: ThreatType) -> None:
    plan = replace(
        PLAN,
        threats=(NamedThreat(threat, "x"),),
        commitments=tuple(
            PlanCommitment(Party.MISSION, "FO", f"c{i}", date(2026, 5, 1), d) for i, d in enumerate(done)
        ),
    )
    assert from_document(to_document(plan)) == plan


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            [
                "Community protection plan: Mavivi",
                "Threats the community identified",
                "overdue",
                "Night watches",
            ],
        ),
        (
            "fr",
            [
                "Plan communautaire de protection : Mavivi",
                "Menaces identifiées par la communauté",
                "en retard",
            ],
        ),
    ],
)
def test_the_plan_as_a_document_in_each_language(language: str, words: list[str]) -> None:
    html = protection_plan.render_html(PLAN, "Mavivi", date(2026, 4, 10), language)
    for word in words:
        assert word.lower() in html.lower(), word
    assert "<b>men from the hills</b>" not in html and "&lt;b&gt;men from the hills&lt;/b&gt;" in html
    assert protection_plan.render_pdf(PLAN, "Mavivi", date(2026, 4, 10), language).startswith(b"%PDF")
