"""python-cqrs spellings of binding: `handler_type=` and `RequestHandler[Request]`.

mypy --strict (run over tests/) also checks this file: `RequestHandler[Command]`
must mean `RequestHandler[Command, None]` to the checker, so `WrongReturn`'s
override is an error there (its `type: ignore` would be unused otherwise, which
`warn_unused_ignores` reports).
"""

from __future__ import annotations

import sys

import pytest

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

import cqrs
from cqrs.events import bootstrap as event_bootstrap
from cqrs.requests import bootstrap


class Switch(cqrs.Request):
    on: bool


class Other(cqrs.Request):
    pass


class Switched(cqrs.DomainEvent):
    on: bool


STATE: dict[str, bool] = {}


class SwitchHandler(cqrs.RequestHandler[Switch]):
    async def handle(self, request: Switch) -> None:
        STATE["switch"] = request.on


class SwitchLink(cqrs.CORRequestHandler[Switch]):
    async def handle(self, request: Switch) -> None:
        STATE["link"] = request.on
        return await self.next(request)


class WrongReturn(cqrs.RequestHandler[Switch]):
    async def handle(self, request: Switch) -> int:  # type: ignore[override]
        return 1


class OnSwitched(cqrs.EventHandler[Switched]):
    async def handle(self, event: Switched) -> None:
        STATE["event"] = event.on


@pytest.fixture(autouse=True)
def _clean_state() -> None:
    STATE.clear()


@pytest.mark.anyio
class TestHandlerTypeKeyword:
    async def test_request_map_binds_with_handler_type(self) -> None:
        mediator = bootstrap.bootstrap(
            commands_mapper=lambda m: m.bind(Switch, handler_type=SwitchHandler)
        )

        await mediator.send(Switch(on=True))

        assert STATE == {"switch": True}

    async def test_event_map_binds_with_handler_type(self) -> None:
        mediator = event_bootstrap.bootstrap(
            events_mapper=lambda m: m.bind(Switched, handler_type=OnSwitched)
        )

        await mediator.send(Switched(on=True))

        assert STATE == {"event": True}

    def test_request_map_refuses_handler_and_handler_type_together(self) -> None:
        request_map = cqrs.RequestMap()
        with pytest.raises(cqrs.BindingError, match=r"both handler=.* and handler_type="):
            request_map.bind(Switch, SwitchHandler, handler_type=SwitchHandler)  # type: ignore[call-overload]

    def test_event_map_refuses_a_bind_without_handler(self) -> None:
        event_map = cqrs.EventMap()
        with pytest.raises(cqrs.BindingError, match=r"bind\(Switched\) got no handler"):
            event_map.bind(Switched)  # type: ignore[call-overload]


@pytest.mark.anyio
class TestOneTypeArgument:
    def test_request_handler_with_one_argument_answers_none(self) -> None:
        assert cqrs.RequestHandler[Switch] == cqrs.RequestHandler[Switch, None]

    def test_chain_link_with_one_argument_answers_none(self) -> None:
        assert cqrs.CORRequestHandler[Switch] == cqrs.CORRequestHandler[Switch, None]

    def test_streaming_handler_still_needs_its_item_type(self) -> None:
        with pytest.raises(TypeError):
            cqrs.StreamingRequestHandler[Switch]  # type: ignore[misc]

    async def test_one_argument_handler_is_sent_to(self) -> None:
        mediator = bootstrap.bootstrap(commands_mapper=lambda m: m.bind(Switch, SwitchHandler))

        assert await mediator.send(Switch(on=True)) is None
        assert STATE == {"switch": True}

    async def test_one_argument_chain_link_is_sent_to(self) -> None:
        mediator = bootstrap.bootstrap(commands_mapper=lambda m: m.bind(Switch, [SwitchLink]))

        assert await mediator.send(Switch(on=False)) is None
        assert STATE == {"link": False}

    def test_one_argument_handler_still_declares_its_request_type(self) -> None:
        request_map = cqrs.RequestMap()
        with pytest.raises(cqrs.BindingError, match="SwitchHandler handles Switch"):
            request_map.bind(Other, SwitchHandler)

    async def test_checker_reads_the_response_as_none(self) -> None:
        assert assert_type(await SwitchHandler().handle(Switch(on=True)), None) is None
