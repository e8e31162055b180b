"""Every module under `cqrs` imports, and every public one declares `__all__`.

The walk follows `cqrs.__path__`, so it covers every installed distribution
(in the dev workspace: all of them; in `.venv-core`: the core alone). Adapters
of optional libraries import without them: the libraries are imported lazily.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest

ROOT = "cqrs"


def _discover() -> list[str]:
    """`cqrs` and its modules, found at collection time.

    A package that fails to import during the walk stays in the list, so its own
    test reproduces the error instead of the whole module failing to collect.
    """
    try:
        root = importlib.import_module(ROOT)
    except Exception:
        return [ROOT]
    names = [ROOT]
    failed: list[str] = []
    try:
        for info in pkgutil.walk_packages(root.__path__, f"{ROOT}.", onerror=failed.append):
            if "tests" not in info.name.split("."):
                names.append(info.name)
    except Exception:
        pass  # the package being walked raised; its test (or the root's) shows why
    return sorted({*names, *failed})


MODULES = _discover()
PUBLIC_MODULES = [
    name for name in MODULES if not any(part.startswith("_") for part in name.split("."))
]


def _import(name: str) -> ModuleType:
    return importlib.import_module(name)


class TestPublicImports:
    def test_walk_finds_the_core_modules(self) -> None:
        assert {"cqrs", "cqrs.requests", "cqrs.events", "cqrs.mediator"} <= set(MODULES)

    @pytest.mark.parametrize("name", MODULES)
    def test_module_imports(self, name: str) -> None:
        assert _import(name).__name__ == name

    @pytest.mark.parametrize("name", PUBLIC_MODULES)
    def test_public_module_declares_all(self, name: str) -> None:
        module = _import(name)
        exported = getattr(module, "__all__", None)
        assert exported is not None, f"{name} is public and must define __all__"
        assert all(isinstance(item, str) for item in exported)

    @pytest.mark.parametrize("name", PUBLIC_MODULES)
    def test_all_names_resolve(self, name: str) -> None:
        module = _import(name)
        missing = [item for item in getattr(module, "__all__", ()) if not hasattr(module, item)]
        assert not missing, f"{name}.__all__ lists names it does not define: {missing}"
