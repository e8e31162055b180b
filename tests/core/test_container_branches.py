"""Container behaviours that ordinary wiring rarely reaches (the less common branches)."""

from __future__ import annotations

import asyncio
import functools

import pytest

from cqrs.container.default import DefaultContainer
from cqrs.exceptions import DependencyResolutionError


class Clock:
    pass


class Pool:
    pass


class Cache:
    pass


class Three:
    def __init__(self, clock: Clock, pool: Pool, cache: Cache) -> None:
        self.parts = (clock, pool, cache)


class Mixed:
    def __init__(self, label: str = "mixed", /, *, clock: Clock) -> None:
        self.label = label
        self.clock = clock


class GapBeforePositional:
    def __init__(self, label: str = "gap", clock: Clock | None = None, /) -> None:
        self.label = label
        self.clock = clock


class Unresolvable:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock


Unresolvable.__init__.__annotations__["clock"] = "NotDefinedAnywhere"


class CallableFactory:
    """A callable object: its parameters come from the type hints of `__call__`."""

    def __call__(self, clock: Clock) -> Pool:
        return Pool()


def pool_from(clock: Clock, size: int) -> Pool:
    return Pool()


class TestSyncPlans:
    @pytest.mark.anyio
    async def test_three_dependencies_are_built_in_order(self) -> None:
        three = await DefaultContainer().resolve(Three)

        assert [type(part) for part in three.parts] == [Clock, Pool, Cache]

    @pytest.mark.anyio
    async def test_positional_only_default_then_keyword_only(self) -> None:
        built = await DefaultContainer().resolve(Mixed)

        assert (built.label, type(built.clock)) == ("mixed", Clock)

    @pytest.mark.anyio
    async def test_positional_only_default_before_an_injected_one_is_passed(self) -> None:
        container = DefaultContainer()
        container.bind_instance(Clock, clock := Clock())

        built = await container.resolve(GapBeforePositional)

        assert (built.label, built.clock) == ("gap", clock)

    @pytest.mark.anyio
    async def test_a_partial_factory_is_read_through_to_its_function(self) -> None:
        container = DefaultContainer()
        container.bind(Pool, functools.partial(pool_from, size=3))

        assert type(await container.resolve(Pool)) is Pool

    @pytest.mark.anyio
    async def test_a_callable_object_factory_is_read_from_its_call(self) -> None:
        container = DefaultContainer()
        container.bind(Pool, CallableFactory())

        assert type(await container.resolve(Pool)) is Pool


class TestPlanErrors:
    @pytest.mark.anyio
    async def test_unresolvable_annotation_names_the_fix(self) -> None:
        with pytest.raises(DependencyResolutionError, match="import every annotated type"):
            await DefaultContainer().resolve(Unresolvable)

    @pytest.mark.anyio
    async def test_resolving_a_non_class_names_it(self) -> None:
        with pytest.raises(DependencyResolutionError, match=r"is not a class; resolve a class"):
            await DefaultContainer().resolve(Clock | None)  # type: ignore[arg-type]


class TestAsyncSingleton:
    @pytest.mark.anyio
    async def test_later_resolves_return_the_built_instance(self) -> None:
        built: list[Pool] = []

        async def open_pool() -> Pool:
            built.append(Pool())
            return built[-1]

        container = DefaultContainer()
        container.bind(Pool, open_pool, singleton=True)
        first = await container.resolve(Pool)

        assert await container.resolve(Pool) is first
        assert len(built) == 1

    @pytest.mark.anyio
    async def test_a_waiter_takes_the_instance_the_first_build_made(self) -> None:
        gate = asyncio.Event()
        built: list[Pool] = []

        async def open_pool() -> Pool:
            await gate.wait()
            built.append(Pool())
            return built[-1]

        container = DefaultContainer()
        container.bind(Pool, open_pool, singleton=True)
        first = asyncio.ensure_future(container.resolve(Pool))
        second = asyncio.ensure_future(container.resolve(Pool))
        await asyncio.sleep(0)  # both start: the first holds the lock, the second waits
        gate.set()

        assert await first is await second
        assert len(built) == 1
