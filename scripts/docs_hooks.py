"""MkDocs hook of the documentation site: content generated from the real code at build time.

Two directives, each an HTML comment alone on its line in a page under `docs/`:

- `<!-- cqrs:mermaid cor MODULE:Link1,Link2 sequence|class_diagram -->` renders the chain
  of the handler classes with `cqrs.CoRMermaid`; `<!-- cqrs:mermaid saga MODULE:SagaClass
  sequence|class_diagram -->` renders a saga with `cqrs.saga.mermaid.SagaMermaid`. MODULE
  is a module of `examples/` (run by the tests), so a diagram always shows what the code
  draws today.
- `<!-- cqrs:exception-tree -->` renders the tree of every exception class below
  `cqrs.CQRSError` that a public module of any distribution defines.

A directive that cannot be rendered fails the build (mkdocs reports the exception).
"""

from __future__ import annotations

import importlib
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority

from cqrs import CoRMermaid, CQRSError
from cqrs.saga.mermaid import SagaMermaid

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
# mkdocstrings reads the sources statically, and its finder does not merge a package that
# several distributions extend (`cqrs`, `cqrs.outbox`, `cqrs.message_brokers`) across their
# `src` directories: the API reference reads one merged copy of the trees instead.
MERGED_SOURCES = ROOT / "build" / "docs-src"

_DIRECTIVE = re.compile(r"^<!-- cqrs:(?P<name>[a-z-]+)(?P<args>(?: [^ \n]+)*) -->$", re.MULTILINE)

__all__ = [
    "exception_tree",
    "merge_sources",
    "mermaid",
    "on_config",
    "on_page_markdown",
    "public_modules",
    "render",
]


def _import_example(module: str) -> Any:
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    return importlib.import_module(module)


def mermaid(kind: str, target: str, diagram: str) -> str:
    """The Mermaid text of a chain (`kind="cor"`) or a saga (`kind="saga"`) of an example."""
    module_name, _, names = target.partition(":")
    module = _import_example(module_name)
    classes = [getattr(module, name) for name in names.split(",")]
    if diagram not in ("sequence", "class_diagram"):
        raise ValueError(f"unknown diagram {diagram!r}: use sequence or class_diagram")
    if kind == "cor":
        text: str = getattr(CoRMermaid(classes), diagram)()
    elif kind == "saga":
        (saga,) = classes
        text = getattr(SagaMermaid(saga), diagram)()
    else:
        raise ValueError(f"unknown diagram kind {kind!r}: use cor or saga")
    return text


def merge_sources(target: Path = MERGED_SOURCES) -> Path:
    """Copy every distribution's `src/cqrs` tree into one `cqrs` tree under `target`.

    A file that two distributions ship is an error (the wheel guard refuses it too).
    """
    if target.exists():
        shutil.rmtree(target)
    owners: dict[Path, Path] = {}
    for src in sorted(ROOT.glob("packages/*/src")):
        for path in sorted(src.rglob("*.py*")):
            if "__pycache__" in path.parts or path.suffix not in (".py", ".pyi"):
                continue
            relative = path.relative_to(src)
            if relative in owners:
                raise RuntimeError(f"{relative} is shipped by {owners[relative]} and {src}")
            owners[relative] = src
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
    # `cqrs/adapters/` has no `__init__.py` anywhere (DESIGN.md §2); the static reader
    # only walks into directories that have one.
    for directory in (target / "cqrs").rglob("*"):
        if directory.is_dir() and not (directory / "__init__.py").exists():
            (directory / "__init__.py").write_text('"""Namespace directory (no module)."""\n')
    return target


def public_modules() -> list[str]:
    """Every public module that the distributions ship (no name part starting with `_`).

    Read from the source trees rather than with `pkgutil.walk_packages`, which does not
    descend into `cqrs.adapters` (a directory without `__init__.py`).
    """
    names: set[str] = set()
    for src in ROOT.glob("packages/*/src"):
        for path in src.rglob("*.py"):
            parts = list(path.relative_to(src).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            if parts[-1] != "__main__" and not any(part.startswith("_") for part in parts):
                names.add(".".join(parts))
    return sorted(names)


def _exception_classes() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in public_modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, CQRSError):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _display(cls: type) -> str:
    return cls.__name__ if cls.__module__ == "builtins" else _qualified(cls)


def exception_tree() -> str:
    """A nested Markdown list of `CQRSError` and its subclasses, with their other bases."""
    classes = _exception_classes()
    lines: list[str] = []

    def visit(cls: type[BaseException], depth: int) -> None:
        others = [base for base in cls.__bases__ if not issubclass(base, CQRSError)]
        also = ", ".join(
            f"`{_qualified(b) if b.__module__ != 'builtins' else b.__name__}`" for b in others
        )
        doc = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())
        line = f"{'    ' * depth}- `{_qualified(cls)}`"
        if also:
            line += f" (also {also})"
        if doc:
            line += f": {doc}"
        lines.append(line)
        children = [c for c in classes if CQRSError in c.__mro__ and cls in c.__bases__]
        for child in sorted(children, key=_qualified):
            visit(child, depth + 1)

    visit(CQRSError, 0)
    return "\n".join(lines) + "\n"


def render(markdown: str) -> str:
    """Replace every directive of a page by the content it names."""

    def replace(match: re.Match[str]) -> str:
        name, args = match["name"], match["args"].split()
        if name == "mermaid" and len(args) == 3:
            return f"```mermaid\n{mermaid(*args).rstrip()}\n```"
        if name == "exception-tree" and not args:
            return exception_tree()
        raise ValueError(f"unknown or malformed directive: {match[0]}")

    return _DIRECTIVE.sub(replace, markdown)


@event_priority(100)  # before mkdocstrings' own on_config, which looks for its paths
def on_config(config: Any) -> Any:
    """MkDocs event: lay out the merged sources before mkdocstrings reads them."""
    merge_sources()
    return config


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """MkDocs event: expand the directives of each page before it is converted."""
    return render(markdown)
