"""Turn whatever was passed as `di_container` into a cqrs `Container`."""

from __future__ import annotations

import inspect
import sys
import typing

from cqrs.container.default import DefaultContainer
from cqrs.container.dependency_injector import DependencyInjectorCQRSContainer
from cqrs.container.di import DIContainer
from cqrs.container.protocol import Container
from cqrs.exceptions import BootstrapError

__all__ = ["adapt"]

_ACCEPTED = (
    "None (a new DefaultContainer), an object with an async resolve(type_) method "
    "(e.g. DefaultContainer), a di.Container, or a dependency-injector container instance"
)


def adapt(obj: object) -> Container:
    """Return a `Container` for `obj`.

    - `None` -> a new `DefaultContainer()`;
    - an object with an `async def resolve` (the `Container` protocol) -> `obj` itself;
    - a `di.Container` -> `DIContainer(obj)`;
    - a dependency-injector container instance -> `DependencyInjectorCQRSContainer(obj)`.

    Library types are recognised without importing the libraries: an instance of
    one can only exist if its library is already in `sys.modules`.
    Anything else raises `BootstrapError` naming its type and the accepted kinds.
    """
    if obj is None:
        return DefaultContainer()
    if not isinstance(obj, type) and inspect.iscoroutinefunction(getattr(obj, "resolve", None)):
        return typing.cast(Container, obj)
    di_module = sys.modules.get("di")
    di_container = getattr(di_module, "Container", None)
    if isinstance(di_container, type) and isinstance(obj, di_container):
        return DIContainer(obj)
    containers = sys.modules.get("dependency_injector.containers")
    base = getattr(containers, "Container", None)
    if isinstance(base, type):
        if isinstance(obj, base):
            return DependencyInjectorCQRSContainer(obj)
        if isinstance(obj, type) and issubclass(obj, base):
            raise BootstrapError(
                f"di_container got the dependency-injector container class "
                f"{obj.__qualname__}; pass an instance: {obj.__qualname__}()"
            )
    if isinstance(obj, type):
        raise BootstrapError(
            f"di_container got the class {obj.__module__}.{obj.__qualname__}, not an "
            f"instance; accepted: {_ACCEPTED}"
        )
    kind = type(obj)
    raise BootstrapError(
        f"di_container got {obj!r} of type {kind.__module__}.{kind.__qualname__}, which "
        f"cqrs cannot use as a container; accepted: {_ACCEPTED}"
    )
