"""The `cqrs` root package: lazy names of the extras, and an import without side effects."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import cqrs

# name -> (module that provides it, distribution to install)
EXTRAS = {
    "PydanticRequest": ("cqrs.pydantic", "cqrs-pydantic"),
    "SqlAlchemyOutboxedEventRepository": ("cqrs.outbox.sqlalchemy", "cqrs-outbox-sqlalchemy"),
    "Saga": ("cqrs.saga", "cqrs-saga"),
    "AioBreakerAdapter": ("cqrs.adapters.circuit_breaker", "cqrs-breaker"),
}


def importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:  # a parent package is missing
        return False


def run_python(code: str, cwd: Path) -> Any:
    """Run `code` in a fresh interpreter in `cwd` and return the JSON it prints last."""
    env = {key: value for key, value in os.environ.items() if key != "CQRS_TEST_MARKER"}
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.fixture
def dotenv_dir(tmp_path: Path) -> Path:
    (tmp_path / ".env").write_text("CQRS_TEST_MARKER=1\n", encoding="utf-8")
    return tmp_path


class TestLazyExtras:
    @pytest.mark.parametrize("name", sorted(EXTRAS))
    def test_missing_extra_raises_import_error_naming_the_distribution(self, name: str) -> None:
        module, distribution = EXTRAS[name]
        if importable(module):
            pytest.skip(f"{module} is installed")

        with pytest.raises(ImportError, match=distribution):
            getattr(cqrs, name)

    @pytest.mark.parametrize("name", sorted(EXTRAS))
    def test_extra_names_are_listed_by_dir(self, name: str) -> None:
        assert name in dir(cqrs)

    def test_unknown_attribute_is_an_attribute_error(self) -> None:
        with pytest.raises(AttributeError, match="NoSuchName"):
            getattr(cqrs, "NoSuchName")

    def test_unknown_attribute_makes_hasattr_false(self) -> None:
        assert not hasattr(cqrs, "NoSuchName")


class TestImportSideEffects:
    def test_import_does_not_load_dotenv(self, dotenv_dir: Path) -> None:
        marker = run_python(
            """
            import json, os
            import cqrs
            print(json.dumps(os.environ.get("CQRS_TEST_MARKER")))
            """,
            dotenv_dir,
        )

        assert marker is None

    def test_import_leaves_the_cqrs_logger_level_unset(self, dotenv_dir: Path) -> None:
        level = run_python(
            """
            import json, logging
            import cqrs
            print(json.dumps(logging.getLogger("cqrs").level))
            """,
            dotenv_dir,
        )

        assert level == 0  # logging.NOTSET

    def test_import_leaves_the_root_logger_alone(self, dotenv_dir: Path) -> None:
        root = run_python(
            """
            import json, logging
            import cqrs
            root = logging.getLogger()
            print(json.dumps([root.level, len(root.handlers)]))
            """,
            dotenv_dir,
        )

        assert root == [30, 0]  # WARNING, no handler

    def test_import_emits_no_log_record_at_info(self, dotenv_dir: Path) -> None:
        records = run_python(
            """
            import json, logging

            records = []

            class Keep(logging.Handler):
                def emit(self, record):
                    records.append(record)

            root = logging.getLogger()
            root.addHandler(Keep(logging.DEBUG))
            root.setLevel(logging.DEBUG)
            import cqrs
            import cqrs.requests.bootstrap, cqrs.middlewares, cqrs.message_brokers.memory
            loud = [r for r in records if r.levelno >= logging.INFO]
            print(json.dumps([[r.name, r.levelname, r.getMessage()] for r in loud]))
            """,
            dotenv_dir,
        )

        assert records == []
