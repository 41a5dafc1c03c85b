"""The generated documents in English and French: every fixed string of the documents' templates and renderers
is in both catalogues, and each document rendered in French has French headings and no English ones."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from pochub import documents, i18n
from pochub.core.exercise.scoring import CoverageComparison
from pochub.core.models.coordination import CoordinatorModel, Structure
from pochub.core.threats.matrix import AreaContext, build_matrix
from pochub.core.toolkit.checklist import TASKS, Answer, assess
from pochub.core.toolkit.terms_of_reference import all_terms_of_reference
from pochub.core.workflow.structure import parse_structure
from pochub.documents import after_action, checklist, coordinator_models, organogram, terms_of_reference
from pochub.documents import threat_matrix as threat_matrix_document
from pochub.services.allocation import Site
from pochub.services.exercises import Moment, Review
from tests.conftest import CliRunner
from tests.core.test_structure import template
from tests.core.test_threats import AS_OF, evidence

DOCUMENTS = Path(documents.__file__).parent
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


def extracted() -> set[str | tuple[str, str]]:
    """Every translatable string of the documents' templates and modules, as pybabel extract finds them
    (plurals as (singular, plural))."""
    method_map = [("templates/**.j2", "jinja2"), ("**.py", "python")]
    options_map = {"templates/**.j2": {"trimmed": "true"}}
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(DOCUMENTS, method_map, options_map):
        found.add((message[0], message[1]) if isinstance(message, tuple) else message)
    return {m for m in found if m}


def extracted_messages() -> set[str]:
    """Every msgid and plural msgid of the documents."""
    return {text for m in extracted() for text in (m if isinstance(m, tuple) else (m,))}


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_every_document_string_is_translated(language: str) -> None:
    messages = extracted_messages()
    assert len(messages) > 100
    with i18n.catalogue_path(language).open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    translated: dict[str, str] = {}
    for m in catalogue:
        if m.id and not m.fuzzy:
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            translated.update(zip(ids, strings, strict=False))
    missing = sorted(m for m in messages if not translated.get(m))
    assert not missing, f"{language}: untranslated {missing[:10]}"
    for message in messages:
        assert sorted(PLACEHOLDER.findall(translated[message])) == sorted(PLACEHOLDER.findall(message)), (
            message
        )


def test_most_document_strings_differ_in_french() -> None:
    french = i18n.translations("fr")
    messages = extracted()
    same = sorted(
        str(m)
        for m in messages
        if (french.ngettext(m[0], m[1], 2) == m[1] if isinstance(m, tuple) else french.gettext(m) == m)
    )
    # a few are the same in both languages (Date, Source, Impact, Phase, latitude, notes...); most are not
    assert len(same) < max(15, len(messages) // 15), same


def structure() -> Structure:
    return parse_structure(template(CoordinatorModel.POC_ADVISERS))


def assert_french(html: str, french: list[str], english: list[str]) -> None:
    assert 'lang="fr"' in html
    for text in french:
        assert text in html, text
    for text in english:
        assert text not in html, text


def test_terms_of_reference_in_french_and_english() -> None:
    tor = all_terms_of_reference(structure())[0]
    english = [
        "Terms of reference",
        "1. Name and level",
        "Area of responsibility",
        "Reports to",
        "Escalation path",
    ]
    french = ["Termes de référence", "1. Nom et niveau", "Zone de responsabilité", "3. Présidence, coprésidence",
              "9. Compte rendu et remontée", "11. Révision", "<th>Militaire</th>", "membres sur"]  # fmt: skip
    assert_french(terms_of_reference.render_html(tor, "fr"), french, [*english, "Chair", "Secretariat"])
    in_english = terms_of_reference.render_html(tor)
    assert all(text in in_english for text in english) and "Termes de référence" not in in_english


def test_the_index_and_organogram_in_french() -> None:
    mission = structure()
    terms = all_terms_of_reference(mission)
    html = terms_of_reference.render_index(mission, terms, pdf=True, language="fr")
    assert_french(
        html,
        ["Termes de référence des instances de coordination PoC", f"{len(terms)} instances", "Se réunit",
         "Stratégique", "Présidence : ", "structure de coordination PoC", "Modèle de coordination : "],
        ["Terms of reference", "Reports to", "Strategic", "Chair: ", "leadership", "Coordinator model"],
    )  # fmt: skip
    svg = organogram.organogram_svg(mission, "fr")
    assert "Tactique" in svg and "bureau de terrain" in svg and "Tactical" not in svg
    assert "Chair: " in organogram.organogram_svg(mission) and "Présidence" not in organogram.organogram_svg(
        mission
    )


def test_written_terms_of_reference_follow_the_language(tmp_path: Path) -> None:
    written = terms_of_reference.write_terms_of_reference(structure(), tmp_path, pdf=False, language="fr")
    assert written and all("Termes de référence" in p.read_text("utf-8") for p in written)


def test_the_checklist_report_in_french() -> None:
    keys = [q.key for q in TASKS[0].questions]
    answers = [Answer(keys[0], "yes"), Answer(keys[1], "partial"), Answer(keys[2], "no")]
    assessment = assess(answers, date(2026, 12, 1), structure=structure(), mission="Test mission")
    html = checklist.render_html(assessment, "fr")
    assert_french(
        html,
        ["Auto-évaluation de la coordination PoC", "Notes par tâche", "Question de contrôle", "Mesure corrective",
         "Sans réponse", "note globale", "au 2026-12-01", ">partiel<", ">non<"],
        ["self-assessment", "Scores by task", "Check question", "Remedial measure", "Unanswered", "overall score"],
    )  # fmt: skip
    assert "Scores by task" in checklist.render_html(assessment)


def test_the_models_comparison_in_french() -> None:
    html = coordinator_models.render_html(CoordinatorModel.GROUPS, "fr")
    assert_french(
        html,
        ["Les quatre modèles de coordination PoC, côte à côte", "Avantages", "Inconvénients", "Contextes adaptés",
         "Facteurs décisifs (indicatifs)", "La structure de cette mission utilise <strong>", ">élevé<", ">faible<"],
        ["side by side", "Advantages", "Drawbacks", "Contexts it suits", "Deciding factors", ">high<", ">low<"],
    )  # fmt: skip


def test_the_threat_matrix_in_french() -> None:
    rows = [(3, "A1", "killing", "G1", 2), (10, "A1", "killing", "G1", 0), (40, "A2", "abduction_forced_disappearance",
            "G2", 1)]  # fmt: skip
    matrix = build_matrix(evidence(rows), {"A1": AreaContext("A1", "One", population=50_000)}, AS_OF)
    events: dict[int, dict[str, Any]] = {
        i: {"event_date": "2024-06-01", "source": "acled", "source_id": str(i), "source_grade": "B2",
            "location": "Somewhere", "latitude": 1.5, "longitude": 29.0, "fatalities_best": 1,
            "civilian_fatalities": 1, "notes": ""}
        for r in matrix.records for i in r.evidence_ids
    }  # fmt: skip
    html = threat_matrix_document.render_html(matrix, events, "A1", "fr")
    assert_french(
        html,
        ["Matrice des menaces PoC", "Civils en danger", "Probabilité", "Options de réponse", "Éléments probants de",
         "Victimes civiles", "zone A1", f"{len(matrix.records)} menaces", "Risque = probabilité"],
        ["PoC threat matrix", "Civilians at risk", "Likelihood", "Response options", "Evidence for",
         "Civilian fatalities", " threats", "evidence window"],
    )  # fmt: skip


def review() -> Review:
    at = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    comparison = CoverageComparison(
        at=at, at_risk=12_000, team_covered=7_000, optimal_covered=10_000, units_moved=2, standard_hours=2,
        team_sites=("Base A",), optimal_sites=("Site B",),
    )  # fmt: skip
    moment = Moment(
        team="Blue", at=at, title="Blue at the end", comparison=comparison,
        demand=[("Village", 1.0, 29.0, 3000.0, True), ("Hamlet", 1.2, 29.1, 900.0, False)],
        alerts=[("X-1", 1.1, 29.05)], fixed=[Site("b", "Base A", 1.05, 29.02)],
        team_sites=[Site("b", "Base A", 1.05, 29.02)], optimal_sites=[Site("s", "Site B", 1.15, 29.08)],
    )  # fmt: skip
    score = {"criterion": "respond", "value": 0.5, "explanation": "Late."}
    return Review(
        exercise={"name": "Drill", "description": "A drill", "scenario_start": "2026-03-01T08:00",
                  "exercise_time": "2026-03-01T12:00", "status": "finished",
                  "teams": [{"name": "Blue", "members": [{"username": "ann", "post": "poc_officer"}]}]},
        timeline=[{"at": at, "who": "facilitator", "kind": "inject", "what": "rumour", "detail": "x"}],
        moments=[moment],
        scores=[{"team": "Blue", "total": 61, "explanation": ["Good."],
                 "criteria": {"acknowledge": 1.0, "respond": 0.5, "coverage": None, "doctrine": 1.0, "feedback": 0.0},
                 "decisions": [{"title": "Attack", "reference": "X-1", "total": 50, "scores": [score]}]}],
        lessons=("Acknowledge sooner.",),
    )  # fmt: skip


def test_the_after_action_review_in_french() -> None:
    html = after_action.render_html(review(), language="fr")
    assert_french(
        html,
        ["Revue après action : Drill", "Chronologie des injections et des décisions", "Enseignements",
         "2 unités déplacées", "bleu : couverts par l'équipe", "le plan optimal à ce moment en couvre 10,000",
         "civils", "au poste poc_officer", "s.o.", "animateur", "plan optimal : Site B", "non couverts"],
        ["After-action review", "Timeline of injects", "Lessons", "units moved", "optimal plan", "not covered",
         " as poc_officer", "n/a", ">facilitator<"],
    )  # fmt: skip
    assert "2 units moved" in after_action.render_html(review())


def test_unknown_languages_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        coordinator_models.render_html(None, "de")


def write_template(tmp_path: Path) -> Path:
    import yaml

    path = tmp_path / "structure.yaml"
    path.write_text(yaml.safe_dump(template(CoordinatorModel.POC_ADVISERS)), encoding="utf-8")
    return path


def test_the_commands_take_the_language(cli: CliRunner, tmp_path: Path) -> None:
    db, file = f"sqlite:///{tmp_path / 'x.db'}", write_template(tmp_path)
    done = cli("--database", db, "structure", "tor", "--structure", file, "-o", tmp_path / "tor", "--format",
               "html", "--language", "fr")  # fmt: skip
    assert done.code == 0, done.err
    assert "Termes de référence" in (tmp_path / "tor" / "index.html").read_text("utf-8")
    compared = tmp_path / "models.html"
    done = cli("--database", db, "structure", "compare-models", "--structure", file, "-o", compared,
               "--language", "fr")  # fmt: skip
    assert done.code == 0, done.err
    assert "côte à côte" in compared.read_text("utf-8")
    report = tmp_path / "checklist.html"
    done = cli("--database", db, "checklist", "--structure", file, "-o", report, "--language", "fr")
    assert done.code == 0, done.err
    assert "Notes par tâche" in report.read_text("utf-8")
    refused = cli(
        "--database", db, "structure", "tor", "--structure", file, "-o", tmp_path / "t", "--language", "de"
    )
    assert refused.code != 0
