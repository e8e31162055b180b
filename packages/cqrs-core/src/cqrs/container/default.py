"""The built-in container: constructor injection from type hints, planned once per type.

`DefaultContainer` is what bootstrap uses when no `di_container` is given. It builds
any concrete class by reading the type hints of its `__init__` and building each
parameter the same way, recursively; interfaces (Protocols, abstract classes) and
anything that needs configuration are bound explicitly with `bind` / `bind_instance`.

Construction is planned once per type and the plan is cached; when no step of a plan
awaits, `sync_factory` hands out a plain zero-argument callable (the class itself for a
class without dependencies) that mediators call on every dispatch.

Rebinding policy: plans are final. Binding an interface is allowed until a plan has
looked it up; afterwards `bind` raises `BindingError` naming the plan that used it,
because callables already returned by `sync_factory` could not see the change. Bind
everything before bootstrap, or build a new container (e.g. one per test).
"""

from __future__ import annotations

import inspect
import itertools
import typing
from collections.abc import Callable
from typing import Any

from cqrs._introspect import type_name
from cqrs.container._planning import (
    MISSING,
    Plan,
    async_call,
    fail,
    injectable_key,
    is_async_callable,
    read_signature,
    singleton,
    sync_call,
    unbuildable,
)
from cqrs.container._scope import scoped_plan
from cqrs.exceptions import BindingError, DependencyResolutionError

__all__ = ["DefaultContainer"]

T = typing.TypeVar("T")


class _Binding:
    __slots__ = ("instance", "scoped", "singleton", "target")

    def __init__(
        self, target: Any, *, singleton: bool = False, instance: bool = False, scoped: bool = False
    ) -> None:
        self.target = target
        self.singleton = singleton
        self.instance = instance
        self.scoped = scoped


