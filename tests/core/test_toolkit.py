"""The coordination toolkit: the ten-task checklist and its scores, terms of reference, organogram, models."""

from __future__ import annotations

from datetime import date
from itertools import combinations

import pytest

from pochub.core.models.coordination import CoordinatorModel, Level
from pochub.core.toolkit.checklist import TASKS, Answer, assess, question_keys, structure_findings
from pochub.core.toolkit.coordinator_models import FACTORS, PROFILES, profile
from pochub.core.toolkit.organogram import layout
from pochub.core.toolkit.terms_of_reference import all_terms_of_reference, terms_of_reference
from pochub.core.workflow.structure import parse_structure
from tests.core.test_structure import template

TODAY = date(2026, 11, 1)


def test_the_checklist_has_the_ten_tasks_of_the_study_with_remedial_measures() -> None:
    assert [t.title for t in TASKS] == [
        "Supporting vision and policy",
        "Clarifying roles and responsibilities",
        "Supporting joined-up operational and forward planning",
        "Supporting the field",
        "Supporting effective early warning and situational awareness",
        "Working with international partners",
        "Engaging with local communities",
        "Engaging with national authorities",
        "Supporting follow-up and review",
        "Supporting training",
    ]
    for task in TASKS:
        assert len(task.questions) >= 3
        assert all(q.question.endswith("?") and len(q.remedial_measure) > 30 for q in task.questions)
    assert len(set(question_keys())) == len(question_keys())


def test_scores_count_yes_partial_and_no_and_unanswered_as_zero() -> None:
    task = TASKS[0]
    keys = [q.key for q in task.questions]
    answers = [Answer(keys[0], "yes"), Answer(keys[1], "partial"), Answer(keys[2], "no")]
    result = assess(answers, TODAY)
    first = result.tasks[0]
    assert first.score == pytest.approx(100 * 1.5 / len(keys), abs=0.1)
    assert dict(first.counts) == {"yes": 1, "partial": 1, "no": 1, "unanswered": len(keys) - 3}
    assert all(t.score == 0 for t in result.tasks[1:])
    assert [i.question.key for i in first.open_measures] == keys[1:]


def test_every_answer_yes_scores_full_marks() -> None:
    result = assess([Answer(k, "yes") for k in question_keys()], TODAY)
    assert result.score == 100
    assert all(t.rating == "strong" and not t.open_measures for t in result.tasks)


def test_remedial_measure_owner_and_overdue_due_dates() -> None:
    key = TASKS[9].questions[0].key
    late = Answer(
        key,
        "no",
        evidence="none yet",
        remedial_measure="",
        owner="Chief Training",
        due_date=date(2026, 10, 1),
    )
    item = assess([late], TODAY).tasks[9].items[0]
    assert item.overdue and item.owner == "Chief Training"
    assert item.remedial_measure == TASKS[9].questions[0].remedial_measure  # the default measure
    done = assess([Answer(key, "yes", due_date=date(2026, 10, 1))], TODAY).tasks[9].items[0]
    assert not done.overdue and done.remedial_measure == ""


def test_the_structure_answers_what_it_can_and_the_mission_overrides_it() -> None:
    structure = parse_structure(template())
    findings = structure_findings(structure)
    assert findings["rr_focal_points"].status == "no"  # the template leaves the holders' names blank
    assert findings["rr_reporting_lines"].status == "yes"
    assert findings["fd_field_forums"].status == "yes"
    assert findings["ip_observers"].status == "yes"
    result = assess(
        [Answer("rr_reporting_lines", "partial", evidence="JOC lines unclear")], TODAY, structure=structure
    )
    items = {i.question.key: i for t in result.tasks for i in t.items}
    assert items["rr_reporting_lines"].source == "answer" and items["rr_reporting_lines"].status == "partial"
    assert items["fd_field_forums"].source == "structure"
    assert items["vp_strategy"].source == "unanswered"


def test_a_broken_structure_shows_in_the_findings() -> None:
    document = template()
    document["bodies"][1]["reports_to"] = "field_poc_wg_north"
    document["field_offices"][0]["poc_focal_point"] = None
    findings = structure_findings(parse_structure(document))
    assert findings["rr_reporting_lines"].status == "no"
    assert "cycle" in str(findings["rr_reporting_lines"].evidence)


