"""Resolving the annotations of data models: field types with type variables bound.

Also the small questions the codecs ask of an annotation (`unwrap`, `accepts_none`).
"""

from __future__ import annotations

import collections.abc as cabc
import dataclasses
import types
import typing
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

__all__ = [
    "LOCALNS_ATTR",
    "UnresolvedAnnotation",
    "accepts_none",
    "field_types",
    "substitute",
    "typevar_map",
    "unwrap",
]

#: Class attribute holding the local names a function-local class's annotations refer to.
LOCALNS_ATTR = "__cqrs_localns__"

_NoneType = type(None)
_UNIONS = (Union, types.UnionType)


def substitute(tp: Any, bindings: cabc.Mapping[Any, Any]) -> Any:
    """Replace the type variables inside `tp` by their bindings (unbound ones stay)."""
    if isinstance(tp, TypeVar):
        return bindings.get(tp, tp)
    if not bindings or get_origin(tp) is None or not getattr(tp, "__parameters__", None):
        return tp  # a class (even a generic one) or an alias without type variables
    if get_origin(tp) in _UNIONS:  # `X | T` cannot always be subscripted; rebuild it
        return Union[tuple(substitute(arg, bindings) for arg in get_args(tp))]  # noqa: UP007
    return tp[tuple(bindings.get(p, p) for p in tp.__parameters__)]


def typevar_map(cls: type, bindings: cabc.Mapping[Any, Any] | None = None) -> dict[Any, Any]:
    """Bind the type variables of `cls`'s bases by walking `__orig_bases__` through the MRO."""
    mapping: dict[Any, Any] = dict(bindings or {})
    for klass in cls.__mro__:  # most derived first, so its bindings feed the bases' ones
        for base in klass.__dict__.get("__orig_bases__", ()):
            params = getattr(get_origin(base), "__parameters__", ())
            args = get_args(base)
            if params and len(params) == len(args):
                for param, arg in zip(params, args, strict=True):
                    mapping.setdefault(param, substitute(arg, mapping))
    return mapping


class UnresolvedAnnotation(TypeError):
    """A field annotation names something that cannot be found (see `_type_hints`)."""


def _type_hints(cls: type) -> dict[str, Any]:
    try:
        return get_type_hints(cls, include_extras=True)
    except NameError:
        pass
    # Fall back on the module globals plus every class of the MRO (a model may refer to
    # itself), its namespace and the local names its defining function lent it.
    localns: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        localns[klass.__name__] = klass
        localns.update(klass.__dict__.get(LOCALNS_ATTR) or {})
        localns.update(vars(klass))
    try:
        return get_type_hints(cls, localns=localns, include_extras=True)
    except NameError as exc:
        raise UnresolvedAnnotation(_unresolved(cls, exc)) from exc


def _unresolved(cls: type, exc: NameError) -> str:
    name = getattr(exc, "name", None) or str(exc)
    message = f"cannot resolve the field types of {cls.__qualname__}: {exc}"
    if "<locals>" in cls.__qualname__:
        function = cls.__qualname__.rpartition(".<locals>.")[0]
        return (
            f"{message}. {cls.__name__} is defined inside {function}(), and a local class "
            f"can only use the local names that exist when its class statement runs: "
            f"define {name} before {cls.__name__} in {function}(), or at module level"
        )
    return f"{message}; define {name} at module level (or import it) in {cls.__module__}"


def field_types(cls: type, bindings: cabc.Mapping[Any, Any] | None = None) -> dict[str, Any]:
    """Resolved annotation of every dataclass field of `cls`, with type variables bound."""
    hints = _type_hints(cls)
    mapping = typevar_map(cls, bindings)
    return {f.name: substitute(hints.get(f.name, Any), mapping) for f in dataclasses.fields(cls)}


def unwrap(tp: Any) -> Any:
    """`tp` without `NewType`, `Annotated` and `Final` wrappers."""
    while True:
        if isinstance(tp, typing.NewType):
            tp = tp.__supertype__
        elif get_origin(tp) in (typing.Annotated, typing.Final):
            tp = get_args(tp)[0]
        else:
            return tp


def accepts_none(tp: Any) -> bool:
    """Whether annotation `tp` admits None (`Any`, `X | None`, `Literal[None]`, a type var)."""
    tp = unwrap(tp)
    if tp is Any or tp is object or tp is None or tp is _NoneType or isinstance(tp, TypeVar):
        return True
    origin = get_origin(tp)
    if origin in _UNIONS:
        return any(accepts_none(arg) for arg in get_args(tp))
    return origin is Literal and None in get_args(tp)
