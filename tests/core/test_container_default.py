"""DefaultContainer: constructor injection, bindings, singletons, plans and their errors."""

from __future__ import annotations

import abc
import asyncio
import dataclasses
from typing import Protocol

import pytest

from cqrs.container.default import DefaultContainer
from cqrs.container.protocol import Container, SupportsSyncFactory
from cqrs.exceptions import BindingError, DependencyResolutionError

# -- a small application graph ---------------------------------------------------------


class OrderRepository(Protocol):
    def get(self, order_id: str) -> str: ...


class MemoryOrderRepository:
    def get(self, order_id: str) -> str:
        return f"order {order_id}"


class OtherOrderRepository(MemoryOrderRepository):
    pass


class Clock:
    pass


class Session:
    pass


class Pool:
    pass


class Service:
    def __init__(self, repo: OrderRepository, clock: Clock) -> None:
        self.repo = repo
        self.clock = clock


class OrderHandler:
    def __init__(self, service: Service, session: Session) -> None:
        self.service = service
        self.session = session


class UnboundRepoHandler:
    def __init__(self, repo: OrderRepository) -> None:
        self.repo = repo


class NestedUnboundHandler:
    def __init__(self, inner: UnboundRepoHandler) -> None:
        self.inner = inner


class Notifier(abc.ABC):
    @abc.abstractmethod
    def notify(self) -> None: ...


class NeedsNotifier:
    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier


class WithDefaults:
    def __init__(self, clock: Clock, retries: int = 3, repo: OrderRepository | None = None) -> None:
        self.clock = clock
        self.retries = retries
        self.repo = repo


class Untyped:
    def __init__(self, thing) -> None:  # type: ignore[no-untyped-def]
        self.thing = thing


class NeedsName:
    def __init__(self, name: str) -> None:
        self.name = name


class NeedsList:
    def __init__(self, items: list[int]) -> None:
        self.items = items


class KeywordOnly:
    def __init__(self, *, clock: Clock, session: Session) -> None:
        self.clock = clock
        self.session = session


class ManyDeps:
    def __init__(self, a: Clock, b: Session, c: Pool, d: Clock) -> None:
        self.deps = (a, b, c, d)


@dataclasses.dataclass
class DataclassHandler:
    clock: Clock
    session: Session


class CycleA:
    def __init__(self, b: CycleB) -> None:
        self.b = b


class CycleB:
    def __init__(self, a: CycleA) -> None:
        self.a = a


class Connection:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn


class UsesConnection:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection


def make_connection() -> Connection:
    return Connection("sync://")


async def open_connection(clock: Clock) -> Connection:
    await asyncio.sleep(0)
    return Connection(f"async://{type(clock).__name__}")


def gen_connection() -> object:
    yield Connection("gen://")


# -- tests --------------------------------------------------------------------------------


class TestProtocols:
    def test_is_a_container_with_sync_factory(self) -> None:
        container = DefaultContainer()
        assert isinstance(container, Container)
        assert isinstance(container, SupportsSyncFactory)


class TestConstructorInjection:
    @pytest.mark.anyio
    async def test_builds_a_class_without_dependencies(self) -> None:
        assert isinstance(await DefaultContainer().resolve(Clock), Clock)

    @pytest.mark.anyio
    async def test_builds_an_unbound_handler_through_a_chain(self) -> None:
        container = DefaultContainer()
        container.bind(OrderRepository, MemoryOrderRepository)
        handler = await container.resolve(OrderHandler)
        assert isinstance(handler.service.repo, MemoryOrderRepository)
        assert isinstance(handler.service.clock, Clock)
        assert isinstance(handler.session, Session)

    @pytest.mark.anyio
    async def test_unbound_classes_are_transient(self) -> None:
        container = DefaultContainer()
        first = await container.resolve(KeywordOnly)
        second = await container.resolve(KeywordOnly)
        assert first is not second
        assert first.clock is not second.clock

    @pytest.mark.anyio
    async def test_passes_keyword_only_parameters(self) -> None:
        handler = await DefaultContainer().resolve(KeywordOnly)
        assert isinstance(handler.clock, Clock)
        assert isinstance(handler.session, Session)

    @pytest.mark.anyio
    async def test_passes_more_than_three_parameters(self) -> None:
        handler = await DefaultContainer().resolve(ManyDeps)
        assert [type(dep) for dep in handler.deps] == [Clock, Session, Pool, Clock]

    @pytest.mark.anyio
    async def test_reads_dataclass_fields(self) -> None:
        handler = await DefaultContainer().resolve(DataclassHandler)
        assert isinstance(handler.clock, Clock)
        assert isinstance(handler.session, Session)


