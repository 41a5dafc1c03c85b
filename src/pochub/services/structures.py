"""Coordination structure use cases: the current structure, validation, import and export, templates, and the
coordination toolkit (organogram, terms of reference, checklist self-assessment, coordinator models).

The current structure is the latest row of ``structures`` (its document as JSON). Checklist answers have no
table: they live in a YAML file that ``write_checklist_template`` writes and the mission fills in and passes
back, so that the self-assessment can be kept under version control with the structure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, insert, select

from pochub.core.models.coordination import CoordinatorModel, Structure
from pochub.core.text import N_, Message, joined
from pochub.core.toolkit.checklist import TASKS, ChecklistAssessment, assess, structure_findings
from pochub.core.workflow.structure import (
    StructureProblem,
    boundary_problems,
    parse_structure,
    validate_structure,
)
from pochub.errors import InvalidInput, NotFound
from pochub.i18n import DEFAULT_LANGUAGE, localise
from pochub.ingest.structure import StructureFile, load_structure, read_answers, read_pcodes, write_document
from pochub.store import tables

NO_STRUCTURE = "no coordination structure is stored: run `pochub demo` or `pochub structure import FILE`"


def current_document(conn: Connection) -> dict[str, Any] | None:
    """The latest stored structure document, or None when none is stored."""
    row = conn.execute(
        select(tables.structures.c.document).order_by(tables.structures.c.structure_id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    try:
        document = orjson.loads(row[0])
    except orjson.JSONDecodeError:
        return None
    return document if isinstance(document, dict) else None


def current_structure(conn: Connection) -> Structure | None:
    """The latest stored structure, parsed; None when none is stored."""
    document = current_document(conn)
    return parse_structure(document, source="stored structure") if document is not None else None


def require_structure(engine: Engine, path: Path | None = None) -> Structure:
    """The structure in ``path`` when given, else the stored one; NotFound when there is none."""
    if path is not None:
        return load_structure(path).structure
    with engine.connect() as conn:
        structure = current_structure(conn)
    if structure is None:
        raise NotFound(NO_STRUCTURE)
    return structure


def known_pcodes(conn: Connection) -> dict[str, str | None]:
    """The stored admin areas' P-codes, each with its parent P-code (the hierarchy structures are checked by)."""
    a = tables.admin_areas.c
    return {
        str(p): (str(parent) if parent else None)
        for p, parent in conn.execute(select(a.pcode, a.parent_pcode))
    }


@dataclass(frozen=True)
class ValidationReport:
    """The problems of a structure file, each with its line."""

    file: StructureFile
    problems: tuple[StructureProblem, ...]
    pcodes_checked: int

    @property
    def valid(self) -> bool:
        """True when there is no problem."""
        return not self.problems

    def problem_messages(self) -> list[Message]:
        """One translatable line per problem: file:line: element: message (the message in the reader's
        language, the place as written)."""
        located = []
        for problem in self.problems:
            line = self.file.line_of(problem.element)
            where = f"{self.file.path}:{line}" if line is not None else str(self.file.path)
            located.append(
                Message(
                    "{where}: {element}: {problem}",
                    where=where,
                    element=problem.element,
                    problem=problem.message,
                )
            )
        return located

    def lines(self, language: str = DEFAULT_LANGUAGE) -> list[str]:
        """One line per problem in ``language``: file:line: element: message."""
        return [localise(message, language) for message in self.problem_messages()]

    def summary(self, language: str = DEFAULT_LANGUAGE) -> str:
        """What a valid structure holds, in ``language``."""
        s = self.file.structure
        text = Message(
            N_(
                "{path}: valid: {bodies} bodies, {offices} field offices, {roles} roles, {rules} routing rules"
            ),
            path=str(self.file.path),
            bodies=len(s.bodies),
            offices=len(s.field_offices),
            roles=len(s.roles),
            rules=len(s.routing.rules),
        )
        if self.pcodes_checked:
            text = Message(N_("{summary}, {count} P-codes covered"), summary=text, count=self.pcodes_checked)
        return localise(text, language)


def pcodes_for_check(
    engine: Engine | None, *, from_store: bool, pcodes_file: Path | None
) -> set[str] | dict[str, str | None] | None:
    """The P-codes a structure must cover: from the store (with their parents: areas nest by ``parent_pcode``),
    a file (plain codes, nested by prefix), both, or None when neither is asked."""
    if not from_store and pcodes_file is None:
        return None
    codes: set[str] = read_pcodes(pcodes_file) if pcodes_file is not None else set()
    if from_store and engine is not None:
        with engine.connect() as conn:
            stored = known_pcodes(conn)
        if not stored:
            raise InvalidInput(
                N_("--boundaries-from-store: no admin areas are stored (pochub import boundaries)")
            )
        return {**dict.fromkeys(codes), **stored}
    return codes


