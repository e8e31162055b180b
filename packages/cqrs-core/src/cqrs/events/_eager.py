"""Start a coroutine at once; make it a task only if it suspends.

Python 3.12 has `asyncio.eager_task_factory`; this is the same idea for one
coroutine on 3.10+. Event handlers that finish without waiting on I/O cost no
task at all, while those that suspend run concurrently as ordinary tasks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Generator
from typing import Any

__all__ = ["start_eagerly"]


class _Resume:
    """Awaitable that continues a coroutine already advanced to its first suspension."""

    __slots__ = ("_coro", "_yielded")

    def __init__(self, coro: Coroutine[Any, Any, Any], yielded: Any) -> None:
        self._coro = coro
        self._yielded = yielded

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, yielded = self._coro, self._yielded
        while True:
            # Hand the future the coroutine is waiting on to the task driving us;
            # the task waits on it exactly as if it had driven the coroutine itself.
            try:
                received = yield yielded
            except BaseException as exc:  # cancellation and throw() reach the coroutine
                try:
                    yielded = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    yielded = coro.send(received)
                except StopIteration as stop:
                    return stop.value


async def _drive(resume: _Resume) -> Any:
    return await resume


def start_eagerly(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any] | None:
    """Run `coro` until it suspends: None if it finished, else a task that finishes it.

    Exceptions raised before the first suspension propagate to the caller.
    """
    try:
        yielded = coro.send(None)
    except StopIteration:
        return None
    return asyncio.ensure_future(_drive(_Resume(coro, yielded)))
