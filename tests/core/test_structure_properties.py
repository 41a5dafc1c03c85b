"""Property tests of the structure engine: routing always lands on an existing body; every cycle is found."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pochub.core.models.taxonomy import ThreatType
from pochub.core.workflow.structure import parse_structure, reporting_cycles, route, validate_structure

URGENCIES = ["immediate", "high", "routine"]
THREATS = [t.value for t in ThreatType]
PCODES = ["XX01", "XX02", "XX0101", "XX0203", "XX03", "YY01"]


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A structure document: a tree of bodies, field offices, and rules naming bodies that may not exist."""
    n = draw(st.integers(1, 10))
    ids = [f"b{i}" for i in range(n)]
    parents = [None] + [draw(st.sampled_from(ids[:i])) for i in range(1, n)]
    levels = ["strategic", "operational", "tactical"]
    bodies = [
        {"id": body, "name": body, "level": draw(st.sampled_from(levels)), "chair": "chair",
         "members": {"civilian": ["chair"]}, "secretariat": draw(st.sampled_from(["chair", None])),
         "reports_to": parent}
        for body, parent in zip(ids, parents, strict=True)
    ]  # fmt: skip
    offices = [
        {"id": f"fo{i}", "name": f"office {i}", "area_pcodes": [area],
         "poc_focal_point": draw(st.sampled_from([{"role": "chair"}, None]))}
        for i, area in enumerate(draw(st.lists(st.sampled_from(PCODES), max_size=3, unique=True)))
    ]  # fmt: skip
    targets = st.sampled_from([*ids, "missing", "joc2"])
    rules = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "body": targets,
                    "threat_type": st.sampled_from([None, *THREATS]),
                    "urgency": st.sampled_from([None, *URGENCIES]),
                    "area_pcodes": st.one_of(
                        st.none(), st.lists(st.sampled_from(PCODES), min_size=1, max_size=2)
                    ),
                    "notify": st.lists(targets, max_size=2),
                }
            ),
            max_size=8,
        )
    )
    return {
        "mission": {"name": "M"},
        "field_offices": offices,
        "bodies": bodies,
        "roles": [{"id": "chair", "title": "Chair", "component": "civilian"}],
        "routing": {"urgency_levels": URGENCIES, "default_body": draw(targets), "rules": rules},
    }


@settings(max_examples=150, deadline=None)
@given(
    documents(),
    st.sampled_from([None, *THREATS]),
    st.sampled_from(URGENCIES),
    st.sampled_from([None, *PCODES, "XX0102", "ZZ"]),
)
def test_route_always_returns_an_existing_body(
    document: dict[str, Any], threat: str | None, urgency: str, pcode: str | None
) -> None:
    structure = parse_structure(document)
    found = route(structure, threat_type=threat, urgency=urgency, pcode=pcode)
    assert found.body_id in structure.bodies_by_id
    assert all(n != found.body_id for n in found.notify)
    if found.field_office is not None:
        office = structure.field_office(found.field_office)
        assert office is not None and pcode is not None and office.covers(pcode)


@settings(max_examples=150, deadline=None)
@given(documents(), st.data())
def test_validate_finds_every_injected_cycle(document: dict[str, Any], data: st.DataObject) -> None:
    assert reporting_cycles(parse_structure(document)) == []
    bodies = {b["id"]: b for b in document["bodies"]}
    start = data.draw(st.sampled_from(sorted(bodies)))
    chain = [start]  # start and its ancestors, nearest first
    while bodies[chain[-1]]["reports_to"] is not None:
        chain.append(bodies[chain[-1]]["reports_to"])
    top = data.draw(st.integers(0, len(chain) - 1))
    bodies[chain[top]]["reports_to"] = start  # close the loop start -> ... -> chain[top] -> start
    loop = set(chain[: top + 1])
    problems = [str(p) for p in validate_structure(parse_structure(document))]
    cycles = [p for p in problems if p.startswith("bodies: reporting-line cycle ")]
    assert len(cycles) == 1, problems
    named = cycles[0].removeprefix("bodies: reporting-line cycle ").split(" -> ")
    assert named[0] == named[-1]
    assert set(named) == loop
