"""What the broker and the consumer share: `async with` around `start()` / `stop()`."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, TypeVar

_S = TypeVar("_S", bound="Service")


class Service:
    """A client with `start()` and `stop()`, usable as `async with client:`.

    Leaving the block stops the client even when the block is cancelled: pending
    sends are flushed and settled offsets committed before the cancellation goes on.
    """

    async def start(self) -> None:
        """Connect; overridden."""
        raise NotImplementedError

    async def stop(self) -> None:
        """Disconnect; overridden."""
        raise NotImplementedError

    async def __aenter__(self: _S) -> _S:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await shielded(self.stop())


async def shielded(coro: Coroutine[Any, Any, None]) -> None:
    """Run `coro` to its end even if the caller is cancelled meanwhile."""
    task = asyncio.ensure_future(coro)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise
