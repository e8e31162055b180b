"""Adapter for `di` containers (adriangb/di; `pip install cqrs-core[di]`).

`DIContainer(container)` (or `DIContainer()` then `attach_external_container(container)`,
as in python-cqrs) answers `resolve(T)` by solving `Dependent(T, scope="request")`
against the wrapped `di.Container` (once per type; the solved graph is cached) and
executing it. `di` wires constructors from type hints itself, so handler classes need
no binding; interfaces are bound as usual:
`container.bind(di.bind_by_type(Dependent(Impl, scope="request"), Interface))`.

Scopes: two are known, `"app"` and `"request"`. The app scope is entered on the first
resolve and lasts until `aclose()`, so `scope="app"` dependencies are built once and
shared. Each resolve runs in a fresh request scope, so `scope="request"` dependencies
are new per resolve (and shared within it). A dependency with no scope is treated as
`"request"`. The request scope ends when `resolve` returns: teardown code after a
`yield` in a generator dependency runs then, before the handler is used.
"""

from __future__ import annotations

import inspect
import typing
from typing import Any

from cqrs.exceptions import ConfigurationError, DependencyResolutionError

__all__ = ["DIContainer"]

T = typing.TypeVar("T")

APP_SCOPE = "app"
REQUEST_SCOPE = "request"
_SCOPES = (APP_SCOPE, REQUEST_SCOPE)


class DIContainer:
    """`Container` backed by a `di.Container`."""

    def __init__(self, container: Any = None) -> None:
        """Wrap `container`, a `di.Container` with the application's binds.

        Without it, call `attach_external_container(container)` before the first resolve
        (the python-cqrs way: `DIContainer()` then `attach_external_container`).
        """
        from di.dependent import Dependent  # noqa: PLC0415 - optional dependency
        from di.exceptions import DependencyInjectionException  # noqa: PLC0415

        self._container: Any = None
        self._dependent = Dependent
        self._di_error: type[Exception] = DependencyInjectionException
        self._solved: dict[type, Any] = {}
        self._executor = _SequentialExecutor()
        self._app_context: Any = None
        self._app_state: Any = None
        if container is not None:
            self.attach_external_container(container)

    @property
    def external_container(self) -> Any:
        """The wrapped `di.Container`; `ConfigurationError` if none is attached yet."""
        if self._container is None:
            raise _not_attached("external_container")
        return self._container

    @property
    def container(self) -> Any:
        """The wrapped `di.Container` (same as `external_container`)."""
        return self.external_container

    def attach_external_container(self, container: Any) -> None:
        """Wrap `container` (a `di.Container`), replacing the one attached before.

        Solved graphs are forgotten. Attach before bootstrap and before the first resolve:
        the app scope already entered (if any) keeps the objects it built until `aclose()`.
        """
        if container is None or isinstance(container, type):
            raise ConfigurationError(
                f"DIContainer.attach_external_container() needs a di.Container instance, got "
                f"{container!r}; pass di.Container()"
            )
        self._container = container
        self._solved = {}

    async def resolve(self, type_: type[T], /) -> T:
        """Build `type_` in a new request scope, inside the long-lived app scope."""
        solved = self._solved.get(type_)
        if solved is None:
            solved = self._solve(type_)
        state = self._app_state
        if state is None:
            state = await self._enter_app_scope()
        try:
            async with state.enter_scope(REQUEST_SCOPE) as request_state:
                result: T = await solved.execute_async(self._executor, request_state)
        except self._di_error as exc:
            raise DependencyResolutionError(
                f"cannot build {type_.__qualname__}: di failed while executing its graph: {exc}"
            ) from exc
        return result

    async def aclose(self) -> None:
        """Leave the app scope: runs the teardown of app-scoped generator dependencies.

        A later `resolve` enters a new app scope (and builds app-scoped objects anew).
        """
        context, self._app_context, self._app_state = self._app_context, None, None
        if context is not None:
            await context.__aexit__(None, None, None)

    async def _enter_app_scope(self) -> Any:
        context = self._container.enter_scope(APP_SCOPE)
        state = await context.__aenter__()
        if self._app_state is not None:  # another task entered it while we awaited
            await context.__aexit__(None, None, None)
            return self._app_state
        self._app_context, self._app_state = context, state
        return state

    def _solve(self, type_: type[Any]) -> Any:
        if self._container is None:
            raise _not_attached(f"resolve({type_.__qualname__})")
        name = type_.__qualname__
        try:
            solved = self._container.solve(
                self._dependent(type_, scope=REQUEST_SCOPE),
                scopes=_SCOPES,
                scope_resolver=_default_to_request_scope,
            )
        except self._di_error as exc:
            raise DependencyResolutionError(
                f"cannot build {name}: di could not solve its dependency graph: {exc}; "
                f"DIContainer knows the scopes {_SCOPES!r} - use one of them, annotate every "
                "parameter, and bind interfaces with di.bind_by_type"
            ) from exc
        for dependent in solved.dag:
            call = dependent.call
            if inspect.isclass(call) and (
                getattr(call, "_is_protocol", False) or inspect.isabstract(call)
            ):
                kind = "a Protocol" if getattr(call, "_is_protocol", False) else "abstract"
                raise DependencyResolutionError(
                    f"cannot build {name}: it depends on {call.__qualname__}, which is {kind} "
                    f"and has no binding in the di container; call container.bind("
                    f"di.bind_by_type(Dependent(<implementation>, scope='request'), "
                    f"{call.__qualname__}))"
                )
        self._solved[type_] = solved
        return solved


def _not_attached(used: str) -> ConfigurationError:
    return ConfigurationError(
        f"DIContainer.{used} was used before a di container was attached; pass one to the "
        "constructor, DIContainer(di.Container()), or call "
        "attach_external_container(di.Container()) first"
    )


def _default_to_request_scope(dependent: Any, _sub_scopes: Any, _scopes: Any) -> Any:
    """di scope resolver: keep explicit scopes, give unscoped dependencies "request"."""
    return REQUEST_SCOPE if dependent.scope is None else dependent.scope


class _SequentialExecutor:
    """Runs di tasks one after another in dependency order (di's executor protocol).

    Ours instead of `di.executors.AsyncExecutor`, which would import anyio.
    """

    async def execute_async(self, tasks: Any, state: Any) -> None:
        for task in tasks.static_order():
            pending = task.compute(state)
            if pending is not None:
                await pending
