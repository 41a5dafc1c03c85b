"""The coordination structure: parsing, every validation rule naming its element, routing, deadlines, escalation."""

from __future__ import annotations

import copy
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from pochub.core.models.coordination import CoordinatorModel, Level
from pochub.core.workflow.structure import (
    deadline,
    escalation_path,
    escalation_target,
    field_office_of,
    parse_structure,
    route,
    validate_structure,
)
from pochub.errors import InvalidInput

TEMPLATES = resources.files("pochub.structures").joinpath("templates")


def template(model: CoordinatorModel = CoordinatorModel.POC_ADVISERS) -> dict[str, Any]:
    """A fresh copy of one shipped template document."""
    document: dict[str, Any] = yaml.safe_load(TEMPLATES.joinpath(f"{model.value}.yaml").read_text("utf-8"))
    return document


@pytest.fixture(scope="module")
def demo_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from pochub.demo.generator import generate_demo

    files = generate_demo(tmp_path_factory.mktemp("demo"), seed=1, n_communities=150, n_events=300)
    document: dict[str, Any] = yaml.safe_load(Path(files.structure).read_text("utf-8"))
    return document


def messages(document: dict[str, Any], pcodes: list[str] | None = None) -> list[str]:
    return [str(p) for p in validate_structure(parse_structure(document), pcodes)]


def test_the_demo_structure_parses_and_is_valid(demo_document: dict[str, Any]) -> None:
    structure = parse_structure(demo_document)
    assert validate_structure(structure) == []
    assert structure.mission.coordinator_model == CoordinatorModel.POC_ADVISERS
    assert {b.level for b in structure.bodies} == set(Level)
    assert structure.body("smg_protection") is not None
    assert structure.body("smg_protection").chair == "head_of_mission"  # type: ignore[union-attr]
    assert len(structure.field_offices) >= 2


@pytest.mark.parametrize("model", list(CoordinatorModel))
def test_every_template_is_valid_and_of_its_model(model: CoordinatorModel) -> None:
    structure = parse_structure(template(model))
    assert validate_structure(structure, ["XX01", "XX02", "XX03", "XX04", "XX0101"]) == []
    assert structure.mission.coordinator_model == model
    assert {b.level for b in structure.bodies} == set(Level)


def test_the_templates_differ_in_who_coordinates() -> None:
    chairs = {
        model: {b.chair for b in parse_structure(template(model)).bodies if b.level == Level.OPERATIONAL}
        for model in CoordinatorModel
    }
    assert "senior_poc_adviser" in chairs[CoordinatorModel.POC_ADVISERS]
    assert "chief_civil_affairs" in chairs[CoordinatorModel.SUBSTANTIVE_SECTIONS]
    assert "deputy_head_of_mission" in chairs[CoordinatorModel.GROUPS]
    assert "deputy_head_of_mission" in chairs[CoordinatorModel.HEADS_OF_MISSION]
    groups = parse_structure(template(CoordinatorModel.GROUPS))
    assert all(b.co_chair for b in groups.bodies if b.level == Level.TACTICAL)


def test_an_area_without_a_focal_point_is_named() -> None:
    document = template()
    office = document["field_offices"][1]
    office["poc_focal_point"] = None
    found = messages(document)
    name = office["name"]["en"]  # the templates write their names in English and French
    assert f"field_offices[{office['id']}] ({name}): area XX02 has no PoC focal point" in found
    assert f"field_offices[{office['id']}] ({name}): area XX03 has no PoC focal point" in found


def test_a_reporting_cycle_is_named() -> None:
    document = template()
    bodies = {b["id"]: b for b in document["bodies"]}
    bodies["mission_poc_wg"]["reports_to"] = "field_poc_wg_north"
    found = messages(document)
    assert "bodies: reporting-line cycle field_poc_wg_north -> mission_poc_wg -> field_poc_wg_north" in found


def test_a_routing_target_that_does_not_exist_is_named() -> None:
    document = template()
    document["routing"]["rules"][4]["body"] = "joc2"
    document["routing"]["default_body"] = "nobody"
    found = messages(document)
    assert "routing.rules[4]: body 'joc2' does not exist" in found
    assert "routing.default_body: body 'nobody' does not exist" in found


def test_an_uncovered_pcode_is_named() -> None:
    found = messages(template(), ["XX01", "XX02", "XX03", "XX04", "XX0401", "XX05", "XX0512"])
    assert "boundaries: area XX0512 (from boundaries) is not covered by any field office" in found
    assert not any("XX0401" in m for m in found)  # inside XX04
    assert not any("area XX05 " in m for m in found)  # a parent is covered through its children


