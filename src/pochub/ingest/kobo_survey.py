"""Perception-survey exports from KoBo or ODK (CSV or XLSX), read through a mapping file, into answers per respondent.

A mission's survey form is its own: the mapping (YAML) names which question measures what (feels safe, top threats,
trust in the mission, whom one would alert) and which answers count as "yes". The reader copes with what exports
really hold: group paths (``safety/safe_night``, with ``/``, ``.`` or ``:`` as the separator, or the bare question
name), ``select_multiple`` as space-separated codes or one 0/1 column per choice, repeat groups (XLSX: one sheet
per repeat, joined on ``_parent_index``), and the XLSForm for the questions' and choices' labels in English and
French. Only the mapped answers are kept: respondents' identities (names, phone numbers, ``_uuid``, GPS) are never
read into the result. A mapping that names a question the export lacks is refused before anything is read further.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from python_calamine import CalamineError, CalamineWorkbook

from pochub.core.text import N_, Message
from pochub.errors import InvalidInput, InvalidRows, RowError
from pochub.ingest._sheets import cell_text

SEPARATORS = re.compile(r"[/.:]")
LANGUAGES = {
    "en": "en",
    "english": "en",
    "anglais": "en",
    "fr": "fr",
    "french": "fr",
    "français": "fr",
    "francais": "fr",
}
SPREADSHEETS = {".xlsx", ".xlsm", ".xls", ".ods"}
TRUE_CELLS = {"1", "true", "yes", "oui", "vrai"}
FALSE_CELLS = {"0", "false", "no", "non", "faux", ""}

Answer = bool | frozenset[str] | None
"""A respondent's answer to a measure: yes/no, the set of choices ticked, or no answer."""


@dataclass(frozen=True)
class Measure:
    """What one mapped question measures: a yes/no share (``yes`` codes given) or a share per choice ticked."""

    id: str
    question: str
    yes: frozenset[str] = frozenset()
    no_answer: frozenset[str] = frozenset()
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def per_choice(self) -> bool:
        """Whether the measure is a share per choice (a select_multiple without ``yes`` codes)."""
        return not self.yes


@dataclass(frozen=True)
class SurveyMapping:
    """A survey mapping: where the community, wave and weight are, and the measures."""

    survey: str
    community: str
    wave: str | None
    wave_value: str | None
    weight: str | None
    minimum: int
    measures: tuple[Measure, ...]


@dataclass(frozen=True)
class Respondent:
    """One respondent's mapped answers, with the export line they came from (for errors), and nothing else."""

    line: int
    community: str
    wave: str
    weight: float
    answers: Mapping[str, Answer]


@dataclass(frozen=True)
class Question:
    """A question of the XLSForm: its full path, type, choice list and labels per language."""

    path: str
    type: str
    choices: str | None
    labels: Mapping[str, str]
    repeat: str | None


@dataclass(frozen=True)
class Form:
    """The XLSForm's questions (by full path) and choice labels (list -> code -> language -> label)."""

    questions: Mapping[str, Question]
    choices: Mapping[str, Mapping[str, Mapping[str, str]]]


@dataclass(frozen=True)
class SurveyImport:
    """The respondents of an export read through a mapping, with the form's labels when an XLSForm was given."""

    mapping: SurveyMapping
    respondents: tuple[Respondent, ...]
    form: Form | None


@dataclass
class _Table:
    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]]


class _TextLoader(yaml.SafeLoader):
    """YAML without YAML 1.1's booleans: XLSForm choice codes such as ``yes``, ``no``, ``on`` stay text."""


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _refuse(where: str, msgid: str, **values: Any) -> InvalidInput:
    return InvalidInput(Message(msgid, where=where, **values))


