"""Lockstep versions: every cqrs distribution has one version, bumped together.

The workspace members (`packages/*/pyproject.toml`) and the workspace root share
one version, and every requirement of a member on another member pins exactly that
version (`cqrs-core==0.1.0`, `cqrs-saga[postgres]==0.1.0`): a cqrs-kafka wheel never
meets a cqrs-core of another release. A member's extras that refer to the member
itself (`cqrs-saga[sqlalchemy]` inside cqrs-saga) need no pin. Each member also
ships the repository's LICENSE, byte for byte.

    python scripts/lockstep.py               # check; exit 1 with one line per problem
    python scripts/lockstep.py bump 0.2.0    # rewrite every version and pin, then check

After a bump run `uv lock` (`make bump-version VERSION=0.2.0` does both) and add a
CHANGELOG section for the release.

Exit status: 0 consistent (or bumped), 1 problems, 2 bad arguments.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: Where the workspace members live, relative to the root.
MEMBERS_GLOB = "packages/*/pyproject.toml"
#: A release version as this project writes them (PEP 440, no epoch or local part).
VERSION_PATTERN = re.compile(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?")
#: `name[extras] specifier ; marker` of a requirement string.
REQUIREMENT = re.compile(
    r"\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<extras>\[[^\]]*\])?\s*"
    r"(?P<spec>[^;]*?)\s*(;.*)?$"
)
#: The `version = "..."` line of a `[project]` table.
VERSION_LINE = re.compile(r'^version\s*=\s*"[^"]*"', re.MULTILINE)


def _toml() -> Any:
    # tomllib is 3.11+; on 3.10 pytest's own dependency tomli reads the same files.
    return importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")


def normalize(name: str) -> str:
    """A distribution name compared the PEP 503 way (`Cqrs_Core` is `cqrs-core`)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Project:
    """One pyproject.toml: its path, distribution name, version and requirement strings."""

    path: Path
    name: str
    version: str
    requirements: tuple[str, ...]


def read_project(path: Path) -> Project:
    """The `[project]` facts of one pyproject.toml that lockstep is about."""
    with path.open("rb") as file:
        project = _toml().load(file)["project"]
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements.extend(extra)
    return Project(path, normalize(project["name"]), project["version"], tuple(requirements))


def members(root: Path) -> list[Project]:
    """The workspace members, sorted by path."""
    return [read_project(path) for path in sorted(root.glob(MEMBERS_GLOB))]


def check(root: Path) -> list[str]:
    """Every lockstep violation under `root`, one readable line each."""
    projects = members(root)
    if not projects:
        return [f"no workspace member under {root / MEMBERS_GLOB}"]
    workspace = read_project(root / "pyproject.toml")
    version = workspace.version
    names = {project.name for project in projects}
    problems: list[str] = []
    license_text = (root / "LICENSE").read_bytes() if (root / "LICENSE").is_file() else None
    for project in projects:
        where = project.path.relative_to(root)
        if project.version != version:
            problems.append(
                f"{where}: version {project.version}, the workspace is at {version} "
                "(scripts/lockstep.py bump VERSION sets them all)"
            )
        for requirement in project.requirements:
            match = REQUIREMENT.match(requirement)
            if match is None:
                problems.append(f"{where}: cannot read the requirement {requirement!r}")
                continue
            name = normalize(match["name"])
            if name not in names or (name == project.name and not match["spec"]):
                continue
            if match["spec"].replace(" ", "") != f"=={version}":
                problems.append(
                    f"{where}: {requirement!r} must pin {name}=={version} "
                    "(one version for every cqrs distribution)"
                )
        license_file = project.path.parent / "LICENSE"
        if license_text is not None and (
            not license_file.is_file() or license_file.read_bytes() != license_text
        ):
            problems.append(f"{where.parent}/LICENSE: missing or not a copy of the root LICENSE")
    return problems


def bump(root: Path, version: str) -> list[Path]:
    """Set `version` in the workspace root and every member, with every intra-workspace
    pin; return the files changed."""
    projects = members(root)
    names = sorted({project.name for project in projects}, key=len, reverse=True)
    pin = re.compile(
        r'"(?P<head>(?:' + "|".join(map(re.escape, names)) + r')(?:\[[^\]]*\])?)\s*==\s*[^";]*'
    )
    changed: list[Path] = []
    for path in [root / "pyproject.toml", *(project.path for project in projects)]:
        text = path.read_text()
        new = VERSION_LINE.sub(f'version = "{version}"', text, count=1)
        new = pin.sub(lambda m: f'"{m["head"]}=={version}', new)
        if new != text:
            path.write_text(new)
            changed.append(path)
    return changed


def main(argv: Sequence[str], root: Path = ROOT) -> int:
    args = list(argv)
    if args[:1] == ["--root"] and len(args) >= 2:
        root, args = Path(args[1]), args[2:]
    if args and (args[0] != "bump" or len(args) != 2):
        print("usage: lockstep.py [--root DIR] [bump VERSION]", file=sys.stderr)
        return 2
    if args:
        version = args[1]
        if not VERSION_PATTERN.fullmatch(version):
            print(f"lockstep: {version!r} is not a release version like 1.2.0", file=sys.stderr)
            return 2
        for path in bump(root, version):
            print(f"lockstep: {path.relative_to(root)} -> {version}")
    problems = check(root)
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    if problems:
        return 1
    version = read_project(root / "pyproject.toml").version
    print(f"lockstep: {len(members(root))} distributions at {version}, every pin exact")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
