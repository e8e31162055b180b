"""`SagaMap`: which saga runs for which context type."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from cqrs.exceptions import BindingError
from cqrs.saga.models import SagaContext
from cqrs.saga.saga import Saga, plan_of

__all__ = ["SagaMap"]


class SagaMap(Mapping[type, tuple[type[Saga[Any]], ...]]):
    """Registry of saga context type → saga classes, in bind order.

    A context type is usually bound to one saga; when it is bound to several,
    `SagaMediator.stream(context, saga=...)` names the one to run. Each saga
    definition is checked when it is bound (a bad step list is a `BindingError`).
    """

    def __init__(self) -> None:
        self._registry: dict[type, list[type[Saga[Any]]]] = {}
        self._frozen = False

    def bind(self, context_type: type[Any], saga_type: type[Saga[Any]]) -> None:
        """Run `saga_type` for contexts of exactly `context_type`."""
        if self._frozen:
            raise BindingError(
                f"cannot bind {context_type!r}: this map was frozen by bootstrap; bind "
                "every saga inside the sagas_mapper function"
            )
        if not (isinstance(context_type, type) and issubclass(context_type, SagaContext)):
            raise BindingError(
                f"SagaMap.bind needs a SagaContext subclass first, got {context_type!r}"
            )
        if not (isinstance(saga_type, type) and issubclass(saga_type, Saga)):
            raise BindingError(
                f"SagaMap.bind({context_type.__qualname__}, ...) needs a Saga subclass, got "
                f"{saga_type!r}"
            )
        try:
            plan_of(saga_type)
        except Exception as exc:
            raise BindingError(str(exc)) from exc
        sagas = self._registry.setdefault(context_type, [])
        if saga_type in sagas:
            raise BindingError(
                f"{saga_type.__qualname__} is already bound to {context_type.__qualname__}"
            )
        sagas.append(saga_type)

    def freeze(self) -> Mapping[type, tuple[type[Saga[Any]], ...]]:
        """Refuse further binds and return a read-only view: context type → sagas."""
        self._frozen = True
        return MappingProxyType({key: tuple(value) for key, value in self._registry.items()})

    def __getitem__(self, context_type: type) -> tuple[type[Saga[Any]], ...]:
        return tuple(self._registry[context_type])

    def __iter__(self) -> Iterator[type]:
        return iter(self._registry)

    def __len__(self) -> int:
        return len(self._registry)