def _codes(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    items = value if isinstance(value, list) else [value]
    return frozenset(str(item).strip() for item in items)


def read_mapping(path: Path) -> SurveyMapping:
    """The mapping file: refused with the file and the key when a required key is missing or malformed."""
    where = str(path)
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_TextLoader)  # a SafeLoader
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise _refuse(where, N_("{where}: cannot read the mapping: {reason}"), reason=str(exc)) from exc
    if not isinstance(document, dict):
        raise _refuse(
            where, N_("{where}: a mapping is a YAML object with survey, community, wave and measures")
        )

    def column(key: str, required: bool) -> str | None:
        value = document.get(key)
        if isinstance(value, dict):
            value = value.get("question")
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise _refuse(where, N_("{where}: '{key}' must name the question that holds it"), key=key)
        return value.strip()

    community = column("community", True)
    assert community is not None
    wave_entry = document.get("wave")
    wave, wave_value = (None, str(wave_entry["value"])) if isinstance(wave_entry, dict) and "value" in wave_entry else (
        column("wave", False), None
    )  # fmt: skip
    if wave is None and wave_value is None:
        raise _refuse(
            where,
            N_(
                "{where}: 'wave' must name the question that holds the wave, or give it as wave: {{value: ...}}"
            ),
        )
    minimum = document.get("minimum", 10)
    if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 1:
        raise _refuse(
            where,
            N_(
                "{where}: 'minimum' (the fewest respondents behind a figure) must be a whole number of at least 1"
            ),
        )
    entries = document.get("measures")
    if not isinstance(entries, dict) or not entries:
        raise _refuse(where, N_("{where}: 'measures' must list at least one measure and its question"))
    measures = []
    for measure_id, entry in entries.items():
        entry = {"question": entry} if isinstance(entry, str) else entry
        if not isinstance(entry, dict) or not isinstance(entry.get("question"), str):
            raise _refuse(
                where, N_("{where}: measure '{measure}' must name its question"), measure=str(measure_id)
            )
        labels = entry.get("label") or {}
        if not isinstance(labels, dict):
            raise _refuse(
                where,
                N_("{where}: measure '{measure}': 'label' must give the label per language"),
                measure=str(measure_id),
            )
        measures.append(
            Measure(
                str(measure_id),
                entry["question"].strip(),
                _codes(entry.get("yes")),
                _codes(entry.get("no_answer")),
                {str(k): str(v) for k, v in labels.items()},
            )
        )
    return SurveyMapping(
        str(document.get("survey") or path.stem), community, wave, wave_value, column("weight", False), minimum,
        tuple(measures),
    )  # fmt: skip


def _segments(name: str) -> list[str]:
    return [part for part in SEPARATORS.split(name.strip()) if part]


def _language(column: str) -> str | None:
    """The language of an XLSForm label column: ``label::English (en)``, ``label::Français``, ``label::fr``."""
    if "::" not in column:
        return None
    tag = column.split("::", 1)[1].strip().lower()
    code = re.search(r"\(([a-z]{2,3})(?:[-_][a-z]+)?\)", tag)
    return LANGUAGES.get(code[1] if code else tag.split()[0] if tag else "")


def _workbook_tables(path: Path) -> list[_Table]:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = [
            (name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
            for name in workbook.sheet_names
        ]
    except (CalamineError, OSError, ValueError) as exc:
        raise InvalidInput(
            Message(N_("{path}: cannot read the workbook: {reason}"), path=str(path), reason=str(exc))
        ) from exc
    tables = []
    for name, rows in sheets:
        text = [[cell_text(cell) for cell in row] for row in rows]
        if text and any(cell for cell in text[0]):
            tables.append(
                _Table(name, [c.strip() for c in text[0]], [(i + 2, row) for i, row in enumerate(text[1:])])
            )
    return tables


def read_form(path: Path) -> Form:
    """An XLSForm (XLSX): its questions with full group paths, repeats, choice lists and labels per language."""
    tables = {table.name.strip().lower(): table for table in _workbook_tables(path)}
    survey = tables.get("survey")
    if survey is None:
        raise InvalidInput(Message(N_("{path}: an XLSForm has a 'survey' sheet"), path=str(path)))
    head = [c.lower() for c in survey.header]
    if "type" not in head or "name" not in head:
        raise InvalidInput(
            Message(N_("{path}: the 'survey' sheet needs 'type' and 'name' columns"), path=str(path))
        )
    questions: dict[str, Question] = {}
    stack: list[tuple[str, bool]] = []
    label_columns = {
        i: _language(c) or ("en" if c.lower() == "label" else None) for i, c in enumerate(survey.header)
    }
    for _line, row in survey.rows:
        cells = dict(zip(head, row, strict=False))
        kind, name = cells.get("type", "").strip(), cells.get("name", "").strip()
        words = kind.replace("_", " ").split()
        if words[:2] in (["begin", "group"], ["begin", "repeat"]):
            stack.append((name, words[1] == "repeat"))
            continue
        if words[:2] in (["end", "group"], ["end", "repeat"]):
            if stack:
                stack.pop()
            continue
        if not name or not kind:
            continue
        labels = {
            lang: row[i].strip()
            for i, lang in label_columns.items()
            if lang and i < len(row) and row[i].strip()
        }
        choice_list = (
            kind.split()[1]
            if kind.split()[0] in ("select_one", "select_multiple") and len(kind.split()) > 1
            else None
        )
        repeats = [group for group, is_repeat in stack if is_repeat]
        full = "/".join([group for group, _ in stack] + [name])
        questions[full] = Question(
            full, kind.split()[0], choice_list, labels, repeats[-1] if repeats else None
        )
    choices: dict[str, dict[str, dict[str, str]]] = {}
    sheet = tables.get("choices")
    if sheet is not None:
        head = [c.lower() for c in sheet.header]
        label_columns = {
            i: _language(c) or ("en" if c.lower() == "label" else None) for i, c in enumerate(sheet.header)
        }
        for _line, row in sheet.rows:
            cells = dict(zip(head, row, strict=False))
            list_name, code = (
                cells.get("list_name", cells.get("list name", "")).strip(),
                cells.get("name", "").strip(),
            )
            if list_name and code:
                choices.setdefault(list_name, {})[code] = {
                    lang: row[i].strip()
                    for i, lang in label_columns.items()
                    if lang and i < len(row) and row[i].strip()
                }
    return Form(questions, choices)


def _export_tables(path: Path) -> list[_Table]:
    if path.suffix.lower() in SPREADSHEETS:
        tables = _workbook_tables(path)
        if not tables:
            raise InvalidInput(Message(N_("{path}:1: the workbook has no sheet with data"), path=str(path)))
        return tables
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            Message(N_("{path}: cannot read the export: {reason}"), path=str(path), reason=str(exc))
        ) from exc
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # KoBo's legacy CSV exports use ';'
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise InvalidInput(Message(N_("{path}:1: the export is empty"), path=str(path)))
    return [_Table(path.stem, [c.strip() for c in rows[0]], [(i + 2, row) for i, row in enumerate(rows[1:])])]


