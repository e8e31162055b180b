"""One dispatch at a time per handler instance that collects events.

A handler keeps the events it records in its own state (`self._events`), so
two dispatches running on one instance at once (a singleton handler serving
concurrent requests) would take each other's events. Every dispatch of a
handler that may emit therefore takes a turn on the instance: a fresh handler
gets it at once; a shared one serves its callers one after the other, in
arrival order.

A dispatch nested inside a turn — a handler that sends through the mediator to
itself, directly or from a task it started while handling — proceeds without
waiting (waiting would deadlock) and shares the instance's events with the
outer dispatch. "Inside" is tracked by a ContextVar, which tasks inherit.

Turns are keyed by `id(handler)`: an entry exists only while its handler is
referenced by the dispatch holding it, so ids are never confused.
"""

from __future__ import annotations

import asyncio
from collections import deque
from contextvars import ContextVar, Token

__all__ = ["enter", "leave", "release", "take_turn", "wait_turn"]

# Keys of the turns held by the current context (and inherited by its tasks).
_held: ContextVar[tuple[int, ...]] = ContextVar("cqrs_handler_turns", default=())
# Key -> callers waiting for the turn (None while nobody waits); present while held.
_busy: dict[int, deque[asyncio.Future[None]] | None] = {}


async def enter(key: int) -> Token[tuple[int, ...]] | None:
    """Take the turn on `key`, waiting if another dispatch holds it; None when nested."""
    turn = take_turn(key)
    if turn is None or turn.__class__ is Token:
        return turn
    return await wait_turn(key, turn)  # type: ignore[arg-type]


def leave(key: int, token: Token[tuple[int, ...]] | None) -> None:
    """Give up the turn taken by `enter` (nothing to do for a nested one)."""
    if token is not None:
        release(key, token)


def take_turn(key: int) -> Token[tuple[int, ...]] | asyncio.Future[None] | None:
    """A token: the turn is ours; None: nested in our own turn; a future: wait for it."""
    if key not in _busy:
        _busy[key] = None
        held = _held.get()
        return _held.set((*held, key) if held else (key,))
    if key in _held.get():
        return None
    waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    queue = _busy[key]
    if queue is None:
        queue = _busy[key] = deque()
    queue.append(waiter)
    return waiter


async def wait_turn(key: int, waiter: asyncio.Future[None]) -> Token[tuple[int, ...]]:
    """Wait until `release` hands the turn over; returns the token to release it with."""
    try:
        await waiter
    except asyncio.CancelledError:
        if waiter.done() and not waiter.cancelled():
            # The turn was handed to us just before the cancellation: pass it on.
            _hand_over(key)
        raise
    return _held.set((*_held.get(), key))


def release(key: int, token: Token[tuple[int, ...]]) -> None:
    """End our turn: hand it to the first caller still waiting, if any."""
    _held.reset(token)
    _hand_over(key)


def _hand_over(key: int) -> None:
    queue = _busy[key]
    while queue:
        waiter = queue.popleft()
        if not waiter.done():  # a cancelled waiter's future is done
            waiter.set_result(None)
            return
    del _busy[key]
