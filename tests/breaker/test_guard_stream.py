"""AioBreakerAdapter.guard_stream: a whole stream counted as one call of the circuit.

The core's streaming fallback sends each pull through `call` today; `guard_stream`
is the hook it can use instead (see the report of issue 5), so that a primary that
keeps failing mid-stream opens its circuit. These tests drive it directly.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from cqrs.breaker import AioBreakerAdapter, CircuitOpenError

SHORT = 0.2
PAST_SHORT = 0.3


class Business(Exception):
    pass


class Source:
    """A primary stream: yields `fail_after` items, then raises `error` (if any)."""

    def __init__(self, items: int = 3, fail_after: int | None = None) -> None:
        self.items = items
        self.fail_after = fail_after
        self.started = 0
        self.closed = 0

    async def stream(self, error: Exception | None = None) -> AsyncIterator[str]:
        self.started += 1
        try:
            for i in range(self.items):
                if i == self.fail_after:
                    raise error or ConnectionError("stream connection lost")
                yield f"item-{i}"
        finally:
            self.closed += 1


async def drain(
    adapter: AioBreakerAdapter, source: Source, error: Exception | None = None
) -> list[str]:
    items: list[str] = []
    with contextlib.suppress(ConnectionError):
        async for item in adapter.guard_stream("svc", source.stream(error)):
            items.append(item)
    return items


class TestGuardStream:
    @pytest.mark.anyio
    async def test_relays_every_item_of_a_healthy_stream(self) -> None:
        assert await drain(AioBreakerAdapter(), Source(items=3)) == ["item-0", "item-1", "item-2"]

    @pytest.mark.anyio
    async def test_a_mid_stream_failure_reaches_the_consumer(self) -> None:
        stream = AioBreakerAdapter().guard_stream("svc", Source(fail_after=1).stream())

        with pytest.raises(ConnectionError, match="connection lost"):
            async for _ in stream:
                pass

    @pytest.mark.anyio
    async def test_streams_failing_mid_stream_open_the_circuit(self) -> None:
        adapter = AioBreakerAdapter(fail_max=3)
        for _ in range(3):
            await drain(adapter, Source(fail_after=2))

        assert adapter.circuit("svc").state == "open"

    @pytest.mark.anyio
    async def test_an_open_circuit_refuses_the_first_pull(self) -> None:
        adapter = AioBreakerAdapter(fail_max=1)
        await drain(adapter, Source(fail_after=1))

        with pytest.raises(CircuitOpenError):
            await adapter.guard_stream("svc", Source().stream()).__anext__()

    @pytest.mark.anyio
    async def test_a_refused_stream_is_closed_unstarted(self) -> None:
        adapter = AioBreakerAdapter(fail_max=1)
        await drain(adapter, Source(fail_after=1))
        source = Source()

        with contextlib.suppress(CircuitOpenError):
            await drain(adapter, source)

        assert source.started == 0

    @pytest.mark.anyio
    async def test_a_whole_stream_resets_the_failure_count(self) -> None:
        adapter = AioBreakerAdapter(fail_max=3)
        await drain(adapter, Source(fail_after=1))

        await drain(adapter, Source())

        assert adapter.circuit("svc").fail_counter == 0

    @pytest.mark.anyio
    async def test_an_abandoned_stream_counts_nothing(self) -> None:
        adapter = AioBreakerAdapter(fail_max=3)
        await drain(adapter, Source(fail_after=1))
        source = Source()
        stream = adapter.guard_stream("svc", source.stream())

        await stream.__anext__()
        await stream.aclose()  # type: ignore[attr-defined]

        assert (adapter.circuit("svc").fail_counter, source.closed) == (1, 1)

    @pytest.mark.anyio
    async def test_an_excluded_error_is_raised_and_not_counted(self) -> None:
        adapter = AioBreakerAdapter(fail_max=1, exclude=[Business])

        with pytest.raises(Business):
            await drain(adapter, Source(fail_after=1), Business("refused"))

        assert adapter.circuit("svc").state == "closed"

    @pytest.mark.anyio
    async def test_a_trial_stream_that_ends_closes_the_circuit(self) -> None:
        adapter = AioBreakerAdapter(fail_max=1, timeout_duration=SHORT)
        await drain(adapter, Source(fail_after=1))
        await asyncio.sleep(PAST_SHORT)

        assert await drain(adapter, Source(items=2)) == ["item-0", "item-1"]
        assert adapter.circuit("svc").state == "closed"

    @pytest.mark.anyio
    async def test_calls_are_refused_while_a_trial_stream_runs(self) -> None:
        adapter = AioBreakerAdapter(fail_max=1, timeout_duration=SHORT)
        await drain(adapter, Source(fail_after=1))
        await asyncio.sleep(PAST_SHORT)
        trial = adapter.guard_stream("svc", Source().stream())
        await trial.__anext__()

        async def ok() -> str:
            return "ok"

        with pytest.raises(CircuitOpenError, match="trial"):
            await adapter.call("svc", ok)
        await trial.aclose()  # type: ignore[attr-defined]
