"""Community profiles from a table (CSV, XLSX, or a KoBo/ODK export of a profile form), one row per community.

Columns are found by name whatever the group path (``profile/strategies`` or ``strategies``); only
``community_id`` is required. Lists are codes separated by spaces, commas or semicolons (KoBo's select_multiple);
pairs are ``name: value`` separated by semicolons (``Vodacom: yes; Airtel: no``, ``the police: trusted``, ``dry:
open; rainy: limited``); named threats are ``threat_type: perpetrator as named`` separated by semicolons. Every bad
value is reported by file, line, column and reason, and nothing is returned unless every row is good.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from python_calamine import CalamineError, CalamineWorkbook

from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.profiles import (
    Access,
    CommunityProfile,
    NamedThreat,
    Strategy,
    Trust,
    VulnerableGroup,
    check_profile,
)
from pochub.core.text import N_, Message
from pochub.errors import InvalidInput, InvalidRows, RowError
from pochub.ingest._sheets import cell_text

SPREADSHEETS = {".xlsx", ".xlsm", ".xls", ".ods"}
COLUMNS = (
    "community_id", "population_groups", "vulnerable_groups", "named_threats", "strategies", "capacities_note",
    "needs", "phone_operators", "radio_coverage", "languages", "alert_network", "focal_point", "access_by_season",
    "trust",
)  # fmt: skip
YES = {"yes", "oui", "true", "1", "y"}
NO = {"no", "non", "false", "0", "n"}
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class ProfileRow:
    """One community's profile from the file, with the line it came from."""

    line: int
    community_id: str
    profile: CommunityProfile


def _rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    if path.suffix.lower() in SPREADSHEETS:
        try:
            workbook = CalamineWorkbook.from_path(str(path))
            sheet = workbook.get_sheet_by_name(workbook.sheet_names[0]).to_python(skip_empty_area=False)
        except (CalamineError, OSError, ValueError, IndexError) as exc:
            raise InvalidInput(
                Message(N_("{path}: cannot read the workbook: {reason}"), path=str(path), reason=str(exc))
            ) from exc
        table = [[cell_text(c) for c in row] for row in sheet]
    else:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(
                Message(N_("{path}: cannot read the export: {reason}"), path=str(path), reason=str(exc))
            ) from exc
        first = text.split("\n", 1)[0]
        table = list(csv.reader(io.StringIO(text), delimiter=max(",;\t", key=first.count)))
    if not table:
        raise InvalidInput(Message(N_("{path}:1: the export is empty"), path=str(path)))
    return [h.strip() for h in table[0]], [(i + 2, row) for i, row in enumerate(table[1:])]


def _column_index(header: list[str]) -> dict[str, int]:
    """Each known column's position, matched on the last segment of a group path."""
    found: dict[str, int] = {}
    for i, name in enumerate(header):
        last = re.split(r"[/.:]", name)[-1].strip().lower()
        if last in COLUMNS and last not in found:
            found[last] = i
    return found


