"""The documentation site cannot rot: its code runs, its names exist, its generated parts build.

- every ```python block of `docs/**/*.md` runs: the blocks of one page run in order in one
  fresh interpreter (a page is a session: later blocks use what earlier ones defined),
  warnings are errors there as here; a block may be skipped only when the line before
  its fence is `<!-- docs-test: skip: <reason> -->`, and there are few of them;
- a block that only includes files of `examples/` (pymdownx.snippets `--8<--` lines) names
  existing examples that a test under `tests/` runs;
- every dotted `cqrs....` name written in backticks resolves to a module or attribute;
- the API reference lists every public module, each in the page of its distribution;
- the directives expanded by `scripts/docs_hooks.py` render from the real classes.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import cqrs
from cqrs import CoRMermaid
from cqrs.saga.mermaid import SagaMermaid

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
SNIPPET = re.compile(r'^--8<-- "(?P<path>[^"]+)"$')
SKIP = re.compile(r"^<!-- docs-test: skip: (?P<reason>\S.*\S) -->$")
FENCE = re.compile(r"^```python\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)
MAX_SKIPPED = 3


def _load_hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "scripts" / "docs_hooks.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hooks = _load_hooks()


def included_examples(page: Path) -> list[str]:
    """The files included by the blocks made only of snippet lines."""
    paths = []
    for match in FENCE.finditer(page.read_text()):
        lines = match["code"].strip().splitlines()
        matches = [SNIPPET.match(line) for line in lines]
        if lines and all(matches):
            paths += [match["path"] for match in matches if match]
    return paths


def python_blocks(page: Path) -> tuple[list[tuple[int, str]], list[str]]:
    """The (line, code) of each block to run, and the reasons of the skipped ones."""
    text = page.read_text()
    runnable: list[tuple[int, str]] = []
    skipped: list[str] = []
    for match in FENCE.finditer(text):
        lines = match["code"].strip().splitlines()
        if lines and all(SNIPPET.match(line) for line in lines):
            continue  # included from examples/: checked by TestIncludedExamples
        line = text.count("\n", 0, match.start()) + 1
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = SKIP.match(before)
        if marker:
            skipped.append(f"{page.name}:{line}: {marker['reason']}")
        else:
            runnable.append((line, match["code"]))
    return runnable, skipped


# Runs the blocks of one page, each compiled under its page and line so that a traceback
# points into the Markdown file. The blocks share one module, registered in sys.modules
# (dataclasses and the codec resolve annotations through it).
RUNNER = """
import json, sys, types
page, blocks = json.load(sys.stdin)
module = types.ModuleType("docs_page")
sys.modules["docs_page"] = module
for line, code in blocks:
    exec(compile("\\n" * (line) + code, page, "exec"), module.__dict__)
"""

RUNNABLE_PAGES = [page for page in PAGES if python_blocks(page)[0]]


class TestCodeBlocks:
    @pytest.mark.parametrize("page", RUNNABLE_PAGES, ids=lambda p: str(p.relative_to(DOCS)))
    def test_every_block_of_the_page_runs(self, page: Path) -> None:
        blocks, _ = python_blocks(page)
        result = subprocess.run(
            [sys.executable, "-W", "error", "-c", RUNNER],
            input=json.dumps([str(page.relative_to(ROOT)), blocks]),
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-4000:]
        # A warning raised in a finalizer (an unclosed engine, say) does not change the
        # exit status: Python prints it as "Exception ignored in ...".
        assert "Exception ignored" not in result.stderr, result.stderr[-4000:]
        assert "Warning" not in result.stderr.replace("WARNING", ""), result.stderr[-4000:]

    def test_the_guide_pages_have_code_that_runs(self) -> None:
        # The pages that teach an API show it running; a guide page without a block is
        # a page whose examples were all skipped or dropped.
        for name in ("getting-started", "requests", "events", "chain", "fallbacks"):
            assert DOCS / f"{name}.md" in RUNNABLE_PAGES, name
        for name in ("containers", "sagas", "outbox", "testing"):
            assert DOCS / f"{name}.md" in RUNNABLE_PAGES, name

    def test_skipped_blocks_say_why_and_stay_few(self) -> None:
        skipped = [reason for page in PAGES for reason in python_blocks(page)[1]]
        assert len(skipped) <= MAX_SKIPPED, skipped

    def test_a_failing_block_fails_the_page(self, tmp_path: Path) -> None:
        page = tmp_path / "broken.md"
        page.write_text("# broken\n\n```python\nx = 1\n```\n\n```python\nassert x == 2\n```\n")
        blocks, _ = python_blocks(page)
        assert [line for line, _ in blocks] == [3, 7]
        result = subprocess.run(
            [sys.executable, "-c", RUNNER],
            input=json.dumps([str(page), blocks]),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode != 0
        assert f'File "{page}", line 8' in result.stderr


class TestIncludedExamples:
    def test_included_examples_exist_and_are_run_by_the_tests(self) -> None:
        included = {path for page in PAGES for path in included_examples(page)}
        assert included, "no page includes an example"
        tests_text = "".join(
            path.read_text()
            for path in (ROOT / "tests").rglob("*.py")
            if (ROOT / "tests" / "docs") not in path.parents
        )
        for path in included:
            assert path.startswith("examples/"), path
            assert (ROOT / path).is_file(), path
            assert Path(path).name in tests_text, f"no test runs {path}"


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            obj = getattr(obj, attribute)
        return obj
    raise ImportError(dotted)


NAME = re.compile(r"`(?P<name>cqrs(?:\.[A-Za-z_][A-Za-z0-9_]*)+)")


class TestNames:
    def test_every_dotted_cqrs_name_in_the_docs_exists(self) -> None:
        names = {m["name"] for page in PAGES for m in NAME.finditer(page.read_text())}
        # (MIGRATING.md, included by docs/migrating.md, names python-cqrs's modules on
        # purpose; tests/core/test_reference_surface.py checks it.)
        assert len(names) > 50
        missing = []
        for name in sorted(names):
            try:
                _resolve(name)
            except (ImportError, AttributeError):
                missing.append(name)
        assert missing == []


class TestApiReference:
    def test_every_public_module_is_documented_in_its_distribution_page(self) -> None:
        pages = {
            "cqrs-core": "core",
            "cqrs-pydantic": "pydantic",
            "cqrs-breaker": "breaker",
            "cqrs-saga": "saga",
            "cqrs-outbox-sqlalchemy": "outbox-sqlalchemy",
            "cqrs-kafka": "kafka",
        }
        for distribution, page in pages.items():
            src = ROOT / "packages" / distribution / "src"
            expected = set()
            for path in src.rglob("*.py"):
                parts = list(path.relative_to(src).with_suffix("").parts)
                if parts[-1] == "__init__":
                    parts.pop()
                if parts[-1] == "__main__" or any(p.startswith("_") for p in parts):
                    continue
                expected.add(".".join(parts))
            text = (DOCS / "api" / f"{page}.md").read_text()
            documented = set(re.findall(r"^::: (\S+)$", text, flags=re.MULTILINE))
            assert documented == expected, distribution

    def test_the_modules_the_reference_reads_are_the_importable_ones(self) -> None:
        documented = {
            name
            for page in (DOCS / "api").glob("*.md")
            for name in re.findall(r"^::: (\S+)$", page.read_text(), flags=re.MULTILINE)
        }
        assert documented == set(hooks.public_modules())

    def test_the_merged_sources_hold_every_distribution(self, tmp_path: Path) -> None:
        merged = hooks.merge_sources(tmp_path / "src")
        assert (merged / "cqrs" / "__init__.py").read_text().startswith('"""cqrs:')
        assert (merged / "cqrs" / "saga" / "engine.py").is_file()
        assert (merged / "cqrs" / "outbox" / "sqlalchemy" / "repository.py").is_file()
        assert (merged / "cqrs" / "adapters" / "kafka.py").is_file()
        assert (merged / "cqrs" / "adapters" / "__init__.py").is_file()


