"""Wheel guard: every cqrs distribution writes only where it owns (DESIGN.md §2).

All the distributions install into one `cqrs/` directory, and pip silently lets
one wheel overwrite another's file. This script reads the file lists of the given
wheels and fails when:

- a wheel ships a file outside `cqrs/` (its `*.dist-info/` aside);
- a wheel other than the core ships one of the core's root files
  (`cqrs/__init__.py`, `cqrs/py.typed`);
- two wheels ship the same path;
- a wheel writes into a directory whose modules belong to another wheel, unless
  that directory is a declared extension point; there it may add new modules and
  subpackages, never the `__init__`;
- any wheel ships an `__init__` in a namespace directory (one only extras write into);
- a wheel's own top package (a package it ships directly inside an extension point
  or a namespace directory, such as `cqrs/breaker/`) lacks a `py.typed` marker: type
  checkers would treat that distribution as untyped when it is installed alone.

    python scripts/check_wheels.py dist/*.whl

Exit status: 0 all good, 1 violations (one line each), 2 bad arguments.
"""

from __future__ import annotations

import sys
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

# --- the rules, as data --------------------------------------------------------

#: The import root every distribution installs under.
ROOT = "cqrs"
#: The distribution that owns the import root (normalized wheel name).
CORE = "cqrs_core"
#: Files only the core may ship; the core wheel must ship them.
CORE_ONLY_FILES = frozenset({"cqrs/__init__.py", "cqrs/py.typed"})
#: Directories owned by a distribution that others may extend with new modules or
#: subpackages (their `__init__` repeats `extend_path`). The root is one: every
#: extra adds its subpackage there.
EXTENSION_POINTS: dict[str, str] = {
    "cqrs": CORE,
    "cqrs/message_brokers": CORE,
    "cqrs/outbox": CORE,
}
#: Directories that only extras write into: no `__init__` in any wheel.
NAMESPACE_DIRS = frozenset({"cqrs/adapters"})
#: File names that make a directory a regular package.
INIT_FILES = frozenset({"__init__.py", "__init__.pyi"})
#: Suffixes of files that define a module (and so mark their directory's owner).
MODULE_SUFFIXES = (".py", ".pyi", ".so", ".pyd")
#: The PEP 561 marker every distribution's own top package ships.
TYPED_MARKER = "py.typed"

# -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Wheel:
    """One wheel: its file name, normalized distribution name and the files under the root."""

    filename: str
    dist: str
    files: tuple[str, ...]
    outside: tuple[str, ...]


def normalize(name: str) -> str:
    """Normalize a distribution name the way wheel file names do (PEP 427/503)."""
    return name.lower().replace("-", "_").replace(".", "_")


def read_wheel(path: Path) -> Wheel:
    """List a wheel's files, splitting those under the root from those outside it."""
    dist = normalize(path.name.split("-", 1)[0])
    with zipfile.ZipFile(path) as archive:
        names = [name for name in archive.namelist() if not name.endswith("/")]
    files: list[str] = []
    outside: list[str] = []
    for name in names:
        top = name.split("/", 1)[0]
        if top == ROOT and "/" in name:
            files.append(name)
        elif not top.endswith(".dist-info") or "/" not in name:
            outside.append(name)
    return Wheel(path.name, dist, tuple(sorted(files)), tuple(sorted(outside)))


def _parent(path: str) -> str:
    return str(PurePosixPath(path).parent)


def _is_module(path: str) -> bool:
    return path.endswith(MODULE_SUFFIXES)


def _ancestors(directory: str) -> list[str]:
    """`directory` and the directories above it up to the root, deepest first."""
    parts = PurePosixPath(directory).parts
    return ["/".join(parts[:i]) for i in range(len(parts), 0, -1)]


def owners_by_directory(wheels: Iterable[Wheel]) -> dict[str, set[str]]:
    """Map each directory to the distributions that ship a module file directly in it."""
    owners: dict[str, set[str]] = defaultdict(set)
    for wheel in wheels:
        for path in wheel.files:
            if _is_module(path):
                owners[_parent(path)].add(wheel.dist)
    return owners


