"""The architecture's rules, checked on the code itself."""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
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


# --- import cycles (issue 15, item 5) ---

KNOWN_CYCLES: dict[frozenset[str], str] = {
    # (http/csrf.py <-> web/rendering.py ended: the composition root, http/app.py, gives the CSRF check its page)
}
"""Import cycles still allowed, each as the modules of its strongly connected component. The list only shrinks: a
new cycle fails ``test_no_import_cycles``, and one that is gone (or smaller) must leave the list
(``test_known_cycles_still_exist``)."""


def module_names(root: Path, package: str = "pochub") -> dict[str, Path]:
    """Every module of the package in ``root`` by its dotted name (a package by its own name)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = (package, *path.relative_to(root).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements under ``node`` (inside functions too), leaving out ``if TYPE_CHECKING:`` blocks."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking(child.test):
            for other in child.orelse:
                yield from _imports(other)
        else:
            yield from _imports(child)


def module_imports(source: str, module: str, is_package: bool, known: Collection[str]) -> set[str]:
    """The modules of ``known`` a module's source imports: ``import a.b``; ``from a import b`` (module ``a.b`` when
    it is one, else ``a``); relative imports alike. A name defined inside a module stands for the module."""

    def resolved(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    package = module if is_package else module.rpartition(".")[0]
    targets: set[str | None] = set()
    for node in _imports(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets |= {resolved(alias.name) for alias in node.names}
            continue
        base = node.module or ""
        if node.level:
            parts = package.split(".")
            base = ".".join([*parts[: len(parts) - node.level + 1], *([base] if base else [])])
        for alias in node.names:
            child = f"{base}.{alias.name}"
            targets.add(child if child in known else resolved(base))
    return {t for t in targets if t is not None and t != module}


def import_graph(root: Path, package: str = "pochub") -> dict[str, set[str]]:
    """Each module of the package and the package's modules it imports."""
    modules = module_names(root, package)
    return {
        name: module_imports(path.read_text(encoding="utf-8"), name, path.name == "__init__.py", modules)
        for name, path in modules.items()
    }


