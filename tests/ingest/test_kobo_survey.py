"""KoBo/ODK perception-survey exports read through a mapping file: group paths, select_multiple in both export
styles, repeat groups, XLSForm labels in two languages, weights, refusal of an absent question, per-row errors; and
the per-community, per-wave results with intervals and suppression."""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from pathlib import Path

import pytest
import xlsxwriter

from pochub.core.perspectives.surveys import complementary_suppression, estimate_choices, estimate_share
from pochub.errors import InvalidInput, InvalidRows
from pochub.ingest.kobo_survey import SurveyImport, read_form, read_survey

MAPPING = """
survey: Perception survey
community: {question: community}
wave: {question: wave}
weight: {question: weight}
minimum: 10
measures:
  feels_safe_night:
    question: safety/safe_night
    yes: [yes]
    no_answer: [dont_know]
    label: {en: Feels safe walking at night, fr: Se sent en sécurité la nuit}
  top_threats: top_threats
"""

HEADER = ["_id", "_uuid", "respondent_name", "phone", "community", "wave", "safety/safe_night", "top_threats",
          "top_threats/abduction", "top_threats/looting", "top_threats/sgbv", "weight"]  # fmt: skip


def _rows(seed: int = 3) -> list[list[str]]:
    """Two waves: CD001 with 30 respondents a wave, CD002 with 4 (too few for a figure), CD003 with 12."""
    rng = random.Random(seed)
    rows = []
    for wave, safe_rate in (("2026-1", 0.3), ("2026-2", 0.6)):
        for community, n in (("CD001", 30), ("CD002", 4), ("CD003", 12)):
            for i in range(n):
                safe = "yes" if rng.random() < safe_rate else rng.choice(["no", "dont_know"])
                ticked = [c for c in ("abduction", "looting", "sgbv") if rng.random() < 0.4]
                rows.append(
                    [
                        str(len(rows) + 1),
                        f"uuid-{len(rows)}",
                        f"Name {i}",
                        "+243810000000",
                        community,
                        wave,
                        safe,
                        " ".join(ticked),
                        *("1" if c in ticked else "0" for c in ("abduction", "looting", "sgbv")),
                        str(rng.choice([0.8, 1.0, 1.3])),
                    ]
                )
    return rows


def _write_csv(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ";") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _write_form(path: Path) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    survey = workbook.add_worksheet("survey")
    for r, row in enumerate(
        [
            ["type", "name", "label::English (en)", "label::Français (fr)"],
            ["text", "community", "Community", "Communauté"],
            ["text", "wave", "Wave", "Vague"],
            ["begin_group", "safety", "Safety", "Sécurité"],
            [
                "select_one safe",
                "safe_night",
                "Do you feel safe walking at night?",
                "Vous sentez-vous en sécurité la nuit ?",
            ],
            ["end_group", "", "", ""],
            ["select_multiple threats", "top_threats", "Main threats", "Menaces principales"],
            ["begin_repeat", "household", "Household", "Ménage"],
            ["select_one safe", "member_displaced", "Displaced?", "Déplacé ?"],
            ["end_repeat", "", "", ""],
            ["decimal", "weight", "Weight", "Poids"],
        ]
    ):
        survey.write_row(r, 0, row)
    choices = workbook.add_worksheet("choices")
    for r, row in enumerate(
        [
            ["list_name", "name", "label::English (en)", "label::Français (fr)"],
            ["safe", "yes", "Yes", "Oui"],
            ["safe", "no", "No", "Non"],
            ["safe", "dont_know", "Don't know", "Ne sait pas"],
            ["threats", "abduction", "Abduction", "Enlèvement"],
            ["threats", "looting", "Looting", "Pillage"],
            ["threats", "sgbv", "Sexual violence", "Violences sexuelles"],
        ]
    ):
        choices.write_row(r, 0, row)
    workbook.close()
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return {
        "mapping": mapping,
        "export": _write_csv(tmp_path / "survey.csv", HEADER, _rows()),
        "form": _write_form(tmp_path / "form.xlsx"),
    }


def _results(survey: SurveyImport) -> dict[tuple[str, str], dict[str, object]]:
    groups: dict[tuple[str, str], list[tuple[object, float]]] = defaultdict(list)
    for respondent in survey.respondents:
        groups[(respondent.community, respondent.wave)].append((respondent.answers, respondent.weight))
    results: dict[tuple[str, str], dict[str, object]] = {}
    for key, rows in groups.items():
        weights = [w for _, w in rows]
        results[key] = {
            "safe": estimate_share([a.get("feels_safe_night") for a, _ in rows], weights, minimum=10),  # type: ignore[attr-defined]
            "threats": estimate_choices(
                [a.get("top_threats") for a, _ in rows],
                weights,
                choices=["abduction", "looting", "sgbv"],
                minimum=10,  # type: ignore[attr-defined]
            ),
        }
    return results


