"""Import `cqrs` and every module below it, as installed in the running interpreter.

Run with the python of a venv that holds the built wheels (`make test-wheels`):
together they must form one importable `cqrs` package. Modules that adapt an
optional third-party library must import without it (the library is imported
lazily), so there is no skip list. The one allowance is a module whose import
needs a library that its own distribution declares only in an extra which is not
installed (`cqrs.saga.storage.sqlalchemy` without `cqrs-saga[sqlalchemy]`): it is
reported as skipped, with the extra that brings it. Any other failure is a bug.

    python scripts/import_all.py [--expect cqrs-core,cqrs-saga] [--wheels dist] [--modules redis]

`--expect` names the cqrs distributions that must be installed, and no other (what
the extras of one install brought); `--wheels` checks that each installed cqrs
distribution is the wheel built in that directory, file for file (not a copy from
an index); `--modules` names third-party modules the extras promised to bring.

Exit status: 0 everything imported, 1 otherwise, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import importlib
import importlib.metadata
import importlib.util
import io
import pkgutil
import re
import sys
import traceback
import zipfile
from collections.abc import Sequence
from pathlib import Path

ROOT = "cqrs"
#: Module name components that are never imported (test packages, should any ship).
SKIPPED_COMPONENTS = frozenset({"tests"})


#: Module -> the library it could not import (`ModuleNotFoundError.name`), whatever the
#: message says (a module may explain which extra brings the library).
MISSING: dict[str, str] = {}


def _last_line(exc: BaseException) -> str:
    return traceback.format_exception_only(type(exc), exc)[-1].strip()


def _record_failure(failures: dict[str, str], module: str, exc: BaseException) -> None:
    """Report `module`'s import error, and remember the library it could not find."""
    failures[module] = _last_line(exc)
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        MISSING[module] = exc.name


def discover(failures: dict[str, str]) -> list[str]:
    """Names of `cqrs` and its modules; packages that fail to import land in `failures`."""
    root = importlib.import_module(ROOT)

    def on_error(name: str) -> None:
        exc = sys.exc_info()[1]
        if exc is None:
            failures[name] = "failed to import"
        else:
            _record_failure(failures, name, exc)

    names = [ROOT]
    # walk_packages imports each package to look inside it; on_error catches
    # only ImportError there, so anything else is reported by the loop below.
    try:
        for info in pkgutil.walk_packages(root.__path__, f"{ROOT}.", onerror=on_error):
            if SKIPPED_COMPONENTS.isdisjoint(info.name.split(".")):
                names.append(info.name)
    except Exception as exc:
        failures[f"{ROOT} (walking the package tree)"] = _last_line(exc)
    return names


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def cqrs_distributions() -> dict[str, importlib.metadata.Distribution]:
    """The installed distributions whose name starts with the root, by normalized name."""
    found: dict[str, importlib.metadata.Distribution] = {}
    for dist in importlib.metadata.distributions():
        name = _normalize(dist.metadata["Name"] or "")
        if name.startswith(f"{ROOT}-"):
            found.setdefault(name, dist)
    return found


def installed_distributions() -> list[str]:
    """`name version` of the installed distributions whose name starts with the root."""
    return sorted(f"{name} {dist.version}" for name, dist in cqrs_distributions().items())


def module_owners() -> dict[str, str]:
    """Module name -> the installed cqrs distribution that ships it."""
    owners: dict[str, str] = {}
    for name, dist in cqrs_distributions().items():
        for file in dist.files or []:
            parts = file.parts
            if parts[0] != ROOT or not file.name.endswith((".py", ".pyi")):
                continue
            module = [*parts[:-1]] if file.stem == "__init__" else [*parts[:-1], file.stem]
            owners[".".join(module)] = name
    return owners


