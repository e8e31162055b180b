"""RequestMediator.send: routing, responses, handler construction and the request maps."""

from __future__ import annotations

from typing import Any, cast

import pytest

import cqrs
from cqrs.requests import bootstrap

# -- requests, responses and handlers ----------------------------------------------------


class Repo:
    """A plain class: the default container builds it by constructor injection."""

    def __init__(self) -> None:
        self.saved: list[str] = []


class CreateUser(cqrs.Request):
    name: str


class CreateUserHandler(cqrs.RequestHandler[CreateUser, None]):
    def __init__(self, repo: Repo) -> None:
        self._repo = repo

    async def handle(self, request: CreateUser) -> None:
        self._repo.saved.append(request.name)


class UserView(cqrs.Response):
    user_id: int
    name: str


class ReadUser(cqrs.Request):
    user_id: int


class ReadUserHandler(cqrs.RequestHandler[ReadUser, UserView]):
    async def handle(self, request: ReadUser) -> UserView:
        return UserView(user_id=request.user_id, name=f"user-{request.user_id}")


class BaseCmd(cqrs.Request):
    value: int


class SubCmd(BaseCmd):
    pass


class BaseCmdHandler(cqrs.RequestHandler[BaseCmd, int]):
    async def handle(self, request: BaseCmd) -> int:
        return request.value


class Unbound(cqrs.Request):
    pass


class WhoBuiltMe(cqrs.Request):
    pass


class WhoBuiltMeHandler(cqrs.RequestHandler[WhoBuiltMe, tuple[object, Repo]]):
    """Answers with itself and its injected dependency, so a test can compare instances."""

    def __init__(self, repo: Repo) -> None:
        self._repo = repo

    async def handle(self, request: WhoBuiltMe) -> tuple[object, Repo]:
        return self, self._repo


class CustomResponse(cqrs.IResponse):
    """The README's custom IResponse implementation."""

    def __init__(self, result: str, status: int) -> None:
        self.result = result
        self.status = status

    def to_dict(self) -> dict[str, Any]:
        return {"result": self.result, "status": self.status}

    @classmethod
    def from_dict(cls, **kwargs: Any) -> CustomResponse:
        return cls(result=kwargs["result"], status=kwargs["status"])


class CustomRequest(cqrs.IRequest):
    """The README's custom IRequest implementation (no dataclass, no DataModel)."""

    def __init__(self, user_id: str, action: str) -> None:
        self.user_id = user_id
        self.action = action

    def to_dict(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "action": self.action}

    @classmethod
    def from_dict(cls, **kwargs: Any) -> CustomRequest:
        return cls(user_id=kwargs["user_id"], action=kwargs["action"])


class CustomRequestHandler(cqrs.RequestHandler[CustomRequest, CustomResponse]):
    async def handle(self, request: CustomRequest) -> CustomResponse:
        return CustomResponse(result=f"{request.user_id}:{request.action}", status=200)


# -- mappers -----------------------------------------------------------------------------


def commands(mapper: cqrs.RequestMap) -> None:
    mapper.bind(CreateUser, CreateUserHandler)
    mapper.bind(BaseCmd, BaseCmdHandler)
    mapper.bind(WhoBuiltMe, WhoBuiltMeHandler)
    mapper.bind(CustomRequest, CustomRequestHandler)


def queries(mapper: cqrs.RequestMap) -> None:
    mapper.bind(ReadUser, ReadUserHandler)


def mediator() -> cqrs.RequestMediator:
    return bootstrap.bootstrap(commands_mapper=commands, queries_mapper=queries)


# -- tests -------------------------------------------------------------------------------


class TestSendResponses:
    @pytest.mark.anyio
    async def test_command_returns_none(self) -> None:
        result = await mediator().send(CreateUser(name="ada"))

        assert result is None

    @pytest.mark.anyio
    async def test_query_returns_the_handlers_response(self) -> None:
        result = await mediator().send(ReadUser(user_id=7))

        assert result == UserView(user_id=7, name="user-7")

    @pytest.mark.anyio
    async def test_custom_irequest_implementation_is_routed(self) -> None:
        result = await mediator().send(CustomRequest(user_id="u1", action="login"))

        assert isinstance(result, CustomResponse)
        assert result.to_dict() == {"result": "u1:login", "status": 200}


class TestSendRouting:
    @pytest.mark.anyio
    async def test_bound_base_class_is_routed(self) -> None:
        assert await mediator().send(BaseCmd(value=3)) == 3

    @pytest.mark.anyio
    async def test_subclass_of_a_bound_request_is_not_routed(self) -> None:
        with pytest.raises(cqrs.RequestHandlerNotFound):
            await mediator().send(SubCmd(value=3))

    @pytest.mark.anyio
    async def test_subclass_error_names_the_type_and_hints_the_base_class(self) -> None:
        with pytest.raises(cqrs.RequestHandlerNotFound) as caught:
            await mediator().send(SubCmd(value=3))

        message = str(caught.value)
        assert "SubCmd" in message
        assert "BaseCmd" in message
        assert "base class" in message

    @pytest.mark.anyio
    async def test_unbound_request_raises_handler_not_found_naming_it(self) -> None:
        with pytest.raises(cqrs.RequestHandlerNotFound, match="Unbound"):
            await mediator().send(Unbound())

    @pytest.mark.anyio
    async def test_handler_not_found_is_a_cqrs_error(self) -> None:
        with pytest.raises(cqrs.CQRSError):
            await mediator().send(Unbound())

    @pytest.mark.anyio
    async def test_non_request_object_is_refused(self) -> None:
        with pytest.raises(cqrs.RequestHandlerNotFound, match="not a request"):
            await mediator().send(cast(Any, object()))


class TestSendHandlerConstruction:
    @pytest.mark.anyio
    async def test_handler_is_built_per_call(self) -> None:
        mediator_ = mediator()

        first_handler, _ = await mediator_.send(WhoBuiltMe())
        second_handler, _ = await mediator_.send(WhoBuiltMe())

        assert isinstance(first_handler, WhoBuiltMeHandler)
        assert first_handler is not second_handler

    @pytest.mark.anyio
    async def test_handler_receives_dependencies_by_constructor_injection(self) -> None:
        _, repo = await mediator().send(WhoBuiltMe())

        assert isinstance(repo, Repo)

    @pytest.mark.anyio
    async def test_dependencies_are_transient_too(self) -> None:
        mediator_ = mediator()

        _, first_repo = await mediator_.send(WhoBuiltMe())
        _, second_repo = await mediator_.send(WhoBuiltMe())

        assert first_repo is not second_repo


class TestSendMappers:
    @pytest.mark.anyio
    async def test_commands_and_queries_mappers_are_both_used(self) -> None:
        mediator_ = mediator()

        assert await mediator_.send(CreateUser(name="ada")) is None
        assert await mediator_.send(ReadUser(user_id=1)) == UserView(user_id=1, name="user-1")

    def test_request_bound_in_both_mappers_is_a_binding_error(self) -> None:
        def also_queries(mapper: cqrs.RequestMap) -> None:
            mapper.bind(CreateUser, CreateUserHandler)

        with pytest.raises(cqrs.BindingError, match="CreateUser"):
            bootstrap.bootstrap(commands_mapper=commands, queries_mapper=also_queries)
