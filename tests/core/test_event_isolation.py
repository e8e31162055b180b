"""Events belong to the dispatch that recorded them: failed work emits nothing, singletons
never hand one caller another's events, and unroutable events do not stop the others."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.message_brokers.memory import InMemoryMessageBroker
from cqrs.requests import bootstrap

pytestmark = pytest.mark.anyio


class Ledger:
    def __init__(self) -> None:
        self.placed: list[str] = []
        self.release = asyncio.Event()


class OrderPlaced(cqrs.DomainEvent, frozen=True):
    order_id: str


class PlaceOrder(cqrs.Request[None]):
    order_id: str
    declined: bool = False
    wait: bool = False


class PlaceOrderHandler(cqrs.RequestHandler[PlaceOrder, None]):
    """Records its event first, then may fail or wait: a stateful singleton in these tests."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._events: list[cqrs.IEvent] = []

    @property
    def events(self) -> list[cqrs.IEvent]:
        return self._events

    async def handle(self, request: PlaceOrder) -> None:
        self._events.append(OrderPlaced(order_id=request.order_id))
        if request.wait:
            await self.ledger.release.wait()
        if request.declined:
            raise ValueError(f"order {request.order_id} declined")


class OnOrderPlaced(cqrs.EventHandler[OrderPlaced]):
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    async def handle(self, event: OrderPlaced) -> None:
        self.ledger.placed.append(event.order_id)


def singleton_mediator(ledger: Ledger) -> cqrs.RequestMediator:
    container = DefaultContainer()
    container.bind_instance(Ledger, ledger)
    container.bind(PlaceOrderHandler, PlaceOrderHandler, singleton=True)
    return bootstrap.bootstrap(
        di_container=container,
        commands_mapper=lambda m: m.bind(PlaceOrder, PlaceOrderHandler),
        domain_events_mapper=lambda m: m.bind(OrderPlaced, OnOrderPlaced),
    )


class TestFailedHandleEmitsNothing:
    async def test_events_of_a_failed_command_do_not_leak_into_the_next(self) -> None:
        ledger = Ledger()
        mediator = singleton_mediator(ledger)
        with pytest.raises(ValueError, match="declined"):
            await mediator.send(PlaceOrder(order_id="declined-1", declined=True))
        await mediator.send(PlaceOrder(order_id="ok-2"))
        assert ledger.placed == ["ok-2"]

    async def test_a_cancelled_command_emits_nothing_later(self) -> None:
        ledger = Ledger()
        mediator = singleton_mediator(ledger)
        waiting = asyncio.ensure_future(mediator.send(PlaceOrder(order_id="cancelled", wait=True)))
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        ledger.release.set()
        await mediator.send(PlaceOrder(order_id="after"))
        assert ledger.placed == ["after"]

    async def test_a_failed_stream_discards_the_events_of_its_unfinished_item(self) -> None:
        ledger = Ledger()

        class Items(cqrs.Request[cqrs.Response]):
            fail: bool

        class ItemsHandler(cqrs.StreamingRequestHandler[Items, cqrs.Response]):
            def __init__(self) -> None:
                self._events: list[cqrs.IEvent] = []

            @property
            def events(self) -> list[cqrs.IEvent]:
                return self._events

            async def handle(self, request: Items) -> AsyncIterator[cqrs.Response]:
                self._events.append(OrderPlaced(order_id=f"item-{request.fail}"))
                if request.fail:
                    raise ValueError("stream failed")
                yield cqrs.Response()

        container = DefaultContainer()
        container.bind_instance(Ledger, ledger)
        container.bind(ItemsHandler, ItemsHandler, singleton=True)
        mediator = bootstrap.bootstrap_streaming(
            di_container=container,
            commands_mapper=lambda m: m.bind(Items, ItemsHandler),
            domain_events_mapper=lambda m: m.bind(OrderPlaced, OnOrderPlaced),
        )
        with pytest.raises(ValueError, match="stream failed"):
            async for _ in mediator.stream(Items(fail=True)):
                pass
        async for _ in mediator.stream(Items(fail=False)):
            pass
        assert ledger.placed == ["item-False"]