def missing_extra(module: str, owners: dict[str, str]) -> str | None:
    """The extra of the module's own distribution that would make it importable, when the
    failure is a library that distribution declares only in that (uninstalled) extra."""
    missing = MISSING.get(module)
    top = missing.split(".")[0] if missing else None
    owner = owners.get(module)
    if top is None or owner is None or importlib.util.find_spec(top) is not None:
        return None
    library = _normalize(top)
    extras: set[str] = set()
    for requirement in importlib.metadata.requires(owner) or []:
        extra = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", requirement)
        name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        if extra and name and _normalize(name[0]) == library:
            extras.add(extra[1])
    if not extras:
        return None
    # The extra named after the library when there is one, else every extra that has it.
    return f"{owner}[{library if library in extras else ','.join(sorted(extras))}]"


def _record(lines: str) -> set[tuple[str, str]]:
    """(path, hash) of a RECORD's files under the root."""
    return {
        (row[0], row[1])
        for row in csv.reader(io.StringIO(lines))
        if row and row[0].startswith(f"{ROOT}/")
    }


def _file_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode()}"


def built_wheel_mismatches(directory: Path) -> list[str]:
    """Installed cqrs distributions that are not, file for file, the wheel in `directory`."""
    problems: list[str] = []
    for name, dist in sorted(cqrs_distributions().items()):
        stem = f"{name.replace('-', '_')}-{dist.version}-"
        wheels = sorted(directory.glob(f"{stem}*.whl"))
        if not wheels:
            problems.append(f"{name} {dist.version} is installed but not built in {directory}")
            continue
        with zipfile.ZipFile(wheels[0]) as archive:
            built = {
                (path, _file_hash(archive.read(path)))
                for path in archive.namelist()
                if path.startswith(f"{ROOT}/") and not path.endswith("/")
            }
        installed = _record(dist.read_text("RECORD") or "")
        if installed != built:
            problems.append(
                f"{name} {dist.version} is not the wheel {wheels[0].name}: "
                f"{len(installed ^ built)} file(s) differ"
            )
    return problems


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--expect", help="comma-separated cqrs distributions, exactly")
    parser.add_argument("--wheels", type=Path, help="directory of the built wheels")
    parser.add_argument(
        "--modules", default="", help="comma-separated third-party modules the install brings"
    )
    args = parser.parse_args(argv)

    problems: list[str] = []
    for module in filter(None, (name.strip() for name in args.modules.split(","))):
        try:
            importlib.import_module(module)
        except Exception as exc:
            problems.append(f"{module} does not import: {_last_line(exc)}")
    installed = set(cqrs_distributions())
    if args.expect is not None:
        expected = {_normalize(name) for name in args.expect.split(",") if name.strip()}
        if installed != expected:
            problems.append(
                f"installed cqrs distributions {sorted(installed)}, expected {sorted(expected)}"
            )
    if args.wheels is not None:
        problems.extend(built_wheel_mismatches(args.wheels))

    failures: dict[str, str] = {}
    try:
        names = discover(failures)
    except Exception:
        print(f"FAIL import {ROOT}:", file=sys.stderr)
        traceback.print_exc()
        return 1

    imported = 0
    for name in names:
        if name in failures:
            continue
        try:
            importlib.import_module(name)
        except Exception as exc:
            _record_failure(failures, name, exc)
        else:
            imported += 1

    owners = module_owners()
    skipped: dict[str, str] = {}
    for name, reason in list(failures.items()):
        extra = missing_extra(name, owners)
        if extra is not None:
            skipped[name] = f"{reason} (needs {extra})"
            del failures[name]

    dists = ", ".join(installed_distributions()) or "none found"
    for name, reason in sorted(skipped.items()):
        print(f"skip {name}: {reason}")
    for name, reason in sorted(failures.items()):
        print(f"FAIL {name}: {reason}", file=sys.stderr)
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    print(f"import_all: imported {imported} module(s) of {ROOT} from {dists}")
    if failures or problems:
        print(
            f"import_all: {len(failures)} module(s) failed to import, "
            f"{len(problems)} other problem(s)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
