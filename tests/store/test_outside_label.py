""" "outside the boundaries" is a key in data and JSON, and shown translated: the threat matrix's CLI table and its
HTML document in French say "en dehors des limites administratives" (real ACLED Mali events against the CAR's
COD-AB communes: every event lies beyond them)."""

from __future__ import annotations

import json
from pathlib import Path

from pochub.core.geography.areas import OUTSIDE
from tests.conftest import CliRunner, shared_file

FRENCH = "en dehors des limites administratives"


def test_outside_the_boundaries_is_translated_in_the_matrix(
    database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    db = ("--database", database_url)
    boundaries = shared_file("cod-ab-car/caf_admbnda_adm2_200k_sigcaf_reach_itos_v2.geojson")
    assert cli(*db, "import", "boundaries", boundaries, "--level", "2").code == 0
    imported = cli(*db, "import", "acled", shared_file("acled-mali/acled_mali_2017-01-01_2019-02-27.csv"))
    assert imported.code == 0, imported.err
    rows = json.loads(cli(*db, "assess", "--level", "2", "--format", "json", "--top", "5").out)
    assert rows and {r["area_pcode"] for r in rows} == {OUTSIDE}, "JSON keeps the key"
    for language, shown in (("fr", FRENCH), ("en", OUTSIDE)):
        table = cli(*db, "assess", "--level", "2", "--top", "3", "--language", language)
        assert table.code == 0, table.err
        assert all(word in table.out for word in shown.split()), "the table may wrap the cell"
        assert language == "en" or OUTSIDE not in table.out
        document = tmp_path / f"matrix-{language}.html"
        written = cli(*db, "assess", "--level", "2", "--top", "3", "--language", language, "-o", document)
        assert written.code == 0, written.err
        assert shown in document.read_text(encoding="utf-8")
    assert OUTSIDE not in (tmp_path / "matrix-fr.html").read_text(encoding="utf-8")
