"""A French-speaking adviser meets no English: every page of the demo mission rendered for a French user, and
every document written in French (threat matrix HTML and XLSX, checklist report, terms of reference and their
index, organogram, coordinator models, after-action review), hold no English sentence of the catalogues.

"An English sentence" is any text of the French catalogue's entries (a msgid, or the literal run of at least four
words between its placeholders and tags) whose French translation differs and that no French translation
contains (commands such as ``pochub checklist --answers FILE`` are the same in both); it fails the test when it
is found verbatim in the French output. Texts from the data (names, the structure's own purposes, alert texts)
are not catalogue entries and are not looked for.
"""

from __future__ import annotations

import html
import re
import uuid
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import Engine
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.core.toolkit.terms_of_reference import all_terms_of_reference
from pochub.documents import after_action, checklist, coordinator_models, organogram, terms_of_reference
from pochub.documents import threat_matrix as matrix_document
from pochub.http.app import create_app
from pochub.i18n import catalogue_path
from pochub.services import exercises
from pochub.services.demo_mission import create_demo_alerts
from pochub.services.structures import assess_checklist, current_structure
from pochub.services.threats import assess
from pochub.store import event_queries
from tests.api.access_helpers import auth_header, make_user
from tests.csrf_tokens import with_csrf_tokens

SPLIT = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)[sd]|%[sd]|<[^>]+>|\n|\s[—–-]\s")
WORD = re.compile(r"[A-Za-z][a-z']+")


@cache
def english_sentences() -> dict[str, str]:
    """Fragment of English -> the msgid it comes from, for every entry translated differently in French."""
    with catalogue_path("fr").open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    entries = [
        (m.id, m.string) for m in catalogue if isinstance(m.id, str) and m.id and isinstance(m.string, str)
    ]
    french = "\n".join(string for _, string in entries)
    found: dict[str, str] = {}
    for msgid, string in entries:
        if not string or string == msgid:
            continue
        for fragment in SPLIT.split(msgid):
            fragment = fragment.strip(" .,;:()")
            if len(WORD.findall(fragment)) >= 4 and fragment not in french:
                found.setdefault(fragment, msgid)
    return found


def readable(page: str) -> str:
    """What a person reads in an HTML page: its text and its labels (alt, title, aria-label, placeholder)."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    labels = " ".join(re.findall(r'(?:alt|title|aria-label|placeholder)="([^"]*)"', body))
    text = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(f"{text} {labels}"))


def english_in(text: str) -> list[str]:
    """The catalogue's English sentences found in ``text``."""
    flat = re.sub(r"\s+", " ", text)
    return sorted(fragment for fragment in english_sentences() if fragment in flat)


def assert_french(name: str, text: str) -> None:
    found = english_in(text)
    assert not found, f"{name}: English in the French output: {found[:8]}"


def test_the_detector_finds_english_and_passes_french() -> None:
    sentences = english_sentences()
    assert len(sentences) > 500
    assert "Is there a current mission-wide PoC strategy, endorsed by the Head of Mission?" in sentences
    assert english_in("Deploy the quick reaction force; secure civilians fleeing; protect sites")
    assert english_in(
        "killed: 3 event(s) in the last 30 days; last on 2024-01-01"
    )  # a placeholder's neighbours
    assert not english_in("Déployer la force de réaction rapide ; sécuriser les civils en fuite")
    assert not english_in("Mission PoC Working Group, Head of Mission (SRSG)")  # names from the data


@pytest.fixture(scope="module")
def french_client(demo_engine: Engine) -> Iterator[TestClient]:
    """The application on the demo mission, for a browser set to French."""
    url = demo_engine.url.render_as_string(hide_password=False)
    create_demo_alerts(demo_engine, Settings(database_url=url))  # alerts in every lifecycle status
    app = create_app(Settings(database_url=url, workers=False))
    try:
        with with_csrf_tokens(TestClient(app, follow_redirects=False)) as client:
            client.cookies.set("pochub_lang", "fr")
            yield client
    finally:
        app.state.engine.dispose()


