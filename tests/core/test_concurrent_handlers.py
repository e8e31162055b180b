"""Concurrently run event handlers: each in its own task and context, cancelled structurally."""

from __future__ import annotations

import asyncio
import contextvars
import sys
from typing import Any

import anyio
import pytest

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.requests import bootstrap

pytestmark = pytest.mark.anyio

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("REQUEST_ID", default="none")


class Probe:
    """What the handlers saw."""

    def __init__(self) -> None:
        self.tasks: list[asyncio.Task[Any] | None] = []
        self.seen: list[str] = []
        self.started = 0
        self.all_started = asyncio.Event()
        self.cleaned: list[str] = []
        self.errors: list[BaseException] = []
        self.url = ""


class Placed(cqrs.DomainEvent, frozen=True):
    order_id: str


class Place(cqrs.Request[None]):
    order_id: str


class PlaceHandler(cqrs.RequestHandler[Place, None]):
    def __init__(self) -> None:
        self._events: list[cqrs.IEvent] = []

    @property
    def events(self) -> list[cqrs.IEvent]:
        return self._events

    async def handle(self, request: Place) -> None:
        self._events.append(Placed(order_id=request.order_id))


class TaskRecorder(cqrs.EventHandler[Placed]):
    def __init__(self, probe: Probe) -> None:
        self.probe = probe

    async def handle(self, event: Placed) -> None:
        self.probe.tasks.append(asyncio.current_task())
        await asyncio.sleep(0)


class OtherTaskRecorder(TaskRecorder):
    pass


class ContextVarUser(cqrs.EventHandler[Placed]):
    """Sets and resets a ContextVar with its token, as tracing libraries do."""

    def __init__(self, probe: Probe) -> None:
        self.probe = probe

    async def handle(self, event: Placed) -> None:
        token = REQUEST_ID.set(f"handler-{id(self)}")
        try:
            await asyncio.sleep(0)
            self.probe.seen.append(REQUEST_ID.get())
        finally:
            REQUEST_ID.reset(token)  # ValueError if the context changed under us


class OtherContextVarUser(ContextVarUser):
    pass


class CancelScopeUser(cqrs.EventHandler[Placed]):
    """An anyio cancel scope opened by the handler's first line."""

    def __init__(self, probe: Probe) -> None:
        self.probe = probe

    async def handle(self, event: Placed) -> None:
        with anyio.fail_after(5):
            await anyio.sleep(0.001)
        self.probe.seen.append("scope ok")


class OtherCancelScopeUser(CancelScopeUser):
    pass


class TimeoutUser(cqrs.EventHandler[Placed]):
    """`asyncio.timeout` shorter than the handler's work, opened by its first line."""

    def __init__(self, probe: Probe) -> None:
        self.probe = probe

    async def handle(self, event: Placed) -> None:
        try:
            async with asyncio.timeout(0.01):  # type: ignore[attr-defined,unused-ignore]
                await asyncio.Event().wait()
        except TimeoutError:
            self.probe.seen.append("timed out")


class Blocker(cqrs.EventHandler[Placed]):
    """Blocks until cancelled; its cleanup itself awaits."""

    def __init__(self, probe: Probe) -> None:
        self.probe = probe

    async def handle(self, event: Placed) -> None:
        self.probe.started += 1
        if self.probe.started == 2:
            self.probe.all_started.set()
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0)  # cleanup that needs the loop
            self.probe.cleaned.append(type(self).__name__)


class OtherBlocker(Blocker):
    pass


class HttpCaller(cqrs.EventHandler[Placed]):
    """An httpx call as the handler's first await."""

    def __init__(self, probe: Probe) -> None:
        self.probe = probe

    async def handle(self, event: Placed) -> None:
        import httpx

        async with httpx.AsyncClient() as client:
            response = await client.get(self.probe.url)
        self.probe.seen.append(response.text)


class OtherHttpCaller(HttpCaller):
    pass


