"""The import graph of cqrs-core has no cycle, so no package needs a lazy re-export.

The static graph is read from the sources with `ast`: an edge for every import
of a `cqrs` module that runs when the importing module runs (imports under
`if TYPE_CHECKING:` are left out; imports inside functions are kept, since a
deferred import is the usual way to hide a cycle). Importing `cqrs.a.b` from
outside `cqrs.a` also runs `cqrs/a/__init__.py` first, so it adds an edge to
that package as well.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import cqrs

CORE_SRC = Path(cqrs.__file__).resolve().parent.parent


def _module_files() -> dict[str, Path]:
    files: dict[str, Path] = {}
    for path in sorted((CORE_SRC / "cqrs").rglob("*.py")):
        parts = list(path.relative_to(CORE_SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        files[".".join(parts)] = path
    return files


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(node: ast.AST) -> Iterator[ast.AST]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield other
                yield from _runtime_nodes(other)
            continue
        yield child
        yield from _runtime_nodes(child)


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _imported(module: str, is_package: bool, tree: ast.Module, known: set[str]) -> set[str]:
    """The cqrs modules whose code runs because `module` runs."""
    targets: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            targets.add(base)
            # `from cqrs import _codec` imports the submodule `cqrs._codec`.
            targets.update(f"{base}.{alias.name}" for alias in node.names)
    edges: set[str] = set()
    own_ancestors = {*_ancestors(module), module}
    for target in targets & known:
        if target not in own_ancestors:  # a package being initialised is not re-run
            edges.add(target)
        edges.update(a for a in _ancestors(target) if a not in own_ancestors)
    return edges


def _graph() -> dict[str, set[str]]:
    files = _module_files()
    known = set(files)
    return {
        name: _imported(name, path.name == "__init__.py", ast.parse(path.read_text()), known)
        for name, path in files.items()
    }


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for following in sorted(graph.get(node, ())):
            if state.get(following) == 1:
                return [*path[path.index(following) :], following]
            if following not in state and (cycle := visit(following)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


class TestStaticImportGraph:
    def test_cqrs_core_has_no_import_cycle(self) -> None:
        cycle = _find_cycle(_graph())
        assert cycle is None, "import cycle: " + " -> ".join(cycle or [])

    def test_the_graph_sees_the_edges_it_must_see(self) -> None:
        # Guards the reader itself: a graph with no edges has no cycle either.
        graph = _graph()
        assert "cqrs.events" in graph["cqrs._bootstrap"]
        assert "cqrs._handlers" in graph["cqrs._introspect"]
        assert "cqrs._codec" in graph["cqrs._model"]

    def test_a_cycle_is_reported(self) -> None:
        cycle = _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}})
        assert cycle == ["a", "b", "c", "a"]

    def test_requests_and_events_do_not_import_each_other(self) -> None:
        graph = _graph()
        for package, other in (("cqrs.requests", "cqrs.events"), ("cqrs.events", "cqrs.requests")):
            crossing = sorted(
                f"{name} -> {target}"
                for name, targets in graph.items()
                if name == package or name.startswith(f"{package}.")
                for target in targets
                if target == other or target.startswith(f"{other}.")
            )
            assert crossing == []


@pytest.mark.parametrize("package", ["cqrs.requests", "cqrs.events"])
class TestFreshInterpreter:
    def test_package_imports_first_and_binds_every_name_eagerly(self, package: str) -> None:
        # The package is the first cqrs module the interpreter asks for; after the
        # import every exported name is already in its namespace (no PEP 562 hook).
        script = (
            "import importlib, sys\n"
            f"module = importlib.import_module({package!r})\n"
            "missing = [n for n in module.__all__ if n not in vars(module)]\n"
            "print(','.join(missing) or 'ok')\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "ok"
