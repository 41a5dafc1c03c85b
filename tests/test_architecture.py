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


CLI_FILES = sorted((SRC / "cli").glob("*.py"))
CLI_ROOTS = {"__init__.py", "main.py"}
"""main.py registers every command group; the package's ``__init__`` loads it only when ``app`` is asked for."""


def cli_imports(source: str, package: str = "pochub.cli") -> list[str]:
    """The ``pochub.cli`` modules a source imports (absolute or relative, at the top or inside functions),
    ``from pochub.cli import app`` counting as main, which defines it."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith(package + ".")]
        elif isinstance(node, ast.ImportFrom):
            module = package if node.level else node.module or ""
            if node.level and node.module:
                module = f"{package}.{node.module}"
            if module == package:
                found += [f"{package}.{'main' if a.name == 'app' else a.name}" for a in node.names]
            elif module.startswith(package + "."):
                found.append(module)
    return found


def main_imports(source: str) -> list[str]:
    """The imports of ``pochub.cli.main`` (or of what lives in it) in a source."""
    return [m for m in cli_imports(source) if m == "pochub.cli.main" or m.startswith("pochub.cli.main.")]


@pytest.mark.parametrize(
    "path", [p for p in CLI_FILES if p.name not in CLI_ROOTS], ids=lambda p: str(p.relative_to(SRC))
)
def test_cli_modules_do_not_import_main(path: Path) -> None:
    assert not main_imports(path.read_text(encoding="utf-8")), (
        f"{path.relative_to(SRC)} imports pochub.cli.main"
    )


@pytest.mark.parametrize(
    "source",
    [
        "from pochub.cli.main import app\n",
        "import pochub.cli.main\n",
        "from pochub.cli import console, main\n",
        "from pochub.cli import app\n",
        "def f():\n    from .main import main\n",
        "def f():\n    from . import main\n",
    ],
)
def test_the_cli_rule_catches_an_import_of_main(source: str) -> None:
    assert main_imports(source) == ["pochub.cli.main"]
    assert not main_imports("from pochub.cli.console import err, state\nfrom pochub.cli import options\n")


def import_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of an import graph (module -> modules it imports), or [] when it has none."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str]:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return []
        for imported in sorted(graph.get(module, ())):
            cycle = visit(imported, [*path, module])
            if cycle:
                return cycle
        done.add(module)
        return []

    for module in sorted(graph):
        cycle = visit(module, [])
        if cycle:
            return cycle
    return []


def test_cli_modules_import_no_cycle() -> None:
    graph = {
        f"pochub.cli.{p.stem}": set(cli_imports(p.read_text(encoding="utf-8")))
        for p in CLI_FILES
        if p.name != "__init__.py"
    }
    assert len(graph) >= 10 and "pochub.cli.console" in graph["pochub.cli.main"]
    assert not import_cycle(graph), " -> ".join(import_cycle(graph))


def test_the_cycle_check_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycle(graph) == ["a", "b", "c", "a"]
    assert import_cycle({"a": {"b"}, "b": {"c"}, "d": {"a", "c"}}) == []