class TestSingletonTurns:
    async def test_concurrent_commands_on_a_singleton_keep_their_own_events(self) -> None:
        ledger = Ledger()
        mediator = singleton_mediator(ledger)
        first = asyncio.ensure_future(mediator.send(PlaceOrder(order_id="first", wait=True)))
        second = asyncio.ensure_future(mediator.send(PlaceOrder(order_id="second")))
        await asyncio.sleep(0)
        # `second` waits for the singleton's turn instead of running next to `first`.
        assert ledger.placed == []
        ledger.release.set()
        await asyncio.gather(first, second)
        assert ledger.placed == ["first", "second"]

    async def test_a_declined_command_next_to_a_good_one_emits_only_the_good_event(self) -> None:
        ledger = Ledger()
        mediator = singleton_mediator(ledger)
        results = await asyncio.gather(
            mediator.send(PlaceOrder(order_id="bad", declined=True)),
            mediator.send(PlaceOrder(order_id="good")),
            return_exceptions=True,
        )
        assert isinstance(results[0], ValueError)
        assert ledger.placed == ["good"]

    async def test_a_handler_sending_to_itself_does_not_deadlock(self) -> None:
        ledger = Ledger()

        class Countdown(cqrs.Request[None]):
            n: int

        holder: list[cqrs.RequestMediator] = []

        class CountdownHandler(cqrs.RequestHandler[Countdown, None]):
            def __init__(self) -> None:
                self._events: list[cqrs.IEvent] = []

            @property
            def events(self) -> list[cqrs.IEvent]:
                return self._events

            async def handle(self, request: Countdown) -> None:
                self._events.append(OrderPlaced(order_id=f"n{request.n}"))
                if request.n:
                    await holder[0].send(Countdown(n=request.n - 1))

        container = DefaultContainer()
        container.bind_instance(Ledger, ledger)
        container.bind(CountdownHandler, CountdownHandler, singleton=True)
        holder.append(
            bootstrap.bootstrap(
                di_container=container,
                commands_mapper=lambda m: m.bind(Countdown, CountdownHandler),
                domain_events_mapper=lambda m: m.bind(OrderPlaced, OnOrderPlaced),
            )
        )
        await asyncio.wait_for(holder[0].send(Countdown(n=2)), timeout=5)
        assert sorted(ledger.placed) == ["n0", "n1", "n2"]

    async def test_a_handler_sending_to_itself_from_child_tasks_does_not_deadlock(
        self,
    ) -> None:
        ledger = Ledger()

        class Fan(cqrs.Request[None]):
            n: int

        holder: list[cqrs.RequestMediator] = []

        class FanHandler(cqrs.RequestHandler[Fan, None]):
            def __init__(self) -> None:
                self._events: list[cqrs.IEvent] = []

            @property
            def events(self) -> list[cqrs.IEvent]:
                return self._events

            async def handle(self, request: Fan) -> None:
                self._events.append(OrderPlaced(order_id=f"n{request.n}"))
                if request.n:
                    send = holder[0].send
                    await asyncio.gather(send(Fan(n=request.n - 1)), send(Fan(n=0)))

        container = DefaultContainer()
        container.bind_instance(Ledger, ledger)
        container.bind(FanHandler, FanHandler, singleton=True)
        holder.append(
            bootstrap.bootstrap(
                di_container=container,
                commands_mapper=lambda m: m.bind(Fan, FanHandler),
                domain_events_mapper=lambda m: m.bind(OrderPlaced, OnOrderPlaced),
            )
        )
        await asyncio.wait_for(holder[0].send(Fan(n=2)), timeout=5)
        assert sorted(ledger.placed) == ["n0", "n0", "n0", "n1", "n2"]

    async def test_a_waiting_caller_cancelled_before_its_turn_does_not_block_others(
        self,
    ) -> None:
        ledger = Ledger()
        mediator = singleton_mediator(ledger)
        first = asyncio.ensure_future(mediator.send(PlaceOrder(order_id="first", wait=True)))
        await asyncio.sleep(0)
        abandoned = asyncio.ensure_future(mediator.send(PlaceOrder(order_id="abandoned")))
        await asyncio.sleep(0)
        abandoned.cancel()
        third = asyncio.ensure_future(mediator.send(PlaceOrder(order_id="third")))
        await asyncio.sleep(0)
        ledger.release.set()
        await asyncio.wait_for(asyncio.gather(first, third), timeout=5)
        assert abandoned.cancelled()
        assert ledger.placed == ["first", "third"]


