"""The house rules of the package, read from its source: imports flow one way, rooms stay small.

``model``/``errors``/``urls`` sit at the bottom, ``cli`` at the top, and
nothing imports ``cli``; there are no import cycles between modules (a
function-level import counts too: it is still a dependency); each external
tool has one adapter module; no module is much over 400 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "archive"
BOTTOM = {"model": set(), "urls": {"model"}, "errors": set()}
"""The foundation and the only modules of ours each may import."""
ADAPTERS = {"opencc": "engine", "pagefind": "search", "budoux": "typography", "pypinyin": "sorting",
            "orjson": "codec"}
"""External tools and the one module allowed to import each."""


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(parts) or "__init__"


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(modules of ours, top-level external packages) that ``path`` imports anywhere in its body."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = _module_name(path)
    package = name.split(".")[:-1] if path.name != "__init__.py" else name.split(".")
    ours, theirs = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
                target = ".".join(base + ([node.module] if node.module else []))
                if node.module:
                    ours.add(target)
                else:
                    ours.update(".".join(base + [alias.name]) for alias in node.names)
            elif node.module and node.module.split(".")[0] == "archive":
                ours.add(node.module.split(".", 1)[1] if "." in node.module else "__init__")
            elif node.module:
                theirs.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                theirs.add(alias.name.split(".")[0])
    return {m for m in ours if m}, theirs


GRAPH = {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(target: str) -> str:
    """An imported name that is a module of ours (``importer.read``), or its package."""
    while target and target not in GRAPH:
        target = target.rpartition(".")[0]
    return target


def test_nothing_imports_cli_and_the_foundation_imports_nothing_above_it():
    for module, (ours, _) in GRAPH.items():
        assert "cli" not in {_resolve(t) for t in ours} or module == "__main__", module
    for module, allowed in BOTTOM.items():
        assert {_resolve(t) for t in GRAPH[module][0]} <= allowed, module


def test_there_are_no_import_cycles():
    edges = {m: {_resolve(t) for t in ours} - {m, ""} for m, (ours, _) in GRAPH.items()}
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue  # a package and its own modules
            if state.get(nxt) == 1:
                pytest.fail("import cycle: " + " → ".join(path[path.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)


@pytest.mark.parametrize("tool, owner", sorted(ADAPTERS.items()))
def test_each_external_tool_is_imported_by_one_adapter(tool, owner):
    importers = sorted(m for m, (_, theirs) in GRAPH.items() if tool in theirs)
    assert importers == [owner]


def test_modules_stay_small():
    sizes = {m: len((PACKAGE / (m.replace(".", "/") + ".py")).read_text(encoding="utf-8").splitlines())
             for m in GRAPH if (PACKAGE / (m.replace(".", "/") + ".py")).is_file()}
    assert {m: n for m, n in sizes.items() if n > 420} == {}