def test_unknown_roles_duplicates_urgencies_threats_paths_and_deadlines_are_named() -> None:
    document = template()
    smg = document["bodies"][0]
    smg["chair"] = "emperor"
    smg["secretariat"] = "ghost"
    smg["members"]["police"].append("phantom")
    document["bodies"].append(copy.deepcopy(document["bodies"][1]))
    document["routing"]["rules"][0]["urgency"] = "yesterday"
    document["routing"]["rules"][3]["threat_type"] = "jaywalking"
    document["escalation"]["paths"]["joc"] = ["joc", "politburo"]
    document["deadlines_hours"]["decide"] = 2
    found = messages(document)
    for expected in (
        "bodies[smg_protection]: chair 'emperor' is not a role of the structure",
        "bodies[smg_protection]: secretariat 'ghost' is not a role of the structure",
        "bodies[smg_protection].members.police: member 'phantom' is not a role of the structure",
        "bodies[mission_poc_wg]: duplicate id 'mission_poc_wg'",
        "routing.rules[0]: unknown urgency 'yesterday' (known: immediate, high, routine)",
        "escalation.paths[joc]: body 'politburo' does not exist",
        "deadlines_hours.decide: 2 h comes before the 14 h of the earlier step 'transmit'",
    ):
        assert expected in found, found
    assert any(m.startswith("routing.rules[3]: unknown threat type 'jaywalking'") for m in found)


def test_equal_deadlines_of_consecutive_steps_are_allowed() -> None:
    document = template()
    assert document["deadlines_hours"]["verify"] == document["deadlines_hours"]["classify"]
    assert messages(document) == []


def test_shape_errors_name_every_element() -> None:
    document = template()
    document["bodies"][0]["level"] = "galactic"
    document["bodies"][1]["quorum"] = "many"
    del document["routing"]["default_body"]
    with pytest.raises(InvalidInput) as caught:
        parse_structure(document, source="s.yaml")
    text = str(caught.value)
    assert "bodies[smg_protection].level: unknown level 'galactic'" in text
    assert "bodies[mission_poc_wg].quorum" in text
    assert "routing: default_body is required" in text


def test_routing_first_match_wins_with_wildcards_and_prefixes(demo_document: dict[str, Any]) -> None:
    structure = parse_structure(demo_document)
    office = structure.field_offices[0]
    pcode = office.area_pcodes[0] + "07"
    immediate = route(structure, threat_type="killing", urgency="immediate", pcode=pcode)
    assert immediate.body_id == "joc"
    assert immediate.field_office == office.id
    assert immediate.focal_point_role == office.poc_focal_point.role  # type: ignore[union-attr]
    assert "mission_poc_wg" in immediate.notify
    local = route(structure, threat_type="killing", urgency="high", pcode=pcode)
    assert local.body_id == f"field_poc_wg_{office.id.removeprefix('fo_')}"
    mission_level = route(structure, threat_type="incitement_hate_speech", urgency="routine", pcode=pcode)
    assert mission_level.body_id == "mission_poc_wg"
    nowhere = route(structure, threat_type="killing", urgency="high", pcode=None)
    assert nowhere.body_id == "mission_poc_wg"  # the default body
    assert nowhere.focal_point_role == "poc_officer"  # its secretariat: no field office


def test_field_office_of_takes_the_most_specific_area() -> None:
    document = template()
    document["field_offices"][0]["area_pcodes"] = ["XX01"]
    structure = parse_structure(document)
    assert field_office_of(structure, "XX0105") == structure.field_offices[0]
    assert field_office_of(structure, "XX09") is None
    assert field_office_of(structure, None) is None


def test_deadlines_scale_by_urgency() -> None:
    structure = parse_structure(template())
    assert deadline(structure, "acknowledge", "high") == timedelta(hours=1)
    assert deadline(structure, "decide", "routine") == timedelta(hours=48)
    # an immediate alert has its own hours for the first steps, and the factor for the later ones
    assert deadline(structure, "acknowledge", "immediate") == timedelta(minutes=15)
    assert deadline(structure, "decide", "immediate") == timedelta(hours=2)
    assert deadline(structure, "deploy", "immediate") == timedelta(hours=4)
    assert deadline(structure, "record_outcome", "immediate") == timedelta(hours=36)
    with pytest.raises(InvalidInput, match="no deadline for step 'dance'"):
        deadline(structure, "dance", "high")
    with pytest.raises(InvalidInput, match="unknown urgency"):
        deadline(structure, "decide", "whenever")