class Shipped(cqrs.DomainEvent, frozen=True):
    order_id: str


class Loose(cqrs.Event, frozen=True):
    """Neither a domain nor a notification event, and bound to nothing."""

    order_id: str


class Ship(cqrs.Request[str]):
    order_id: str


class ShipNote(cqrs.Response):
    order_id: str


Notice = cqrs.NotificationEvent[ShipNote]


class ShipHandler(cqrs.RequestHandler[Ship, str]):
    def __init__(self) -> None:
        self._events: list[cqrs.IEvent] = []

    @property
    def events(self) -> list[cqrs.IEvent]:
        return self._events

    async def handle(self, request: Ship) -> str:
        self._events += [
            Shipped(order_id="A"),
            Notice(event_name="Shipped", topic="t", payload=ShipNote(order_id="N")),
            Loose(order_id="L"),
            Shipped(order_id="B"),
        ]
        return f"shipped {request.order_id}"


class OnShipped(cqrs.EventHandler[Shipped]):
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    async def handle(self, event: Shipped) -> None:
        self.ledger.placed.append(event.order_id)


class TestUnroutableEvents:
    def mediator(self, ledger: Ledger, broker: object = None) -> cqrs.RequestMediator:
        container = DefaultContainer()
        container.bind_instance(Ledger, ledger)
        return bootstrap.bootstrap(
            di_container=container,
            commands_mapper=lambda m: m.bind(Ship, ShipHandler),
            domain_events_mapper=lambda m: m.bind(Shipped, OnShipped),
            message_broker=broker,  # type: ignore[arg-type]
        )

    async def test_every_routable_event_is_processed_then_one_error_lists_the_rest(
        self,
    ) -> None:
        ledger = Ledger()
        with pytest.raises(cqrs.EventRoutingError) as caught:
            await self.mediator(ledger).send(Ship(order_id="o1"))
        assert ledger.placed == ["A", "B"]
        error = caught.value
        assert [type(event) for event in error.unroutable] == [Notice, Loose]
        assert error.response == "shipped o1"
        assert "message_broker" in str(error)
        assert "Loose" in str(error)

    async def test_with_a_broker_only_the_unbound_plain_event_is_unroutable(self) -> None:
        ledger = Ledger()
        broker = InMemoryMessageBroker()
        with pytest.raises(cqrs.EventRoutingError) as caught:
            await self.mediator(ledger, broker).send(Ship(order_id="o1"))
        assert [type(event) for event in caught.value.unroutable] == [Loose]
        assert ledger.placed == ["A", "B"]
        assert [message.message_name for message in broker.messages] == ["Shipped"]


class CancelOnPlaced(cqrs.EventHandler[OrderPlaced]):
    """Cancels the ledger's victim task right after the singleton's turn was handed on."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    async def handle(self, event: OrderPlaced) -> None:
        self.ledger.placed.append(event.order_id)
        victim = getattr(self.ledger, "victim", None)
        if event.order_id == "first" and victim is not None:
            victim.cancel()


class TestTurnHandOver:
    async def test_a_caller_cancelled_as_it_gets_the_turn_passes_it_on(self) -> None:
        ledger = Ledger()
        container = DefaultContainer()
        container.bind_instance(Ledger, ledger)
        container.bind(PlaceOrderHandler, PlaceOrderHandler, singleton=True)
        mediator = bootstrap.bootstrap(
            di_container=container,
            commands_mapper=lambda m: m.bind(PlaceOrder, PlaceOrderHandler),
            domain_events_mapper=lambda m: m.bind(OrderPlaced, CancelOnPlaced),
        )
        first = asyncio.ensure_future(mediator.send(PlaceOrder(order_id="first", wait=True)))
        await asyncio.sleep(0)
        second = asyncio.ensure_future(mediator.send(PlaceOrder(order_id="second")))
        third = asyncio.ensure_future(mediator.send(PlaceOrder(order_id="third")))
        await asyncio.sleep(0)
        ledger.victim = second  # type: ignore[attr-defined]
        ledger.release.set()
        await asyncio.wait_for(asyncio.gather(first, third), timeout=5)
        assert second.cancelled()
        assert ledger.placed == ["first", "third"]


class Pay(cqrs.Request[None]):
    order_id: str
    wait: bool = False


class CardLink(cqrs.CORRequestHandler[Pay, None]):
    """A singleton chain link that records an event, then answers."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._events: list[cqrs.IEvent] = []

    @property
    def events(self) -> list[cqrs.IEvent]:
        return self._events

    async def handle(self, request: Pay) -> None:
        self._events.append(OrderPlaced(order_id=request.order_id))
        if request.wait:
            await self.ledger.release.wait()