def mediator_for(probe: Probe, *handlers: type) -> cqrs.RequestMediator:
    container = DefaultContainer()
    container.bind_instance(Probe, probe)

    def events(mapper: cqrs.EventMap) -> None:
        for handler in handlers:
            mapper.bind(Placed, handler)

    return bootstrap.bootstrap(
        di_container=container,
        commands_mapper=lambda m: m.bind(Place, PlaceHandler),
        domain_events_mapper=events,
        max_concurrent_event_handlers=4,
    )


class TestOwnTask:
    async def test_each_handler_runs_in_its_own_task(self) -> None:
        probe = Probe()
        await mediator_for(probe, TaskRecorder, OtherTaskRecorder).send(Place(order_id="1"))
        caller = asyncio.current_task()
        assert len(probe.tasks) == 2
        assert caller not in probe.tasks
        assert probe.tasks[0] is not probe.tasks[1]

    async def test_contextvar_set_and_reset_in_a_handler_stays_in_it(self) -> None:
        probe = Probe()
        REQUEST_ID.set("caller")
        await mediator_for(probe, ContextVarUser, OtherContextVarUser).send(Place(order_id="1"))
        assert len(probe.seen) == 2
        assert all(value.startswith("handler-") for value in probe.seen)
        assert REQUEST_ID.get() == "caller"

    async def test_anyio_cancel_scope_in_the_first_line_works(self) -> None:
        probe = Probe()
        await mediator_for(probe, CancelScopeUser, OtherCancelScopeUser).send(Place(order_id="1"))
        assert probe.seen == ["scope ok", "scope ok"]

    @pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.timeout is new in 3.11")
    async def test_a_handler_timeout_does_not_cancel_the_request(self) -> None:
        probe = Probe()
        mediator = mediator_for(probe, TimeoutUser, TaskRecorder)
        await mediator.send(Place(order_id="1"))
        assert probe.seen == ["timed out"]
        assert len(probe.tasks) == 1

    async def test_httpx_call_as_the_first_await(self) -> None:
        pytest.importorskip("httpx")

        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        probe = Probe()
        probe.url = f"http://127.0.0.1:{port}/"
        try:
            await mediator_for(probe, HttpCaller, OtherHttpCaller).send(Place(order_id="1"))
        finally:
            server.close()
            await server.wait_closed()
        assert probe.seen == ["ok", "ok"]


class TestCancellation:
    async def test_cancelling_send_cancels_handlers_and_waits_for_their_cleanup(self) -> None:
        probe = Probe()
        mediator = mediator_for(probe, Blocker, OtherBlocker)
        sending = asyncio.ensure_future(mediator.send(Place(order_id="1")))
        await probe.all_started.wait()
        sending.cancel()
        with pytest.raises(asyncio.CancelledError):
            await sending
        # Both handlers finished their (awaiting) cleanup before send's cancellation surfaced.
        assert sorted(probe.cleaned) == ["Blocker", "OtherBlocker"]
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        assert not [task for task in others if "handle" in repr(task.get_coro())]


class TestOutsideCancellation:
    async def test_a_handler_task_cancelled_before_it_started_is_a_failure_not_a_hang(
        self,
    ) -> None:
        loop = asyncio.get_running_loop()
        cancelled: list[asyncio.Task[Any]] = []

        def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
            task = asyncio.Task(coro, loop=loop, **kwargs)
            if getattr(coro, "__qualname__", "") == "_tracked" and not cancelled:
                task.cancel()  # someone else cancels it before its first step
                cancelled.append(task)
            return task

        previous = loop.get_task_factory()
        loop.set_task_factory(factory)
        try:
            probe = Probe()
            mediator = mediator_for(probe, TaskRecorder, OtherTaskRecorder)
            with pytest.raises(cqrs.EventHandlingError) as caught:
                await asyncio.wait_for(mediator.send(Place(order_id="1")), timeout=5)
        finally:
            loop.set_task_factory(previous)
        assert len(cancelled) == 1
        assert len(probe.tasks) == 1  # the other handler ran
        (failure,) = caught.value.failures
        assert isinstance(failure.error, asyncio.CancelledError)