def _list(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", text.strip()) if part]


def _pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for part in (p.strip() for p in text.split(";") if p.strip()):
        if ":" not in part:
            raise ValueError(f"write {part!r} as 'name: value'")
        name, value = part.split(":", 1)
        if not name.strip():
            raise ValueError(f"{part!r} has no name before ':'")
        pairs.append((name.strip(), value.strip()))
    return pairs


def _codes(kind: type[E]) -> Callable[[str], list[E]]:
    def read(text: str) -> list[E]:
        try:
            return [kind(code) for code in _list(text)]
        except ValueError as exc:
            raise ValueError(f"{exc}; known: {', '.join(k.value for k in kind)}") from None

    return read


def _flag(text: str) -> bool | None:
    value = text.strip().lower()
    if not value:
        return None
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValueError("write yes or no (or leave it empty when unknown)")


def _field(column: str, text: str) -> Any:
    """The profile field of one cell; ValueError with the reason a person reads."""
    if column == "population_groups":
        return {name: int(count) for name, count in _pairs(text)}
    if column == "vulnerable_groups":
        return frozenset(_codes(VulnerableGroup)(text))
    if column == "strategies":
        return frozenset(_codes(Strategy)(text))
    if column == "named_threats":
        threats = []
        for part in (p.strip() for p in text.split(";") if p.strip()):
            code, _, perpetrator = part.partition(":")
            try:
                threats.append(NamedThreat(ThreatType(code.strip()), perpetrator.strip()))
            except ValueError:
                raise ValueError(
                    f"{code.strip()!r} is not a threat type; known: {', '.join(t.value for t in ThreatType)}"
                ) from None
        return tuple(threats)
    if column == "phone_operators":
        flags = {name: _flag(value) for name, value in _pairs(text)}
        if any(v is None for v in flags.values()):
            raise ValueError("say yes or no for each operator")
        return flags
    if column == "radio_coverage":
        return _flag(text)
    if column == "access_by_season":
        return {season: Access(value.lower()) for season, value in _pairs(text)}
    if column == "trust":
        return {actor: Trust(value.lower()) for actor, value in _pairs(text)}
    if column in ("needs", "languages"):
        return tuple(p.strip() for p in re.split(r"[;,]", text) if p.strip())
    return text.strip()


def profile_from_fields(fields: dict[str, str]) -> tuple[CommunityProfile | None, dict[str, str]]:
    """A profile from the text of each field as people write it (the table's syntax: lists, 'name: value' pairs);
    the reason per field that cannot be read (then no profile)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for column in COLUMNS[1:]:
        text = fields.get(column, "").strip()
        if not text:
            continue
        try:
            values[column] = _field(column, text)
        except ValueError as exc:
            errors[column] = str(exc)
    if errors:
        return None, errors
    try:
        return check_profile(CommunityProfile(**values)), {}
    except InvalidInput as exc:
        return None, {"profile": str(exc)}


def profile_to_fields(profile: CommunityProfile) -> dict[str, str]:
    """The text of each field as the form shows it (what ``profile_from_fields`` reads back)."""
    return {
        "population_groups": "; ".join(f"{k}: {v}" for k, v in sorted(profile.population_groups.items())),
        "vulnerable_groups": " ".join(sorted(g.value for g in profile.vulnerable_groups)),
        "named_threats": "; ".join(
            f"{t.threat_type.value}: {t.perpetrator}".rstrip(": ") for t in profile.named_threats
        ),
        "strategies": " ".join(sorted(s.value for s in profile.strategies)),
        "capacities_note": profile.capacities_note,
        "needs": "; ".join(profile.needs),
        "phone_operators": "; ".join(
            f"{k}: {'yes' if v else 'no'}" for k, v in sorted(profile.phone_operators.items())
        ),
        "radio_coverage": ""
        if profile.radio_coverage is None
        else ("yes" if profile.radio_coverage else "no"),
        "languages": ", ".join(profile.languages),
        "alert_network": profile.alert_network,
        "focal_point": profile.focal_point,
        "access_by_season": "; ".join(f"{k}: {v.value}" for k, v in sorted(profile.access_by_season.items())),
        "trust": "; ".join(f"{k}: {v.value}" for k, v in sorted(profile.trust.items())),
    }


def read_profiles(path: Path) -> list[ProfileRow]:
    """Every row's profile; refused with every bad value (file, line, column, reason) and nothing returned."""
    header, rows = _rows(path)
    index = _column_index(header)
    if "community_id" not in index:
        raise InvalidInput(Message(N_("{path}:1: no community_id column (columns: {columns})"), path=str(path),
                                   columns=", ".join(header) or "none"))  # fmt: skip
    errors: list[RowError] = []
    profiles: list[ProfileRow] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        cells = {column: row[i].strip() if i < len(row) else "" for column, i in index.items()}
        community = cells["community_id"]
        if not community:
            errors.append(RowError(str(path), line, header[index["community_id"]], "", "no community id"))
            continue
        if community in seen:
            errors.append(RowError(str(path), line, header[index["community_id"]], community,
                                   f"the community is already on line {seen[community]}"))  # fmt: skip
            continue
        seen[community] = line
        values: dict[str, Any] = {}
        for column, text in cells.items():
            if column == "community_id" or not text:
                continue
            try:
                values[column] = _field(column, text)
            except ValueError as exc:
                errors.append(RowError(str(path), line, header[index[column]], text, str(exc)))
        try:
            profile = check_profile(CommunityProfile(**values))
        except (InvalidInput, TypeError) as exc:
            errors.append(RowError(str(path), line, "profile", "", str(exc)))
            continue
        profiles.append(ProfileRow(line, community, profile))
    if errors:
        raise InvalidRows(errors, len(errors), file=str(path))
    return profiles
