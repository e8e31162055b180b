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
import sys
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, TypeVar

__all__ = ["run_concurrently"]

J = TypeVar("J")

if sys.version_info >= (3, 12):

    def _spawn(
        loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, None]
    ) -> asyncio.Task[None]:
        if loop.get_task_factory() is None:
            return asyncio.Task(coro, loop=loop, eager_start=True)
        return loop.create_task(coro)  # the application's task factory decides

else:

    def _spawn(
        loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, None]
    ) -> asyncio.Task[None]:
        return loop.create_task(coro)


class _Gate:
    """The running tasks of one dispatch and a waiter woken when few enough remain."""

    __slots__ = ("args", "closing", "jobs", "loop", "on_cancelled", "target", "waiter")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        on_cancelled: Callable[..., None],
        args: tuple[Any, ...],
    ) -> None:
        self.args = args
        self.loop = loop
        self.jobs: dict[asyncio.Task[None], Any] = {}
        self.waiter: asyncio.Future[None] | None = None
        self.target = 0
        self.closing = False
        self.on_cancelled = on_cancelled

    def add(self, task: asyncio.Task[None], job: Any) -> None:
        self.jobs[task] = job
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        job = self.jobs.pop(task)
        if task.cancelled() and not self.closing:
            # Cancelled by something other than this dispatch: a failure of that handler.
            self.on_cancelled(job, *self.args)
        waiter = self.waiter
        if waiter is not None and len(self.jobs) <= self.target and not waiter.done():
            waiter.set_result(None)

    async def wait(self, target: int) -> None:
        """Return once at most `target` tasks are still running."""
        self.target = target
        self.waiter = self.loop.create_future()
        try:
            await self.waiter
        finally:
            self.waiter = None

    async def close(self) -> None:
        """Cancel the tasks still running and wait until each has finished its cleanup."""
        self.closing = True
        for task in self.jobs:
            task.cancel()
        while self.jobs:
            try:
                await asyncio.wait(list(self.jobs))
            except asyncio.CancelledError:
                continue  # cancelled again while cleaning up: still wait for the children


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
    try:
        for job in jobs:
            if len(gate.jobs) >= limit:
                await gate.wait(limit - 1)
            task = _spawn(loop, run(job, *args))
            if task.done():  # an eager task that never suspended
                if task.cancelled():
                    on_cancelled(job, *args)
            else:
                gate.add(task, job)
        if gate.jobs:
            await gate.wait(0)
    except BaseException:
        await gate.close()
        raise
