"""Imports run one way (DESIGN.md rule 11): the import graph of ``src/odoobridge`` has no cycle.

Every ``import`` counts — at module top, inside functions and behind ``TYPE_CHECKING`` alike — so
a circle cannot hide behind a deferred import. The CLI's entry module must stay light: importing
it must not pull in the heavy libraries that only some commands need.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "odoobridge"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def import_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports (a package counts as its ``__init__``)."""
    files = {module_name(p): p for p in SRC.joinpath(PACKAGE).rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}

    def known(name: str) -> str | None:
        while name:
            if name in files:
                return name
            name = name.rpartition(".")[0]
        return None

    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = resolve(name, path.name == "__init__.py", node)
                # "from pkg import mod" imports the submodule when there is one
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            for target in targets:
                if not target.startswith(PACKAGE):
                    continue
                found = known(target)
                if found is not None and found != name:
                    graph[name].add(found)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def is_package_parent(graph: dict[str, set[str]], a: str, b: str) -> bool:
    return b.startswith(a + ".") or a.startswith(b + ".")


def test_the_import_graph_has_no_cycle() -> None:
    graph = import_graph()
    # A package's __init__ importing its own submodules is how a package exposes its surface;
    # the submodule importing the package's __init__ back would still be a cycle.
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(" ↔ ".join(c) for c in found)


def test_the_graph_sees_deferred_imports() -> None:
    """The checker itself: an import inside a function is an edge."""
    graph = import_graph()
    assert "odoobridge.errors" in graph["odoobridge.cli.main"]
    assert graph["odoobridge.web.app"], "the app imports the domains"


HEAVY = ("fastapi", "sqlalchemy.orm", "plotly", "openpyxl", "msal")


def test_the_cli_entry_module_stays_light() -> None:
    """``odoobridge --help`` answers at once: the entry module imports no heavy library."""
    code = (
        "import sys; import odoobridge.cli.main; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "", f"importing the CLI loads {loaded}"


def deferred_imports() -> list[str]:
    """Project imports made inside functions, outside the CLI (where start-up time asks for them)
    and the Alembic environment (run by Alembic, not imported)."""
    found = []
    for path in SRC.joinpath(PACKAGE).rglob("*.py"):
        name = module_name(path)
        if name.startswith(f"{PACKAGE}.cli") or name.endswith("migrations.env"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                target = ""
                if isinstance(node, ast.ImportFrom):
                    target = resolve(name, path.name == "__init__.py", node)
                elif isinstance(node, ast.Import):
                    target = node.names[0].name
                if target.startswith(PACKAGE):
                    found.append(f"{name}.{function.name}: {target}")
    return sorted(set(found))


def test_imports_inside_functions_only_in_the_cli() -> None:
    """Outside the CLI a deferred import hides a dependency (or a circle): import at the top."""
    assert deferred_imports() == []
