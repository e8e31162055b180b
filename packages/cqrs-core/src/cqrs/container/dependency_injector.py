"""Adapter for dependency-injector containers (`pip install cqrs-core[dependency-injector]`).

`DependencyInjectorCQRSContainer(ApplicationContainer())` (or, as in python-cqrs,
`DependencyInjectorCQRSContainer()` then `.attach_external_container(...)`) answers
`resolve(T)` with the provider of the wrapped container that provides `T`; types it does
not provide (handler classes, typically) are built by constructor injection like
`DefaultContainer` does, their parameters answered by the same rules, recursively.

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
Each provider is planned once, when a type first needs it: it counts as asynchronous when
dependency-injector's async mode is enabled on it, or, while undefined, when it or any
provider it calls or is overridden by (`traverse()`) is a coroutine function, an async
generator function or an `AsyncResource`. A graph without an asynchronous provider is
handed to the mediators as a plain callable (`sync_factory`); otherwise `resolve` awaits
exactly the asynchronous providers.

The type -> provider index is built once, on the first lookup. Overrides
(`provider.override(...)`, `container.override_providers(...)`) need nothing: the index
maps to provider objects, which apply their overrides when called. Providers added
after the first lookup (`set_provider`), and an override added after planning that
turns a synchronous provider asynchronous (or back), are seen only after `refresh()`.
"""

from __future__ import annotations

import collections.abc
import inspect
import typing
from collections.abc import Callable, Iterator
from typing import Any

from cqrs.container._planning import Plan
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


class DependencyInjectorCQRSContainer(DefaultContainer):
    """`Container` backed by a dependency-injector container instance.

    `DependencyInjectorCQRSContainer(ApplicationContainer())`, or, as in python-cqrs,
    `DependencyInjectorCQRSContainer()` then `attach_external_container(...)` before the
    first resolve. `bind` / `bind_instance` (inherited from `DefaultContainer`) take
    precedence over the providers.
    """

    def __init__(self, container: Any = None) -> None:
        """Wrap `container`, an instance (not the class) of a dependency-injector container."""
        super().__init__()
        self._source: Any = None
        self._index: dict[type, list[tuple[str, Any]]] | None = None
        if container is not None:
            self.attach_external_container(container)

    @property
    def external_container(self) -> Any:
        """The wrapped dependency-injector container; `ConfigurationError` if none yet."""
        if self._source is None:
            raise _not_attached("external_container")
        return self._source

    @property
    def container(self) -> Any:
        """The wrapped dependency-injector container (same as `external_container`)."""
        return self.external_container

    def attach_external_container(self, container: Any) -> None:
        """Wrap `container`, replacing the one attached before (plans are forgotten).

        Attach before bootstrap: factories already handed to mediators keep the providers
        they were planned with.
        """
        if container is None or isinstance(container, type):
            shown = container.__qualname__ if isinstance(container, type) else "None"
            fix = f"pass {shown}()" if isinstance(container, type) else "pass a container"
            raise ConfigurationError(
                f"DependencyInjectorCQRSContainer needs a container instance, got {shown}; {fix}"
            )
        self._source = container
        self.refresh()

    def sync_factory(self, type_: type[T], /) -> Callable[[], T] | None:
        """A zero-argument factory when no provider of `type_`'s graph is asynchronous.

        Whether a provider is asynchronous is decided once, when it is planned (see
        the module docstring); a handler class without dependencies gets the class itself.
        """
        return super().sync_factory(type_)

    def refresh(self) -> None:
        """Forget the provider index and every plan; the next lookup re-reads providers."""
        self._plans = {}
        self._consulted = {}
        self._index = None

    def _external(self, key: type) -> Plan | None:
        if self._index is None:
            if self._source is None:
                raise _not_attached(f"resolve({key.__qualname__})")
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
        if not candidates:
            return None
        provider = candidates[0][1]
        # The provider itself is the plan: calling it is the whole per-call work.
        return Plan(provider, _is_async(provider))

    def _unbound_fix(self, name: str) -> str:
        return f"add a provider for {name} to the dependency-injector container"


def _not_attached(used: str) -> ConfigurationError:
    return ConfigurationError(
        f"DependencyInjectorCQRSContainer.{used} was used before a dependency-injector "
        "container was attached; pass one to the constructor, "
        "DependencyInjectorCQRSContainer(ApplicationContainer()), or call "
        "attach_external_container(ApplicationContainer()) first"
    )


def _is_async(provider: Any) -> bool:
    """Whether calling `provider` returns an awaitable, decided without calling it."""
    if provider.is_async_mode_enabled():
        return True
    if provider.is_async_mode_disabled():
        return False
    # Undefined mode: dependency-injector turns a provider asynchronous when anything it
    # calls (its own callable, an argument's provider, an override) is asynchronous.
    return any(_async_kind(each) for each in (provider, *provider.traverse()))


def _async_kind(provider: Any) -> bool:
    from dependency_injector import resources  # noqa: PLC0415 - optional dependency

    if provider.is_async_mode_enabled():
        return True
    provides = getattr(provider, "provides", None)
    if inspect.isfunction(provides):
        provides = inspect.unwrap(provides)  # Resource keeps a wrapper of its function
    if inspect.isclass(provides) and issubclass(provides, resources.AsyncResource):
        return True
    return inspect.iscoroutinefunction(provides) or inspect.isasyncgenfunction(provides)


def _is_subtype(provided: type, key: type) -> bool:
    # Called only for keys without an exact match, so `provided` is never `key`.
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