def test_a_two_wave_export_gives_figures_per_community_and_wave_with_intervals(
    files: dict[str, Path],
) -> None:
    survey = read_survey(files["export"], files["mapping"], files["form"])
    assert len(survey.respondents) == 2 * (30 + 4 + 12)
    assert {r.wave for r in survey.respondents} == {"2026-1", "2026-2"}
    # identities are never read into the result: only the mapped answers
    assert all(set(r.answers) <= {"feels_safe_night", "top_threats"} for r in survey.respondents)
    assert (
        "Name 0" not in repr(survey) and "+243810000000" not in repr(survey) and "uuid-" not in repr(survey)
    )
    results = _results(survey)
    big = results[("CD001", "2026-1")]["safe"]
    assert not big.suppressed and big.low < big.share < big.high  # type: ignore[attr-defined,operator]
    assert results[("CD001", "2026-2")]["safe"].share > big.share  # type: ignore[attr-defined,operator]
    small = results[("CD002", "2026-1")]["safe"]
    assert small.suppressed and small.share is None  # type: ignore[attr-defined]
    assert str(small.why) == "fewer than 10 respondents"  # type: ignore[attr-defined]
    threats = results[("CD001", "2026-1")]["threats"]
    assert set(threats) == {"abduction", "looting", "sgbv"}  # type: ignore[arg-type]
    # within an area whose total is published, the one withheld community takes the next smallest with it
    table = {"area": {c: results[(c, "2026-1")]["safe"] for c in ("CD001", "CD002", "CD003")}}
    done = complementary_suppression(table)  # type: ignore[arg-type]
    assert (
        done["area"]["CD002"].suppressed
        and done["area"]["CD003"].suppressed
        and not done["area"]["CD001"].suppressed
    )


def test_select_multiple_reads_the_same_from_codes_or_from_one_column_per_choice(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    whole = read_survey(files["export"], files["mapping"])
    only_columns = [i for i, name in enumerate(HEADER) if name != "top_threats"]
    separate = _write_csv(
        tmp_path / "separate.csv",
        [HEADER[i] for i in only_columns],
        [[row[i] for i in only_columns] for row in _rows()],
        ",",
    )
    split = read_survey(separate, files["mapping"])
    assert [r.answers["top_threats"] for r in whole.respondents] == [
        r.answers["top_threats"] for r in split.respondents
    ]
    # group separators other than '/' and bare question names find the same questions
    dotted = _write_csv(tmp_path / "dotted.csv", [h.replace("/", ".") for h in HEADER], _rows(), ",")
    assert [r.answers for r in read_survey(dotted, files["mapping"]).respondents] == [
        r.answers for r in whole.respondents
    ]


def test_the_xlsform_gives_labels_in_both_languages(files: dict[str, Path]) -> None:
    form = read_form(files["form"])
    question = form.questions["safety/safe_night"]
    assert question.labels == {
        "en": "Do you feel safe walking at night?",
        "fr": "Vous sentez-vous en sécurité la nuit ?",
    }
    assert form.questions["household/member_displaced"].repeat == "household"
    assert form.choices["threats"]["sgbv"] == {"en": "Sexual violence", "fr": "Violences sexuelles"}


def test_a_mapping_naming_an_absent_question_is_refused_before_reading(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    mapping = tmp_path / "wrong.yaml"
    mapping.write_text(MAPPING.replace("safety/safe_night", "safety/safe_at_night"), encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:
        read_survey(files["export"], mapping)
    text = str(refused.value)
    assert str(mapping) in text and "safety/safe_at_night" in text and "feels_safe_night" in text
    assert "close: safety/safe_night" in text
    with pytest.raises(InvalidInput, match="the XLSForm does not have"):
        mapping.write_text(MAPPING + "  trust: respondent_name\n", encoding="utf-8")
        read_survey(files["export"], mapping, files["form"])
    mapping.write_text("community: {question: community}\nmeasures: {}\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="wave"):
        read_survey(files["export"], mapping)


def test_bad_rows_are_named_by_file_line_and_column_and_nothing_is_returned(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    rows = _rows()
    rows[4][HEADER.index("weight")] = "heavy"
    rows[7][HEADER.index("community")] = ""
    rows[9][HEADER.index("top_threats/looting")] = "maybe"
    rows[9][HEADER.index("top_threats")] = ""
    bad = _write_csv(tmp_path / "bad.csv", HEADER, rows)
    with pytest.raises(InvalidRows) as refused:
        read_survey(bad, files["mapping"])
    found = {(e.line, e.column) for e in refused.value.errors}
    assert found == {(6, "weight"), (9, "community"), (11, "top_threats")}
    assert all(e.file == str(bad) for e in refused.value.errors)


def test_repeat_groups_in_a_workbook_count_a_respondent_once(tmp_path: Path) -> None:
    path = tmp_path / "repeat.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    main = workbook.add_worksheet("Perception survey")
    main.write_row(0, 0, ["community", "wave", "_index", "_uuid"])
    for i in range(12):
        main.write_row(i + 1, 0, ["CD010", "2026-1", i + 1, f"u{i}"])
    household = workbook.add_worksheet("household")
    household.write_row(0, 0, ["member_displaced", "_index", "_parent_index", "_parent_table_name"])
    row = 1
    for parent in range(1, 13):
        for member in range(3):  # respondents 1-6 have one displaced member among three
            household.write_row(
                row, 0, ["yes" if parent <= 6 and member == 1 else "no", row, parent, "Perception survey"]
            )
            row += 1
    workbook.close()
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "community: community\nwave: wave\nmeasures:\n  displaced: {question: household/member_displaced, yes: [yes]}\n",
        encoding="utf-8",
    )
    survey = read_survey(path, mapping)
    shares = estimate_share([r.answers["displaced"] for r in survey.respondents], minimum=10)  # type: ignore[misc]
    assert len(survey.respondents) == 12 and shares.share == pytest.approx(0.5)