class TestDefaults:
    @pytest.mark.anyio
    async def test_unbound_parameters_with_defaults_keep_them(self) -> None:
        built = await DefaultContainer().resolve(WithDefaults)
        assert isinstance(built.clock, Clock)
        assert built.retries == 3
        assert built.repo is None

    @pytest.mark.anyio
    async def test_bound_optional_parameter_is_injected(self) -> None:
        container = DefaultContainer()
        container.bind(OrderRepository, MemoryOrderRepository)
        built = await container.resolve(WithDefaults)
        assert isinstance(built.repo, MemoryOrderRepository)

    @pytest.mark.anyio
    async def test_bound_builtin_parameter_is_injected(self) -> None:
        container = DefaultContainer()
        container.bind_instance(int, 7)
        assert (await container.resolve(WithDefaults)).retries == 7


class TestBindings:
    @pytest.mark.anyio
    async def test_binds_an_interface_to_a_class(self) -> None:
        container = DefaultContainer()
        container.bind(OrderRepository, MemoryOrderRepository)
        handler = await container.resolve(UnboundRepoHandler)
        assert handler.repo.get("1") == "order 1"

    @pytest.mark.anyio
    async def test_binds_a_concrete_class_to_a_subclass(self) -> None:
        container = DefaultContainer()
        container.bind(MemoryOrderRepository, OtherOrderRepository)
        assert type(await container.resolve(MemoryOrderRepository)) is OtherOrderRepository

    @pytest.mark.anyio
    async def test_binds_a_sync_factory_function(self) -> None:
        container = DefaultContainer()
        container.bind(Connection, make_connection)
        assert (await container.resolve(UsesConnection)).connection.dsn == "sync://"

    @pytest.mark.anyio
    async def test_binds_an_async_factory_with_injected_parameters(self) -> None:
        container = DefaultContainer()
        container.bind(Connection, open_connection)
        assert (await container.resolve(UsesConnection)).connection.dsn == "async://Clock"

    @pytest.mark.anyio
    async def test_bind_instance_returns_the_same_object(self) -> None:
        container = DefaultContainer()
        repo = MemoryOrderRepository()
        container.bind_instance(OrderRepository, repo)
        assert (await container.resolve(UnboundRepoHandler)).repo is repo
        assert (await container.resolve(UnboundRepoHandler)).repo is repo

    @pytest.mark.anyio
    async def test_rebinding_before_planning_replaces(self) -> None:
        container = DefaultContainer()
        container.bind(OrderRepository, MemoryOrderRepository)
        container.bind(OrderRepository, OtherOrderRepository)
        assert type((await container.resolve(UnboundRepoHandler)).repo) is OtherOrderRepository

    def test_rejects_a_non_callable_implementation(self) -> None:
        with pytest.raises(BindingError, match="bind_instance"):
            DefaultContainer().bind(OrderRepository, MemoryOrderRepository())  # type: ignore[arg-type]

    def test_rejects_an_abstract_implementation(self) -> None:
        with pytest.raises(BindingError, match="abstract class"):
            DefaultContainer().bind(Notifier, Notifier)

    def test_rejects_a_generator_factory(self) -> None:
        with pytest.raises(BindingError, match="generator function gen_connection"):
            DefaultContainer().bind(Connection, gen_connection)

    def test_rejects_a_non_class_interface(self) -> None:
        with pytest.raises(BindingError, match="must be a class"):
            DefaultContainer().bind("repo", MemoryOrderRepository)  # type: ignore[arg-type]


