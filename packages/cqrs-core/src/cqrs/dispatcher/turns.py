"""One dispatch at a time per handler instance that collects events.

A handler keeps the events it records in its own state (`self._events`), so
two dispatches running on one instance at once (a singleton handler serving
concurrent requests) would take each other's events. Every dispatch of a
handler that may emit therefore takes a turn on the instance: a fresh handler
gets it at once; a shared one serves its callers one after the other, in
arrival order. A dispatch nested inside the turn's own task (a handler that
sends through the mediator to itself) proceeds without waiting — waiting
would deadlock — and shares the instance's events with the outer dispatch.

Turns are keyed by `id(handler)`: an entry exists only while its handler is
referenced by the dispatch holding it, so ids are never confused.
"""

from __future__ import annotations

import asyncio
from collections import deque

__all__ = ["release", "take_turn", "wait_turn"]

_Waiter = tuple["asyncio.Future[None]", "asyncio.Task[object] | None"]

_owners: dict[int, asyncio.Task[object] | None] = {}
_queues: dict[int, deque[_Waiter]] = {}


def take_turn(key: int) -> bool | asyncio.Future[None]:
    """True: the turn is ours; False: nested in our own turn; a future: wait for it."""
    task = asyncio.current_task()
    try:
        owner = _owners[key]
    except KeyError:
        _owners[key] = task
        return True
    if owner is task:
        return False
    waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    queue = _queues.get(key)
    if queue is None:
        queue = _queues[key] = deque()
    queue.append((waiter, task))
    return waiter


async def wait_turn(key: int, waiter: asyncio.Future[None]) -> bool:
    """Wait until `release` hands the turn over; always returns True (ours to release)."""
    try:
        await waiter
    except asyncio.CancelledError:
        if waiter.done() and not waiter.cancelled():
            # The turn was handed to us just before the cancellation: pass it on.
            release(key)
        raise
    return True


def release(key: int) -> None:
    """End the current turn: hand it to the first caller still waiting, if any."""
    queue = _queues.get(key)
    while queue:
        waiter, task = queue.popleft()
        if not waiter.done():  # a cancelled waiter's future is done
            _owners[key] = task
            waiter.set_result(None)
            if not queue:
                del _queues[key]
            return
    _queues.pop(key, None)
    del _owners[key]