def _find(header: Sequence[str], question: str) -> int | None:
    """The column of ``question`` in ``header``: the same path whatever the group separator, else the same bare
    name when only one column has it. ``None`` when absent; refused by the caller when ambiguous."""
    wanted = _segments(question)
    for i, name in enumerate(header):
        if _segments(name) == wanted:
            return i
    if len(wanted) == 1:
        matches = [i for i, name in enumerate(header) if _segments(name)[-1:] == wanted]
        if len(matches) == 1:
            return matches[0]
    return None


def _choice_columns(header: Sequence[str], column: int) -> dict[str, int]:
    """The one-column-per-choice columns of a select_multiple (``question/choice``), by choice code."""
    base = _segments(header[column])
    return {
        _segments(name)[-1]: i for i, name in enumerate(header)
        if i != column and len(_segments(name)) == len(base) + 1 and _segments(name)[: len(base)] == base
    }  # fmt: skip


def _choice_columns_without_base(header: Sequence[str], question: str) -> dict[str, int]:
    """Choice columns when the export has no whole-answer column (KoBo's 'separate columns only' option)."""
    wanted = _segments(question)
    found: dict[str, int] = {}
    for i, name in enumerate(header):
        parts = _segments(name)
        if len(parts) >= 2 and (parts[:-1] == wanted or (len(wanted) == 1 and parts[-2:-1] == wanted)):
            found[parts[-1]] = i
    return found


@dataclass(frozen=True)
class _Located:
    table: _Table
    column: int | None
    choice_columns: Mapping[str, int]


def _key(key: str) -> Message:
    return Message(N_("the key '{key}'"), key=key)


def _locate(tables: Sequence[_Table], question: str, where: str, what: Message) -> _Located:
    for n, table in enumerate(tables):
        column = _find(table.header, question)
        inner = _segments(question)
        if (
            column is None and n > 0 and table.name in inner[:-1]
        ):  # a repeat sheet may name columns from inside it
            column = _find(table.header, "/".join(inner[inner.index(table.name) + 1 :]))
        choices = _choice_columns(table.header, column) if column is not None else _choice_columns_without_base(
            table.header, question
        )  # fmt: skip
        if column is not None or choices:
            return _Located(table, column, choices)
    names = [name for table in tables for name in table.header]
    close = difflib.get_close_matches(question, names, n=3, cutoff=0.6)
    raise InvalidInput(
        Message(
            N_("{where}: {what} names the question '{question}', which the export does not have{hint}"),
            where=where, what=what, question=question,
            hint=Message(N_(" (close: {names})"), names=", ".join(close)) if close else "",
        )
    )  # fmt: skip


def _parent_keys(main: _Table, table: _Table) -> dict[int, int]:
    """Row of the main table for each row of a repeat table, by KoBo's ``_index`` / ``_parent_index``."""
    index = _find(main.header, "_index")
    parent = _find(table.header, "_parent_index")
    if index is None or parent is None:
        return {}
    by_index = {row[index].strip(): n for n, (_line, row) in enumerate(main.rows) if index < len(row)}
    return {
        n: by_index[row[parent].strip()] for n, (_line, row) in enumerate(table.rows)
        if parent < len(row) and row[parent].strip() in by_index
    }  # fmt: skip


def _cell(row: Sequence[str], column: int | None) -> str:
    return row[column].strip() if column is not None and column < len(row) else ""


