"""DependencyInjectorCQRSContainer: provider lookup, fallback injection, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Protocol

import pytest

pytest.importorskip("dependency_injector")

from dependency_injector import containers, providers

from cqrs.container.dependency_injector import DependencyInjectorCQRSContainer
from cqrs.container.protocol import Container
from cqrs.exceptions import ConfigurationError, DependencyResolutionError


class MeetingAPIProtocol(Protocol):
    def link(self, meeting_id: str) -> str: ...


class MeetingAPIImplementation:
    def link(self, meeting_id: str) -> str:
        return f"https://meet/{meeting_id}"


class Repository:
    pass


class SqlRepository(Repository):
    pass


class OtherSqlRepository(Repository):
    pass


class Settings:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn


class Session:
    pass


class Client:
    pass


async def open_session() -> Session:
    return Session()


def make_client() -> Client:
    return Client()


def client_resource() -> Iterator[Client]:
    yield Client()


async def session_resource() -> AsyncIterator[Session]:
    yield Session()


class JoinMeetingHandler:
    """A handler class the external container does not know about."""

    def __init__(self, meetings_api: MeetingAPIProtocol, settings: Settings) -> None:
        self.meetings_api = meetings_api
        self.settings = settings


class NeedsSession:
    def __init__(self, session: Session) -> None:
        self.session = session


class NeedsRepository:
    def __init__(self, repository: Repository) -> None:
        self.repository = repository


class NeedsClient:
    def __init__(self, client: Client, retries: int = 2) -> None:
        self.client = client
        self.retries = retries


class Plain:
    pass


class NeedsSessionAndClient:
    def __init__(self, client: Client, session: Session) -> None:
        self.client = client
        self.session = session


class SessionRepository(Repository):
    def __init__(self, session: Session) -> None:
        self.session = session


class UnboundHandler:
    def __init__(self, meetings_api: MeetingAPIProtocol) -> None:
        self.meetings_api = meetings_api


class ApplicationContainer(containers.DeclarativeContainer):
    meetings_api = providers.Factory(MeetingAPIImplementation)
    settings = providers.Singleton(Settings, dsn="sqlite://")
    repository = providers.Factory(SqlRepository)


class AsyncContainer(containers.DeclarativeContainer):
    session = providers.Coroutine(open_session)


class AsyncArgumentContainer(containers.DeclarativeContainer):
    repository = providers.Factory(SessionRepository, session=providers.Coroutine(open_session))


class CallableContainer(containers.DeclarativeContainer):
    client = providers.Callable(make_client)


class ObjectContainer(containers.DeclarativeContainer):
    settings = providers.Object(Settings("object://"))


class ResourceContainer(containers.DeclarativeContainer):
    client = providers.Resource(client_resource)
    session = providers.Resource(session_resource)


class InnerContainer(containers.DeclarativeContainer):
    client = providers.Factory(Client)


class OuterContainer(containers.DeclarativeContainer):
    inner = providers.Container(InnerContainer)


class AmbiguousContainer(containers.DeclarativeContainer):
    primary = providers.Factory(SqlRepository)
    secondary = providers.Factory(OtherSqlRepository)


class LinkOnly:
    """Has `link` too: a second structural match for MeetingAPIProtocol."""

    def link(self, meeting_id: str) -> str:
        return meeting_id


class TwoMeetingAPIsContainer(containers.DeclarativeContainer):
    meetings_api = providers.Factory(MeetingAPIImplementation)
    links = providers.Factory(LinkOnly)


class NotAMeetingAPIContainer(containers.DeclarativeContainer):
    client = providers.Factory(Client)


def adapter(container: containers.Container) -> DependencyInjectorCQRSContainer:
    return DependencyInjectorCQRSContainer(container)


class TestAdapter:
    def test_is_a_container(self) -> None:
        assert isinstance(adapter(ApplicationContainer()), Container)

    def test_rejects_the_container_class(self) -> None:
        with pytest.raises(ConfigurationError, match=r"pass ApplicationContainer\(\)"):
            DependencyInjectorCQRSContainer(ApplicationContainer)

    def test_exposes_the_wrapped_container(self) -> None:
        container = ApplicationContainer()
        assert adapter(container).container is container


class TestProviderLookup:
    @pytest.mark.anyio
    async def test_factory_provides_its_class(self) -> None:
        assert type(await adapter(ApplicationContainer()).resolve(SqlRepository)) is SqlRepository

    @pytest.mark.anyio
    async def test_singleton_provider_is_shared(self) -> None:
        cqrs_container = adapter(ApplicationContainer())
        first = await cqrs_container.resolve(Settings)
        assert first is await cqrs_container.resolve(Settings)
        assert first.dsn == "sqlite://"

    @pytest.mark.anyio
    async def test_factory_provider_is_transient(self) -> None:
        cqrs_container = adapter(ApplicationContainer())
        assert await cqrs_container.resolve(SqlRepository) is not await cqrs_container.resolve(
            SqlRepository
        )

    @pytest.mark.anyio
    async def test_unique_subclass_provider_answers_the_base_class(self) -> None:
        built = await adapter(ApplicationContainer()).resolve(NeedsRepository)
        assert type(built.repository) is SqlRepository

    @pytest.mark.anyio
    async def test_coroutine_provider_is_awaited(self) -> None:
        built = await adapter(AsyncContainer()).resolve(NeedsSession)
        assert isinstance(built.session, Session)

    @pytest.mark.anyio
    async def test_callable_provider_is_indexed_by_return_annotation(self) -> None:
        built = await adapter(CallableContainer()).resolve(NeedsClient)
        assert isinstance(built.client, Client)

    @pytest.mark.anyio
    async def test_object_provider_is_indexed_by_its_type(self) -> None:
        settings = await adapter(ObjectContainer()).resolve(Settings)
        assert settings.dsn == "object://"

    @pytest.mark.anyio
    async def test_resource_provider_is_indexed_by_the_yielded_type(self) -> None:
        assert isinstance(await adapter(ResourceContainer()).resolve(Client), Client)

    @pytest.mark.anyio
    async def test_async_resource_is_awaited(self) -> None:
        assert isinstance(await adapter(ResourceContainer()).resolve(Session), Session)

    @pytest.mark.anyio
    async def test_nested_container_providers_are_found(self) -> None:
        assert isinstance(await adapter(OuterContainer()).resolve(Client), Client)

    @pytest.mark.anyio
    async def test_overrides_apply_without_refresh(self) -> None:
        container = ApplicationContainer()
        cqrs_container = adapter(container)
        await cqrs_container.resolve(SqlRepository)
        with container.repository.override(providers.Factory(OtherSqlRepository)):
            assert type(await cqrs_container.resolve(SqlRepository)) is OtherSqlRepository

    @pytest.mark.anyio
    async def test_refresh_sees_providers_added_later(self) -> None:
        container = containers.DynamicContainer()
        cqrs_container = adapter(container)
        assert type((await cqrs_container.resolve(NeedsClient)).client) is Client
        container.set_provider("settings", providers.Object(Settings("late://")))
        cqrs_container.refresh()
        assert (await cqrs_container.resolve(Settings)).dsn == "late://"


class TestFallbackInjection:
    @pytest.mark.anyio
    async def test_builds_an_unregistered_handler_from_registered_dependencies(self) -> None:
        handler = await adapter(ApplicationContainer()).resolve(JoinMeetingHandler)
        assert isinstance(handler.meetings_api, MeetingAPIImplementation)
        assert handler.meetings_api.link("m1") == "https://meet/m1"
        assert handler.settings.dsn == "sqlite://"

    @pytest.mark.anyio
    async def test_handler_is_transient_and_singleton_dependency_shared(self) -> None:
        cqrs_container = adapter(ApplicationContainer())
        first = await cqrs_container.resolve(JoinMeetingHandler)
        second = await cqrs_container.resolve(JoinMeetingHandler)
        assert first is not second
        assert first.settings is second.settings
        assert first.meetings_api is not second.meetings_api

    @pytest.mark.anyio
    async def test_protocol_is_matched_structurally(self) -> None:
        # MeetingAPIImplementation does not inherit the Protocol; it has its methods.
        handler = await adapter(ApplicationContainer()).resolve(UnboundHandler)
        assert isinstance(handler.meetings_api, MeetingAPIImplementation)

    @pytest.mark.anyio
    async def test_class_without_the_protocol_methods_does_not_match(self) -> None:
        with pytest.raises(DependencyResolutionError, match="MeetingAPIProtocol"):
            await adapter(NotAMeetingAPIContainer()).resolve(UnboundHandler)

    @pytest.mark.anyio
    async def test_unprovided_default_parameter_keeps_its_default(self) -> None:
        built = await adapter(CallableContainer()).resolve(NeedsClient)
        assert built.retries == 2

    def test_sync_factory_is_the_class_for_a_dependency_free_handler(self) -> None:
        assert adapter(ApplicationContainer()).sync_factory(Plain) is Plain

    def test_sync_factory_builds_with_synchronous_providers(self) -> None:
        factory = adapter(ApplicationContainer()).sync_factory(JoinMeetingHandler)

        assert factory is not None
        handler = factory()
        assert isinstance(handler.meetings_api, MeetingAPIImplementation)
        assert handler.settings.dsn == "sqlite://"

    def test_sync_factory_is_none_when_a_provider_is_a_coroutine(self) -> None:
        assert adapter(AsyncContainer()).sync_factory(NeedsSession) is None

    def test_sync_factory_is_none_when_an_async_resource_is_called(self) -> None:
        assert adapter(ResourceContainer()).sync_factory(NeedsSessionAndClient) is None

    def test_sync_factory_is_none_when_a_provider_argument_is_async(self) -> None:
        assert adapter(AsyncArgumentContainer()).sync_factory(NeedsRepository) is None

    def test_sync_factory_is_none_for_a_provider_in_async_mode(self) -> None:
        container = ApplicationContainer()
        container.repository.enable_async_mode()

        assert adapter(container).sync_factory(NeedsRepository) is None

    def test_sync_factory_is_plain_for_a_provider_with_async_mode_disabled(self) -> None:
        container = AsyncArgumentContainer()
        container.repository.disable_async_mode()

        assert adapter(container).sync_factory(NeedsRepository) is not None

    @pytest.mark.anyio
    async def test_async_argument_of_a_provider_is_awaited(self) -> None:
        built = await adapter(AsyncArgumentContainer()).resolve(NeedsRepository)

        assert isinstance(built.repository, SessionRepository)
        assert isinstance(built.repository.session, Session)

    @pytest.mark.anyio
    async def test_an_async_override_needs_refresh(self) -> None:
        container = ApplicationContainer()
        cqrs_container = adapter(container)
        assert cqrs_container.sync_factory(NeedsRepository) is not None
        container.repository.override(
            providers.Factory(SessionRepository, session=providers.Coroutine(open_session))
        )
        cqrs_container.refresh()

        built = await cqrs_container.resolve(NeedsRepository)

        assert isinstance(built.repository, SessionRepository)
        assert isinstance(built.repository.session, Session)


class TestErrors:
    @pytest.mark.anyio
    async def test_unprovided_protocol_names_the_fix(self) -> None:
        with pytest.raises(DependencyResolutionError) as info:
            await adapter(containers.DynamicContainer()).resolve(UnboundHandler)
        message = str(info.value)
        assert message.startswith("cannot build UnboundHandler: parameter 'meetings_api'")
        assert "a Protocol with no binding" in message
        assert "add a provider for MeetingAPIProtocol to the dependency-injector container" in (
            message
        )

    @pytest.mark.anyio
    async def test_two_subclass_providers_are_ambiguous(self) -> None:
        with pytest.raises(DependencyResolutionError) as info:
            await adapter(AmbiguousContainer()).resolve(NeedsRepository)
        message = str(info.value)
        assert message.startswith("cannot build NeedsRepository: several providers")
        assert "primary (Factory)" in message
        assert "secondary (Factory)" in message

    @pytest.mark.anyio
    async def test_two_structural_protocol_matches_are_ambiguous(self) -> None:
        with pytest.raises(DependencyResolutionError, match=r"meetings_api .* links"):
            await adapter(TwoMeetingAPIsContainer()).resolve(UnboundHandler)