def test_terms_of_reference_hold_every_field_of_doctrine() -> None:
    structure = parse_structure(template(CoordinatorModel.GROUPS))
    tor = terms_of_reference(structure, "field_protection_forum_east")
    assert tor.level == Level.TACTICAL
    assert tor.chair.title.startswith("Head of Office")
    assert tor.co_chair is not None and tor.co_chair.title.startswith("Sector Commander")
    assert tor.secretariat is not None
    assert {c for c, _ in tor.members_by_component} == {"civilian", "military", "police"}
    assert tor.quorum == 4 and tor.member_count == 7
    assert tor.observers == ("OCHA", "Protection Cluster")
    assert tor.meeting_frequency and tor.extraordinary_meeting_trigger
    assert tor.standing_inputs == ("threat matrix", "alerts", "trends")
    assert tor.outputs == ("decisions", "action points")
    assert tor.escalation_path == ("Mission Protection Forum", "Senior Management Group on Protection")
    assert tor.information_classification and tor.review_date == date(2027, 6, 30)
    assert tor.area_pcodes == ("XX02", "XX03") and tor.focal_point is not None
    assert any(str(line).startswith("responsible, any urgency") for line in tor.alerts_received)
    assert tor.defaulted == ()


def test_missing_fields_take_marked_doctrine_defaults() -> None:
    document = template()
    for key in ("purpose", "quorum", "review_date", "information_classification", "standing_inputs"):
        document["bodies"][0].pop(key)
    tor = terms_of_reference(parse_structure(document), "smg_protection")
    assert set(tor.defaulted) == {
        "purpose",
        "quorum",
        "review_date",
        "information_classification",
        "standing_inputs",
    }
    assert tor.quorum == tor.member_count // 2 + 1
    assert tor.review_date == date(2027, 7, 1)  # a year after the reference date
    assert any("Strictly Confidential" in rule for rule in tor.information_classification)


def test_terms_of_reference_for_every_body_strategic_first() -> None:
    structure = parse_structure(template())
    terms = all_terms_of_reference(structure)
    assert {t.body_id for t in terms} == set(structure.bodies_by_id)
    levels = [t.level for t in terms]
    assert levels == sorted(levels, key=[Level.STRATEGIC, Level.OPERATIONAL, Level.TACTICAL].index)


@pytest.mark.parametrize("model", list(CoordinatorModel))
def test_the_organogram_stacks_levels_without_overlap_and_draws_every_reporting_line(
    model: CoordinatorModel,
) -> None:
    structure = parse_structure(template(model))
    drawing = layout(structure)
    nodes = {n.body_id: n for n in drawing.nodes}
    assert set(nodes) == set(structure.bodies_by_id)
    for a, b in combinations(drawing.nodes, 2):
        apart = a.x + a.width <= b.x or b.x + b.width <= a.x or a.y + a.height <= b.y or b.y + b.height <= a.y
        assert apart, (a.body_id, b.body_id)
    for node in drawing.nodes:
        assert node.x >= 0 and node.x + node.width <= drawing.width and node.y + node.height <= drawing.height
    tops = {level: min(n.y for n in drawing.nodes if n.level == level) for level in Level}
    assert tops[Level.STRATEGIC] < tops[Level.OPERATIONAL] < tops[Level.TACTICAL]
    expected = {(b.id, b.reports_to) for b in structure.bodies if b.reports_to}
    assert {(e.from_body, e.to_body) for e in drawing.edges} == expected
    for edge in drawing.edges:
        parent = nodes[edge.to_body]
        assert edge.points[-1] == (parent.centre_x, parent.y + parent.height)


def test_a_wide_level_wraps_onto_several_rows() -> None:
    document = template()
    office = document["bodies"][2]
    for i in range(10):
        document["bodies"].append({**office, "id": f"extra_{i}", "name": f"Extra forum {i}"})
    drawing = layout(parse_structure(document))
    rows = {n.y for n in drawing.nodes if n.level == Level.TACTICAL}
    assert len(rows) == 3  # 13 tactical bodies, six a row


def test_the_model_comparison_covers_the_four_models() -> None:
    assert [p.model for p in PROFILES] == list(CoordinatorModel)
    for p in PROFILES:
        assert len(p.advantages) >= 3 and len(p.drawbacks) >= 3 and len(p.suited_contexts) >= 3
        assert p.template == f"{p.model.value}.yaml"
    for factor in FACTORS:
        assert {factor.rating(m) for m in CoordinatorModel} <= {"low", "medium", "high"}
    assert profile(CoordinatorModel.HEADS_OF_MISSION).title.startswith("Heads of mission")
