"""The checks every `bind` starts with, shared by `RequestMap` and `EventMap`."""

from __future__ import annotations

from typing import TypeVar

from cqrs._introspect import type_name
from cqrs.exceptions import BindingError

__all__ = ["handler_to_bind"]

H = TypeVar("H")


def handler_to_bind(
    key: object, kind: str, frozen: bool, handler: H | None, handler_type: H | None
) -> H:
    """Check a `bind(key, handler)` call and return the handler it binds.

    `handler_type` is python-cqrs's keyword for the handler; exactly one of the
    two is given. `kind` names what `key` must be ("a request", "an event").
    """
    if frozen:
        raise BindingError(
            f"cannot bind {type_name(key)}: this map was frozen by bootstrap; "
            "bind everything inside the mapper functions"
        )
    if not isinstance(key, type):
        raise BindingError(f"bind() needs {kind} class, got {key!r}")
    if handler is not None and handler_type is not None:
        raise BindingError(
            f"bind({type_name(key)}, ...) got both handler={handler!r} and "
            f"handler_type={handler_type!r}; pass one of them (handler_type is "
            "python-cqrs's name for handler)"
        )
    chosen = handler if handler is not None else handler_type
    if chosen is None:
        raise BindingError(
            f"bind({type_name(key)}) got no handler; pass one: "
            f"bind({type_name(key)}, Handler) or bind({type_name(key)}, handler_type=Handler)"
        )
    return chosen
