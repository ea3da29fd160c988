"""The engine's house rules: no import cycles between its modules, and every module imports alone."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1]
PACKAGE = "clinicbot.engine"


def _modules() -> dict[str, Path]:
    """Every engine module but the tests, by dotted name."""
    found = {}
    for path in sorted(ENGINE.rglob("*.py")):
        rel = path.relative_to(ENGINE).with_suffix("")
        if "tests" in rel.parts or rel.name.startswith("test_"):
            continue
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        found[".".join((PACKAGE, *parts))] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The engine modules ``name`` imports (type-checking-only imports included)."""
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                root = ".".join(base[: len(base) - node.level + 1])
                target = f"{root}.{node.module}" if node.module else root
            else:
                target = node.module or ""
            candidates = [f"{target}.{a.name}" for a in node.names] + [target]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        for candidate in candidates:
            # "from . import booking" names a module; "from .turn import Turn" names one in turn.
            while candidate and candidate not in known:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name and candidate != PACKAGE:
                out.add(candidate)
    return out


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_engine_modules_import_each_other_in_a_cycle():
    modules = _modules()
    # Packages' __init__ modules are where a "from . import x" starts, not a dependency.
    graph = {name: _imports(name, path, set(modules)) - _packages(modules) for name, path in modules.items()}
    assert _cycles(graph) == []


def _packages(modules: dict[str, Path]) -> set[str]:
    return {name for name, path in modules.items() if path.name == "__init__.py"}


def test_the_cycle_finder_sees_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_dialogue_module_imports_alone_in_a_fresh_interpreter():
    names = [n for n in _modules() if n.startswith(f"{PACKAGE}.dialogue.")]
    probe = "import importlib, sys\nfor n in sys.argv[1:]:\n    importlib.import_module(n)\n"
    for name in names:  # one interpreter per module: a cycle would fail on whichever comes first
        done = subprocess.run([sys.executable, "-c", probe, name], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{name}: {done.stderr[-800:]}"


def test_the_module_list_is_real():
    assert importlib.import_module(f"{PACKAGE}.dialogue.router")
    assert f"{PACKAGE}.dialogue.router" in _modules()


MAX_LINES = 400


def test_no_engine_module_is_longer_than_the_house_limit():
    long = {
        name: n for name, path in _modules().items() if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
