"""A 3-step saga whose steps write their side effects to a journal file, with kill hooks.

Shared by the SQL saga tests and by `saga_process.py` (the worker process the kill
test SIGKILLs). The journal is a file appended with `os.write`, so a line written
before a SIGKILL is kept (the kernel holds it, not the dead process).

`CQRS_TEST_KILL_AT` names the boundary at which the process SIGKILLs itself:
`before-act:B` (before B's side effect), `after-act:B` (side effect written, log
entry not), `compensate:A` (before A's compensation), and, through
`KillingStorage`, `after-commit:A` (A's step boundary committed, B not started).
"""

from __future__ import annotations

import dataclasses
import os
import signal
import uuid
from pathlib import Path
from typing import Any

from cqrs.container.default import DefaultContainer
from cqrs.saga.models import SagaContext, SagaStatus
from cqrs.saga.saga import Saga
from cqrs.saga.step import SagaStepHandler, SagaStepResult
from cqrs.saga.storage.sqlalchemy import SqlAlchemySagaStorage

KILL_ENV = "CQRS_TEST_KILL_AT"


def boundary(name: str) -> None:
    """SIGKILL this process if `CQRS_TEST_KILL_AT` names this boundary."""
    if os.environ.get(KILL_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


class Journal:
    """Side effects of the steps, one line each, kept across a SIGKILL."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def record(self, line: str) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{line}\n".encode())
        finally:
            os.close(fd)

    def lines(self) -> list[str]:
        return self.path.read_text().splitlines() if self.path.exists() else []


@dataclasses.dataclass
class OrderContext(SagaContext):
    order_id: str
    fail_step: str = ""
    stuck_compensation: str = ""  # a step whose compensate always fails
    done: list[str] = dataclasses.field(default_factory=list)


class JournalStep(SagaStepHandler[OrderContext, str]):
    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    async def act(self, context: OrderContext) -> SagaStepResult[OrderContext, str]:
        boundary(f"before-act:{self.name}")
        self.journal.record(f"act {self.name} {self.idempotency_key}")
        if context.fail_step == self.name:
            raise RuntimeError(f"{self.name} refused order {context.order_id}")
        boundary(f"after-act:{self.name}")
        context.done.append(self.name)
        return self._generate_step_result(self.name)

    async def compensate(self, context: OrderContext) -> None:
        boundary(f"compensate:{self.name}")
        if context.stuck_compensation == self.name:
            self.journal.record(f"compensate {self.name} failed")
            raise ConnectionError(f"cannot undo {self.name} of order {context.order_id}")
        self.journal.record(f"compensate {self.name}")


class A(JournalStep):
    pass


class B(JournalStep):
    pass


class C(JournalStep):
    pass


class ThreeSteps(Saga[OrderContext]):
    steps = [A, B, C]


class KillingStorage(SqlAlchemySagaStorage):
    """Dies right after a step boundary named `after-commit:STEP` is committed."""

    async def complete_step(
        self,
        saga_id: uuid.UUID,
        step_name: str,
        context: dict[str, Any],
        current_version: int | None = None,
        *,
        status: SagaStatus | None = None,
    ) -> None:
        await super().complete_step(saga_id, step_name, context, current_version, status=status)
        boundary(f"after-commit:{step_name}")


#: For `python -m cqrs.saga recover --sagas tests.saga.three_steps:SAGAS`.
SAGAS = [ThreeSteps]
JOURNAL_ENV = "CQRS_TEST_JOURNAL"


def make_container() -> DefaultContainer:
    """A container whose Journal writes to `$CQRS_TEST_JOURNAL` (`--container` of the CLI)."""
    container = DefaultContainer()
    container.bind_instance(Journal, Journal(Path(os.environ[JOURNAL_ENV])))
    return container
