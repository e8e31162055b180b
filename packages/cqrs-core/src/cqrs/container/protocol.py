"""The container protocol: how cqrs obtains handlers and their dependencies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar, runtime_checkable

from cqrs._typing import TypeVar as DefaultedTypeVar

__all__ = ["Container", "SupportsSyncFactory"]

T = TypeVar("T")
# The library container an adapter wraps (`Container[di.Container]`); `Container` alone
# means "any backing", which is what the mediators need.
C_co = DefaultedTypeVar("C_co", covariant=True, default=Any)


@runtime_checkable
class Container(Protocol[C_co]):
    """Anything that can build an instance of a type, asynchronously.

    The parameter names the library container an adapter wraps, as in python-cqrs
    (`class MyContainer(Container[di.Container])`); only `resolve` is required, so the
    built-in container and any object with an `async def resolve` qualify. Adapters
    also offer `external_container` and `attach_external_container(container)`.

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