def import_cycles(graph: Mapping[str, Collection[str]]) -> list[frozenset[str]]:
    """The graph's cycles: its strongly connected components of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[frozenset[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        work = [(root, iter(sorted(graph.get(root, ()))))]
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = stack[stack.index(node) :]
                del stack[stack.index(node) :]
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def _described(graph: Mapping[str, Collection[str]], cycle: frozenset[str]) -> str:
    return "; ".join(f"{a} -> {b}" for a in sorted(cycle) for b in sorted(graph[a]) if b in cycle)


def test_no_import_cycles() -> None:
    graph = import_graph(SRC)
    new = [c for c in import_cycles(graph) if not any(c <= known for known in KNOWN_CYCLES)]
    assert not new, "import cycles: " + " | ".join(_described(graph, c) for c in new)


def test_known_cycles_still_exist() -> None:
    found = import_cycles(import_graph(SRC))
    gone = [sorted(known) for known in KNOWN_CYCLES if known not in found]
    assert not gone, f"no longer cycles as listed (remove or shrink them in KNOWN_CYCLES): {gone}"


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e", "a"}, "f": {"g"}, "g": {"f"}}
    assert sorted(sorted(c) for c in import_cycles(graph)) == [["a", "b", "c"], ["f", "g"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_graph_reads_every_kind_of_import(tmp_path: Path) -> None:
    files = {
        "__init__.py": "",
        "a.py": "from pkg import b\n",  # a module imported from its package
        "b.py": "def f():\n    from .sub.c import VALUE\n    return VALUE\n",  # relative, inside a function
        "sub/__init__.py": "from .. import d\n",  # relative to the parent package
        "sub/c.py": "import pkg.a\nVALUE = 1\n",
        "d.py": "from typing import TYPE_CHECKING\nimport pkg.sub\nif TYPE_CHECKING:\n    from pkg import a\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    graph = import_graph(tmp_path, "pkg")
    assert graph == {
        "pkg": set(),
        "pkg.a": {"pkg.b"},
        "pkg.b": {"pkg.sub.c"},
        "pkg.sub": {"pkg.d"},
        "pkg.sub.c": {"pkg.a"},
        "pkg.d": {"pkg.sub"},
    }
    assert sorted(sorted(c) for c in import_cycles(graph)) == [
        ["pkg.a", "pkg.b", "pkg.sub.c"],
        ["pkg.d", "pkg.sub"],
    ]


# --- the two edges, api and web, do not import each other (issue 15, items 1 and 5) ---

EDGES = ("api", "web")


def edge_crossings(graph: Mapping[str, Collection[str]], edge: str, other: str) -> list[str]:
    """The imports of a module of ``pochub.<edge>`` from ``pochub.<other>``, as ``importer -> imported``."""

    def inside(module: str, package: str) -> bool:
        return module == f"pochub.{package}" or module.startswith(f"pochub.{package}.")

    return [
        f"{module} -> {imported}"
        for module in sorted(graph)
        if inside(module, edge)
        for imported in sorted(graph[module])
        if inside(imported, other)
    ]


@pytest.mark.parametrize(("edge", "other"), [EDGES, EDGES[::-1]], ids=["api-not-web", "web-not-api"])
def test_edges_do_not_import_each_other(edge: str, other: str) -> None:
    graph = import_graph(SRC)
    assert sum(m.startswith(f"pochub.{edge}.") for m in graph) >= 5  # the edge is there to be checked
    crossings = edge_crossings(graph, edge, other)
    assert not crossings, f"pochub.{edge} imports pochub.{other} (share it through pochub.http): {crossings}"


def test_the_edge_rule_catches_an_import_either_way(tmp_path: Path) -> None:
    files = {
        "__init__.py": "",
        "http/__init__.py": "",
        "http/app.py": "from pochub.api import routes\nfrom pochub.web import pages\n",  # the root may
        "api/__init__.py": "",
        "api/routes.py": "from pochub.http.app import x\ndef f():\n    from ..web.pages import page\n",
        "api/language.py": "from pochub import web\n",
        "web/__init__.py": "",
        "web/pages.py": "import pochub.api.routes\n",
        "web/forms.py": "from pochub.http import app\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    graph = import_graph(tmp_path, "pochub")
    assert edge_crossings(graph, "api", "web") == [
        "pochub.api.language -> pochub.web",
        "pochub.api.routes -> pochub.web.pages",
    ]
    assert edge_crossings(graph, "web", "api") == ["pochub.web.pages -> pochub.api.routes"]
    assert edge_crossings({"pochub.webhooks.x": {"pochub.api"}}, "web", "api") == []


# --- edges call services, never the store (issue 15, item 2) ---

STORE_EDGES = ("api", "web", "cli", "http", "documents")
"""The edges: they reach the data through ``pochub.services`` (only services and migrations touch the store)."""


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def store_importers(
    graph: Mapping[str, Collection[str]], edges: Collection[str] = STORE_EDGES, package: str = "pochub"
) -> dict[str, list[str]]:
    """The modules of the edges that import the store, each with the store modules it imports."""
    return {
        module: sorted(m for m in imported if _inside(m, f"{package}.store"))
        for module, imported in sorted(graph.items())
        if any(_inside(module, f"{package}.{edge}") for edge in edges)
        and any(_inside(m, f"{package}.store") for m in imported)
    }


def test_edges_do_not_import_the_store() -> None:
    graph = import_graph(SRC)
    for edge in STORE_EDGES:  # each edge is there to be checked
        assert any(_inside(m, f"pochub.{edge}") and m != f"pochub.{edge}" for m in graph), edge
    found = store_importers(graph)
    assert not found, f"edges import pochub.store (call a service instead): {found}"


def test_the_store_rule_catches_an_edge_import(tmp_path: Path) -> None:
    files = {
        "__init__.py": "",
        "store/__init__.py": "",
        "store/tables.py": "",
        "store/database.py": "",
        "services/__init__.py": "",
        "services/views.py": "from pochub.store import tables\n",  # services may
        "api/__init__.py": "",
        "api/routes.py": "from pochub.store import tables\nfrom pochub.services import views\n",
        "web/__init__.py": "",
        "web/pages.py": "def f():\n    from ..store.tables import events\n    return events\n",
        "cli/__init__.py": "",
        "cli/db.py": "def f():\n    import pochub.store.database\n",
        "http/__init__.py": "",
        "http/database.py": "from pochub.services.views import reading\n",  # through a service: fine
        "documents/__init__.py": "from pochub import store\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    graph = import_graph(tmp_path, "pochub")
    assert store_importers(graph) == {
        "pochub.api.routes": ["pochub.store.tables"],
        "pochub.cli.db": ["pochub.store.database"],
        "pochub.documents": ["pochub.store"],
        "pochub.web.pages": ["pochub.store.tables"],
    }
    assert store_importers(graph, edges=("http",)) == {}
