"""Adapter for dependency-injector containers (`pip install cqrs-core[dependency-injector]`).

`DependencyInjectorCQRSContainer(ApplicationContainer())` answers `resolve(T)` with the
provider of the wrapped container that provides `T`; types it does not provide (handler
classes, typically) are built by constructor injection like `DefaultContainer` does,
their parameters answered by the same rules, recursively.

Which provider provides `T`:

- `Factory`, `Singleton` (all flavours), `Callable`, `Coroutine`: the class they build,
  or the return annotation of the function they call;
- `Resource`: the return annotation of its function (`Iterator[X]`, `AsyncIterator[X]`,
  `Generator[X, ...]`... count as `X`) or of `Resource.init`;
- `Object`: the type of its object; `Dependency`: its `instance_of` (unless `object`);
- nested `Container` / `DependenciesContainer` providers are searched too; every other
  provider (`Configuration`, `List`, `Dict`, `Selector`, ...) is not indexed.

An exact match wins; otherwise the unique provider of a subclass of `T`, where for a
Protocol `T` a class counts when it inherits `T` or has every method `T` declares
(structural match; data members cannot be checked on a class). Two candidates are an
error naming both.
A provider's result is awaited when it is awaitable (async providers, async mode).

The type -> provider index is built once, on the first lookup. Overrides
(`provider.override(...)`, `container.override_providers(...)`) need nothing: the index
maps to provider objects, which apply their overrides when called. Providers added
after the first lookup (`set_provider`) are seen only after `refresh()`.
"""

from __future__ import annotations

import collections.abc
import inspect
import typing
from collections.abc import Callable, Iterator
from typing import Any

from cqrs.container.default import DefaultContainer
from cqrs.exceptions import ConfigurationError, DependencyResolutionError

__all__ = ["DependencyInjectorCQRSContainer"]

T = typing.TypeVar("T")

_NOT_PROTOCOL_MEMBERS = frozenset(
    {"__init__", "__subclasshook__", "__init_subclass__", "__class_getitem__", "_abc_impl"}
)
_ITERATOR_ORIGINS = (
    collections.abc.Iterator,
    collections.abc.Iterable,
    collections.abc.Generator,
    collections.abc.AsyncIterator,
    collections.abc.AsyncIterable,
    collections.abc.AsyncGenerator,
)


class DependencyInjectorCQRSContainer:
    """`Container` backed by a dependency-injector container instance."""

    def __init__(self, container: Any) -> None:
        """Wrap `container`, an instance (not the class) of a dependency-injector container."""
        if isinstance(container, type):
            raise ConfigurationError(
                f"DependencyInjectorCQRSContainer needs a container instance, got the class "
                f"{container.__qualname__}; pass {container.__qualname__}()"
            )
        self._container = container
        self._injector = _ProviderBackedContainer(container)

    @property
    def container(self) -> Any:
        """The wrapped dependency-injector container."""
        return self._container

    async def resolve(self, type_: type[T], /) -> T:
        """Call the provider of `type_`, or build `type_` by constructor injection."""
        return await self._injector.resolve(type_)

    def sync_factory(self, type_: type[T], /) -> Callable[[], T] | None:
        """A zero-argument factory when `type_`'s graph calls no provider, else None.

        Provider results may be awaitable, so any graph that calls a provider goes
        through `resolve`; a handler class without dependencies gets the class itself.
        """
        return self._injector.sync_factory(type_)

    def refresh(self) -> None:
        """Forget the provider index and every plan; the next lookup re-reads providers."""
        self._injector = _ProviderBackedContainer(self._container)


class _ProviderBackedContainer(DefaultContainer):
    """`DefaultContainer` whose unbound types come from dependency-injector providers."""

    def __init__(self, container: Any) -> None:
        super().__init__()
        self._source = container
        self._index: dict[type, list[tuple[str, Any]]] | None = None

    def _external(self, key: type) -> Callable[[], Any] | None:
        if self._index is None:
            self._index = _build_index(self._source)
        candidates = self._index.get(key, [])
        if not candidates and key is not object:
            candidates = [
                entry
                for provided, entries in self._index.items()
                if _is_subtype(provided, key)
                for entry in entries
            ]
        if len(candidates) > 1:
            names = ", ".join(
                f"{name} ({type(provider).__name__})" for name, provider in candidates
            )
            raise DependencyResolutionError(
                f"several providers of the dependency-injector container provide "
                f"{key.__qualname__}: {names}; keep one, or annotate the parameter with a type "
                "only one of them provides"
            )
        return candidates[0][1] if candidates else None

    def _unbound_fix(self, name: str) -> str:
        return f"add a provider for {name} to the dependency-injector container"


def _is_subtype(provided: type, key: type) -> bool:
    if provided is key:
        return False
    if key in provided.__mro__:
        return True
    if not getattr(key, "_is_protocol", False):
        return False
    methods = _protocol_methods(key)
    return bool(methods) and all(callable(getattr(provided, name, None)) for name in methods)


def _protocol_methods(protocol: type) -> set[str]:
    """The methods a Protocol declares (data members cannot be checked on a class)."""
    methods: set[str] = set()
    for klass in protocol.__mro__:
        if klass is object or not getattr(klass, "_is_protocol", False):
            continue
        if klass.__module__ == "typing":
            continue
        for name, member in vars(klass).items():
            if callable(member) and name not in _NOT_PROTOCOL_MEMBERS:
                methods.add(name)
    return methods


def _build_index(container: Any) -> dict[type, list[tuple[str, Any]]]:
    index: dict[type, list[tuple[str, Any]]] = {}
    seen: set[int] = set()
    for name, provider in _walk(container, ""):
        if id(provider) in seen:
            continue
        seen.add(id(provider))
        provided = _provided_type(provider)
        if provided is not None:
            index.setdefault(provided, []).append((name, provider))
    return index


def _walk(container: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    from dependency_injector import providers  # noqa: PLC0415 - optional dependency

    for name, provider in container.providers.items():
        path = f"{prefix}{name}"
        if isinstance(provider, providers.Container):
            yield from _walk(provider.container, f"{path}.")
        elif isinstance(provider, providers.DependenciesContainer):
            yield from _walk(provider, f"{path}.")
        else:
            yield path, provider


def _provided_type(provider: Any) -> type | None:
    from dependency_injector import providers, resources  # noqa: PLC0415 - optional dependency

    if isinstance(provider, providers.Dependency):
        instance_of = provider.instance_of
        return None if instance_of is object else _as_class(instance_of)
    if isinstance(provider, providers.Object):
        value = provider.provides
        return None if value is None or isinstance(value, type) else type(value)
    if isinstance(provider, providers.BaseResource):
        factory = provider.provides
        if inspect.isclass(factory) and issubclass(
            factory, (resources.Resource, resources.AsyncResource)
        ):
            factory = factory.init
        return _yielded_type(_return_hint(factory))
    if isinstance(provider, (providers.Factory, providers.BaseSingleton, providers.Callable)):
        factory = provider.provides
        return factory if inspect.isclass(factory) else _as_class(_return_hint(factory))
    return None


def _return_hint(fn: Any) -> Any:
    try:
        return typing.get_type_hints(fn).get("return")
    except Exception:  # unresolvable annotations: the provider is simply not indexed
        return None


def _yielded_type(hint: Any) -> type | None:
    if typing.get_origin(hint) in _ITERATOR_ORIGINS:
        args = typing.get_args(hint)
        return _as_class(args[0]) if args else None
    return _as_class(hint)


def _as_class(hint: Any) -> type | None:
    return hint if inspect.isclass(hint) and typing.get_origin(hint) is None else None
