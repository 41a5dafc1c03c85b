"""`pochub structure ...` and `pochub checklist` on SQLite and PostgreSQL, from the demo mission's structure."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, func, select

from pochub.demo.generator import DemoFiles, generate_demo
from pochub.services.capacities import store_structure
from pochub.services.places import import_boundaries
from pochub.services.structures import current_structure, template_text
from pochub.store import tables
from tests.conftest import CliRunner

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return generate_demo(tmp_path_factory.mktemp("demo"), seed=1, n_communities=150, n_events=300)


@pytest.fixture
def stored(engine: Engine, demo: DemoFiles) -> Engine:
    """A database holding the demo mission's boundaries and structure (as `pochub demo` stores them)."""
    import_boundaries(engine, demo.admin1, 1)
    import_boundaries(engine, demo.admin2, 2)
    store_structure(engine, demo.structure)
    return engine


def structure_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.structures)).scalar_one())


def test_the_toolkit_from_the_demo_structure(
    cli: CliRunner, stored: Engine, database_url: str, demo: DemoFiles, tmp_path: Path
) -> None:
    db = ("--database", database_url)
    with stored.connect() as conn:
        structure = current_structure(conn)
    assert structure is not None
    result = cli(*db, "structure", "validate", demo.structure, "--boundaries-from-store")
    assert result.code == 0, result.err
    assert "valid: 7 bodies, 3 field offices" in result.out and "P-codes covered" in result.out

    svg_path = tmp_path / "organogram.svg"
    assert cli(*db, "structure", "organogram", "-o", svg_path).code == 0
    svg = ET.parse(svg_path).getroot()
    boxes = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "body"]
    assert {g.get("id") for g in boxes} == {f"body-{b.id}" for b in structure.bodies}
    lines = [p for p in svg.iter(f"{SVG}polyline")]
    assert len(lines) == sum(1 for b in structure.bodies if b.reports_to)
    assert "Senior Management Group on" in svg_path.read_text()

    tor = tmp_path / "tor"
    assert cli(*db, "structure", "tor", "-o", tor, "--format", "html").code == 0
    assert {p.name for p in tor.iterdir()} == {f"{b.id}.html" for b in structure.bodies} | {"index.html"}
    page = (tor / "mission_poc_wg.html").read_text()
    for heading in ("Purpose", "Chair, co-chair and secretariat", "Members by component and quorum", "Observers",
                    "Meetings", "Standing inputs", "Outputs", "Reporting and escalation",
                    "Information classification", "Review"):  # fmt: skip
        assert heading in page
    assert structure.post("senior_poc_adviser").name in page  # type: ignore[union-attr]

    answers = tmp_path / "answers.yaml"
    assert cli(*db, "checklist", "--template", answers).code == 0
    filled: dict[str, Any] = yaml.safe_load(answers.read_text())
    assert len(filled["tasks"]) == 10
    for question in filled["tasks"][7]["questions"]:  # engaging with national authorities
        question.update(answer="yes", evidence="monthly dialogue", owner="DSRSG")
    filled["tasks"][9]["questions"][0].update(answer="no", owner="Chief ITS", due_date="2026-12-31")
    answers.write_text(yaml.safe_dump(filled, sort_keys=False))
    report = tmp_path / "checklist.html"
    result = cli(
        *db, "checklist", "--answers", answers, "-o", report, "--as-of", "2026-11-01", "--format", "json"
    )
    assert result.code == 0, result.err
    scores = {t["task"]: t for t in json.loads(result.out)["tasks"]}
    assert scores["national_authorities"]["score"] == 100 and scores["national_authorities"]["yes"] == 4
    assert scores["training"]["no"] == 1
    assert scores["roles_and_responsibilities"]["yes"] >= 3  # answered from the structure
    html = report.read_text()
    assert "Chief ITS" in html and "monthly dialogue" in html and "Supporting training" in html

    models = tmp_path / "models.html"
    assert cli(*db, "structure", "compare-models", "-o", models).code == 0
    text = models.read_text()
    assert "PoC advisers as coordinators</strong>" in text
    for title in ("PoC advisers as coordinators", "Substantive sections as coordinators",
                  "Groups (forums) as coordinators", "Heads of mission (or office) as coordinators"):  # fmt: skip
        assert title in text


def test_terms_of_reference_as_pdf(cli: CliRunner, stored: Engine, database_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "tor"
    result = cli("--database", database_url, "structure", "tor", "-o", folder, "--format", "pdf",
                 "--body", "smg_protection")  # fmt: skip
    assert result.code == 0, result.err
    assert [p.name for p in folder.iterdir()] == ["smg_protection.pdf"]
    assert (folder / "smg_protection.pdf").read_bytes().startswith(b"%PDF")


def test_validate_lists_every_problem_with_its_line(
    cli: CliRunner, stored: Engine, database_url: str, demo: DemoFiles, tmp_path: Path
) -> None:
    document = yaml.safe_load(demo.structure.read_text())
    document["field_offices"][0]["poc_focal_point"] = None
    document["routing"]["rules"][17]["body"] = "joc2"
    document["field_offices"][2]["area_pcodes"] = []
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(document, sort_keys=False))
    result = cli("--database", database_url, "structure", "validate", broken, "--boundaries-from-store")
    assert result.code == 1
    office = document["field_offices"][0]
    assert (
        f"field_offices[{office['id']}] ({office['name']['en']}): area {office['area_pcodes'][0]} has no PoC focal point"
        in result.out
    )
    assert "routing.rules[17]: body 'joc2' does not exist" in result.out
    assert "(from boundaries) is not covered by any field office" in result.out
    lines = broken.read_text().splitlines()
    rule_line = next(line for line in result.out.splitlines() if "routing.rules[17]" in line)
    number = int(rule_line.split(":")[1])
    assert lines[number - 1].lstrip().startswith("- ")  # the line where rule 17 starts
    assert "problem(s)" in result.err