class TestGeneratedContent:
    def test_chain_diagrams_are_what_cor_mermaid_draws(self) -> None:
        demo = hooks._import_example("demo")
        expected = CoRMermaid([demo.CardPayment, demo.BankPayment]).sequence().rstrip()
        page = hooks.render("<!-- cqrs:mermaid cor demo:CardPayment,BankPayment sequence -->")
        assert page == f"```mermaid\n{expected}\n```"

    def test_saga_diagrams_are_what_saga_mermaid_draws(self) -> None:
        example = hooks._import_example("saga_mermaid")
        expected = SagaMermaid(example.OrderSaga).class_diagram().rstrip()
        page = hooks.render("<!-- cqrs:mermaid saga saga_mermaid:OrderSaga class_diagram -->")
        assert page == f"```mermaid\n{expected}\n```"

    def test_the_pages_draw_chain_and_saga_diagrams(self) -> None:
        text = "".join(page.read_text() for page in PAGES)
        assert "<!-- cqrs:mermaid cor " in text
        assert "<!-- cqrs:mermaid saga " in text
        for page in PAGES:
            rendered = hooks.render(page.read_text())
            assert "<!-- cqrs:" not in rendered, page

    def test_exception_tree_nests_every_error_under_its_bases(self) -> None:
        tree = hooks.exception_tree()
        lines = tree.splitlines()
        assert lines[0].startswith("- `cqrs.exceptions.CQRSError`")
        binding = next(line for line in lines if "`cqrs.exceptions.BindingError`" in line)
        configuration = next(
            line for line in lines if "- `cqrs.exceptions.ConfigurationError`" in line
        )
        assert binding.index("-") == configuration.index("-") + 4
        assert "(also `ValueError`)" in binding
        for module_name in hooks.public_modules():
            module = importlib.import_module(module_name)
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, cqrs.CQRSError):
                    assert f"`{value.__module__}.{value.__qualname__}`" in tree

    def test_the_saga_status_diagram_names_every_status_and_only_them(self) -> None:
        from cqrs.saga.models import SagaStatus

        page = (DOCS / "sagas.md").read_text()
        diagram = page[page.index("```mermaid\nstateDiagram-v2") : page.index("```\n\nThe history")]
        states = set(re.findall(r"\b([A-Z]{4,})\b", diagram))
        assert states == {status.name for status in SagaStatus}

    def test_a_malformed_directive_fails_the_build(self) -> None:
        with pytest.raises(ValueError, match="unknown or malformed directive"):
            hooks.render("<!-- cqrs:mermaid cor demo:CardPayment -->")
        with pytest.raises(ValueError, match="unknown diagram kind"):
            hooks.render("<!-- cqrs:mermaid flow demo:CardPayment sequence -->")
        with pytest.raises(ValueError, match="unknown diagram 'state'"):
            hooks.render("<!-- cqrs:mermaid cor demo:CardPayment state -->")