class TestChainTurns:
    async def test_concurrent_chains_on_a_singleton_link_keep_their_own_events(self) -> None:
        ledger = Ledger()
        container = DefaultContainer()
        container.bind_instance(Ledger, ledger)
        container.bind(CardLink, CardLink, singleton=True)
        mediator = bootstrap.bootstrap(
            di_container=container,
            commands_mapper=lambda m: m.bind(Pay, [CardLink]),
            domain_events_mapper=lambda m: m.bind(OrderPlaced, OnOrderPlaced),
        )
        first = asyncio.ensure_future(mediator.send(Pay(order_id="first", wait=True)))
        second = asyncio.ensure_future(mediator.send(Pay(order_id="second")))
        await asyncio.sleep(0)
        assert ledger.placed == []
        ledger.release.set()
        await asyncio.gather(first, second)
        assert ledger.placed == ["first", "second"]


class Refund(cqrs.Request[str]):
    order_id: str


class EmittingThenFailing(cqrs.RequestHandler[Refund, str]):
    def __init__(self) -> None:
        self._events: list[cqrs.IEvent] = []

    @property
    def events(self) -> list[cqrs.IEvent]:
        return self._events

    async def handle(self, request: Refund) -> str:
        self._events.append(OrderPlaced(order_id=f"primary {request.order_id}"))
        raise ConnectionError("primary down")


class EmittingFallback(cqrs.RequestHandler[Refund, str]):
    def __init__(self) -> None:
        self._events: list[cqrs.IEvent] = []

    @property
    def events(self) -> list[cqrs.IEvent]:
        return self._events

    async def handle(self, request: Refund) -> str:
        self._events.append(OrderPlaced(order_id=f"fallback {request.order_id}"))
        return "refunded later"


class RefundLink(cqrs.CORRequestHandler[Refund, str]):
    """A singleton link that records its event, then fails for a "bad" order."""

    def __init__(self) -> None:
        self._events: list[cqrs.IEvent] = []

    @property
    def events(self) -> list[cqrs.IEvent]:
        return self._events

    async def handle(self, request: Refund) -> str:
        self._events.append(OrderPlaced(order_id=f"link {request.order_id}"))
        if request.order_id == "bad":
            raise ConnectionError("link down")
        return "refunded"


class TestFailedWorkInFallbacksAndChains:
    def mediator(self, ledger: Ledger, binding: object) -> cqrs.RequestMediator:
        container = DefaultContainer()
        container.bind_instance(Ledger, ledger)
        for handler in (EmittingThenFailing, EmittingFallback, RefundLink):
            container.bind(handler, handler, singleton=True)
        return bootstrap.bootstrap(
            di_container=container,
            commands_mapper=lambda m: m.bind(Refund, binding),  # type: ignore[call-overload]
            domain_events_mapper=lambda m: m.bind(OrderPlaced, OnOrderPlaced),
        )

    @pytest.mark.parametrize("with_breaker", [False, True])
    async def test_only_the_fallbacks_events_are_processed(self, with_breaker: bool) -> None:
        from cqrs.testing import FakeCircuitBreaker

        ledger = Ledger()
        binding = cqrs.RequestHandlerFallback(
            primary=EmittingThenFailing,
            fallback=EmittingFallback,
            circuit_breaker=FakeCircuitBreaker() if with_breaker else None,
        )
        mediator = self.mediator(ledger, binding)
        assert await mediator.send(Refund(order_id="r1")) == "refunded later"
        assert await mediator.send(Refund(order_id="r2")) == "refunded later"
        assert ledger.placed == ["fallback r1", "fallback r2"]

    async def test_a_failed_chain_emits_nothing_later(self) -> None:
        ledger = Ledger()
        mediator = self.mediator(ledger, [RefundLink])
        with pytest.raises(ConnectionError):
            await mediator.send(Refund(order_id="bad"))
        assert await mediator.send(Refund(order_id="good")) == "refunded"
        assert ledger.placed == ["link good"]