class TestSingletons:
    @pytest.mark.anyio
    async def test_singleton_is_built_once(self) -> None:
        container = DefaultContainer()
        container.bind(OrderRepository, MemoryOrderRepository, singleton=True)
        first = await container.resolve(UnboundRepoHandler)
        second = await container.resolve(UnboundRepoHandler)
        assert first is not second
        assert first.repo is second.repo

    @pytest.mark.anyio
    async def test_transient_binding_builds_each_time(self) -> None:
        container = DefaultContainer()
        container.bind(OrderRepository, MemoryOrderRepository)
        first = await container.resolve(UnboundRepoHandler)
        second = await container.resolve(UnboundRepoHandler)
        assert first.repo is not second.repo

    @pytest.mark.anyio
    async def test_concurrent_first_resolves_share_one_async_singleton(self) -> None:
        calls: list[int] = []

        async def slow_pool() -> Pool:
            calls.append(1)
            await asyncio.sleep(0.01)
            return Pool()

        container = DefaultContainer()
        container.bind(Pool, slow_pool, singleton=True)
        pools = await asyncio.gather(*(container.resolve(Pool) for _ in range(5)))
        assert len(calls) == 1
        assert all(pool is pools[0] for pool in pools)

    @pytest.mark.anyio
    async def test_failed_singleton_build_is_retried(self) -> None:
        attempts: list[int] = []

        async def flaky_pool() -> Pool:
            attempts.append(1)
            if len(attempts) == 1:
                raise ConnectionError("down")
            return Pool()

        container = DefaultContainer()
        container.bind(Pool, flaky_pool, singleton=True)
        with pytest.raises(ConnectionError):
            await container.resolve(Pool)
        assert isinstance(await container.resolve(Pool), Pool)


class TestSyncFactory:
    def test_returns_the_class_for_a_dependency_free_type(self) -> None:
        assert DefaultContainer().sync_factory(Clock) is Clock

    def test_builds_a_sync_graph(self) -> None:
        container = DefaultContainer()
        container.bind(OrderRepository, MemoryOrderRepository)
        factory = container.sync_factory(OrderHandler)
        assert factory is not None
        first, second = factory(), factory()
        assert isinstance(first.service.repo, MemoryOrderRepository)
        assert first is not second

    def test_singleton_factory_returns_the_cached_instance(self) -> None:
        container = DefaultContainer()
        container.bind(Pool, Pool, singleton=True)
        factory = container.sync_factory(Pool)
        assert factory is not None
        assert factory() is factory()

    @pytest.mark.anyio
    async def test_sync_factory_and_resolve_share_a_singleton(self) -> None:
        container = DefaultContainer()
        container.bind(Pool, Pool, singleton=True)
        factory = container.sync_factory(Pool)
        assert factory is not None
        assert factory() is await container.resolve(Pool)

    def test_returns_the_bound_instance(self) -> None:
        container = DefaultContainer()
        clock = Clock()
        container.bind_instance(Clock, clock)
        factory = container.sync_factory(Clock)
        assert factory is not None
        assert factory() is clock

    def test_returns_none_when_the_graph_has_an_async_factory(self) -> None:
        container = DefaultContainer()
        container.bind(Connection, open_connection)
        assert container.sync_factory(UsesConnection) is None

    def test_raises_for_an_unbuildable_type(self) -> None:
        with pytest.raises(DependencyResolutionError, match="OrderRepository"):
            DefaultContainer().sync_factory(UnboundRepoHandler)

    def test_plans_once_per_type(self) -> None:
        container = DefaultContainer()
        container.bind(OrderRepository, MemoryOrderRepository)
        assert container.sync_factory(OrderHandler) is container.sync_factory(OrderHandler)


