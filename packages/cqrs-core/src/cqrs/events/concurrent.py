"""Run event handlers concurrently, each in its own task from its first line.

A handler run concurrently with others gets its own `asyncio.Task` and its own
copy of the context before its first line runs, so `asyncio.current_task()`,
`asyncio.timeout()`, ContextVars set and reset with their token, and anyio
cancel scopes all behave as in any task. On Python 3.12+ the task starts
eagerly (`eager_start=True`): a handler that never suspends finishes without a
trip through the event loop. Cancelling the dispatch cancels every handler task
still running and waits for their cleanup before the cancellation propagates.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sys
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, TypeVar

__all__ = ["run_concurrently"]

J = TypeVar("J")

# Python 3.12+ can start a task eagerly: its first step runs inside the constructor.
_CAN_START_EAGERLY = sys.version_info >= (3, 12)


def _eager_task(
    loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, None]
) -> asyncio.Task[None]:
    return asyncio.Task(coro, loop=loop, eager_start=True)  # type: ignore[call-arg,unused-ignore]


class _Gate:
    """The handler tasks of one dispatch and a waiter woken when few enough still run."""

    __slots__ = (
        "args",
        "closing",
        "jobs",
        "loop",
        "on_cancelled",
        "ran",
        "running",
        "target",
        "tasks",
        "waiter",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        on_cancelled: Callable[..., None],
        args: tuple[Any, ...],
    ) -> None:
        self.loop = loop
        self.on_cancelled = on_cancelled
        self.args = args
        self.tasks: list[asyncio.Task[None]] = []
        self.jobs: list[Any] = []
        self.ran: list[bool] = []  # whether each task's body started
        self.running = 0
        self.waiter: asyncio.Future[None] | None = None
        self.target = 0
        self.closing = False

    def finished(self) -> None:
        """Called by each handler task as its last step (after the handler's own cleanup)."""
        self.running -= 1
        waiter = self.waiter
        if waiter is not None and self.running <= self.target and not waiter.done():
            waiter.set_result(None)

    def reaped(self, index: int, task: asyncio.Task[None]) -> None:
        """Done-callback of the lazily started task `index`.

        A task cancelled before its first step never runs its body, so it cannot
        report its end itself: account for it here.
        """
        if not self.ran[index]:
            if not self.closing:
                self.on_cancelled(self.jobs[index], *self.args)
            self.finished()

    async def wait(self, target: int) -> None:
        """Return once at most `target` handler tasks are still running."""
        self.target = target
        self.waiter = self.loop.create_future()
        try:
            await self.waiter
        finally:
            self.waiter = None

    async def close(self) -> None:
        """Cancel the handler tasks still running and wait until each has finished."""
        self.closing = True
        pending = [task for task in self.tasks if not task.done()]
        for task in pending:
            task.cancel()
        while pending:
            # Cancelled again while cleaning up: still wait for the children.
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait(pending)
            pending = [task for task in pending if not task.done()]


async def _tracked(
    gate: _Gate, run: Callable[..., Coroutine[Any, Any, None]], job: Any, index: int
) -> None:
    # The task's whole body: the gate learns of the end without a done-callback round.
    if index >= 0:  # a lazily started task: record that its body runs
        gate.ran[index] = True
    try:
        await run(job, *gate.args)
    except asyncio.CancelledError:
        if not gate.closing:  # cancelled by someone else: a failure of that handler
            gate.on_cancelled(job, *gate.args)
        raise
    finally:
        gate.finished()


async def run_concurrently(
    run: Callable[..., Coroutine[Any, Any, None]],
    on_cancelled: Callable[..., None],
    jobs: Iterable[J],
    limit: int,
    *args: Any,
) -> None:
    """Run `run(job, *args)` for every job, each in its own task, at most `limit` at a time.

    `run` must not raise (it records failures itself); a task cancelled from
    outside this dispatch is reported through `on_cancelled(job, *args)`.
    """
    loop = asyncio.get_running_loop()
    gate = _Gate(loop, on_cancelled, args)
    # Without a task factory of the application's, start tasks eagerly where we can.
    eager = _CAN_START_EAGERLY and loop.get_task_factory() is None
    try:
        for job in jobs:
            if gate.running >= limit:
                await gate.wait(limit - 1)
            gate.running += 1
            if eager:
                task = _eager_task(loop, _tracked(gate, run, job, -1))
                if not task.done():
                    gate.tasks.append(task)
                continue
            # A lazily started task may be cancelled before its body runs: watch for it.
            index = len(gate.ran)
            gate.jobs.append(job)
            gate.ran.append(False)
            task = loop.create_task(_tracked(gate, run, job, index))
            gate.tasks.append(task)
            task.add_done_callback(functools.partial(gate.reaped, index))
        if gate.running:
            await gate.wait(0)
    except BaseException:
        await gate.close()
        raise
