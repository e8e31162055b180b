"""`python -m cqrs.saga`: list, show and recover on SQLite and PostgreSQL; operator errors."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cqrs.saga import bootstrap as saga_bootstrap
from cqrs.saga.cli import main

from .conftest import Database, open_database
from .three_steps import JOURNAL_ENV, Journal, OrderContext, ThreeSteps, make_container

ROOT = Path(__file__).parents[2]


class Stored:
    """A database holding one saga interrupted after its first step, and one completed."""

    def __init__(self, database: Database, interrupted: uuid.UUID, completed: uuid.UUID) -> None:
        self.journal = Path(os.environ[JOURNAL_ENV])
        self.database = database
        self.interrupted = interrupted
        self.completed = completed

    def cli(self, *args: str) -> tuple[int, str]:
        executions, logs = self.database.tables
        out = io.StringIO()
        status = main(
            [
                "--url",
                self.database.url,
                "--execution-table",
                executions.name,
                "--log-table",
                logs.name,
                *args,
            ],
            out,
        )
        return status, out.getvalue()


@pytest.fixture(params=["sqlite-file", "postgresql"])
def stored(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stored]:
    monkeypatch.setenv(JOURNAL_ENV, str(tmp_path / "journal.txt"))
    monkeypatch.syspath_prepend(str(ROOT))  # so `tests.saga.three_steps` imports
    loop = asyncio.new_event_loop()
    context = open_database(request.param, tmp_path)
    database = loop.run_until_complete(context.__aenter__())
    try:
        mediator = saga_bootstrap.bootstrap(
            di_container=make_container(),
            sagas_mapper=lambda m: m.bind(OrderContext, ThreeSteps),
            saga_storage=database.storage(),
        )

        async def run(saga_id: uuid.UUID, steps: int) -> None:
            seen = 0
            async for _ in mediator.stream(OrderContext(order_id="o-7"), saga_id=saga_id):
                seen += 1
                if seen == steps:
                    break

        interrupted, completed = uuid.uuid4(), uuid.uuid4()
        loop.run_until_complete(run(interrupted, 1))
        loop.run_until_complete(run(completed, 3))
        yield Stored(database, interrupted, completed)
    finally:
        loop.run_until_complete(context.__aexit__(None, None, None))
        loop.close()


class TestListAndShow:
    def test_list_filters_by_status(self, stored: Stored) -> None:
        status, out = stored.cli("list", "--status", "running")
        assert status == 0
        assert str(stored.interrupted) in out
        assert str(stored.completed) not in out
        assert "ThreeSteps" in out

    def test_show_prints_status_context_and_history(self, stored: Stored) -> None:
        status, out = stored.cli("show", str(stored.interrupted))
        assert status == 0
        assert f"saga {stored.interrupted} (ThreeSteps): running" in out
        assert '"order_id": "o-7"' in out
        assert "  A  act  completed" in out
        assert "  B  act" not in out

    def test_an_unknown_saga_id_is_a_clear_error(
        self, stored: Stored, capsys: pytest.CaptureFixture[str]
    ) -> None:
        unknown = uuid.uuid4()
        assert stored.cli("show", str(unknown))[0] == 1
        assert f"no saga with id UUID('{unknown}')" in capsys.readouterr().err

    def test_a_malformed_saga_id_is_a_clear_error(
        self, stored: Stored, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert stored.cli("show", "not-a-uuid")[0] == 2
        assert "'not-a-uuid' is not a saga id" in capsys.readouterr().err


class TestRecover:
    def test_recover_once_finishes_the_interrupted_saga(self, stored: Stored) -> None:
        status, out = stored.cli(
            "recover",
            "--once",
            "--stale-after",
            "0",
            "--sagas",
            "tests.saga.three_steps:SAGAS",
            "--container",
            "tests.saga.three_steps:make_container",
        )
        assert (status, out.split()) == (0, [str(stored.interrupted), "completed"])
        assert stored.cli("list", "--status", "running")[1] == ""
        journal = Journal(stored.journal)
        assert [line.split()[1] for line in journal.lines()] == ["A", "A", "B", "C", "B", "C"]

    def test_an_unknown_sagas_path_is_a_clear_error(
        self, stored: Stored, capsys: pytest.CaptureFixture[str]
    ) -> None:
        status, _ = stored.cli("recover", "--once", "--sagas", "tests.saga.three_steps:NOPE")
        assert status == 2
        assert "has no attribute 'NOPE'" in capsys.readouterr().err


class TestRecoverForever:
    def test_it_recovers_and_stops_on_sigterm(self, stored: Stored) -> None:
        executions, logs = stored.database.tables
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cqrs.saga",
                "--url",
                stored.database.url,
                "--execution-table",
                executions.name,
                "--log-table",
                logs.name,
                "recover",
                "--forever",
                "--stale-after",
                "0",
                "--idle-sleep",
                "3600",
                "--sagas",
                "tests.saga.three_steps:SAGAS",
                "--container",
                "tests.saga.three_steps:make_container",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        try:
            assert process.stdout.readline() == "recovering sagas until SIGINT or SIGTERM\n"
            # The first pass recovers the saga: its last step's line is the handshake.
            while not any(line.startswith("act C") for line in Journal(stored.journal).lines()):
                assert process.poll() is None
                time.sleep(0.01)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
            assert process.stdout.read() == "stopped\n"
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()
        assert stored.cli("list", "--status", "running")[1] == ""


class TestBadInput:
    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("not a url", "bad database URL 'not a url'"),
            ("nosuchdb+driver://h/db", "bad database URL"),
        ],
    )
    def test_a_bad_url_is_a_clear_error(
        self, url: str, message: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["--url", url, "list"]) == 2
        assert message in capsys.readouterr().err

    def test_a_missing_url_names_the_environment_variable(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.delenv("CQRS_SAGA_DATABASE_URL", raising=False)
        assert main(["list"]) == 2
        assert "CQRS_SAGA_DATABASE_URL" in capsys.readouterr().err

    def test_python_dash_m_runs_the_command_line(self) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "cqrs.saga", "--help"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        assert done.returncode == 0
        assert "recover" in done.stdout