def check(wheels: Sequence[Wheel]) -> dict[str, list[str]]:
    """Return the violations found, keyed by wheel file name (empty lists when clean)."""
    problems: dict[str, list[str]] = {wheel.filename: [] for wheel in wheels}

    seen_dists: dict[str, str] = {}
    for wheel in wheels:
        if wheel.dist in seen_dists:
            problems[wheel.filename].append(
                f"a second wheel of {wheel.dist} (also {seen_dists[wheel.dist]}); "
                "clean the output directory and build again"
            )
        seen_dists.setdefault(wheel.dist, wheel.filename)

    shipped_by: dict[str, list[str]] = defaultdict(list)
    for wheel in wheels:
        for path in wheel.files:
            shipped_by[path].append(wheel.dist)
    owners = owners_by_directory(wheels)

    for wheel in wheels:
        out = problems[wheel.filename]
        for path in wheel.outside:
            out.append(f"ships {path}, outside {ROOT}/ and *.dist-info/")
        if wheel.dist == CORE:
            out.extend(
                f"does not ship {path}, which the core must provide"
                for path in sorted(CORE_ONLY_FILES - set(wheel.files))
            )
        for path in wheel.files:
            out.extend(_path_violations(wheel.dist, path, shipped_by[path], owners))
        out.extend(
            f"does not ship {package}/{TYPED_MARKER}: add the empty marker to its own "
            "package so type checkers read its annotations"
            for package in top_packages(wheel)
            if f"{package}/{TYPED_MARKER}" not in wheel.files
        )
    return problems


def top_packages(wheel: Wheel) -> list[str]:
    """The packages a wheel adds at the top of another's tree: each `__init__` it ships
    right inside a namespace directory or an extension point that it does not own
    (the root `cqrs/` is one). The core's own packages sit under its `cqrs/py.typed`."""
    packages: set[str] = set()
    for path in wheel.files:
        if PurePosixPath(path).name not in INIT_FILES:
            continue
        package = _parent(path)
        host = _parent(package)
        if host in NAMESPACE_DIRS or EXTENSION_POINTS.get(host, wheel.dist) != wheel.dist:
            packages.add(package)
    return sorted(packages)


def _path_violations(
    dist: str, path: str, shippers: list[str], owners: dict[str, set[str]]
) -> list[str]:
    """The violation of one shipped path, the most specific reason only."""
    directory = _parent(path)
    name = PurePosixPath(path).name
    point_owner = EXTENSION_POINTS.get(directory)
    others = sorted(set(shippers) - {dist})

    if path in CORE_ONLY_FILES and dist != CORE:
        return [f"ships {path}: only {CORE} may (pip would overwrite the core's copy)"]
    if directory in NAMESPACE_DIRS and name in INIT_FILES:
        return [
            f"ships {path}: {directory}/ is a namespace directory that no wheel "
            "may turn into a regular package"
        ]
    if point_owner is not None and dist != point_owner and name in INIT_FILES:
        return [
            f"ships {path}: {directory}/ is an extension point owned by {point_owner}; "
            "add a new module or subpackage there instead"
        ]
    if others:
        return [f"ships {path}, also shipped by {', '.join(others)}"]

    # The deepest directory on the way to `path` where another wheel has modules
    # decides: writing there is only allowed when it is an extension point.
    for ancestor in _ancestors(directory):
        foreign = sorted(owners.get(ancestor, set()) - {dist})
        if not foreign:
            continue
        if ancestor not in EXTENSION_POINTS and ancestor not in NAMESPACE_DIRS:
            return [
                f"ships {path} inside {ancestor}/, whose modules belong to "
                f"{', '.join(foreign)} (one distribution per directory; declare an "
                "extension point in scripts/check_wheels.py if this is intended)"
            ]
        break
    return []


def main(argv: Sequence[str]) -> int:
    paths = [Path(arg) for arg in argv]
    if not paths:
        print("usage: check_wheels.py WHEEL...", file=sys.stderr)
        return 2
    wheels: list[Wheel] = []
    for path in paths:
        if path.suffix != ".whl" or not path.is_file():
            print(f"check_wheels: not a wheel file: {path}", file=sys.stderr)
            return 2
        try:
            wheels.append(read_wheel(path))
        except zipfile.BadZipFile as exc:
            print(f"check_wheels: cannot read {path}: {exc}", file=sys.stderr)
            return 2

    problems = check(wheels)
    owners = owners_by_directory(wheels)
    failed = 0
    for wheel in wheels:
        violations = problems[wheel.filename]
        if violations:
            failed += len(violations)
            for message in violations:
                print(f"FAIL {wheel.filename}: {message}", file=sys.stderr)
            continue
        owned = sorted(
            d for d, who in owners.items() if who == {wheel.dist} and d not in NAMESPACE_DIRS
        )
        modules = sum(1 for path in wheel.files if _is_module(path))
        print(
            f"OK   {wheel.filename}: {len(wheel.files)} files, {modules} modules, "
            f"owns {', '.join(owned) or 'no directory alone'}"
        )
    if failed:
        print(f"check_wheels: {failed} violation(s) in {len(wheels)} wheel(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