@pytest.fixture(scope="module")
def scored_exercise(french_client: TestClient, demo_engine: Engine) -> dict[str, Any]:
    """A demo exercise with one team, played for a few hours and scored, all through the French pages."""
    _, trainer_token = make_user(demo_engine, "trainer")
    trainer = auth_header(trainer_token)
    member, _ = make_user(demo_engine, "field_officer", area_pcodes=("KT",))
    form = {"name": f"fr-{uuid.uuid4().hex[:6]}", "source": "demo", "difficulty": "easy", "seed": "1",
            "speed": "1", "standard_hours": "2"}  # fmt: skip
    made = french_client.post("/exercises", headers=trainer, data=form)
    assert made.status_code == 303, made.text
    base = made.headers["location"].split("?")[0]
    team = {"team_name": "Bleue", "username": [member.username, ""], "post": ["poc_officer", ""]}
    assert french_client.post(f"{base}/teams", headers=trainer, data=team).status_code == 303
    assert french_client.post(f"{base}/clock", headers=trainer, data={"change": "start"}).status_code == 303
    advance = {"change": "advance", "hours": "12"}
    assert french_client.post(f"{base}/clock", headers=trainer, data=advance).status_code == 303
    assert french_client.post(f"{base}/score", headers=trainer).status_code == 303
    return {"base": base, "id": int(base.rsplit("/", 1)[1]), "headers": trainer, "member": member}


PAGES = ("/", "/alerts", "/alerts/new", "/threats", "/charts", "/coverage", "/coordination",
         "/coordination/models", "/exercises", "/account")  # fmt: skip


def test_every_page_is_french(
    french_client: TestClient, demo_engine: Engine, scored_exercise: dict[str, Any]
) -> None:
    _, token = make_user(demo_engine, "admin")
    headers = auth_header(token)
    seen = 0
    for path in PAGES:
        page = french_client.get(path, headers=headers)
        assert page.status_code == 200, (path, page.status_code)
        assert '<html lang="fr"' in page.text, path
        assert_french(path, readable(page.text))
        seen += 1
    inbox = french_client.get("/alerts", headers=headers).text
    references = sorted(set(re.findall(r'href="/alerts/([A-Z0-9-]+)"', inbox)) - {"new"})
    assert references, "the demo mission has alerts"
    for reference in references[:6]:  # alerts in several states
        page = french_client.get(f"/alerts/{reference}", headers=headers)
        assert page.status_code == 200, reference
        assert_french(f"/alerts/{reference}", readable(page.text))
        seen += 1
    control = french_client.get(scored_exercise["base"], headers=scored_exercise["headers"])
    assert control.status_code == 200 and 'class="why"' in control.text  # scored, each score with its reason
    assert_french("exercise control (scored)", readable(control.text))
    assert seen >= len(PAGES) + 1


def test_a_refusal_is_french(french_client: TestClient, demo_engine: Engine) -> None:
    # the service's own words, translated: a viewer may not acknowledge an alert
    _, token = make_user(demo_engine, "viewer")
    answer = french_client.post(
        "/api/v1/auth/login", json={"username": "nobody", "password": "wrong password!"}
    )
    assert answer.status_code in (401, 403, 422)
    refused = french_client.get("/api/v1/alerts/NO-SUCH-ALERT", headers=auth_header(token))
    assert refused.status_code in (403, 404)
    assert_french("API refusal", refused.text)


