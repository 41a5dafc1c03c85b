"""The threat matrix from the store on both backends: demo mission and real ACLED data, HTML and XLSX."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from sqlalchemy import Engine

from pochub.config import Settings
from pochub.services.demo_mission import load_demo
from tests.conftest import CliRunner, shared_file


def test_demo_matrix_with_override_html_and_xlsx(
    engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    load_demo(engine, Settings(), seed=2, n_communities=300, n_events=3000)
    result = cli("--database", database_url, "assess", "--format", "json", "--top", "50")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert rows and [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert [r["risk"] for r in rows] == sorted((r["risk"] for r in rows), reverse=True)
    assert all(r["area_pcode"].startswith("KT") and r["population_at_risk"] > 0 for r in rows[:5])
    last = rows[-1]
    assert (
        cli(
            "--database",
            database_url,
            "threats",
            "override",
            last["key"],
            "risk",
            "25",
            "--analyst",
            "JMAC",
            "--reason",
            "credible report of imminent attack",
        ).code
        == 0
    )
    again = json.loads(cli("--database", database_url, "assess", "--format", "json", "--top", "1").out)
    assert again[0]["key"] == last["key"] and again[0]["overridden"] == ["risk"]
    html = tmp_path / "matrix.html"
    assert cli("--database", database_url, "assess", "-o", html).code == 0
    text = html.read_text()
    assert 'id="threat-1"' in text and 'href="#evidence-1"' in text and "computed" in text
    xlsx = tmp_path / "matrix.xlsx"
    assert cli("--database", database_url, "assess", "-o", xlsx).code == 0
    with zipfile.ZipFile(xlsx) as archive:
        names = archive.namelist()
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "xl/worksheets/sheet2.xml" in names
    assert "location=\"'Evidence'!A2\"" in sheet, "the first threat links to its evidence rows"


def test_real_acled_matrix_by_admin_names(engine: Engine, database_url: str, cli: CliRunner) -> None:
    assert (
        cli(
            "--database",
            database_url,
            "import",
            "acled",
            shared_file("acled-legacy-perse/ACLED_DRC_97_14.csv"),
        ).code
        == 0
    )
    result = cli("--database", database_url, "assess", "--level", "1", "--format", "json", "--top", "5")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert rows and all(r["evidence_events"] > 0 for r in rows)
    assert {r["area"] for r in rows} <= {
        "Nord-Kivu",
        "Sud-Kivu",
        "Orientale",
        "Katanga",
        "Maniema",
        "Equateur",
        "Kinshasa",
        "Bas-Congo",
        "Bandundu",
        "Kasai-Oriental",
        "Kasai-Occidental",
    }
    bad = cli("--database", database_url, "assess", "--area", "Atlantis")
    assert bad.code == 1 and "no area" in bad.err
