"""The request scope of `DefaultContainer`: one instance per dispatch, closed when it ends.

`container.bind(AsyncSession, session_factory, scoped=True)` makes a *scoped*
binding. Within one dispatch — a `send`, a `stream`, or one event handler's run —
every resolve of that type returns the same object, created on first use. When the
dispatch ends (returns, raises or is cancelled) the objects it created are closed in
reverse order: an async context manager is entered when created and exited with the
dispatch's exception, anything else with an `aclose()` is closed.

So a handler and the outbox repository it receives share one session, and the
session is closed after the handler (and the events it emitted) ran.

The cost is paid only where it is used: the mediators ask `scope_required()` once,
at bootstrap, and wrap only the routes whose handlers need a scoped binding. The
current scope travels in a `ContextVar`; a handler run in a task of its own (the
concurrent event handlers) gets a scope of its own, so tasks never share a session.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from cqrs._introspect import type_name
from cqrs.container._planning import Plan
from cqrs.exceptions import DependencyResolutionError

__all__ = ["Scope", "scope_required", "scoped_invoke", "scoped_plan", "scoped_stream"]

_current: ContextVar[Scope | None] = ContextVar("cqrs_request_scope", default=None)
_Close = Callable[[BaseException | None], Awaitable[Any]]


class Scope:
    """The objects of scoped bindings created during one dispatch, and how to close them."""

    __slots__ = ("_closers", "_objects")

    def __init__(self) -> None:
        self._objects: dict[Any, Any] = {}
        self._closers: list[_Close] = []

    async def get(self, key: Any, build: Callable[[], Any]) -> Any:
        """The scope's object for `key`, built (and entered) on first use."""
        try:
            return self._objects[key]
        except KeyError:
            pass
        obj = build()
        if inspect.isawaitable(obj):  # an async factory
            obj = await obj
        cls = type(obj)
        if hasattr(cls, "__aenter__") and hasattr(cls, "__aexit__"):
            entered = await obj.__aenter__()
            self._closers.append(
                lambda exc: obj.__aexit__(None if exc is None else type(exc), exc, None)
            )
            obj = entered
        elif callable(getattr(obj, "aclose", None)):
            self._closers.append(lambda exc: obj.aclose())
        self._objects[key] = obj
        return obj

    async def close(self, exc: BaseException | None) -> None:
        """Close every object, newest first; each is closed even if another fails."""
        closers, self._closers = self._closers, []
        self._objects.clear()
        failure: BaseException | None = None
        for close in reversed(closers):
            try:
                await close(exc)
            except Exception as error:
                failure = failure or error
        if failure is not None and exc is None:
            raise failure


def scoped_plan(plan: Plan, key: type) -> Plan:
    """A plan that returns the current scope's object for `key`, built by `plan`."""
    build = plan.fn

    async def get() -> Any:
        scope = _current.get()
        if scope is None:
            raise DependencyResolutionError(
                f"cannot build {type_name(key)}: it is bound with scoped=True and is being "
                "resolved outside a dispatch; resolve it from a handler run by a mediator, or "
                "bind it without scoped=True"
            )
        return await scope.get(key, build)

    return Plan(get, True)


def scope_required(container: object, *handler_types: type) -> bool:
    """Whether building any of `handler_types` uses a scoped binding (asked at bootstrap)."""
    uses_scope = getattr(container, "uses_scope", None)
    return uses_scope is not None and any(uses_scope(t) for t in handler_types)


def scoped_invoke(
    invoke: Callable[[Any], Awaitable[Any]],
) -> Callable[[Any], Awaitable[Any]]:
    """`invoke` run in a new scope, closed when it returns, raises or is cancelled."""

    async def invoke_in_scope(message: Any) -> Any:
        scope = Scope()
        token = _current.set(scope)
        try:
            result = await invoke(message)
        except BaseException as exc:
            _current.reset(token)
            await scope.close(exc)
            raise
        _current.reset(token)
        await scope.close(None)
        return result

    return invoke_in_scope


def scoped_stream(
    invoke: Callable[[Any], AsyncIterator[Any]],
) -> Callable[[Any], AsyncIterator[Any]]:
    """A stream run in a new scope, closed when the stream ends, fails or is closed early."""

    async def stream_in_scope(request: Any) -> AsyncIterator[Any]:
        scope = Scope()
        items = invoke(request)
        error: BaseException | None = None
        try:
            while True:
                # The scope is current only while the handler runs, never in the
                # consumer's code between items.
                token = _current.set(scope)
                try:
                    item = await items.__anext__()
                except StopAsyncIteration:
                    break
                finally:
                    _current.reset(token)
                yield item
        except BaseException as exc:
            error = exc
            raise
        finally:
            closing = getattr(items, "aclose", None)
            if closing is not None:
                with contextlib.suppress(Exception):
                    await closing()
            await scope.close(error)

    return stream_in_scope
