"""A protection plan as the fields of a simple form: what the form shows reads back as the same plan (reviews and
the actor registry's links kept), and a field that cannot be read says why, naming the line."""

from __future__ import annotations

from datetime import date

from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.plan_fields import PLAN_FIELDS, plan_from_fields, plan_to_fields
from pochub.core.perspectives.plans import Indicator, Party, PlanCommitment, ProtectionPlan, Review
from pochub.core.perspectives.profiles import NamedThreat, Strategy

PLAN = ProtectionPlan(
    community_id="C1",
    agreed_on=date(2026, 6, 1),
    threats=(
        NamedThreat(ThreatType.ABDUCTION, "the men from the hills", "ADF"),
        NamedThreat(ThreatType.KILLING),
    ),
    vulnerabilities="the road to the fields: women go alone",
    community_measures=((Strategy.NIGHT_WATCH, "youth take turns"), (Strategy.SAFE_PLACES, "")),
    commitments=(
        PlanCommitment(Party.MISSION, "Besu field office", "patrols on market days", date(2026, 7, 1), True),
        PlanCommitment(Party.AUTHORITIES, "the chief of sector", "a police post", date(2026, 12, 1)),
    ),
    indicators=(
        Indicator("an abduction within 10 km", ThreatType.ABDUCTION),
        Indicator("the watch stops: why"),
    ),
    reviews=(Review(date(2026, 9, 1), "cla", "patrols held", False),),
)


def test_the_form_reads_back_as_the_same_plan() -> None:
    fields = plan_to_fields(PLAN, date(2026, 11, 1))
    assert set(fields) == set(PLAN_FIELDS)
    assert fields["commitments"].splitlines()[0] == (
        "mission | Besu field office | patrols on market days | 2026-07-01 | done"
    )
    assert fields["indicators"].splitlines() == ["abduction_forced_disappearance: an abduction within 10 km",
                                                 "the watch stops: why"]  # fmt: skip
    plan, errors = plan_from_fields("C1", fields, PLAN)
    assert errors == {} and plan == PLAN  # the reviews and the registry's link to ADF kept
    review = Review(date(2026, 11, 1), "fo", "the police post is not built", True)
    revised, _ = plan_from_fields("C1", {**fields, "threats": "abduction_forced_disappearance: the men from the hills"},
                                  PLAN, review)  # fmt: skip
    assert revised is not None and revised.reviews == (*PLAN.reviews, review)
    assert revised.threats == (PLAN.threats[0],)
    empty = plan_to_fields(None, date(2026, 11, 1))
    assert empty["agreed_on"] == "2026-11-01" and not empty["threats"]
    french, _ = plan_from_fields(
        "C1", {**fields, "commitments": "autorités | le chef | un poste | 2026-12-01"}
    )
    assert french is not None and french.commitments[0].party is Party.AUTHORITIES


def test_a_field_that_cannot_be_read_says_why() -> None:
    fields = plan_to_fields(PLAN, date(2026, 11, 1))
    for field, text, said in (
        ("agreed_on", "June", "write the day the plan was agreed"),
        ("threats", "witchcraft: a neighbour", "'witchcraft' is not a threat type"),
        ("community_measures", "prayer: every night", "'prayer' is not a self-protection strategy"),
        (
            "commitments",
            "mission | FO | patrols",
            "line 1: write 'mission or authorities | who | what | due date'",
        ),
        (
            "commitments",
            "mission | FO | x | 2026-07-01\nthe UN | FO | y | 2026-08-01",
            "line 2: 'the UN' is neither",
        ),
        ("commitments", "mission | FO | x | next week", "line 1: 'next week' is not a date"),
        ("commitments", "mission | FO | x | 2026-07-01 | maybe", "line 1: write 'done' at the end"),
    ):
        plan, errors = plan_from_fields("C1", {**fields, field: text})
        assert plan is None and said in str(errors[field]), (field, errors)
    plan, errors = plan_from_fields("C1", {**fields, "indicators": ""})
    assert plan is None and "indicators that call for its review" in str(errors["plan"])
    plan, errors = plan_from_fields("C1", {**fields, "commitments": "mission | FO | x | 2020-01-01"})
    assert plan is None and "is due before the plan was agreed" in str(errors["plan"])
