"""Fallback positions: what runs, what is logged, yielded and compensated, and the breaker."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.saga import bootstrap as saga_bootstrap
from cqrs.saga.fallback import Fallback
from cqrs.saga.models import SagaAction, SagaContext, SagaStepStatus
from cqrs.saga.saga import Saga
from cqrs.saga.step import SagaStepHandler, SagaStepResult
from cqrs.saga.storage.memory import MemorySagaStorage

pytestmark = pytest.mark.anyio

T = TypeVar("T")


class Calls(list[str]):
    """The act/compensate calls, in order (bound in the container)."""


@dataclasses.dataclass
class TripContext(SagaContext):
    trip_id: str
    hotel: str | None = None
    notes: list[str] = dataclasses.field(default_factory=list)


class Step(SagaStepHandler[TripContext, str | None]):
    def __init__(self, calls: Calls) -> None:
        self.calls = calls

    async def act(self, context: TripContext) -> SagaStepResult[TripContext, str | None]:
        self.calls.append(f"act {self.name}")
        return self._generate_step_result(self.name)

    async def compensate(self, context: TripContext) -> None:
        self.calls.append(f"compensate {self.name}")


class BookHotel(Step):
    async def act(self, context: TripContext) -> SagaStepResult[TripContext, str | None]:
        self.calls.append(f"act {self.name}")
        context.hotel = "grand"  # changed before failing: must not leak into the fallback
        context.notes.append("primary was here")
        raise ConnectionError("hotel API down")


class BookHostel(Step):
    seen: list[dict[str, Any]] = []

    async def act(self, context: TripContext) -> SagaStepResult[TripContext, str | None]:
        BookHostel.seen.append(context.to_dict())
        self.calls.append(f"act {self.name}")
        context.hotel = "hostel"
        return None  # type: ignore[return-value]  # the reference never compensated these


class BookHotelFine(Step):
    pass


class BookFlight(Step):
    pass


class PayTrip(Step):
    async def act(self, context: TripContext) -> SagaStepResult[TripContext, str | None]:
        self.calls.append(f"act {self.name}")
        raise ValueError("card declined")


class BusinessRule(Step):
    async def act(self, context: TripContext) -> SagaStepResult[TripContext, str | None]:
        self.calls.append(f"act {self.name}")
        raise KeyError("no such room type")


class CircuitOpen(cqrs.CQRSError):
    pass


class CountingBreaker:
    """Opens after `fail_max` consecutive failures; then refuses without calling."""

    def __init__(self, fail_max: int) -> None:
        self.fail_max = fail_max
        self.failures = 0

    async def call(
        self, identifier: type | str, func: Callable[..., Awaitable[T]], *args: Any
    ) -> T:
        if self.failures >= self.fail_max:
            raise CircuitOpen(f"circuit of {identifier!r} is open")
        try:
            result = await func(*args)
        except Exception:
            self.failures += 1
            raise
        self.failures = 0
        return result

    def is_circuit_breaker_error(self, exc: BaseException) -> bool:
        return isinstance(exc, CircuitOpen)


def run_saga(
    steps: list[Any],
) -> tuple[cqrs.SagaMediator, Calls, MemorySagaStorage]:
    class TripSaga(Saga[TripContext]):
        pass

    TripSaga.steps = steps
    calls = Calls()
    container = DefaultContainer()
    container.bind_instance(Calls, calls)
    storage = MemorySagaStorage()
    mediator = saga_bootstrap.bootstrap(
        di_container=container,
        sagas_mapper=lambda m: m.bind(TripContext, TripSaga),
        saga_storage=storage,
        compensation_retry_delay=0.0,
    )
    return mediator, calls, storage


async def run(mediator: cqrs.SagaMediator, saga_id: uuid.UUID | None = None) -> list[Any]:
    return [r async for r in mediator.stream(TripContext(trip_id="t1"), saga_id=saga_id)]


class TestFallbackRuns:
    async def test_the_fallback_runs_when_the_primary_fails_and_is_yielded(self) -> None:
        mediator, calls, _ = run_saga([Fallback(step=BookHotel, fallback=BookHostel)])
        results = await run(mediator)
        assert [r.step_type for r in results] == [BookHostel]
        assert calls == ["act BookHotel", "act BookHostel"]

    async def test_the_primary_runs_alone_when_it_succeeds(self) -> None:
        mediator, calls, _ = run_saga([Fallback(step=BookHotelFine, fallback=BookHostel)])
        results = await run(mediator)
        assert [r.step_type for r in results] == [BookHotelFine]
        assert calls == ["act BookHotelFine"]

    async def test_the_log_names_the_failed_primary_and_the_fallback_that_ran(self) -> None:
        mediator, _, storage = run_saga([Fallback(step=BookHotel, fallback=BookHostel)])
        saga_id = uuid.uuid4()
        await run(mediator, saga_id)
        history = [
            (e.step_name, e.action, e.status) for e in await storage.get_step_history(saga_id)
        ]
        assert history == [
            ("BookHotel", SagaAction.ACT, SagaStepStatus.FAILED),
            ("BookHostel", SagaAction.ACT, SagaStepStatus.COMPLETED),
        ]

    async def test_the_context_is_restored_before_the_fallback_runs(self) -> None:
        BookHostel.seen.clear()
        mediator, _, _ = run_saga([Fallback(step=BookHotel, fallback=BookHostel)])
        await run(mediator)
        assert BookHostel.seen == [{"trip_id": "t1", "hotel": None, "notes": []}]

    async def test_a_fallback_returning_none_is_compensated(self) -> None:
        mediator, calls, _ = run_saga(
            [Fallback(step=BookHotel, fallback=BookHostel), BookFlight, PayTrip]
        )
        with pytest.raises(ValueError, match="card declined"):
            await run(mediator)
        assert calls[-2:] == ["compensate BookFlight", "compensate BookHostel"]
        assert "compensate BookHotel" not in calls

    async def test_an_exception_outside_failure_exceptions_fails_the_step(self) -> None:
        mediator, calls, _ = run_saga(
            [
                BookFlight,
                Fallback(step=BusinessRule, fallback=BookHostel, failure_exceptions=(OSError,)),
            ]
        )
        with pytest.raises(KeyError, match="no such room type"):
            await run(mediator)
        assert calls == ["act BookFlight", "act BusinessRule", "compensate BookFlight"]

    async def test_a_listed_exception_triggers_the_fallback(self) -> None:
        mediator, calls, _ = run_saga(
            [Fallback(step=BookHotel, fallback=BookHostel, failure_exceptions=(OSError,))]
        )
        await run(mediator)
        assert calls == ["act BookHotel", "act BookHostel"]


class TestBreaker:
    async def test_the_breaker_wraps_the_primary(self) -> None:
        breaker = CountingBreaker(fail_max=5)
        mediator, _, _ = run_saga(
            [Fallback(step=BookHotel, fallback=BookHostel, circuit_breaker=breaker)]
        )
        await run(mediator)
        assert breaker.failures == 1

    async def test_an_open_circuit_goes_straight_to_the_fallback(self) -> None:
        breaker = CountingBreaker(fail_max=2)
        mediator, calls, _ = run_saga(
            [Fallback(step=BookHotel, fallback=BookHostel, circuit_breaker=breaker)]
        )
        for _ in range(3):
            await run(mediator)
        assert calls.count("act BookHotel") == 2
        assert calls.count("act BookHostel") == 3

    async def test_an_open_circuit_falls_back_whatever_failure_exceptions_says(self) -> None:
        breaker = CountingBreaker(fail_max=0)
        mediator, calls, _ = run_saga(
            [
                Fallback(
                    step=BookHotel,
                    fallback=BookHostel,
                    failure_exceptions=(ValueError,),
                    circuit_breaker=breaker,
                )
            ]
        )
        await run(mediator)
        assert calls == ["act BookHostel"]


class TestDefinition:
    def test_a_fallback_needs_step_classes(self) -> None:
        with pytest.raises(cqrs.CQRSError, match="needs a SagaStepHandler subclass"):
            Fallback(step=BookHotel, fallback="BookHostel")  # type: ignore[arg-type]

    def test_failure_exceptions_must_be_a_tuple_of_exception_classes(self) -> None:
        with pytest.raises(cqrs.CQRSError, match="failure_exceptions"):
            Fallback(step=BookHotel, fallback=BookHostel, failure_exceptions=ValueError)  # type: ignore[arg-type]

    def test_a_breaker_must_implement_the_protocol(self) -> None:
        with pytest.raises(cqrs.CQRSError, match="ICircuitBreaker"):
            Fallback(step=BookHotel, fallback=BookHostel, circuit_breaker=object())  # type: ignore[arg-type]
