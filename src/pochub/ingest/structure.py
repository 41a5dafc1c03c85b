"""Coordination structures and checklist answers as files: YAML (or JSON) in, YAML out.

Syntax errors name the file and line; so do the structure's problems, through ``StructureFile.line_of``, which
finds the line of an element such as ``bodies[joc]`` or ``routing.rules[17]`` in the file as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from pochub.core.models.coordination import Structure
from pochub.core.text import N_, Message
from pochub.core.toolkit.checklist import STATUSES, Answer, question_keys
from pochub.core.workflow.structure import StructureProblem, parse_structure
from pochub.errors import InvalidInput


class PlainDumper(yaml.SafeDumper):
    """A safe dumper writing repeated values in full, never as anchors and aliases."""

    def ignore_aliases(self, data: object) -> bool:
        """Never use an alias."""
        return True


def _element_lines(node: yaml.Node, element: str, lines: dict[str, int]) -> None:
    """Record the line of every element below ``node`` in the spelling the validator uses."""
    lines.setdefault(element, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = str(key.value)
            _element_lines(value, f"{element}.{name}" if element else name, lines)
            lines.setdefault(f"{element}[{name}]", key.start_mark.line + 1)  # escalation.paths[body]
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.setdefault(f"{element}[{i}]", item.start_mark.line + 1)
            if isinstance(item, yaml.MappingNode):
                ids = [v for k, v in item.value if k.value == "id" and isinstance(v, yaml.ScalarNode)]
                if ids:
                    _element_lines(item, f"{element}[{ids[0].value}]", lines)
                    continue
            _element_lines(item, f"{element}[{i}]", lines)


def read_document(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """The YAML (or JSON) mapping in ``path`` and the line of each of its elements."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        document = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        raise InvalidInput(f"{where}: not valid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise InvalidInput(f"{path}: a structure file holds one mapping, got {type(document).__name__}")
    lines: dict[str, int] = {}
    if root is not None:
        _element_lines(root, "", lines)
    return document, lines


@dataclass(frozen=True)
class StructureFile:
    """A structure read from a file, with the line of each element for error messages."""

    path: Path
    document: dict[str, Any]
    structure: Structure
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, element: str) -> int | None:
        """The line of ``element`` (or of the nearest enclosing element found in the file)."""
        return self.line_in(self.lines, element)

    @staticmethod
    def line_in(lines: Mapping[str, int], element: str) -> int | None:
        """The line of ``element`` in ``lines`` (or of the nearest enclosing element found there)."""
        name = re.sub(r" \(.*\)$", "", element)
        while name:
            if name in lines:
                return lines[name]
            cut = max(name.rfind("."), name.rfind("["))
            name = name[:cut] if cut > 0 else ""
        return None

    def describe(self, problem: StructureProblem) -> str:
        """The problem prefixed with file and line."""
        line = self.line_of(problem.element)
        return f"{self.path}:{line}: {problem}" if line is not None else f"{self.path}: {problem}"


def load_structure(path: Path) -> StructureFile:
    """Read and parse a structure file; InvalidInput names file, line and element of any shape error."""
    document, lines = read_document(path)

    def locate(element: str) -> int | None:
        return StructureFile.line_in(lines, element)

    return StructureFile(path, document, parse_structure(document, source=str(path), locate=locate), lines)


def dump_document(document: Mapping[str, Any]) -> str:
    """A structure document as YAML, keys in document order, no aliases."""
    return yaml.dump(dict(document), Dumper=PlainDumper, sort_keys=False, allow_unicode=True, width=120)


def write_document(document: Mapping[str, Any], path: Path) -> None:
    """Write a structure document as YAML."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_document(document), encoding="utf-8")


def read_pcodes(path: Path) -> set[str]:
    """P-codes from a text file (one a line), a CSV with a ``pcode`` column, or GeoJSON features."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if path.suffix.lower() in (".geojson", ".json"):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InvalidInput(f"{path}: not valid JSON: {exc}") from exc
        features = data.get("features", []) if isinstance(data, dict) else []
        codes = {
            str(f.get("properties", {}).get("pcode"))
            for f in features
            if f.get("properties", {}).get("pcode")
        }
    else:
        rows = [line.strip() for line in text.splitlines() if line.strip()]
        header = [c.strip().lower() for c in rows[0].split(",")] if rows else []
        column = header.index("pcode") if "pcode" in header else None
        if column is None:
            codes = {row.split(",")[0].strip() for row in rows}
        else:
            codes = {row.split(",")[column].strip() for row in rows[1:] if len(row.split(",")) > column}
    codes.discard("")
    if not codes:
        raise InvalidInput(f"{path}: no P-codes found (one a line, a CSV 'pcode' column, or GeoJSON)")
    return codes


def _due(value: Any, element: str) -> date | None:
    if value is None or value == "" or isinstance(value, date):
        return value or None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            Message(
                N_("{element}: due_date must be YYYY-MM-DD, got {value}"), element=element, value=repr(value)
            )
        ) from None


def read_answers(path: Path) -> list[Answer]:
    """Checklist answers (the template ``pochub checklist --template`` writes, filled in)."""
    document, lines = read_document(path)
    known = set(question_keys())
    answers = []
    tasks = document.get("tasks")
    if not isinstance(tasks, list):
        raise InvalidInput(
            Message(N_("{path}: expected 'tasks:' with a list of tasks and their questions"), path=str(path))
        )
    for task in tasks:
        if not isinstance(task, dict):
            continue
        for question in task.get("questions") or []:
            if not isinstance(question, dict):
                continue
            key = str(question.get("id", ""))
            element = f"tasks[{task.get('id')}].questions[{key}]"
            where = f"{path}:{lines.get(element, '?')}: question {key!r}"
            if key not in known:
                raise InvalidInput(Message(N_("{where}: unknown question id"), where=where))
            status = question.get("answer")
            status = None if status in (None, "") else str(status).strip().lower()
            if status is not None and status not in STATUSES:
                raise InvalidInput(
                    Message(
                        N_("{where}: answer must be one of {choices} (or empty), got {status}"),
                        where=where,
                        choices=", ".join(STATUSES),
                        status=repr(status),
                    )
                )
            answers.append(
                Answer(
                    question=key,
                    status=status,
                    evidence=str(question.get("evidence") or ""),
                    remedial_measure=str(question.get("remedial_measure") or ""),
                    owner=str(question.get("owner") or ""),
                    due_date=_due(question.get("due_date"), where),
                )
            )
    return answers
