"""A streaming fallback behind a circuit breaker: the seeds' "Circuit Breaker configuration".

The primary stream loses its connection after two items, and its source stays
down afterwards; the fallback stream answers from elsewhere. With
`AioBreakerAdapter(fail_max=3, timeout_duration=30)` the first three requests
start on the primary and switch to the fallback when it fails (the first one
mid-stream, keeping the two items already delivered); the third failure opens
the circuit, so the fourth request is answered by the fallback alone, without
calling the primary, until 30 seconds pass.
Run it with `uv run python examples/circuit_breaker.py` (needs cqrs-breaker).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator

import cqrs
from cqrs.adapters.circuit_breaker import AioBreakerAdapter
from cqrs.requests import bootstrap


class StreamItemsCommand(cqrs.Request):
    item_ids: list[str]


class StreamItemResult(cqrs.Response):
    item_id: str
    status: str
    source: str  # "primary" or "fallback"


class PrimaryStreamItemsHandler(
    cqrs.StreamingRequestHandler[StreamItemsCommand, StreamItemResult],
):
    calls = 0  # how many streams the primary started, across instances
    source_down = False  # set once the connection is lost: later streams fail at once

    def __init__(self) -> None:
        self._events: list[cqrs.Event] = []

    @property
    def events(self) -> list[cqrs.Event]:
        return self._events.copy()

    def clear_events(self) -> None:
        self._events.clear()

    async def handle(self, request: StreamItemsCommand) -> AsyncIterator[StreamItemResult]:
        PrimaryStreamItemsHandler.calls += 1
        if PrimaryStreamItemsHandler.source_down:
            raise ConnectionError("Connection refused")
        for i, item_id in enumerate(request.item_ids):
            if i >= 2:
                PrimaryStreamItemsHandler.source_down = True
                raise ConnectionError("Stream connection lost")
            yield StreamItemResult(item_id=item_id, status="processed", source="primary")


class FallbackStreamItemsHandler(
    cqrs.StreamingRequestHandler[StreamItemsCommand, StreamItemResult],
):
    def __init__(self) -> None:
        self._events: list[cqrs.Event] = []

    @property
    def events(self) -> list[cqrs.Event]:
        return self._events.copy()

    def clear_events(self) -> None:
        self._events.clear()

    async def handle(self, request: StreamItemsCommand) -> AsyncIterator[StreamItemResult]:
        for item_id in request.item_ids:
            yield StreamItemResult(item_id=item_id, status="from_fallback", source="fallback")


# The configuration, as the seeds write it: one adapter per policy, a circuit per handler.
stream_cb = AioBreakerAdapter(fail_max=3, timeout_duration=30)


def commands_mapper(mapper: cqrs.RequestMap) -> None:
    mapper.bind(
        StreamItemsCommand,
        cqrs.RequestHandlerFallback(
            primary=PrimaryStreamItemsHandler,
            fallback=FallbackStreamItemsHandler,
            failure_exceptions=(ConnectionError, TimeoutError),
            circuit_breaker=stream_cb,
        ),
    )


async def main() -> None:
    # The breaker logs each state change at WARNING on the "cqrs.breaker" logger.
    logging.basicConfig(level=logging.WARNING, stream=sys.stdout, format="log: %(message)s")
    mediator = bootstrap.bootstrap_streaming(commands_mapper=commands_mapper)
    circuit = stream_cb.circuit(PrimaryStreamItemsHandler)
    for number in range(1, 5):
        before = PrimaryStreamItemsHandler.calls
        sources = []
        async for response in mediator.stream(StreamItemsCommand(item_ids=["a", "b", "c", "d"])):
            sources.append(f"{response.item_id}:{response.source}")
        called = "called" if PrimaryStreamItemsHandler.calls > before else "not called"
        print(
            f"request {number}: {' '.join(sources)} | primary {called}, "
            f"circuit {circuit.state}, failures {circuit.fail_counter}"
        )


if __name__ == "__main__":
    asyncio.run(main())
