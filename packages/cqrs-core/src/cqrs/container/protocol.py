"""The container protocol: how cqrs obtains handlers and their dependencies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar, runtime_checkable

__all__ = ["Container", "SupportsSyncFactory"]

T = TypeVar("T")


@runtime_checkable
class Container(Protocol):
    """Anything that can build an instance of a type, asynchronously.

    Mediators call `resolve(HandlerType)` for every dispatch unless the container
    also implements `SupportsSyncFactory` and returns a factory for that type.
    """

    async def resolve(self, type_: type[T], /) -> T:
        """Return an instance of `type_` (new or shared, as the container decides)."""
        ...


@runtime_checkable
class SupportsSyncFactory(Protocol):
    """Optional fast path: a container that can plan construction ahead of time.

    Bootstrap asks once per handler type; a returned zero-argument callable is
    then called on every dispatch instead of awaiting `resolve`. Returning
    `None` means "use `resolve`" (e.g. the type needs async factories).
    """

    def sync_factory(self, type_: type[T], /) -> Callable[[], T] | None:
        """Return a callable that builds `type_` without awaiting, or None."""
        ...
