"""Import `cqrs` and every module below it, as installed in the running interpreter.

Run with the python of a venv that holds the built wheels (`make test-wheels`):
together they must form one importable `cqrs` package. Modules that adapt an
optional third-party library must import without it (the library is imported
lazily), so there is no skip list: a module that fails here is a bug.

    python scripts/import_all.py

Exit status: 0 everything imported, 1 otherwise.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil
import sys
import traceback

ROOT = "cqrs"
#: Module name components that are never imported (test packages, should any ship).
SKIPPED_COMPONENTS = frozenset({"tests"})


def _last_line(exc: BaseException) -> str:
    return traceback.format_exception_only(type(exc), exc)[-1].strip()


def discover(failures: dict[str, str]) -> list[str]:
    """Names of `cqrs` and its modules; packages that fail to import land in `failures`."""
    root = importlib.import_module(ROOT)

    def on_error(name: str) -> None:
        exc = sys.exc_info()[1]
        failures[name] = _last_line(exc) if exc is not None else "failed to import"

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


def installed_distributions() -> list[str]:
    """`name version` of the installed distributions whose name starts with the root."""
    found = {
        f"{dist.name} {dist.version}"
        for dist in importlib.metadata.distributions()
        if (dist.name or "").lower().startswith(f"{ROOT}-")
    }
    return sorted(found)


def main() -> int:
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
            failures[name] = _last_line(exc)
        else:
            imported += 1

    dists = ", ".join(installed_distributions()) or "none found"
    for name, reason in sorted(failures.items()):
        print(f"FAIL {name}: {reason}", file=sys.stderr)
    print(f"import_all: imported {imported} module(s) of {ROOT} from {dists}")
    if failures:
        print(f"import_all: {len(failures)} module(s) failed to import", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
