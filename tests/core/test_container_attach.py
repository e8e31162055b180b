"""python-cqrs's container forms: adapters without arguments, attach, `Container[T]`."""

from __future__ import annotations

from typing import Any, TypeVar

import pytest

pytest.importorskip("di")
pytest.importorskip("dependency_injector")

import di
from dependency_injector import containers, providers

import cqrs
from cqrs.container import Container
from cqrs.container.dependency_injector import DependencyInjectorCQRSContainer
from cqrs.container.di import DIContainer
from cqrs.requests import bootstrap

T = TypeVar("T")


class Greeter:
    def greet(self, name: str) -> str:
        return f"hello {name}"


class Greet(cqrs.Request[str]):
    name: str


class GreetHandler(cqrs.RequestHandler[Greet, str]):
    def __init__(self, greeter: Greeter) -> None:
        self.greeter = greeter

    async def handle(self, request: Greet) -> str:
        return self.greeter.greet(request.name)


class Services(containers.DeclarativeContainer):
    greeter = providers.Singleton(Greeter)


def greet_mapper(mapper: cqrs.RequestMap) -> None:
    mapper.bind(Greet, GreetHandler)


class TestDependencyInjectorAttach:
    @pytest.mark.anyio
    async def test_attached_container_answers_the_mediator(self) -> None:
        container = DependencyInjectorCQRSContainer()
        container.attach_external_container(Services())
        mediator = bootstrap.bootstrap(di_container=container, queries_mapper=greet_mapper)

        assert await mediator.send(Greet(name="ann")) == "hello ann"

    def test_external_container_is_the_attached_one(self) -> None:
        services = Services()
        container = DependencyInjectorCQRSContainer()
        container.attach_external_container(services)

        assert container.external_container is services

    def test_constructor_argument_is_the_external_container(self) -> None:
        services = Services()

        assert DependencyInjectorCQRSContainer(services).external_container is services

    @pytest.mark.anyio
    async def test_resolve_before_attaching_names_the_fix(self) -> None:
        with pytest.raises(cqrs.ConfigurationError, match=r"attach_external_container"):
            await DependencyInjectorCQRSContainer().resolve(Greeter)

    def test_bootstrap_before_attaching_fails_at_bootstrap(self) -> None:
        with pytest.raises(cqrs.ConfigurationError, match=r"before a dependency-injector"):
            bootstrap.bootstrap(
                di_container=DependencyInjectorCQRSContainer(), queries_mapper=greet_mapper
            )

    def test_external_container_before_attaching_is_an_error(self) -> None:
        with pytest.raises(cqrs.ConfigurationError, match=r"external_container was used"):
            _ = DependencyInjectorCQRSContainer().external_container

    def test_attaching_the_class_names_the_instance_to_pass(self) -> None:
        with pytest.raises(cqrs.ConfigurationError, match=r"pass Services\(\)"):
            DependencyInjectorCQRSContainer().attach_external_container(Services)

    @pytest.mark.anyio
    async def test_attaching_again_replaces_the_providers(self) -> None:
        first, second = Services(), Services()
        first.greeter.override(providers.Object(Greeter()))
        container = DependencyInjectorCQRSContainer(first)
        from_first = await container.resolve(Greeter)
        container.attach_external_container(second)

        assert await container.resolve(Greeter) is second.greeter()
        assert await container.resolve(Greeter) is not from_first


class TestDIAttach:
    @pytest.mark.anyio
    async def test_attached_container_answers_the_mediator(self) -> None:
        container = DIContainer()
        container.attach_external_container(di.Container())
        mediator = bootstrap.bootstrap(di_container=container, queries_mapper=greet_mapper)

        assert await mediator.send(Greet(name="bob")) == "hello bob"

    def test_external_container_is_the_attached_one(self) -> None:
        external = di.Container()
        container = DIContainer()
        container.attach_external_container(external)

        assert container.external_container is external

    def test_constructor_argument_is_the_external_container(self) -> None:
        external = di.Container()

        assert DIContainer(external).external_container is external

    @pytest.mark.anyio
    async def test_resolve_before_attaching_names_the_fix(self) -> None:
        with pytest.raises(cqrs.ConfigurationError, match=r"attach_external_container"):
            await DIContainer().resolve(Greeter)

    def test_external_container_before_attaching_is_an_error(self) -> None:
        with pytest.raises(cqrs.ConfigurationError, match=r"external_container was used"):
            _ = DIContainer().external_container

    def test_attaching_none_is_refused(self) -> None:
        with pytest.raises(cqrs.ConfigurationError, match=r"pass di.Container\(\)"):
            DIContainer().attach_external_container(None)


class TestGenericProtocol:
    def test_is_exported_from_cqrs_container(self) -> None:
        import cqrs.container.protocol

        assert Container is cqrs.container.protocol.Container is cqrs.Container

    @pytest.mark.anyio
    async def test_a_subclass_of_a_parameterised_container_serves_bootstrap(self) -> None:
        class DictContainer(Container[dict[type, object]]):
            def __init__(self) -> None:
                self.external_container: dict[type, object] = {Greeter: Greeter()}

            async def resolve(self, type_: type[T], /) -> T:
                built: Any = self.external_container.get(type_)
                if type_ is GreetHandler:
                    built = GreetHandler(self.external_container[Greeter])  # type: ignore[arg-type]
                return built  # type: ignore[no-any-return]

        mediator = bootstrap.bootstrap(di_container=DictContainer(), queries_mapper=greet_mapper)

        assert await mediator.send(Greet(name="cy")) == "hello cy"

    def test_adapters_are_containers(self) -> None:
        assert isinstance(DIContainer(), Container)
        assert isinstance(DependencyInjectorCQRSContainer(), Container)
