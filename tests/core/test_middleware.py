"""Middlewares: composed once at bootstrap, around `send` and around `stream` alike."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any, cast

import pytest

import cqrs
from cqrs.middlewares import HandleType, LoggingMiddleware, StreamHandleType
from cqrs.requests import bootstrap


class Double(cqrs.Request):
    value: int


class DoubleHandler(cqrs.RequestHandler[Double, int]):
    async def handle(self, request: Double) -> int:
        return request.value * 2


class CountTo(cqrs.Request):
    n: int


class CountHandler(cqrs.StreamingRequestHandler[CountTo, int]):
    closed: list[CountHandler] = []  # instances whose generator finished or was closed

    async def handle(self, request: CountTo) -> AsyncIterator[int]:
        try:
            for i in range(1, request.n + 1):
                yield i
        finally:
            CountHandler.closed.append(self)


class Recorder:
    """Wraps both `send` and `stream`, writing what passes through into `journal`."""

    def __init__(self, name: str, journal: list[str]) -> None:
        self.name = name
        self.journal = journal

    async def __call__(self, request: Any, handle: HandleType) -> Any:
        self.journal.append(f"{self.name} before")
        response = await handle(request)
        self.journal.append(f"{self.name} after {response}")
        return response

    async def stream(self, request: Any, handle: StreamHandleType) -> AsyncIterator[Any]:
        self.journal.append(f"{self.name} before")
        async for item in handle(request):
            self.journal.append(f"{self.name} saw {item}")
            yield item
        self.journal.append(f"{self.name} after")


class TimesTen:
    """Transforms every response, for `send` and `stream`."""

    async def __call__(self, request: Any, handle: HandleType) -> Any:
        return await handle(request) * 10

    async def stream(self, request: Any, handle: StreamHandleType) -> AsyncIterator[Any]:
        async for item in handle(request):
            yield item * 10


class SendOnly:
    async def __call__(self, request: Any, handle: HandleType) -> Any:
        return await handle(request)


class NotCallable:
    pass


def commands(mapper: cqrs.RequestMap) -> None:
    mapper.bind(Double, DoubleHandler)


def streams(mapper: cqrs.RequestMap) -> None:
    mapper.bind(CountTo, CountHandler)


def send_mediator(*middlewares: Any) -> cqrs.RequestMediator:
    return bootstrap.bootstrap(commands_mapper=commands, middlewares=middlewares)


def stream_mediator(*middlewares: Any) -> cqrs.StreamingRequestMediator:
    return bootstrap.bootstrap_streaming(commands_mapper=streams, middlewares=middlewares)


async def collect(stream: AsyncIterator[int]) -> list[int]:
    return [item async for item in stream]


class TestSendMiddleware:
    @pytest.mark.anyio
    async def test_first_middleware_given_is_the_outermost(self) -> None:
        journal: list[str] = []
        mediator = send_mediator(Recorder("outer", journal), Recorder("inner", journal))

        await mediator.send(Double(value=2))

        assert journal == ["outer before", "inner before", "inner after 4", "outer after 4"]

    @pytest.mark.anyio
    async def test_middleware_can_transform_the_response(self) -> None:
        assert await send_mediator(TimesTen()).send(Double(value=2)) == 40

    def test_non_callable_middleware_fails_bootstrap(self) -> None:
        with pytest.raises(cqrs.BootstrapError, match="NotCallable"):
            # mypy rejects it too (the parameter is Sequence[Middleware]); bootstrap names it.
            bootstrap.bootstrap(
                commands_mapper=commands,
                middlewares=[NotCallable()],  # type: ignore[list-item]
            )


class TestStreamMiddleware:
    """DESIGN §6: the reference runs middlewares for `send` only."""

    @pytest.mark.anyio
    async def test_middleware_observes_streamed_items(self) -> None:
        journal: list[str] = []
        mediator = stream_mediator(Recorder("mw", journal))

        await collect(mediator.stream(CountTo(n=2)))

        assert journal == ["mw before", "mw saw 1", "mw saw 2", "mw after"]

    @pytest.mark.anyio
    async def test_middleware_can_transform_streamed_items(self) -> None:
        items = await collect(stream_mediator(TimesTen()).stream(CountTo(n=3)))

        assert items == [10, 20, 30]

    @pytest.mark.anyio
    async def test_first_middleware_given_is_the_outermost_for_stream(self) -> None:
        journal: list[str] = []
        mediator = stream_mediator(
            Recorder("outer", journal), TimesTen(), Recorder("inner", journal)
        )

        await collect(mediator.stream(CountTo(n=1)))

        assert journal == [
            "outer before",
            "inner before",
            "inner saw 1",
            "outer saw 10",
            "inner after",
            "outer after",
        ]

    def test_middleware_without_stream_fails_bootstrap_streaming_naming_it(self) -> None:
        with pytest.raises(cqrs.BootstrapError, match="SendOnly"):
            bootstrap.bootstrap_streaming(
                commands_mapper=streams,
                middlewares=[SendOnly()],  # type: ignore[list-item]
            )


class TestStreamMiddlewareClosing:
    @pytest.mark.anyio
    async def test_closing_a_stream_through_logging_middleware_closes_the_handler(self) -> None:
        """A consumer that stops early must release the handler's generator at once."""
        CountHandler.closed.clear()
        stream = cast(
            AsyncGenerator[int, None],
            stream_mediator(LoggingMiddleware()).stream(CountTo(n=5)),
        )

        async with aclosing(stream):
            async for item in stream:
                if item == 2:
                    break

        assert len(CountHandler.closed) == 1


class TestLoggingMiddleware:
    @pytest.mark.anyio
    async def test_send_is_logged_at_debug(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG, logger="cqrs")

        await send_mediator(LoggingMiddleware()).send(Double(value=21))

        records = [r for r in caplog.records if r.name == "cqrs"]
        assert records
        assert all(r.levelno == logging.DEBUG for r in records)
        assert any("Double" in r.getMessage() for r in records)
        assert any("42" in r.getMessage() for r in records)

    @pytest.mark.anyio
    async def test_stream_is_logged_at_debug(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG, logger="cqrs")

        items = await collect(stream_mediator(LoggingMiddleware()).stream(CountTo(n=2)))

        records = [r for r in caplog.records if r.name == "cqrs"]
        assert items == [1, 2]
        assert all(r.levelno == logging.DEBUG for r in records)
        assert any("CountTo" in r.getMessage() for r in records)
        assert len(records) >= 3  # the request, then one record per item at least

    @pytest.mark.anyio
    async def test_send_logs_nothing_at_info(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.INFO, logger="cqrs")

        await send_mediator(LoggingMiddleware()).send(Double(value=1))

        assert [r for r in caplog.records if r.name.startswith("cqrs")] == []

    @pytest.mark.anyio
    async def test_stream_logs_nothing_at_info(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.INFO, logger="cqrs")

        await collect(stream_mediator(LoggingMiddleware()).stream(CountTo(n=2)))

        assert [r for r in caplog.records if r.name.startswith("cqrs")] == []