def test_escalation_climbs_the_path_then_stops() -> None:
    structure = parse_structure(template())
    assert escalation_path(structure, "field_poc_wg_north") == ("mission_poc_wg", "smg_protection")
    assert escalation_target(structure, "field_poc_wg_north", 0) == "field_poc_wg_north"
    assert escalation_target(structure, "field_poc_wg_north", 1) == "mission_poc_wg"
    assert escalation_target(structure, "field_poc_wg_north", 2) == "smg_protection"
    assert escalation_target(structure, "field_poc_wg_north", 3) is None
    assert escalation_target(structure, "smg_protection", 1) is None


def test_without_explicit_paths_escalation_follows_the_reporting_line() -> None:
    document = template()
    document["escalation"]["paths"] = {}
    structure = parse_structure(document)
    assert escalation_path(structure, "field_poc_wg_south") == ("mission_poc_wg", "smg_protection")
    assert escalation_path(structure, "joc") == ("smg_protection",)
    assert structure.escalation.grace_hours == 1
    assert structure.escalation.notify_roles == ("chief_joc",)


@pytest.mark.parametrize("model", list(CoordinatorModel))
def test_every_template_and_the_demo_order_their_deadlines_by_urgency(
    model: CoordinatorModel, demo_document: dict[str, Any]
) -> None:
    for structure in (parse_structure(template(model)), parse_structure(demo_document)):
        levels = structure.routing.urgencies
        assert levels == ("immediate", "high", "routine")
        for step in ("acknowledge", "verify", "decide", "deploy", "close"):
            due = [deadline(structure, step, urgency) for urgency in levels]
            assert due == sorted(due), (step, due)
        assert deadline(structure, "decide", "immediate") <= timedelta(hours=6)
        assert deadline(structure, "acknowledge", "immediate") <= timedelta(hours=1)


def test_a_most_urgent_decision_due_the_next_half_day_is_refused() -> None:
    document = template()
    del document["deadlines_hours_by_urgency"]  # the old figures: 0.5 x the 24 h of a high-urgency decision
    found = messages(document)
    assert found == [
        "deadline_factor_by_urgency.immediate: the decision on immediate alerts would be due 12 h after receipt: "
        "the most urgent alerts must be decided within 6 h (6 h at most, and half the 24 h of high alerts)"
    ]
    document["deadlines_hours_by_urgency"] = {"immediate": {"decide": 8}}
    found = messages(document)
    assert len(found) == 1 and found[0].startswith("deadlines_hours_by_urgency.immediate.decide: ")
    document["deadlines_hours"].update(verify=8, classify=8, transmit=8, decide=10)  # a quick high urgency
    document["deadlines_hours_by_urgency"] = {"immediate": {"decide": 6}}
    assert "must be decided within 5 h" in messages(document)[0]


def test_deadlines_out_of_urgency_order_are_named() -> None:
    document = template()
    document["deadline_factor_by_urgency"]["routine"] = 0.8  # routine alerts due before high ones
    assert messages(document) == [
        "deadline_factor_by_urgency.routine: routine alerts would be due sooner than the more urgent high alerts: "
        "acknowledge 0.8 h < 1 h, verify 9.6 h < 12 h, classify 9.6 h < 12 h, transmit 11.2 h < 14 h, "
        "decide 19.2 h < 24 h, deploy 38.4 h < 48 h, record_outcome 57.6 h < 72 h, give_feedback 76.8 h < 96 h, "
        "close 134.4 h < 168 h, after_action_review 268.8 h < 336 h"
    ]
    document = template()
    document["deadlines_hours_by_urgency"]["high"] = {"acknowledge": 3}  # after a routine alert's 2 h
    assert messages(document) == [
        "deadlines_hours_by_urgency.high.acknowledge: routine alerts would be due sooner than the more urgent high "
        "alerts: acknowledge 2 h < 3 h"
    ]


def test_an_urgencys_own_hours_are_checked() -> None:
    document = template()
    own = document["deadlines_hours_by_urgency"]
    own["immediate"]["deploy"] = 40  # after the 36 h (0.5 x 72) of its outcome
    assert messages(document) == [
        "deadlines_hours_by_urgency.immediate.record_outcome: 36 h comes before the 40 h of the earlier step 'deploy'"
    ]
    own["immediate"] = {"decide": -1, "dance": 2}
    own["someday"] = {"decide": 1}
    found = messages(document)
    assert "deadlines_hours_by_urgency.immediate.decide: must be positive, got -1" in found
    assert any(
        m.startswith("deadlines_hours_by_urgency.immediate.dance: unknown lifecycle step") for m in found
    )
    assert "deadlines_hours_by_urgency.someday: unknown urgency" in found
    document["deadlines_hours_by_urgency"] = {"immediate": ["decide", 2]}
    with pytest.raises(InvalidInput, match=r"deadlines_hours_by_urgency\.immediate: expected a mapping"):
        parse_structure(document)
