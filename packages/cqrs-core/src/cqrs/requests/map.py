"""`RequestMap`: which handler answers which request type."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, overload

from cqrs._binding import handler_to_bind
from cqrs._introspect import declared_types, handler_kind, type_name
from cqrs.exceptions import BindingError
from cqrs.requests.cor_request_handler import CORRequestHandler
from cqrs.requests.fallback import RequestHandlerFallback

__all__ = ["HandlerArgument", "HandlerBinding", "RequestMap"]

#: A handler class, a chain of `CORRequestHandler` classes, or a fallback pair.
HandlerBinding = type | tuple[type, ...] | RequestHandlerFallback
#: What `bind` accepts: a handler class, a list of chain links, or a fallback.
HandlerArgument = type | Sequence[type] | RequestHandlerFallback


class RequestMap(Mapping[type, HandlerBinding]):
    """Registry of request type → handler, filled by the mappers given to bootstrap.

    Routing is by exact type: a subclass of a bound request is not routed to
    its parent's handler. Binding a type twice is a `BindingError`.
    """

    def __init__(self) -> None:
        self._registry: dict[type, HandlerBinding] = {}
        self._frozen = False

    @overload
    def bind(self, request_type: type, handler: HandlerArgument) -> None: ...

    @overload
    def bind(self, request_type: type, *, handler_type: HandlerArgument) -> None: ...

    def bind(
        self,
        request_type: type,
        handler: HandlerArgument | None = None,
        *,
        handler_type: HandlerArgument | None = None,
    ) -> None:
        """Bind a request type to a handler class, a CoR chain (list) or a fallback.

        The handler may also be passed as `handler_type=` (python-cqrs's keyword).
        """
        chosen = handler_to_bind(request_type, "a request", self._frozen, handler, handler_type)
        if request_type in self._registry:
            raise BindingError(
                f"{type_name(request_type)} is already bound to "
                f"{_describe(self._registry[request_type])}; a request type has one handler "
                "(use a list for a chain of responsibility)"
            )
        self._registry[request_type] = _validated(request_type, chosen)

    def freeze(self) -> Mapping[type, HandlerBinding]:
        """Refuse further binds and return a read-only view of the registry."""
        self._frozen = True
        return MappingProxyType(self._registry)

    @property
    def registry(self) -> Mapping[type, HandlerBinding]:
        """A read-only view of the bindings."""
        return MappingProxyType(self._registry)

    def __getitem__(self, request_type: type) -> HandlerBinding:
        return self._registry[request_type]

    def __iter__(self) -> Iterator[type]:
        return iter(self._registry)

    def __len__(self) -> int:
        return len(self._registry)


def _validated(request_type: type, handler: Any) -> HandlerBinding:
    if isinstance(handler, RequestHandlerFallback):
        for member in (handler.primary, handler.fallback):
            _check_request_type(request_type, member)
        return handler
    if isinstance(handler, (list, tuple)):
        chain = tuple(handler)
        if not chain:
            raise BindingError(f"{type_name(request_type)} is bound to an empty chain")
        for link in chain:
            if not (isinstance(link, type) and issubclass(link, CORRequestHandler)):
                raise BindingError(
                    f"chain bound to {type_name(request_type)} contains {link!r}; every link "
                    "of a chain must be a CORRequestHandler subclass"
                )
            _check_request_type(request_type, link)
        return chain
    if not isinstance(handler, type) or handler_kind(handler) is None:
        raise BindingError(
            f"{type_name(request_type)} is bound to {handler!r}, which is not a handler class "
            "(a RequestHandler/StreamingRequestHandler subclass or a class with an async handle)"
        )
    _check_request_type(request_type, handler)
    return handler


def _check_request_type(request_type: type, handler: type) -> None:
    declared = declared_types(handler)
    expected = declared[0] if declared else None
    if isinstance(expected, type) and not issubclass(request_type, expected):
        raise BindingError(
            f"{type_name(handler)} handles {type_name(expected)}, "
            f"but it was bound to {type_name(request_type)}"
        )


def _describe(binding: HandlerBinding) -> str:
    if isinstance(binding, tuple):
        return "[" + ", ".join(type_name(link) for link in binding) + "]"
    if isinstance(binding, RequestHandlerFallback):
        return (
            f"RequestHandlerFallback({type_name(binding.primary)}, {type_name(binding.fallback)})"
        )
    return type_name(binding)
