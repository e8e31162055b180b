"""Crash safety: a worker process running a 3-step saga on PostgreSQL is SIGKILLed at
each step boundary, then a SagaRecoveryWorker finishes the saga.

The process kills itself at the boundary named by `CQRS_TEST_KILL_AT` (see
three_steps.py), so each case is deterministic; nothing waits on a timer.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from cqrs.container.default import DefaultContainer
from cqrs.saga.models import SagaStatus
from cqrs.saga.recovery import SagaRecoveryWorker

from .conftest import Database
from .three_steps import KILL_ENV, Journal, ThreeSteps

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).parents[2]

# boundary, failing step, journal after recovery ({k} is the saga id), final status
CASES = {
    "before act": (
        "before-act:B",
        "",
        ["act A {k}:A", "act B {k}:B", "act C {k}:C"],
        SagaStatus.COMPLETED,
    ),
    # The idempotency-key case: B's side effect happened, its log entry did not, so
    # recovery runs B once more with the same key.
    "after act, before its log entry": (
        "after-act:B",
        "",
        ["act A {k}:A", "act B {k}:B", "act B {k}:B", "act C {k}:C"],
        SagaStatus.COMPLETED,
    ),
    "between steps": (
        "after-commit:A",
        "",
        ["act A {k}:A", "act B {k}:B", "act C {k}:C"],
        SagaStatus.COMPLETED,
    ),
    "after the last step": (
        "after-commit:C",
        "",
        ["act A {k}:A", "act B {k}:B", "act C {k}:C"],
        SagaStatus.COMPLETED,
    ),
    "in the middle of compensation": (
        "compensate:A",
        "C",
        ["act A {k}:A", "act B {k}:B", "act C {k}:C", "compensate B", "compensate A"],
        SagaStatus.COMPENSATED,
    ),
    "at the start of compensation": (
        "compensate:B",
        "C",
        ["act A {k}:A", "act B {k}:B", "act C {k}:C", "compensate B", "compensate A"],
        SagaStatus.COMPENSATED,
    ),
}


def run_killed_worker(
    database: Database, journal: Path, saga_id: uuid.UUID, kill_at: str, fail: str
) -> None:
    """Run the saga in a new process and check that it died at `kill_at`."""
    executions, logs = database.tables
    env = {**os.environ, KILL_ENV: kill_at}
    args = [database.url, executions.name, logs.name, str(journal), str(saga_id), fail]
    done = subprocess.run(
        [sys.executable, "-m", "tests.saga.saga_process", *args],
        cwd=ROOT,
        env=env,
        timeout=30,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr


@pytest.mark.parametrize("case", sorted(CASES))
async def test_a_killed_saga_is_finished_by_recovery(
    case: str, postgres_database: Database, tmp_path: Path
) -> None:
    kill_at, fail, expected, final = CASES[case]
    journal = Journal(tmp_path / "journal.txt")
    saga_id = uuid.uuid4()
    run_killed_worker(postgres_database, journal.path, saga_id, kill_at, fail)

    storage = postgres_database.storage()
    container = DefaultContainer()
    container.bind_instance(Journal, journal)
    worker = SagaRecoveryWorker(
        storage, [ThreeSteps], container, stale_after=0.0, compensation_retry_delay=0.0
    )
    report = await worker.recover_once()
    if kill_at == "after-commit:C":
        assert report.finished == {}  # stored COMPLETED with its last step: nothing to do
    else:
        assert report.finished == {saga_id: final}
    assert (await storage.load_saga_state(saga_id))[0] is final
    assert journal.lines() == [line.format(k=saga_id) for line in expected]
    assert (await worker.recover_once()).claimed == 0