class DefaultContainer:
    """Dependency-free container: constructor injection from `__init__` type hints.

    Unbound concrete classes are built transiently by injection; `bind` maps an
    interface to a class or a (sync or async) factory function, optionally as a
    singleton; `bind_instance` maps it to a ready object. See the module docstring
    for the rebinding policy.
    """

    def __init__(self) -> None:
        self._bindings: dict[type, _Binding] = {}
        self._plans: dict[Any, Plan] = {}
        self._consulted: dict[type, type] = {}  # type looked up by a plan -> root of that plan
        self._scoped_users: set[Any] = set()  # types whose plan builds a scoped binding

    def bind(
        self,
        interface: type[Any],
        implementation: Callable[..., Any],
        *,
        singleton: bool = False,
        scoped: bool = False,
    ) -> None:
        """Build `interface` with `implementation`.

        A class is built by constructor injection; any other callable (a function,
        an `async def`, a callable object) is called with its own parameters
        injected. With `singleton=True` the first object built is reused; with
        `scoped=True` one object per dispatch (send, stream or event handler run), closed
        when it ends: an async context manager is exited, else its `aclose()` awaited.
        """
        self._check_interface(interface)
        if singleton and scoped:
            raise BindingError(
                f"cannot bind {type_name(interface)} with both singleton=True and scoped=True: "
                "choose one object for the process or one per dispatch"
            )
        if not callable(implementation):
            raise BindingError(
                f"cannot bind {type_name(interface)} to {implementation!r}: it is not callable; "
                f"use container.bind_instance({type_name(interface)}, obj) for a ready object"
            )
        if inspect.isclass(implementation) and unbuildable(implementation):
            raise BindingError(
                f"cannot bind {type_name(interface)} to {type_name(implementation)}: it is "
                f"{unbuildable(implementation)}; bind a concrete implementation"
            )
        if inspect.isgeneratorfunction(implementation) or inspect.isasyncgenfunction(
            implementation
        ):
            raise BindingError(
                f"cannot bind {type_name(interface)} to generator function "
                f"{type_name(implementation)}: DefaultContainer does not run generator cleanup; "
                "return the object, or an async context manager bound with scoped=True"
            )
        self._bindings[interface] = _Binding(implementation, singleton=singleton, scoped=scoped)

    def bind_instance(self, interface: type[Any], obj: object) -> None:
        """Answer `interface` with `obj` itself on every resolve."""
        self._check_interface(interface)
        self._bindings[interface] = _Binding(obj, instance=True)

    async def resolve(self, type_: type[T], /) -> T:
        """Build (or return the singleton of) `type_`, awaiting async factories if any."""
        plan = self._plans.get(type_)
        if plan is None:
            plan = self._plan_root(type_)
        if plan.is_async:
            built: T = await plan.fn()
            return built
        result: T = plan.fn()
        return result

    def sync_factory(self, type_: type[T], /) -> Callable[[], T] | None:
        """A zero-argument callable building `type_`, or None if its graph awaits.

        Raises `DependencyResolutionError` when `type_` cannot be built at all, so
        wiring errors surface at bootstrap rather than on the first request.
        """
        plan = self._plans.get(type_)
        if plan is None:
            plan = self._plan_root(type_)
        return None if plan.is_async else plan.fn

    def uses_scope(self, type_: type, /) -> bool:
        """Whether building `type_` builds a scoped binding (so it needs a dispatch scope)."""
        if type_ not in self._plans:
            self._plan_root(type_)
        return type_ in self._scoped_users

    # -- hooks for adapters (see cqrs.container.dependency_injector) -----------------

    def _external(self, key: type) -> Plan | None:
        """The plan of an outside provider for an unbound `key`; None if there is none."""
        return None

    def _unbound_fix(self, name: str) -> str:
        return f"call container.bind({name}, <implementation>)"

    # -- planning ---------------------------------------------------------------------

    def _check_interface(self, interface: object) -> None:
        if not isinstance(interface, type):
            raise BindingError(f"cannot bind {interface!r}: the interface must be a class")
        root = self._consulted.get(interface)
        if root is not None:
            raise BindingError(
                f"cannot bind {type_name(interface)}: the container already planned how to "
                f"build {type_name(root)} using {type_name(interface)}, and plans are final; bind "
                "everything before the first resolve()/sync_factory() (i.e. before bootstrap), "
                "or use a new DefaultContainer"
            )

    def _plan_root(self, key: Any) -> Plan:
        # A failed plan must leave nothing behind: no half-cached plans, no lookups
        # that would forbid binding the very type whose absence made it fail.
        plans, consulted, scoped = dict(self._plans), dict(self._consulted), set(self._scoped_users)
        try:
            return self._plan_key(key, (), None)
        except BaseException:
            self._plans, self._consulted, self._scoped_users = plans, consulted, scoped
            raise

    def _plan_key(self, key: Any, chain: tuple[Any, ...], via: str | None) -> Plan:
        plan = self._plans.get(key)
        if plan is not None:
            if key in self._scoped_users:
                self._scoped_users.update(chain)
            return plan
        if key in chain:
            cycle = " -> ".join(type_name(t) for t in (*chain[chain.index(key) :], key))
            raise fail(
                (*chain, key),
                f"dependency cycle {cycle}",
                "break it by binding one of these types to a factory or an instance",
            )
        chain = (*chain, key)
        if not isinstance(key, type):
            raise fail(chain, f"{type_name(key)} is not a class", "resolve a class")
        self._consulted.setdefault(key, chain[0])
        binding = self._bindings.get(key)
        if binding is not None:
            plan = self._plan_binding(binding, chain)
        else:
            external = self._lookup_external(key, chain)
            if external is not None:
                plan = external
            else:
                reason = unbuildable(key)
                if reason:
                    subject = f"{via}, {reason}" if via else f"{type_name(key)} is {reason}"
                    raise fail(
                        chain, f"{subject} with no binding", self._unbound_fix(type_name(key))
                    )
                plan = self._plan_call(key, chain)
        self._plans[key] = plan
        return plan

    def _lookup_external(self, key: type, chain: tuple[Any, ...]) -> Plan | None:
        try:
            return self._external(key)
        except DependencyResolutionError as exc:
            raise fail(chain, str(exc)) from exc

    def _plan_binding(self, binding: _Binding, chain: tuple[Any, ...]) -> Plan:
        if binding.instance:
            return Plan(itertools.repeat(binding.target).__next__, False)
        plan = self._plan_call(binding.target, chain)
        if binding.scoped:
            self._scoped_users.update(chain)
            return scoped_plan(plan, chain[-1])
        return singleton(plan) if binding.singleton else plan

    def _plan_call(self, fn: Callable[..., Any], chain: tuple[Any, ...]) -> Plan:
        owner = f"{type_name(fn)}.__init__" if inspect.isclass(fn) else f"{type_name(fn)}()"
        params, hints = read_signature(fn, owner, chain)
        positional: list[Plan] = []
        keyword: list[tuple[str, Plan]] = []
        gap_fillers: list[Plan] = []  # defaults passed explicitly before a later positional-only
        positional_ok = True
        for param in params:
            dep = self._plan_param(param, hints.get(param.name, MISSING), owner, chain)
            if dep is None:
                if param.kind is inspect.Parameter.POSITIONAL_ONLY:
                    gap_fillers.append(Plan(itertools.repeat(param.default).__next__, False))
                else:
                    positional_ok = False
            elif param.kind is inspect.Parameter.POSITIONAL_ONLY or (
                positional_ok and param.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
            ):
                positional += gap_fillers
                gap_fillers.clear()
                positional.append(dep)
            else:
                keyword.append((param.name, dep))
        awaits_result = not inspect.isclass(fn) and is_async_callable(fn)
        deps = [*positional, *(plan for _, plan in keyword)]
        if awaits_result or any(dep.is_async for dep in deps):
            return Plan(async_call(fn, positional, keyword, awaits_result), True)
        return Plan(sync_call(fn, positional, keyword), False)

    def _plan_param(
        self, param: inspect.Parameter, hint: Any, owner: str, chain: tuple[Any, ...]
    ) -> Plan | None:
        """The plan for one parameter, or None to let Python use its default."""
        has_default = param.default is not inspect.Parameter.empty
        if hint is MISSING:
            if has_default:
                return None
            raise fail(
                chain,
                f"parameter {param.name!r} of {owner} has no type annotation and no default",
                "annotate it with the type to inject, or give it a default",
            )
        via = f"parameter {param.name!r} of {owner} is annotated {type_name(hint)}"
        key = injectable_key(hint)
        if key is None:
            if has_default:
                return None
            raise fail(
                chain,
                f"{via}, which is not a class the container can build",
                "annotate it with a class, or give it a default",
            )
        if has_default:
            self._consulted.setdefault(key, chain[0])
            if key not in self._bindings and self._lookup_external(key, chain) is None:
                return None
        return self._plan_key(key, chain, via)
