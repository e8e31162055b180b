"""What code written for python-cqrs and aiobreaker relies on: keyword arguments,
`except CircuitBreakerError`, and no deprecated `datetime.utcnow()` reaching the user."""

from __future__ import annotations

import asyncio
import contextlib
import pickle
import warnings

import pytest
from aiobreaker import CircuitBreakerError

import cqrs
from cqrs.breaker import AioBreakerAdapter, BreakerError, CircuitOpenError

SHORT = 0.05  # timeout_duration of the half-open test, in seconds


async def greet(name: str, *, punctuation: str = ".") -> str:
    return f"hello {name}{punctuation}"


async def down(*, reason: str) -> str:
    raise ConnectionError(reason)


async def open_circuit(adapter: AioBreakerAdapter, identifier: str) -> None:
    for _ in range(adapter.fail_max):
        with contextlib.suppress(ConnectionError):
            await adapter.call(identifier, down, reason="primary is down")


class TestKeywordArguments:
    @pytest.mark.anyio
    async def test_keyword_arguments_reach_the_function(self) -> None:
        result = await AioBreakerAdapter().call("svc", greet, "ann", punctuation="!")

        assert result == "hello ann!"

    @pytest.mark.anyio
    async def test_keyword_only_failures_count(self) -> None:
        adapter = AioBreakerAdapter(fail_max=2)

        await open_circuit(adapter, "svc")

        assert adapter.circuit("svc").state == "open"


class TestOpenCircuitError:
    @pytest.mark.anyio
    async def test_open_circuit_is_caught_as_aiobreakers_error(self) -> None:
        adapter = AioBreakerAdapter(fail_max=1)
        await open_circuit(adapter, "svc")

        with pytest.raises(CircuitBreakerError) as caught:
            await adapter.call("svc", greet, "ann")

        assert isinstance(caught.value, CircuitOpenError)

    @pytest.mark.anyio
    async def test_open_circuit_is_caught_as_a_cqrs_error(self) -> None:
        adapter = AioBreakerAdapter(fail_max=1)
        await open_circuit(adapter, "svc")

        with pytest.raises(cqrs.CQRSError):
            await adapter.call("svc", greet, "ann")

    @pytest.mark.anyio
    async def test_carries_aiobreakers_attributes(self) -> None:
        adapter = AioBreakerAdapter(fail_max=1, timeout_duration=60)
        await open_circuit(adapter, "svc")

        with pytest.raises(CircuitOpenError) as caught:
            await adapter.call("svc", greet, "ann")

        error = caught.value
        assert error.message == "waiting for timeout_duration"
        assert error.reopen_time is not None
        assert error.retry_after is not None
        assert 59 < error.retry_after <= 60

    def test_is_a_breaker_error(self) -> None:
        assert issubclass(CircuitOpenError, BreakerError)

    def test_survives_pickling(self) -> None:
        error = CircuitOpenError("svc", 1.5, "waiting for timeout_duration")

        copy = pickle.loads(pickle.dumps(error))

        assert (copy.circuit, copy.retry_after, copy.reason) == ("svc", 1.5, error.reason)
        assert str(copy) == str(error)


class TestNoDeprecatedClock:
    """aiobreaker calls `datetime.utcnow()`, deprecated on Python 3.12+; none may surface."""

    @pytest.mark.anyio
    async def test_opening_a_circuit_warns_nothing(self) -> None:
        adapter = AioBreakerAdapter(fail_max=1)
        with warnings.catch_warnings():
            warnings.simplefilter("error")

            await open_circuit(adapter, "svc")

        assert adapter.circuit("svc").state == "open"

    @pytest.mark.anyio
    async def test_a_refused_call_warns_nothing(self) -> None:
        adapter = AioBreakerAdapter(fail_max=1)
        await open_circuit(adapter, "svc")
        with warnings.catch_warnings():
            warnings.simplefilter("error")

            with pytest.raises(CircuitOpenError):
                await adapter.call("svc", greet, "ann")

    @pytest.mark.anyio
    async def test_a_trial_after_the_timeout_warns_nothing(self) -> None:
        adapter = AioBreakerAdapter(fail_max=1, timeout_duration=SHORT)
        await open_circuit(adapter, "svc")
        await asyncio.sleep(SHORT * 2)
        with warnings.catch_warnings():
            warnings.simplefilter("error")

            assert await adapter.call("svc", greet, "ann") == "hello ann."

        assert adapter.circuit("svc").state == "closed"
