"""A structure whose deadlines per urgency make no sense is refused at import, naming the file line and the element,
in English and in French, on SQLite and PostgreSQL; nothing is stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from pochub.errors import InvalidInput
from pochub.i18n import localise
from pochub.services.structures import import_structure, template_text
from pochub.store import tables

IMMEDIATE_BLOCK = """deadlines_hours_by_urgency:
  immediate:
    acknowledge: 0.25
    verify: 1
    classify: 1
    transmit: 1.5
    decide: 2
    deploy: 4
"""


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.structures)).scalar_one())


def line_of(path: Path, text: str, after: str) -> int:
    """The file line (from 1) of the first line equal to ``text`` after the line ``after``."""
    lines = path.read_text().splitlines()
    start = lines.index(after)
    return lines.index(text, start) + 1


def refusal(engine: Engine, path: Path) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        import_structure(engine, path)
    assert stored(engine) == 0
    return caught.value


def test_an_immediate_decision_due_half_a_day_later_is_refused(engine: Engine, tmp_path: Path) -> None:
    template = template_text("poc_advisers_as_coordinators")
    assert IMMEDIATE_BLOCK in template
    path = tmp_path / "old_figures.yaml"
    path.write_text(template.replace(IMMEDIATE_BLOCK, ""))  # immediate = 0.5 x high: decided after 12 h
    error = refusal(engine, path)
    line = line_of(path, "  immediate: 0.5", "deadline_factor_by_urgency:")
    assert (
        f"{path}:{line}: deadline_factor_by_urgency.immediate: the decision on immediate alerts would be due 12 h "
        "after receipt: the most urgent alerts must be decided within 6 h" in str(error)
    )
    french = localise(error.message, "fr")
    assert "rien n'a été enregistré" in french
    assert (
        f"{path}:{line}: deadline_factor_by_urgency.immediate: la décision sur les alertes immediate serait due "
        "12 h après la réception" in french
    )
    assert "would be due" not in french

    path.write_text(template)  # the template as shipped is taken
    assert import_structure(engine, path).valid and stored(engine) == 1


def test_routine_deadlines_before_high_ones_are_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "disordered.yaml"
    path.write_text(template_text("groups_as_coordinators").replace("  routine: 2.0\n", "  routine: 0.8\n"))
    error = refusal(engine, path)
    line = line_of(path, "  routine: 0.8", "deadline_factor_by_urgency:")
    assert (
        f"{path}:{line}: deadline_factor_by_urgency.routine: routine alerts would be due sooner than the more "
        "urgent high alerts: acknowledge 0.8 h < 1 h" in str(error)
    )
    assert "les alertes routine seraient dues plus tôt que les alertes high" in localise(error.message, "fr")

    path.write_text(
        template_text("groups_as_coordinators").replace("    decide: 2\n", "    decide: 30\n", 1)
    )  # an immediate decision after the high one (24 h) and after its own deployment (4 h)
    error = refusal(engine, path)
    assert (
        "deadlines_hours_by_urgency.immediate.deploy: 4 h comes before the 30 h of the earlier step"
        in str(error)
    )
