"""Construction plans for `DefaultContainer`: signature reading and call composition.

Private to `cqrs.container`; the adapters reuse it through `DefaultContainer`.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import types
import typing
from collections.abc import Callable
from typing import Any

from cqrs._introspect import type_name
from cqrs.exceptions import DependencyResolutionError

__all__ = [
    "MISSING",
    "Cell",
    "Plan",
    "async_call",
    "fail",
    "injectable_key",
    "is_async_callable",
    "read_signature",
    "singleton",
    "sync_call",
    "unbuildable",
]

MISSING: Any = object()
_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
_UNION_ORIGINS = (typing.Union, types.UnionType)


class Plan:
    """How to build one type: `fn()` returns the object, or an awaitable when `is_async`."""

    __slots__ = ("fn", "is_async")

    def __init__(self, fn: Callable[[], Any], is_async: bool) -> None:
        self.fn = fn
        self.is_async = is_async


class Cell:
    """Holds one singleton; the lock makes concurrent first builds share one instance."""

    __slots__ = ("lock", "value")

    def __init__(self) -> None:
        self.value: Any = MISSING
        self.lock: asyncio.Lock | None = None


def fail(chain: tuple[Any, ...], what: str, fix: str = "") -> DependencyResolutionError:
    message = f"cannot build {type_name(chain[0])}: {what}"
    if fix:
        message += f"; {fix}"
    if len(chain) > 1:
        message += f" (dependency chain: {' -> '.join(type_name(t) for t in chain)})"
    return DependencyResolutionError(message)


def unbuildable(cls: type) -> str | None:
    if getattr(cls, "_is_protocol", False):
        return "a Protocol"
    if inspect.isabstract(cls):
        return "an abstract class"
    if cls.__module__ == "builtins":
        return "a builtin type"
    return None


def injectable_key(hint: Any) -> type | None:
    """The class to inject for an annotation (`X | None` counts as `X`), else None."""
    if typing.get_origin(hint) in _UNION_ORIGINS:
        members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return injectable_key(members[0]) if len(members) == 1 else None
    if isinstance(hint, type) and not isinstance(hint, types.GenericAlias):
        return hint
    return None


def read_signature(
    fn: Callable[..., Any], owner: str, chain: tuple[Any, ...]
) -> tuple[list[inspect.Parameter], dict[str, Any]]:
    is_class = inspect.isclass(fn)
    target: Any = fn.__init__ if is_class else fn
    if is_class and (target is object.__init__ or isinstance(target, types.WrapperDescriptorType)):
        return [], {}  # no Python-level __init__: nothing to inject
    hint_source = target
    while isinstance(hint_source, functools.partial):
        hint_source = hint_source.func
    if not (inspect.isfunction(hint_source) or inspect.ismethod(hint_source)):
        hint_source = type(hint_source).__call__
    try:
        parameters = list(inspect.signature(target).parameters.values())
        hints = typing.get_type_hints(hint_source)
    except (NameError, TypeError, ValueError) as exc:
        raise fail(
            chain,
            f"cannot read the signature or annotations of {owner} ({exc})",
            "import every annotated type at module level (not only under TYPE_CHECKING)",
        ) from exc
    if is_class:
        parameters = parameters[1:]
    return [p for p in parameters if p.kind not in _VARIADIC], hints


def is_async_callable(fn: Any) -> bool:
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        getattr(fn, "__call__", None)  # noqa: B004 - an object whose __call__ is async
    )


def sync_call(
    fn: Callable[..., Any], positional: list[Plan], keyword: list[tuple[str, Plan]]
) -> Callable[[], Any]:
    """A closure calling `fn` with every dependency built; specialised for common arities."""
    args = tuple(plan.fn for plan in positional)
    if not keyword:
        if not args:
            return fn
        if len(args) == 1:
            (a,) = args
            return lambda: fn(a())
        if len(args) == 2:
            a, b = args
            return lambda: fn(a(), b())
        if len(args) == 3:
            a, b, c = args
            return lambda: fn(a(), b(), c())
    kwargs = tuple((name, plan.fn) for name, plan in keyword)

    def call() -> Any:
        return fn(*[f() for f in args], **{name: f() for name, f in kwargs})

    return call


def async_call(
    fn: Callable[..., Any],
    positional: list[Plan],
    keyword: list[tuple[str, Plan]],
    awaits_result: bool,
) -> Callable[[], Any]:
    args = tuple(positional)
    kwargs = tuple(keyword)

    async def call() -> Any:
        arg_values = [await p.fn() if p.is_async else p.fn() for p in args]
        kwarg_values = {name: await p.fn() if p.is_async else p.fn() for name, p in kwargs}
        value = fn(*arg_values, **kwarg_values)
        return await value if awaits_result else value

    return call


def singleton(plan: Plan) -> Plan:
    cell = Cell()
    build = plan.fn
    if not plan.is_async:
        # Building without awaiting cannot interleave with other tasks: no lock needed.
        def get() -> Any:
            value = cell.value
            if value is MISSING:
                value = cell.value = build()
            return value

        return Plan(get, False)

    async def get_async() -> Any:
        if cell.value is not MISSING:
            return cell.value
        if cell.lock is None:
            cell.lock = asyncio.Lock()
        async with cell.lock:
            if cell.value is MISSING:
                cell.value = await build()
        return cell.value

    return Plan(get_async, True)