def read_survey(export: Path, mapping_path: Path, form_path: Path | None = None) -> SurveyImport:
    """The export's respondents through the mapping; every bad value is reported (file, line, column, reason) and
    nothing is returned unless all are good."""
    mapping = read_mapping(mapping_path)
    form = read_form(form_path) if form_path is not None else None
    tables = _export_tables(export)
    main = tables[0]
    where = str(mapping_path)
    # every question the mapping names must be there before any row is read
    community = _locate([main], mapping.community, where, _key("community"))
    wave = _locate([main], mapping.wave, where, _key("wave")) if mapping.wave else None
    weight = _locate([main], mapping.weight, where, _key("weight")) if mapping.weight else None
    located = {
        m.id: _locate(tables, m.question, where, Message(N_("measure '{measure}'"), measure=m.id))
        for m in mapping.measures
    }
    if form is not None:
        for measure in mapping.measures:
            if not any(
                _segments(path)[-len(_segments(measure.question)) :] == _segments(measure.question)
                for path in form.questions
            ):
                raise InvalidInput(
                    Message(
                        N_("{where}: measure '{measure}' names the question '{question}', which the XLSForm does not have"),
                        where=where, measure=measure.id, question=measure.question,
                    )
                )  # fmt: skip
    parents = {table.name: _parent_keys(main, table) for table in tables[1:]}
    errors: list[RowError] = []
    answers: list[dict[str, Answer]] = [{} for _ in main.rows]
    for measure in mapping.measures:
        place = located[measure.id]
        table = place.table
        column_name = table.header[place.column] if place.column is not None else measure.question
        file_name = f"{export}" if table is main else f"{export} [{table.name}]"
        for n, (line, row) in enumerate(table.rows):
            target = n if table is main else parents.get(table.name, {}).get(n)
            if target is None:
                if table is not main:
                    errors.append(
                        RowError(
                            file_name,
                            line,
                            "_parent_index",
                            "",
                            "the repeat row names no respondent of the main sheet",
                        )
                    )
                continue
            try:
                value = _answer(measure, row, place)
            except ValueError as exc:
                errors.append(RowError(file_name, line, column_name, _cell(row, place.column), str(exc)))
                continue
            if table is main:
                answers[target][measure.id] = value
            else:  # a repeat: the respondent said yes if any of their rows did, ticked every choice any row ticked
                answers[target][measure.id] = _merge(answers[target].get(measure.id), value)
    respondents = []
    for n, (line, row) in enumerate(main.rows):
        if not any(cell.strip() for cell in row):
            continue
        place_code = _cell(row, community.column)
        if not place_code:
            errors.append(RowError(str(export), line, main.header[community.column or 0], "", "no community"))
        wave_text = mapping.wave_value or (_cell(row, wave.column) if wave else "")
        if not wave_text:
            errors.append(RowError(str(export), line, mapping.wave or "wave", "", "no survey wave"))
        weight_value = 1.0
        if weight is not None:
            raw = _cell(row, weight.column)
            try:
                weight_value = float(raw)
                if not math.isfinite(weight_value) or weight_value < 0:
                    raise ValueError
            except ValueError:
                errors.append(
                    RowError(
                        str(export),
                        line,
                        mapping.weight or "weight",
                        raw,
                        "a survey weight is a number of at least 0",
                    )
                )
        respondents.append(Respondent(line, place_code, wave_text, weight_value, answers[n]))
    if errors:
        raise InvalidRows(errors, len(errors), file=str(export))
    return SurveyImport(mapping, tuple(respondents), form)


def _answer(measure: Measure, row: Sequence[str], place: _Located) -> Answer:
    """One respondent's answer to ``measure`` from one row; ValueError with the reason when unreadable."""
    if place.choice_columns and (place.column is None or not _cell(row, place.column)):
        ticked: set[str] = set()
        for code, column in place.choice_columns.items():
            cell = _cell(row, column).lower()
            if cell in TRUE_CELLS:
                ticked.add(code)
            elif cell not in FALSE_CELLS:
                raise ValueError(f"choice column for {code!r} holds {cell!r}, not 0 or 1")
        if all(not _cell(row, column) for column in place.choice_columns.values()):
            return None
        codes = frozenset(ticked)
    else:
        text = _cell(row, place.column)
        if not text:
            return None
        codes = frozenset(text.split())
    if codes & measure.no_answer:
        return None
    if measure.per_choice:
        return codes
    return bool(codes & measure.yes)


def _merge(before: Answer, value: Answer) -> Answer:
    if before is None:
        return value
    if value is None:
        return before
    if isinstance(before, bool) and isinstance(value, bool):
        return before or value
    if isinstance(before, frozenset) and isinstance(value, frozenset):
        return before | value
    return value
