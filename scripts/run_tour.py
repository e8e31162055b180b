"""Run the tour against the installed distributions, not the source tree.

The tour is what a new user runs first: the README's "30-second tour", the Python
blocks of every distribution's README (what PyPI shows), and the examples of
`make demo`. Run this with the python of a venv that holds the built wheels
(`make test-wheels` uses the `cqrs-core[all]` one), from a directory outside the
checkout, in isolated mode so that neither `src/` nor the user's site is on sys.path:

    cd "$(mktemp -d)" && /path/to/venv/bin/python -I /repo/scripts/run_tour.py /repo

Each snippet runs in a fresh namespace; a line `print(...)  # text` promises what it
prints, in order. Each example runs in its own isolated interpreter and must exit 0.
Before anything, `cqrs` must come from the interpreter's site-packages.

Exit status: 0 the whole tour ran, 1 otherwise, 2 bad arguments.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import subprocess
import sys
import sysconfig
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

#: The examples `make demo` runs, relative to the repository.
EXAMPLES = ("examples/demo.py", "examples/outbox_demo.py", "examples/saga_sqlite_recovery.py")
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
PROMISE = re.compile(r"^print\(.*\)\s+#\s*(.+?)\s*$", re.MULTILINE)
#: Run in the child: refuse a `cqrs` that is not installed, then run the example as main.
RUN_INSTALLED = """
import runpy, sys, sysconfig
from pathlib import Path
import cqrs
site = Path(sysconfig.get_paths()["purelib"]).resolve()
paths = [Path(p).resolve() for p in cqrs.__path__]
if any(site not in p.parents for p in paths):
    sys.exit(f"cqrs is not the installed one: {paths}, site-packages is {site}")
sys.argv = [sys.argv[1]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def installed_cqrs_problem() -> str | None:
    """Why `cqrs` is not the one installed in this interpreter's site-packages, if so."""
    import cqrs  # noqa: PLC0415  (after the caller fixed sys.path)

    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    paths = [Path(p).resolve() for p in cqrs.__path__]
    outside = [str(p) for p in paths if site not in p.parents]
    if outside:
        return f"cqrs is imported from {outside}, not from {site}"
    return None


def snippets(repo: Path) -> list[tuple[str, str]]:
    """(label, code): the README's tour, then every Python block of the package READMEs."""
    found: list[tuple[str, str]] = []
    tour = PYTHON_BLOCK.findall((repo / "README.md").read_text())
    if tour:
        found.append(("README.md tour", tour[0]))
    for readme in sorted(repo.glob("packages/*/README.md")):
        for index, code in enumerate(PYTHON_BLOCK.findall(readme.read_text()), 1):
            found.append((f"{readme.relative_to(repo)} block {index}", code))
    return found


def run_snippet(code: str) -> str | None:
    """Run one block; return what went wrong, or None."""
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "<snippet>", "exec"), {"__name__": "__main__"})
    except Exception:
        return traceback.format_exc(limit=-3).strip()
    promised = PROMISE.findall(code)
    printed = out.getvalue().splitlines()
    if promised and printed != promised:
        return f"printed {printed}, the block promises {promised}"
    return None


def run_example(repo: Path, relative: str) -> str | None:
    """Run one example in an isolated child interpreter; return what went wrong, or None."""
    done = subprocess.run(
        [sys.executable, "-I", "-c", RUN_INSTALLED, str(repo / relative)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        return f"exit {done.returncode}: {done.stderr.strip()[-1500:]}"
    if not done.stdout.strip():
        return "printed nothing"
    return None


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1 or not (Path(argv[0]) / "README.md").is_file():
        print("usage: run_tour.py REPOSITORY", file=sys.stderr)
        return 2
    repo = Path(argv[0]).resolve()
    problem = installed_cqrs_problem()
    if problem is not None:
        print(f"FAIL {problem}", file=sys.stderr)
        return 1
    failures = 0
    blocks = snippets(repo)
    steps: list[tuple[str, Callable[[], str | None]]] = [
        (label, functools.partial(run_snippet, code)) for label, code in blocks
    ]
    steps += [(name, functools.partial(run_example, repo, name)) for name in EXAMPLES]
    for label, step in steps:
        error = step()
        if error is None:
            print(f"OK   {label}")
        else:
            failures += 1
            print(f"FAIL {label}: {error}", file=sys.stderr)
    if not blocks:
        print("FAIL no tour found in README.md", file=sys.stderr)
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
