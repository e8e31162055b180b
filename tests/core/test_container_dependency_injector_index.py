"""DependencyInjectorCQRSContainer: which providers are indexed, and which count as async."""

from __future__ import annotations

import abc
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("dependency_injector")

from dependency_injector import containers, providers, resources

from cqrs.container.dependency_injector import DependencyInjectorCQRSContainer
from cqrs.exceptions import DependencyResolutionError


class Clock:
    pass


class Mailer(abc.ABC):
    """Abstract: only a provider (or a binding) can answer it."""

    @abc.abstractmethod
    def send(self, to: str) -> None: ...


class Session:
    pass


class NeedsClock:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock


class NeedsMailer:
    def __init__(self, mailer: Mailer) -> None:
        self.mailer = mailer


class NeedsSession:
    def __init__(self, session: Session) -> None:
        self.session = session


class Holder:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock


class NeedsHolder:
    def __init__(self, holder: Holder) -> None:
        self.holder = holder


class ClockResource(resources.Resource[Clock]):
    def init(self) -> Clock:
        return Clock()


class SessionResource(resources.AsyncResource[Session]):
    async def init(self) -> Session:
        return Session()

    async def shutdown(self, resource: Session | None) -> None:
        return None


def plain_clock() -> Clock:
    return Clock()


def bare_iterator() -> Iterator:  # type: ignore[type-arg]
    yield Clock()


def unresolvable() -> NotDefinedAnywhere:  # type: ignore[name-defined]  # noqa: F821
    return Clock()


def di(container: Any) -> DependencyInjectorCQRSContainer:
    return DependencyInjectorCQRSContainer(container)


class TestIndex:
    @pytest.mark.anyio
    async def test_a_dependency_is_indexed_by_instance_of(self) -> None:
        container = containers.DynamicContainer()
        container.clock = providers.Dependency(instance_of=Clock, default=Clock())

        assert type((await di(container).resolve(NeedsClock)).clock) is Clock

    @pytest.mark.anyio
    async def test_a_dependencies_container_is_searched(self) -> None:
        container = containers.DynamicContainer()
        container.deps = providers.DependenciesContainer(
            clock=providers.Dependency(instance_of=Clock, default=Clock())
        )

        assert type((await di(container).resolve(NeedsClock)).clock) is Clock

    @pytest.mark.anyio
    async def test_one_provider_under_two_names_is_one_candidate(self) -> None:
        container = containers.DynamicContainer()
        clock = providers.Factory(Clock)
        container.clock = clock
        container.same_clock = clock

        assert type((await di(container).resolve(NeedsClock)).clock) is Clock

    @pytest.mark.anyio
    async def test_a_resource_class_is_indexed_by_its_init(self) -> None:
        container = containers.DynamicContainer()
        container.clock = providers.Resource(ClockResource)

        assert type((await di(container).resolve(NeedsClock)).clock) is Clock

    @pytest.mark.anyio
    async def test_a_resource_function_returning_the_object_is_indexed(self) -> None:
        container = containers.DynamicContainer()
        container.clock = providers.Resource(plain_clock)

        assert type((await di(container).resolve(NeedsClock)).clock) is Clock

    @pytest.mark.anyio
    async def test_an_async_resource_class_is_awaited(self) -> None:
        container = containers.DynamicContainer()
        container.session = providers.Resource(SessionResource)
        adapter = di(container)

        assert adapter.sync_factory(NeedsSession) is None
        assert type((await adapter.resolve(NeedsSession)).session) is Session

    @pytest.mark.parametrize(
        "provider",
        [
            providers.Resource(bare_iterator),
            providers.Callable(unresolvable),
            providers.List(providers.Factory(Clock)),
            providers.Configuration(),
            providers.Object(None),
        ],
        ids=["bare-iterator", "unresolvable-annotation", "list", "configuration", "none"],
    )
    @pytest.mark.anyio
    async def test_providers_of_no_known_type_are_not_indexed(self, provider: Any) -> None:
        container = containers.DynamicContainer()
        container.unknown = provider

        with pytest.raises(DependencyResolutionError, match="add a provider for Mailer"):
            await di(container).resolve(NeedsMailer)


class TestAsyncPlanning:
    @pytest.mark.anyio
    async def test_an_argument_in_async_mode_makes_its_provider_async(self) -> None:
        clock = providers.Factory(Clock)
        clock.enable_async_mode()
        container = containers.DynamicContainer()
        container.holder = providers.Factory(Holder, clock=clock)
        adapter = di(container)

        assert adapter.sync_factory(NeedsHolder) is None
        assert type((await adapter.resolve(NeedsHolder)).holder.clock) is Clock
