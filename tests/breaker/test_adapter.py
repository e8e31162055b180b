"""AioBreakerAdapter called directly: circuits, errors, exclusions, half-open, logging."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

import aiobreaker
import pytest
from aiobreaker import CircuitBreakerState
from aiobreaker.storage.memory import CircuitMemoryStorage

import cqrs
from cqrs.breaker import AioBreakerAdapter, BreakerConfigurationError, CircuitOpenError

SHORT = 0.2  # timeout_duration of the half-open tests, in seconds
PAST_SHORT = 0.3


class Primary:
    """A stand-in for a handler class: counts the calls it receives."""

    def __init__(self) -> None:
        self.calls = 0

    async def ok(self, value: str = "ok") -> str:
        self.calls += 1
        return value

    async def down(self) -> str:
        self.calls += 1
        raise ConnectionError("primary is down")


class Refused(Exception):
    """A business error, listed in `exclude`."""


class RefusedSubclass(Refused):
    pass


async def trip(adapter: AioBreakerAdapter, identifier: type | str = "svc") -> None:
    for _ in range(adapter.fail_max):
        with contextlib.suppress(ConnectionError):
            await adapter.call(identifier, Primary().down)


class TestConstruction:
    def test_defaults_follow_the_seeds(self) -> None:
        adapter = AioBreakerAdapter()

        assert (adapter.fail_max, adapter.timeout_duration) == (5, timedelta(seconds=60))

    def test_timeout_in_float_seconds_is_accepted(self) -> None:
        assert AioBreakerAdapter(timeout_duration=0.2).timeout_duration == timedelta(seconds=0.2)

    def test_timeout_as_timedelta_is_accepted(self) -> None:
        adapter = AioBreakerAdapter(timeout_duration=timedelta(minutes=2))

        assert adapter.timeout_duration == timedelta(seconds=120)

    @pytest.mark.parametrize("value", [0, -1, timedelta(0), "30", True])
    def test_bad_timeout_is_refused(self, value: Any) -> None:
        with pytest.raises(BreakerConfigurationError, match="timeout_duration"):
            AioBreakerAdapter(timeout_duration=value)

    @pytest.mark.parametrize("value", [0, -3, 2.5, True])
    def test_bad_fail_max_is_refused(self, value: Any) -> None:
        with pytest.raises(BreakerConfigurationError, match="fail_max"):
            AioBreakerAdapter(fail_max=value)

    def test_exclude_of_a_non_exception_is_refused(self) -> None:
        with pytest.raises(BreakerConfigurationError, match="exclude"):
            AioBreakerAdapter(exclude=[int])  # type: ignore[list-item]

    def test_non_callable_storage_factory_is_refused(self) -> None:
        with pytest.raises(BreakerConfigurationError, match="storage_factory"):
            AioBreakerAdapter(storage_factory="redis://localhost")  # type: ignore[arg-type]

    def test_configuration_errors_are_cqrs_errors(self) -> None:
        assert issubclass(BreakerConfigurationError, cqrs.exceptions.ConfigurationError)

    def test_adapter_implements_the_core_protocol(self) -> None:
        assert isinstance(AioBreakerAdapter(), cqrs.ICircuitBreaker)

    def test_adapter_implements_both_optional_protocols(self) -> None:
        adapter = AioBreakerAdapter()

        assert isinstance(adapter, cqrs.circuit_breaker.ExcludingCircuitBreaker)
        assert isinstance(adapter, cqrs.circuit_breaker.StreamGuardingCircuitBreaker)


class TestPublicPaths:
    def test_documented_import_path_gives_the_adapter(self) -> None:
        from cqrs.adapters.circuit_breaker import AioBreakerAdapter as Documented

        assert Documented is AioBreakerAdapter

    def test_top_level_lazy_name_gives_the_adapter(self) -> None:
        assert cqrs.AioBreakerAdapter is AioBreakerAdapter


class TestCall:
    @pytest.mark.anyio
    async def test_returns_what_the_function_returns(self) -> None:
        assert await AioBreakerAdapter().call("svc", Primary().ok, "value") == "value"

    @pytest.mark.anyio
    async def test_failure_raises_the_functions_own_exception(self) -> None:
        with pytest.raises(ConnectionError, match="primary is down"):
            await AioBreakerAdapter().call("svc", Primary().down)

    @pytest.mark.anyio
    async def test_the_failure_that_opens_the_circuit_raises_its_own_exception(self) -> None:
        adapter = AioBreakerAdapter(fail_max=2)
        with contextlib.suppress(ConnectionError):
            await adapter.call("svc", Primary().down)

        with pytest.raises(ConnectionError, match="primary is down"):
            await adapter.call("svc", Primary().down)
        assert adapter.circuit("svc").state == "open"

    @pytest.mark.anyio
    async def test_open_circuit_does_not_call_the_function(self) -> None:
        adapter = AioBreakerAdapter(fail_max=3)
        await trip(adapter)
        primary = Primary()

        with contextlib.suppress(CircuitOpenError):
            await adapter.call("svc", primary.ok)

        assert primary.calls == 0

    @pytest.mark.anyio
    async def test_open_circuit_raises_circuit_open_error_chained_to_aiobreaker(self) -> None:
        adapter = AioBreakerAdapter(fail_max=1)
        await trip(adapter)

        with pytest.raises(CircuitOpenError) as caught:
            await adapter.call("svc", Primary().ok)

        assert isinstance(caught.value.__cause__, aiobreaker.CircuitBreakerError)
        assert isinstance(caught.value, cqrs.CQRSError)

    @pytest.mark.anyio
    async def test_circuit_open_error_tells_when_to_retry(self) -> None:
        adapter = AioBreakerAdapter(fail_max=1, timeout_duration=30)
        await trip(adapter)

        with pytest.raises(CircuitOpenError) as caught:
            await adapter.call("svc", Primary().ok)

        assert caught.value.retry_after is not None
        assert 29 < caught.value.retry_after <= 30
        assert "'svc' is open" in str(caught.value)

    @pytest.mark.anyio
    async def test_a_success_resets_the_failure_count(self) -> None:
        adapter = AioBreakerAdapter(fail_max=3)
        for _ in range(2):
            with contextlib.suppress(ConnectionError):
                await adapter.call("svc", Primary().down)

        await adapter.call("svc", Primary().ok)

        assert adapter.circuit("svc").fail_counter == 0

    @pytest.mark.anyio
    async def test_each_identifier_has_its_own_circuit(self) -> None:
        adapter = AioBreakerAdapter(fail_max=1)
        await trip(adapter, "a")

        assert await adapter.call("b", Primary().ok) == "ok"

    @pytest.mark.anyio
    async def test_a_type_identifier_names_its_circuit_by_qualified_name(self) -> None:
        adapter = AioBreakerAdapter()

        await adapter.call(Primary, Primary().ok)

        assert adapter.circuit(Primary).name == f"{__name__}.Primary"

    def test_an_identifier_that_is_neither_type_nor_str_is_refused(self) -> None:
        with pytest.raises(BreakerConfigurationError, match="identifier"):
            AioBreakerAdapter().circuit(42)  # type: ignore[arg-type]


class TestIsCircuitBreakerError:
    def test_recognises_circuit_open_error(self) -> None:
        assert AioBreakerAdapter().is_circuit_breaker_error(CircuitOpenError("svc", 1.0, "open"))

    def test_recognises_aiobreakers_error(self) -> None:
        error = aiobreaker.CircuitBreakerError("open", None)

        assert AioBreakerAdapter().is_circuit_breaker_error(error)

    def test_does_not_recognise_other_errors(self) -> None:
        assert not AioBreakerAdapter().is_circuit_breaker_error(ConnectionError("down"))


class TestExclude:
    @pytest.mark.anyio
    async def test_excluded_exception_reaches_the_caller(self) -> None:
        adapter = AioBreakerAdapter(exclude=[Refused])

        async def refuse() -> None:
            raise Refused("no")

        with pytest.raises(Refused):
            await adapter.call("svc", refuse)

    @pytest.mark.anyio
    async def test_excluded_exceptions_do_not_open_the_circuit(self) -> None:
        adapter = AioBreakerAdapter(fail_max=2, exclude=[Refused])

        async def refuse() -> None:
            raise Refused("no")

        for _ in range(5):
            with contextlib.suppress(Refused):
                await adapter.call("svc", refuse)

        assert adapter.circuit("svc").state == "closed"

    def test_subclasses_of_an_excluded_type_are_excluded(self) -> None:
        assert AioBreakerAdapter(exclude=[Refused]).is_excluded(RefusedSubclass())

    def test_a_predicate_excludes_what_it_accepts(self) -> None:
        adapter = AioBreakerAdapter(exclude=[lambda exc: "404" in str(exc)])

        assert adapter.is_excluded(LookupError("404 not found"))
        assert not adapter.is_excluded(LookupError("503"))

    def test_nothing_is_excluded_by_default(self) -> None:
        assert not AioBreakerAdapter().is_excluded(Refused())


class TestHalfOpen:
    @pytest.mark.anyio
    async def test_before_the_timeout_calls_are_refused(self) -> None:
        # A timeout no test run outlasts: the refusal cannot depend on timing.
        adapter = AioBreakerAdapter(fail_max=1, timeout_duration=600)
        await trip(adapter)

        with pytest.raises(CircuitOpenError):
            await adapter.call("svc", Primary().ok)

    @pytest.mark.anyio
    async def test_after_the_timeout_a_trial_call_reaches_the_function(self) -> None:
        adapter = AioBreakerAdapter(fail_max=1, timeout_duration=SHORT)
        await trip(adapter)
        await asyncio.sleep(PAST_SHORT)
        primary = Primary()

        assert await adapter.call("svc", primary.ok) == "ok"
        assert primary.calls == 1

    @pytest.mark.anyio
    async def test_a_successful_trial_closes_the_circuit(self) -> None:
        adapter = AioBreakerAdapter(fail_max=1, timeout_duration=SHORT)
        await trip(adapter)
        await asyncio.sleep(PAST_SHORT)

        await adapter.call("svc", Primary().ok)

        assert adapter.circuit("svc").state == "closed"

    @pytest.mark.anyio
    async def test_a_failed_trial_opens_the_circuit_again(self) -> None:
        adapter = AioBreakerAdapter(fail_max=1, timeout_duration=SHORT)
        await trip(adapter)
        await asyncio.sleep(PAST_SHORT)

        with pytest.raises(ConnectionError):
            await adapter.call("svc", Primary().down)

        # The state, not a refused call: a call would be refused only until SHORT passes.
        assert adapter.circuit("svc").state == "open"

    @pytest.mark.anyio
    async def test_calls_during_the_trial_are_refused(self) -> None:
        adapter = AioBreakerAdapter(fail_max=1, timeout_duration=SHORT)
        await trip(adapter)
        await asyncio.sleep(PAST_SHORT)
        release = asyncio.Event()

        async def slow() -> str:
            await release.wait()
            return "trial"

        trial = asyncio.ensure_future(adapter.call("svc", slow))
        await asyncio.sleep(0)
        with pytest.raises(CircuitOpenError, match="trial call is in flight"):
            await adapter.call("svc", Primary().ok)
        release.set()

        assert await trial == "trial"

    @pytest.mark.anyio
    async def test_a_cancelled_trial_leaves_the_next_call_as_the_trial(self) -> None:
        adapter = AioBreakerAdapter(fail_max=1, timeout_duration=SHORT)
        await trip(adapter)
        await asyncio.sleep(PAST_SHORT)
        trial = asyncio.ensure_future(adapter.call("svc", asyncio.Event().wait))
        await asyncio.sleep(0)
        trial.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await trial

        assert await adapter.call("svc", Primary().ok) == "ok"
        assert adapter.circuit("svc").state == "closed"


class TestLogging:
    @pytest.mark.anyio
    async def test_opening_is_logged_once_at_warning(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        adapter = AioBreakerAdapter(fail_max=2)
        caplog.set_level(logging.DEBUG, logger="cqrs.breaker")

        await trip(adapter)
        with contextlib.suppress(CircuitOpenError):
            await adapter.call("svc", Primary().ok)

        assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
            (logging.WARNING, "circuit breaker svc: closed -> open")
        ]

    @pytest.mark.anyio
    async def test_a_whole_cycle_logs_three_warnings_and_nothing_critical(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        adapter = AioBreakerAdapter(fail_max=1, timeout_duration=SHORT)
        caplog.set_level(logging.DEBUG)

        await trip(adapter)
        with contextlib.suppress(CircuitOpenError):
            await adapter.call("svc", Primary().ok)
        await asyncio.sleep(PAST_SHORT)
        await adapter.call("svc", Primary().ok)

        assert [r.getMessage() for r in caplog.records] == [
            "circuit breaker svc: closed -> open",
            "circuit breaker svc: open -> half-open",
            "circuit breaker svc: half-open -> closed",
        ]
        assert {r.levelno for r in caplog.records} == {logging.WARNING}


class TestStorageFactory:
    @pytest.mark.anyio
    async def test_factory_is_called_once_per_circuit_with_its_name(self) -> None:
        names: list[str] = []

        def factory(name: str) -> Any:
            names.append(name)
            return CircuitMemoryStorage(CircuitBreakerState.CLOSED)

        adapter = AioBreakerAdapter(storage_factory=factory)
        for identifier in ("a", "b", "a"):
            await adapter.call(identifier, Primary().ok)

        assert names == ["a", "b"]

    @pytest.mark.anyio
    async def test_adapters_on_one_storage_share_the_circuit(self) -> None:
        shared = CircuitMemoryStorage(CircuitBreakerState.CLOSED)
        first = AioBreakerAdapter(fail_max=1, storage_factory=lambda name: shared)
        second = AioBreakerAdapter(fail_max=1, storage_factory=lambda name: shared)
        await trip(first)

        with pytest.raises(CircuitOpenError):
            await second.call("svc", Primary().ok)

    def test_a_factory_returning_no_storage_is_refused(self) -> None:
        adapter = AioBreakerAdapter(storage_factory=lambda name: object())  # type: ignore[arg-type,return-value]

        with pytest.raises(BreakerConfigurationError, match="storage_factory"):
            adapter.circuit("svc")