def test_import_export_round_trip_and_invalid_imports_store_nothing(
    cli: CliRunner, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    db = ("--database", database_url)
    source = tmp_path / "groups.yaml"
    assert cli(*db, "structure", "templates", "--model", "groups_as_coordinators", "-o", source).code == 0
    assert source.read_text() == template_text("groups_as_coordinators")
    assert cli(*db, "structure", "import", source).code == 0
    exported = tmp_path / "exported.yaml"
    assert cli(*db, "structure", "export", "-o", exported).code == 0
    assert yaml.safe_load(exported.read_text()) == yaml.safe_load(source.read_text())
    assert structure_count(engine) == 1

    document = yaml.safe_load(source.read_text())
    document["bodies"][1]["reports_to"] = document["bodies"][2]["id"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(document, sort_keys=False))
    result = cli(*db, "structure", "import", bad)
    assert result.code == 1 and "reporting-line cycle" in result.err and "nothing was stored" in result.err
    assert structure_count(engine) == 1

    pcodes = tmp_path / "pcodes.txt"
    pcodes.write_text("XX01\nXX02\nXX03\nXX04\nXX05\n")
    result = cli(*db, "structure", "validate", source, "--pcodes", pcodes)
    assert result.code == 1 and "area XX05 (from boundaries) is not covered" in result.out


def test_validate_and_import_print_their_problems_in_french(
    cli: CliRunner, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    db = ("--database", database_url)
    source = tmp_path / "groups.yaml"
    assert cli(*db, "structure", "templates", "--model", "groups_as_coordinators", "-o", source).code == 0
    result = cli(*db, "structure", "validate", source, "--language", "fr")
    assert result.code == 0 and ": valide : " in result.out and "organes" in result.out
    document = yaml.safe_load(source.read_text())
    document["bodies"][1]["reports_to"] = document["bodies"][2]["id"]
    document["routing"]["default_body"] = "nowhere"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(document, sort_keys=False))
    result = cli(*db, "structure", "validate", bad, "--language", "fr")
    assert result.code == 1
    assert (
        "boucle dans les liens hiérarchiques" in result.out
        and "l'organe 'nowhere' n'existe pas" in result.out
    )
    assert "reporting-line" not in result.out and "does not exist" not in result.out
    assert "problème(s)" in result.err
    result = cli(*db, "structure", "import", bad, "--language", "fr")
    assert result.code == 1 and "rien n'a été enregistré" in result.err
    assert "boucle dans les liens hiérarchiques" in result.err and "reporting-line" not in result.err
    assert structure_count(engine) == 0
    assert cli(*db, "structure", "import", source, "--language", "fr").code == 0
    assert structure_count(engine) == 1


def test_errors_name_the_line_and_missing_structures(
    cli: CliRunner, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    db = ("--database", database_url)
    broken = tmp_path / "syntax.yaml"
    broken.write_text("mission:\n  name: M\nbodies: [\n  - id: a\n")
    result = cli(*db, "structure", "validate", broken)
    assert result.code == 1 and f"{broken}:4:3: not valid YAML" in result.err
    result = cli(*db, "structure", "organogram", "-o", tmp_path / "o.svg")
    assert result.code == 1 and "no coordination structure is stored" in result.err
    result = cli(*db, "structure", "validate", tmp_path / "absent.yaml")
    assert result.code == 1 and "cannot read" in result.err
    result = cli(*db, "structure", "validate", broken, "--boundaries-from-store")
    assert result.code == 1


def test_the_toolkit_reads_a_structure_file_instead_of_the_store(
    cli: CliRunner, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    db = ("--database", database_url)
    source = tmp_path / "heads.yaml"
    source.write_text(template_text("heads_of_mission_as_coordinators"))
    assert cli(*db, "structure", "organogram", "--structure", source, "-o", tmp_path / "o.svg").code == 0
    result = cli(*db, "checklist", "--structure", source, "--as-of", "2026-11-01")
    assert result.code == 0 and "Supporting training" in result.out
    result = cli(
        *db, "structure", "route", "--structure", source, "--urgency", "immediate", "--pcode", "XX0301"
    )
    assert result.code == 0
    routed = json.loads(result.out)
    assert routed["body"] == "joc" and routed["field_office"] == "fo_east"
    assert routed["deadlines_hours"]["acknowledge"] == 0.25 and routed["deadlines_hours"]["decide"] == 2
    assert structure_count(engine) == 0
