"""The import graph of src/yaiba: no cycles, no imports up the layers, no private names across modules.

Every ``import``/``from ... import`` of a yaiba module counts, wherever it sits: at module
level, inside a function (a lazy import is still a dependency) or under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "yaiba"

# Wings from the bottom up: a module may import its own wing and any wing below it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("yaiba.errors", "yaiba.metadata", "yaiba.validation"),
    ("yaiba.text",),
    ("yaiba.io",),
    ("yaiba.core",),
    ("yaiba.reasons",),
    ("yaiba.model",),
    ("yaiba.evaluation", "yaiba.frame", "yaiba.safety", "yaiba.serve", "yaiba.spark"),
    ("yaiba",),  # the package's __init__: the public API
    ("yaiba.recipe",),
    ("yaiba.cli",),
    ("yaiba.__main__", "yaiba.testing"),
)


def module_name(path: Path) -> str:
    parts = ("yaiba", *path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def wing(module: str) -> str:
    """The wing a module belongs to: the longest prefix listed in LAYERS."""
    best = ""
    for layer in LAYERS:
        for w in layer:
            if (module == w or module.startswith(w + ".")) and len(w) > len(best):
                best = w
    if not best:
        raise AssertionError(f"{module} is in no layer of LAYERS")
    return best


def layer(module: str) -> int:
    w = wing(module)
    return next(i for i, names in enumerate(LAYERS) if w in names)


def imports(path: Path) -> list[tuple[str, str, int]]:
    """(imported module, imported name or '', line) of every yaiba import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, "", node.lineno) for a in node.names if a.name.split(".")[0] == "yaiba"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[: len(parent) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            if base.split(".")[0] != "yaiba":
                continue
            for a in node.names:
                sub = f"{base}.{a.name}"
                if (SRC / Path(*sub.split(".")[1:])).with_suffix(".py").exists() or (
                    SRC / Path(*sub.split(".")[1:]) / "__init__.py"
                ).exists():
                    out.append((sub, "", node.lineno))  # from yaiba.core import codec: a module
                else:
                    out.append((base, a.name, node.lineno))
    return out


Edge = tuple[str, str, str, int]  # (importer, imported module, imported name or '', line)


def upward(edges: list[Edge]) -> list[str]:
    """Imports of a higher layer, or of another wing of the same layer."""
    return [
        f"{src} -> {target} (line {line})"
        for src, target, _, line in edges
        if src != "yaiba"
        and (layer(target) > layer(src) or (layer(target) == layer(src) and wing(target) != wing(src)))
    ]


def private(edges: list[Edge]) -> list[str]:
    """``from other_module import _name``."""
    return [
        f"{src} imports {name} from {target} (line {line})"
        for src, target, name, line in edges
        if name.startswith("_") and not name.startswith("__") and target != src
    ]


def cycles(edges: list[Edge]) -> list[list[str]]:
    """Import cycles between modules, each as a path that ends where it starts."""
    graph: dict[str, set[str]] = {}
    for src, target, _, _ in edges:
        graph.setdefault(src, set())
        graph.setdefault(target, set())
        if target != src:
            graph[src].add(target)
    state: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                found.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


MODULES = sorted(SRC.rglob("*.py"))
EDGES: list[Edge] = [(module_name(p), target, name, line) for p in MODULES for target, name, line in imports(p)]


def test_the_graph_was_read():
    assert len(MODULES) > 40
    assert ("yaiba.model", "yaiba.core.features", "Featurizer") in {e[:3] for e in EDGES}
    assert any(e[0] == "yaiba.cli.main" and e[1] == "yaiba.cli.score" for e in EDGES)  # from yaiba.cli import score


def test_every_module_has_a_layer():
    for p in MODULES:
        layer(module_name(p))


def test_no_import_goes_up_a_layer_or_sideways():
    assert upward(EDGES) == []


def test_no_private_name_is_imported_from_another_module():
    assert private(EDGES) == []


def test_there_are_no_import_cycles():
    assert cycles(EDGES) == []


def test_the_checks_catch_what_they_are_for():
    """Each rule fires on a made-up bad edge and stays quiet on a good one."""
    assert upward([("yaiba.text.normalize", "yaiba.model", "Model", 3)]) == [
        "yaiba.text.normalize -> yaiba.model (line 3)"
    ]
    assert upward([("yaiba.safety.nudging", "yaiba.evaluation.metrics", "", 1)])  # sideways
    assert upward([("yaiba.model", "yaiba.core.features", "Featurizer", 1)]) == []
    assert private([("yaiba.model", "yaiba.core.features", "_mix", 7)])
    assert private([("yaiba.model", "yaiba.core.features", "__doc__", 7)]) == []
    assert cycles([("a", "b", "", 1), ("b", "c", "", 1), ("c", "a", "", 1)]) == [["a", "b", "c", "a"]]
    assert cycles([("a", "b", "", 1), ("a", "c", "", 1), ("b", "c", "", 1)]) == []
