"""python-cqrs's documented names resolve here, and our own `__all__`s hold (issue 9.10).

`reference_surface.txt` lists the reference's public surface with a status per name (see
its header). A name marked `different` or `absent` must be explained in MIGRATING.md.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import inspect
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import cqrs

HERE = Path(__file__).parent
SURFACE = HERE / "reference_surface.txt"
MIGRATING = HERE.parent.parent / "MIGRATING.md"
STATUSES = {"same", "different", "absent"}


@dataclasses.dataclass(frozen=True)
class Entry:
    module: str
    name: str
    status: str  # "same", "different", "absent" or "extra"
    distribution: str | None = None

    @property
    def path(self) -> str:
        return f"{self.module}.{self.name}"

    def __str__(self) -> str:
        return f"{self.module}:{self.name}"


def _parse(line: str) -> Entry:
    where, status = line.split()
    module, _, name = where.partition(":")
    if status.startswith("extra="):
        return Entry(module, name, "extra", status.removeprefix("extra="))
    if status not in STATUSES or not module or not name:
        raise ValueError(f"reference_surface.txt: cannot read {line!r}")
    return Entry(module, name, status)


ENTRIES = [
    _parse(line)
    for line in SURFACE.read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.lstrip().startswith("#")
]


def resolve(entry: Entry) -> Any:
    """What `from <module> import <name>` gives (a submodule counts, as for Python)."""
    module = importlib.import_module(entry.module)
    try:
        return getattr(module, entry.name)
    except AttributeError:
        return importlib.import_module(f"{entry.module}.{entry.name}")


def installed(distribution: str) -> bool:
    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def _ids(entries: list[Entry]) -> list[str]:
    return [str(entry) for entry in entries]


KEPT = [entry for entry in ENTRIES if entry.status in {"same", "different"}]
EXTRAS = [entry for entry in ENTRIES if entry.status == "extra"]
ABSENT = [entry for entry in ENTRIES if entry.status == "absent"]
EXPLAINED = [entry for entry in ENTRIES if entry.status in {"different", "absent"}]


class TestReferenceSurface:
    def test_the_list_is_not_trivially_short(self) -> None:
        assert len(ENTRIES) > 100

    def test_no_name_is_listed_twice(self) -> None:
        seen = [str(entry) for entry in ENTRIES]
        assert len(seen) == len(set(seen))

    @pytest.mark.parametrize("entry", KEPT, ids=_ids(KEPT))
    def test_kept_name_resolves(self, entry: Entry) -> None:
        assert resolve(entry) is not None

    @pytest.mark.parametrize("entry", EXTRAS, ids=_ids(EXTRAS))
    def test_extra_name_resolves_or_names_its_distribution(self, entry: Entry) -> None:
        assert entry.distribution is not None
        if installed(entry.distribution):
            assert resolve(entry) is not None
            return
        with pytest.raises(ImportError) as caught:
            resolve(entry)
        if importable(entry.module):  # a lazy name of a core module: it says what to install
            assert f"pip install {entry.distribution}" in str(caught.value)

    @pytest.mark.parametrize("entry", ABSENT, ids=_ids(ABSENT))
    def test_absent_name_does_not_resolve(self, entry: Entry) -> None:
        with pytest.raises((ImportError, AttributeError)):
            resolve(entry)


class TestMigratingGuide:
    @pytest.mark.parametrize("entry", EXPLAINED, ids=_ids(EXPLAINED))
    def test_every_difference_is_explained(self, entry: Entry) -> None:
        text = MIGRATING.read_text(encoding="utf-8")
        assert f"`{entry.path}`" in text or f"`{entry.path}(" in text, (
            f"MIGRATING.md does not mention `{entry.path}`, which reference_surface.txt marks "
            f"{entry.status}"
        )

    def test_readme_links_it(self) -> None:
        readme = (MIGRATING.parent / "README.md").read_text(encoding="utf-8")
        assert "(MIGRATING.md)" in readme

    @pytest.mark.parametrize("distribution", sorted({entry.distribution or "" for entry in EXTRAS}))
    def test_every_distribution_has_an_install_line(self, distribution: str) -> None:
        assert f"pip install cqrs-core {distribution}" in MIGRATING.read_text(encoding="utf-8")


# -- our own __all__, both directions ------------------------------------------------------


def _public_modules() -> list[str]:
    names = ["cqrs"]
    for info in pkgutil.walk_packages(cqrs.__path__, "cqrs."):
        names.append(info.name)
    return sorted(
        name
        for name in names
        if not any(part.startswith("_") for part in name.split("."))
        and "tests" not in name.split(".")
    )


PUBLIC = _public_modules()


def _defined_here(module: ModuleType) -> list[str]:
    """The public classes and functions that `module` itself defines."""
    return [
        key
        for key, value in vars(module).items()
        if not key.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and getattr(value, "__module__", None) == module.__name__
    ]


class TestOwnAll:
    @pytest.mark.parametrize("name", PUBLIC)
    def test_every_listed_name_exists(self, name: str) -> None:
        module = importlib.import_module(name)
        missing = [item for item in getattr(module, "__all__", ()) if not hasattr(module, item)]
        assert not missing, f"{name}.__all__ lists names it does not have: {missing}"

    @pytest.mark.parametrize("name", PUBLIC)
    def test_every_public_definition_is_listed(self, name: str) -> None:
        module = importlib.import_module(name)
        listed = set(getattr(module, "__all__", ()))
        unlisted = [item for item in _defined_here(module) if item not in listed]
        assert not unlisted, f"{name} defines public names missing from __all__: {unlisted}"
