"""The architecture's rules, checked on the code itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "pochub"
FORBIDDEN = (
    "sqlalchemy",
    "fastapi",
    "starlette",
    "jinja2",
    "httpx",
    "typer",
    "uvicorn",
    "alembic",
    "psycopg",
    "pochub.store",
    "pochub.api",
    "pochub.web",
    "pochub.services",
    "pochub.ingest",
    "pochub.documents",
    "pochub.cli",
)


def imported_modules(path: Path) -> list[str]:
    """Every module a file imports, including imports inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


CORE_FILES = sorted((SRC / "core").rglob("*.py"))


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_core_imports_no_edge(path: Path) -> None:
    bad = [m for m in imported_modules(path) if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
    assert not bad, f"{path.relative_to(SRC)} imports edge modules {bad}"


def test_the_rule_catches_an_edge_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from sqlalchemy import select\n    return select\n")
    assert "sqlalchemy" in imported_modules(sample)


def test_core_has_modules() -> None:
    assert len(CORE_FILES) >= 8


def test_no_utils_modules() -> None:
    assert not [p for p in SRC.rglob("utils.py")], "modules are nouns: no utils.py"
