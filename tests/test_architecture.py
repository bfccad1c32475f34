"""The house rules that keep the code walkable (issue #14), checked on the source itself.

- no module of the library, the UI or the CLI over 600 lines;
- the layers import downwards only: geodata <- access <- scenarios <- ui / app / cli;
- no import loops between our modules;
- no private name (``_x``) imported from another of our modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("geodata", "access", "scenarios", "ui", "cli")
#: What each layer may import of ours (besides itself).
ALLOWED = {
    "geodata": set(),
    "access": {"geodata"},
    "scenarios": {"geodata", "access"},
    "ui": {"geodata", "access", "scenarios"},
    "app": {"geodata", "access", "scenarios", "ui"},
    "cli": {"geodata", "access", "scenarios"},
}
MAX_LINES = 600


def _sources() -> dict[str, Path]:
    """Module name -> file, for every module of the library, the UI and the CLI."""
    out = {"app": ROOT / "app.py"}
    for pkg in PACKAGES:
        for f in sorted((ROOT / pkg).rglob("*.py")):
            parts = f.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = f
    return out


SOURCES = _sources()


def _imports(name: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for each import of ours in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    out: list[tuple[str, list[str], int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = name.split(".") if is_pkg else name.split(".")[:-1]
                anchor = here[: len(here) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            out.append((base, [a.name for a in node.names], node.lineno))
    return [(m, n, line) for m, n, line in out if m.split(".")[0] in ALLOWED]


def _resolve(module: str, names: list[str]) -> list[str]:
    """Our modules an import statement reaches (``from pkg import mod`` reaches ``pkg.mod``)."""
    hits = [f"{module}.{n}" for n in names if f"{module}.{n}" in SOURCES]
    if module in SOURCES:
        hits.append(module)
    return hits


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_module_is_small(name: str) -> None:
    n = len(SOURCES[name].read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{SOURCES[name].relative_to(ROOT)} has {n} lines (at most {MAX_LINES})"


def test_layers_import_downwards_only() -> None:
    wrong = []
    for name, path in SOURCES.items():
        layer = name.split(".")[0]
        for module, _names, line in _imports(name, path):
            top = module.split(".")[0]
            if top != layer and top not in ALLOWED[layer]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_no_import_loops() -> None:
    graph = nx.DiGraph()
    for name, path in SOURCES.items():
        graph.add_node(name)
        for module, names, _line in _imports(name, path):
            for target in _resolve(module, names):
                # a package's __init__ re-exporting its own modules is not a loop
                if target != name and not target.startswith(name + "."):
                    graph.add_edge(name, target)
    loops = [c for c in nx.simple_cycles(graph) if not _is_init_reexport(c)]
    assert not loops, "import loops: " + "; ".join(" -> ".join([*c, c[0]]) for c in loops)


def test_no_private_names_imported_across_modules() -> None:
    wrong = []
    for name, path in SOURCES.items():
        for module, names, line in _imports(name, path):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private:
                wrong.append(f"{path.relative_to(ROOT)}:{line} from {module} import {private}")
    assert not wrong, "private names imported across modules:\n" + "\n".join(wrong)


def test_the_checks_see_the_code() -> None:
    """The checks above would be vacuous if the walk found nothing: it finds every layer."""
    layers = {n.split(".")[0] for n in SOURCES}
    assert layers == set(ALLOWED)
    assert len(SOURCES) > 40
    assert any(_imports("scenarios.runner", SOURCES["scenarios.runner"]))


def _is_init_reexport(cycle: list[str]) -> bool:
    """A cycle through a package and its own submodule (``pkg`` -> ``pkg.mod`` -> ``pkg``)."""
    return any(b.startswith(a + ".") or a.startswith(b + ".") for a in cycle for b in cycle)
