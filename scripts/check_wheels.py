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
  checkers would treat that distribution as untyped when it is installed alone;
- a wheel's metadata is incomplete (summary, Markdown readme, `License-Expression: MIT`
  with the LICENSE file, keywords, `Requires-Python`, the classifiers of
  `REQUIRED_CLASSIFIERS`, the project URLs of `REQUIRED_URLS`, the same everywhere),
  or carries a `License ::` classifier (PEP 639 replaced them with the expression);
- the distributions are not in lockstep: another version, or a requirement on a
  cqrs distribution that does not pin exactly that version;
- an sdist (`*.tar.gz`, optional) lacks its README, LICENSE, pyproject.toml or
  sources, or ships anything else (tests, caches, build output).

    python scripts/check_wheels.py dist/*.whl dist/*.tar.gz

Exit status: 0 all good, 1 violations (one line each), 2 bad arguments.
"""

from __future__ import annotations

import re
import sys
import tarfile
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.message import Message
from email.parser import Parser
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
#: Every distribution's license, as a PEP 639 expression, and the file that carries it.
LICENSE_EXPRESSION = "MIT"
LICENSE_FILE = "LICENSE"
#: Metadata fields every wheel fills in (the readme is the message body).
REQUIRED_FIELDS = ("Summary", "Requires-Python", "Keywords", "Author")
README_CONTENT_TYPE = "text/markdown"
#: Classifiers every distribution carries.
REQUIRED_CLASSIFIERS = frozenset(
    {
        "Framework :: AsyncIO",
        "Typing :: Typed",
        "Programming Language :: Python :: 3 :: Only",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
    }
)
#: Classifier prefixes of which every distribution carries one, and the forbidden one.
REQUIRED_CLASSIFIER_PREFIXES = ("Development Status :: ",)
FORBIDDEN_CLASSIFIER_PREFIX = "License :: "
#: Project-URL labels every distribution lists (with the same URL everywhere).
REQUIRED_URLS = ("Homepage", "Documentation", "Repository", "Changelog", "Issues")
#: What an sdist holds besides its sources under `src/cqrs/` (`.gitignore` is
#: hatchling's copy of the exclusions, for wheels built from the sdist).
SDIST_REQUIRED = frozenset({"PKG-INFO", "pyproject.toml", "README.md", LICENSE_FILE})
SDIST_ALLOWED = SDIST_REQUIRED | {".gitignore"}
SDIST_SOURCES = f"src/{ROOT}/"
#: Path components that are never shipped in an sdist.
SDIST_JUNK = frozenset({"__pycache__", "tests", "dist", "build", ".venv"})
#: `name[extras] specifier ; marker` of a Requires-Dist value.
REQUIREMENT = re.compile(
    r"\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*\(?(?P<spec>[^;)]*)\)?\s*(;.*)?$"
)

# -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Wheel:
    """One wheel: its file name, normalized distribution name and the files under the root."""

    filename: str
    dist: str
    files: tuple[str, ...]
    outside: tuple[str, ...]
    #: The `*.dist-info/` files, relative to that directory (`METADATA`, `licenses/LICENSE`).
    dist_info: tuple[str, ...] = ()
    metadata: Message = field(default_factory=Message)


def normalize(name: str) -> str:
    """Normalize a distribution name the way wheel file names do (PEP 427/503)."""
    return name.lower().replace("-", "_").replace(".", "_")


def read_wheel(path: Path) -> Wheel:
    """List a wheel's files, splitting those under the root from those outside it."""
    dist = normalize(path.name.split("-", 1)[0])
    files: list[str] = []
    outside: list[str] = []
    dist_info: list[str] = []
    metadata = Message()
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith("/"):
                continue
            top, _, rest = name.partition("/")
            if top == ROOT and rest:
                files.append(name)
            elif top.endswith(".dist-info") and rest:
                dist_info.append(rest)
                if rest == "METADATA":
                    metadata = Parser().parsestr(archive.read(name).decode())
            else:
                outside.append(name)
    return Wheel(
        path.name,
        dist,
        tuple(sorted(files)),
        tuple(sorted(outside)),
        tuple(sorted(dist_info)),
        metadata,
    )


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
        out.extend(metadata_violations(wheel))
    for filename, messages in lockstep_violations(wheels).items():
        problems[filename].extend(messages)
    return problems


# --- metadata and lockstep -------------------------------------------------------


def metadata_violations(wheel: Wheel) -> list[str]:
    """What the wheel's METADATA lacks of the complete set every distribution carries."""
    meta = wheel.metadata
    out = [
        f"METADATA has no {name}: fill it in pyproject.toml [project]"
        for name in REQUIRED_FIELDS
        if not (meta.get(name) or "").strip()
    ]
    body = meta.get_payload()
    if not isinstance(body, str) or not body.strip():
        out.append('METADATA has no readme: set readme = "README.md" and write one')
    if meta.get("Description-Content-Type") != README_CONTENT_TYPE:
        out.append(f"the readme is not {README_CONTENT_TYPE}")
    if meta.get("License-Expression") != LICENSE_EXPRESSION:
        out.append(
            f"License-Expression is {meta.get('License-Expression')!r}, "
            f"expected {LICENSE_EXPRESSION!r}"
        )
    if LICENSE_FILE not in (meta.get_all("License-File") or []) or (
        f"licenses/{LICENSE_FILE}" not in wheel.dist_info
    ):
        out.append(f"does not ship its {LICENSE_FILE} (license-files in pyproject.toml)")
    classifiers = set(meta.get_all("Classifier") or [])
    out.extend(
        f"lacks the classifier {classifier!r}"
        for classifier in sorted(REQUIRED_CLASSIFIERS - classifiers)
    )
    out.extend(
        f"lacks a {prefix.strip()} classifier"
        for prefix in REQUIRED_CLASSIFIER_PREFIXES
        if not any(c.startswith(prefix) for c in classifiers)
    )
    out.extend(
        f"carries {classifier!r}: License classifiers are deprecated by PEP 639, "
        "License-Expression says it"
        for classifier in sorted(classifiers)
        if classifier.startswith(FORBIDDEN_CLASSIFIER_PREFIX)
    )
    labels = set(project_urls(wheel))
    out.extend(f"lacks the project URL {label!r}" for label in REQUIRED_URLS if label not in labels)
    return out


def project_urls(wheel: Wheel) -> dict[str, str]:
    """`Project-URL` label -> URL."""
    urls: dict[str, str] = {}
    for value in wheel.metadata.get_all("Project-URL") or []:
        label, _, url = value.partition(",")
        urls[label.strip()] = url.strip()
    return urls


def lockstep_violations(wheels: Sequence[Wheel]) -> dict[str, list[str]]:
    """One version for every wheel, each requirement on a cqrs distribution pinned to it,
    and the same project URLs everywhere; keyed by the offending wheel."""
    problems: dict[str, list[str]] = defaultdict(list)
    versions = {wheel.filename: wheel.metadata.get("Version") or "" for wheel in wheels}
    by_count: dict[str, int] = defaultdict(int)
    for version in versions.values():
        by_count[version] += 1
    if not by_count:
        return problems
    version = max(sorted(by_count), key=by_count.__getitem__)
    reference_urls: dict[str, str] | None = None
    for wheel in wheels:
        if versions[wheel.filename] != version:
            problems[wheel.filename].append(
                f"version {versions[wheel.filename]!r}, the others are at {version!r} "
                "(lockstep: scripts/lockstep.py bump VERSION)"
            )
        for requirement in wheel.metadata.get_all("Requires-Dist") or []:
            match = REQUIREMENT.match(requirement)
            if match is None or not normalize(match["name"]).startswith(f"{ROOT}_"):
                continue
            if normalize(match["name"]) == wheel.dist and not match["spec"].strip():
                continue  # an extra of the distribution itself
            if match["spec"].replace(" ", "") != f"=={version}":
                problems[wheel.filename].append(
                    f"requires {requirement!r}: a cqrs distribution must be pinned =={version}"
                )
        urls = {label: url for label, url in project_urls(wheel).items() if label in REQUIRED_URLS}
        if reference_urls is None:
            reference_urls = urls
        elif urls != reference_urls:
            problems[wheel.filename].append(
                f"project URLs {urls} differ from the other distributions' {reference_urls}"
            )
    return problems


# --- sdists ------------------------------------------------------------------------


def read_sdist(path: Path) -> tuple[str, str, list[str]]:
    """An sdist's normalized distribution name, version and member paths (below its
    top directory)."""
    stem = path.name.removesuffix(".tar.gz")
    dist, _, version = stem.rpartition("-")
    with tarfile.open(path, "r:gz") as archive:
        names = [member.name for member in archive.getmembers() if not member.isdir()]
    prefix = f"{stem}/"
    return (
        normalize(dist),
        version,
        [name.removeprefix(prefix) if name.startswith(prefix) else f"../{name}" for name in names],
    )


def sdist_violations(path: Path, version: str | None) -> list[str]:
    """What an sdist lacks (README, LICENSE, pyproject.toml, sources) or ships too much."""
    _, sdist_version, names = read_sdist(path)
    out: list[str] = []
    if version is not None and sdist_version != version:
        out.append(f"version {sdist_version!r}, the wheels are at {version!r}")
    out.extend(f"does not ship {name}" for name in sorted(SDIST_REQUIRED - set(names)))
    if not any(n.startswith(SDIST_SOURCES) and _is_module(n) for n in names):
        out.append(f"ships no module under {SDIST_SOURCES}")
    for name in sorted(names):
        parts = PurePosixPath(name).parts
        if name in SDIST_ALLOWED:
            continue
        if not name.startswith(SDIST_SOURCES):
            out.append(f"ships {name}, which is not part of the distribution's sources")
        elif SDIST_JUNK.intersection(parts) or name.endswith((".pyc", ".pyo")):
            out.append(f"ships {name}: build or test leftovers do not belong in an sdist")
    return out


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
        print("usage: check_wheels.py WHEEL... [SDIST...]", file=sys.stderr)
        return 2
    wheels: list[Wheel] = []
    sdists: list[Path] = []
    for path in paths:
        if path.name.endswith(".tar.gz") and path.is_file():
            sdists.append(path)
            continue
        if path.suffix != ".whl" or not path.is_file():
            print(f"check_wheels: not a wheel or sdist file: {path}", file=sys.stderr)
            return 2
        try:
            wheels.append(read_wheel(path))
        except zipfile.BadZipFile as exc:
            print(f"check_wheels: cannot read {path}: {exc}", file=sys.stderr)
            return 2

    problems = check(wheels)
    owners = owners_by_directory(wheels)
    versions = {wheel.metadata.get("Version") for wheel in wheels}
    version = versions.pop() if len(versions) == 1 else None
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
    for sdist in sdists:
        try:
            violations = sdist_violations(sdist, version)
        except (tarfile.TarError, OSError, EOFError) as exc:
            print(f"check_wheels: cannot read {sdist}: {exc}", file=sys.stderr)
            return 2
        failed += len(violations)
        for message in violations:
            print(f"FAIL {sdist.name}: {message}", file=sys.stderr)
        if not violations:
            print(f"OK   {sdist.name}: sources, README.md, LICENSE, nothing else")
    if failed:
        count = len(wheels) + len(sdists)
        print(f"check_wheels: {failed} violation(s) in {count} file(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