class TestErrors:
    @pytest.mark.anyio
    async def test_unbound_protocol_parameter_names_the_fix(self) -> None:
        with pytest.raises(DependencyResolutionError) as info:
            await DefaultContainer().resolve(UnboundRepoHandler)
        assert str(info.value) == (
            "cannot build UnboundRepoHandler: parameter 'repo' of UnboundRepoHandler.__init__ "
            "is annotated OrderRepository, a Protocol with no binding; call "
            "container.bind(OrderRepository, <implementation>) (dependency chain: "
            "UnboundRepoHandler -> OrderRepository)"
        )

    @pytest.mark.anyio
    async def test_error_names_the_whole_chain(self) -> None:
        with pytest.raises(DependencyResolutionError, match=r"NestedUnboundHandler ->") as info:
            await DefaultContainer().resolve(NestedUnboundHandler)
        assert str(info.value).startswith("cannot build NestedUnboundHandler:")
        assert "UnboundRepoHandler -> OrderRepository" in str(info.value)

    @pytest.mark.anyio
    async def test_error_is_a_lookup_error(self) -> None:
        with pytest.raises(LookupError):
            await DefaultContainer().resolve(UnboundRepoHandler)

    @pytest.mark.anyio
    async def test_unbound_abstract_class(self) -> None:
        with pytest.raises(DependencyResolutionError, match="Notifier, an abstract class"):
            await DefaultContainer().resolve(NeedsNotifier)

    @pytest.mark.anyio
    async def test_resolving_an_unbound_protocol_directly(self) -> None:
        with pytest.raises(DependencyResolutionError, match="OrderRepository is a Protocol"):
            await DefaultContainer().resolve(OrderRepository)  # type: ignore[type-abstract]

    @pytest.mark.anyio
    async def test_parameter_without_annotation_or_default(self) -> None:
        with pytest.raises(DependencyResolutionError, match=r"'thing' of Untyped\.__init__ has no"):
            await DefaultContainer().resolve(Untyped)

    @pytest.mark.anyio
    async def test_unbound_builtin_parameter(self) -> None:
        with pytest.raises(DependencyResolutionError, match="annotated str, a builtin type"):
            await DefaultContainer().resolve(NeedsName)

    @pytest.mark.anyio
    async def test_non_class_annotation_without_default(self) -> None:
        with pytest.raises(DependencyResolutionError, match="not a class the container can build"):
            await DefaultContainer().resolve(NeedsList)

    @pytest.mark.anyio
    async def test_cycle_is_reported(self) -> None:
        with pytest.raises(DependencyResolutionError, match="cycle CycleA -> CycleB -> CycleA"):
            await DefaultContainer().resolve(CycleA)

    @pytest.mark.anyio
    async def test_cycle_through_a_factory_binding_is_reported(self) -> None:
        def make_clock(handler: UsesConnection) -> Clock:
            return Clock()

        container = DefaultContainer()
        container.bind(Connection, open_connection)
        container.bind(Clock, make_clock)
        with pytest.raises(DependencyResolutionError, match="cycle UsesConnection -> Connection"):
            await container.resolve(UsesConnection)


class TestRebinding:
    def test_binding_a_planned_type_is_an_error(self) -> None:
        container = DefaultContainer()
        container.bind(OrderRepository, MemoryOrderRepository)
        container.sync_factory(OrderHandler)
        with pytest.raises(BindingError, match="already planned how to build OrderHandler"):
            container.bind(OrderRepository, OtherOrderRepository)

    def test_binding_a_type_whose_default_was_used_is_an_error(self) -> None:
        container = DefaultContainer()
        container.sync_factory(WithDefaults)
        with pytest.raises(BindingError, match="using int"):
            container.bind_instance(int, 5)

    @pytest.mark.anyio
    async def test_binding_an_unrelated_type_after_planning_is_allowed(self) -> None:
        container = DefaultContainer()
        container.sync_factory(Clock)
        container.bind(OrderRepository, MemoryOrderRepository)
        assert isinstance((await container.resolve(UnboundRepoHandler)).repo, MemoryOrderRepository)

    @pytest.mark.anyio
    async def test_a_failed_plan_does_not_block_binding(self) -> None:
        container = DefaultContainer()
        with pytest.raises(DependencyResolutionError):
            await container.resolve(NestedUnboundHandler)
        container.bind(OrderRepository, MemoryOrderRepository)
        built = await container.resolve(NestedUnboundHandler)
        assert isinstance(built.inner.repo, MemoryOrderRepository)