def test_every_document_is_french(
    demo_engine: Engine, scored_exercise: dict[str, Any], tmp_path: Path
) -> None:
    with demo_engine.connect() as conn:
        structure = current_structure(conn)
    assert structure is not None

    matrix = assess(demo_engine, level=2, as_of=datetime.now(UTC))
    assert matrix.records, "the demo mission has threats"
    ids = sorted({i for r in matrix.records for i in r.evidence_ids})
    with demo_engine.connect() as conn:
        events = event_queries.by_ids(conn, ids)
    page = matrix_document.render_html(matrix, events, None, "fr")
    assert "Meurtres" in page or "Enlèvements" in page or "Violences sexuelles" in page or "menace" in page
    assert_french("threat matrix HTML", readable(page))

    path = tmp_path / "matrix.xlsx"
    matrix_document.write_xlsx(matrix, events, path, "fr")
    with zipfile.ZipFile(path) as archive:  # every text of the workbook: its sheet names and its strings
        names = archive.read("xl/workbook.xml").decode()
        strings = html.unescape(re.sub(r"<[^>]+>", " | ", archive.read("xl/sharedStrings.xml").decode()))
    assert 'name="Matrice des menaces"' in names and "type de menace" in strings
    assert_french("threat matrix XLSX", strings)

    assessment = assess_checklist(structure, None, date.today())
    report = checklist.render_html(assessment, "fr")
    assert "Existe-t-il une stratégie PoC" in report
    assert_french("checklist report", readable(report))

    terms = all_terms_of_reference(structure)
    assert terms
    for tor in terms:
        assert_french(
            f"terms of reference {tor.body_id}", readable(terms_of_reference.render_html(tor, "fr"))
        )
    index = terms_of_reference.render_index(structure, terms, pdf=False, language="fr")
    assert_french("terms of reference index", readable(index))

    svg = organogram.organogram_svg(structure, "fr")
    assert_french("organogram", readable(svg))

    models = coordinator_models.render_html(structure.mission.coordinator_model, "fr")
    assert "Les conseillers PoC comme coordinateurs" in models
    assert_french("coordinator models", readable(models))

    trainer, _ = make_user(demo_engine, "trainer")
    review = exercises.review(demo_engine, scored_exercise["id"], trainer)
    aar = after_action.render_html(review, language="fr")
    assert review.scores and "Enseignements" in aar
    assert_french("after-action review", readable(aar))


def test_the_commands_speak_french(cli: Any, demo_engine: Engine, tmp_path: Path) -> None:
    db = ("--database", demo_engine.url.render_as_string(hide_password=False))
    wide = {"COLUMNS": "400"}
    assessed = _run_wide(cli, wide, *db, "assess", "--language", "fr", "--top", "5")
    assert assessed.code == 0, assessed.err
    assert "Matrice des menaces PoC au" in assessed.out and "type de menace" in assessed.out
    assert_french("pochub assess --language fr", assessed.out)

    scored = _run_wide(cli, wide, *db, "checklist", "--language", "fr")
    assert scored.code == 0, scored.err
    assert "Soutenir la vision et la politique" in scored.out
    assert_french("pochub checklist --language fr", scored.out)
    assert english_in(_run_wide(cli, wide, *db, "structure", "compare-models").out)  # English is caught

    template = tmp_path / "answers.yaml"
    assert cli(*db, "checklist", "--template", template, "--language", "fr").code == 0
    assert "Existe-t-il une stratégie PoC" in template.read_text(encoding="utf-8")
    assert_french("pochub checklist --template --language fr", template.read_text(encoding="utf-8"))

    models = _run_wide(cli, wide, *db, "structure", "compare-models", "--language", "fr")
    assert models.code == 0, models.err
    assert_french("pochub structure compare-models --language fr", models.out)

    tor = tmp_path / "tor"
    written = cli(*db, "structure", "tor", "-o", tor, "--format", "html", "--language", "fr")
    assert written.code == 0, written.err
    for page in tor.iterdir():
        assert_french(f"pochub structure tor: {page.name}", readable(page.read_text(encoding="utf-8")))


def _run_wide(cli: Any, environment: dict[str, str], *args: str) -> Any:
    """Run a command with a terminal wide enough that table cells are not cut mid-sentence."""
    import os

    saved = {k: os.environ.get(k) for k in environment}
    os.environ.update(environment)
    try:
        return cli(*args)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