def validate_file(
    path: Path,
    pcodes: set[str] | dict[str, str | None] | None = None,
    stored: dict[str, str | None] | None = None,
) -> ValidationReport:
    """Read and validate a structure file (shape errors raise InvalidInput; problems are listed). With
    ``stored`` boundaries and no ``pcodes`` to cover, the offices' areas must still be stored areas."""
    loaded = load_structure(path)
    problems = validate_structure(loaded.structure, pcodes)
    if pcodes is None and stored:
        problems += boundary_problems(loaded.structure, stored, coverage=False)
    return ValidationReport(loaded, tuple(problems), len(pcodes) if pcodes and not problems else 0)


def store_document(engine: Engine, document: dict[str, Any], *, now: datetime | None = None) -> int:
    """Store ``document`` as the current structure; returns its row id."""
    mission = document.get("mission")
    name = str(mission.get("name") if isinstance(mission, dict) else mission or "structure")[:200]
    with engine.begin() as conn:
        result = conn.execute(
            insert(tables.structures).values(
                name=name, document=orjson.dumps(document).decode(), imported_at=now or datetime.now(UTC)
            )
        )
        key = result.inserted_primary_key
    return int(key[0]) if key is not None else 0


def import_structure(
    engine: Engine, path: Path, pcodes: set[str] | dict[str, str | None] | None = None
) -> ValidationReport:
    """Validate a structure file and store it as the current structure; InvalidInput listing every problem.
    With boundaries stored, every office's area must be one of them (named when it is not)."""
    with engine.connect() as conn:
        stored = known_pcodes(conn)
    report = validate_file(path, pcodes, stored)
    if not report.valid:
        raise InvalidInput(
            Message(
                N_("{path}: {count} problem(s); nothing was stored:\n{problems}"),
                path=str(path),
                count=len(report.problems),
                problems=joined([Message("  {line}", line=m) for m in report.problem_messages()], "\n"),
            )
        )
    store_document(engine, _plain(report.file.document))
    return report


def _plain(document: dict[str, Any]) -> dict[str, Any]:
    """The document with dates as ISO text, as JSON stores it."""
    plain: dict[str, Any] = orjson.loads(orjson.dumps(document))
    return plain


def export_structure(engine: Engine, path: Path) -> Path:
    """Write the current structure as YAML."""
    with engine.connect() as conn:
        document = current_document(conn)
    if document is None:
        raise NotFound(NO_STRUCTURE)
    write_document(document, path)
    return path


# --- templates ---------------------------------------------------------------------------------------------


def template_names() -> tuple[str, ...]:
    """The shipped templates, one per coordinator model, in the study's order."""
    return tuple(f"{model.value}.yaml" for model in CoordinatorModel)


def template_text(model: str) -> str:
    """The YAML text of one template, by model name (with or without .yaml)."""
    name = model.removesuffix(".yaml")
    known = [m.value for m in CoordinatorModel]
    if name not in known:
        raise InvalidInput(
            Message(
                N_("unknown coordinator model {model} (known: {known})"),
                model=repr(model),
                known=", ".join(known),
            )
        )
    return (
        resources.files("pochub.structures").joinpath("templates", f"{name}.yaml").read_text(encoding="utf-8")
    )


def write_template(model: str, path: Path) -> Path:
    """Copy one template to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(template_text(model), encoding="utf-8")
    return path


# --- checklist -------------------------------------------------------------------------------------------


def checklist_template(structure: Structure | None, language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """The blank self-assessment: every task and question, pre-filled with what the structure shows, its texts
    in ``language`` (the keys and answer codes stay as the answers file expects them)."""
    findings = structure_findings(structure) if structure is not None else {}
    tasks = []
    for task in TASKS:
        questions = []
        for q in task.questions:
            finding = findings.get(q.key)
            questions.append(
                {
                    "id": q.key,
                    "question": localise(q.question, language),
                    "answer": None,
                    "suggested_from_structure": finding.status if finding else None,
                    "evidence": localise(finding.evidence, language) if finding else "",
                    "remedial_measure": localise(q.remedial_measure, language),
                    "owner": "",
                    "due_date": None,
                }
            )
        tasks.append({"id": task.key, "title": localise(task.title, language), "questions": questions})
    return {
        "mission": structure.mission.name if structure is not None else "",
        "instructions": localise(
            N_(
                "Answer each question yes, partial or no; give the evidence; keep, change or clear the remedial "
                "measure; name its owner and a due date (YYYY-MM-DD). Unanswered questions take the structure's "
                "suggestion when there is one, otherwise they score zero. Then run: pochub checklist --answers "
                "FILE -o report.html"
            ),
            language,
        ),
        "tasks": tasks,
    }


def write_checklist_template(
    structure: Structure | None, path: Path, language: str = DEFAULT_LANGUAGE
) -> Path:
    """Write the blank self-assessment for the mission to fill in, in ``language``."""
    write_document(checklist_template(structure, language), path)
    return path


def assess_checklist(structure: Structure | None, answers: Path | None, as_of: date) -> ChecklistAssessment:
    """Score the self-assessment from an answers file (or from the structure alone)."""
    given = read_answers(answers) if answers is not None else []
    return assess(given, as_of, structure=structure)
