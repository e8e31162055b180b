"""`SagaMediator`: runs the saga bound to a context's type and streams its step results."""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, TypeVar

from cqrs.container.protocol import Container
from cqrs.middlewares.base import MiddlewareChain
from cqrs.saga.compensation import CompensationPolicy
from cqrs.saga.engine import Emit, SagaEngine, SagaRun
from cqrs.saga.exceptions import SagaError
from cqrs.saga.models import SagaContext, SagaStatus
from cqrs.saga.saga import Saga, plan_of
from cqrs.saga.step import SagaStepResult
from cqrs.saga.storage.protocol import ISagaStorage

__all__ = ["SagaMediator"]

ContextT = TypeVar("ContextT", bound=SagaContext)


class SagaMediator:
    """Runs sagas: `async for result in mediator.stream(context, saga_id=...)`.

    Built by `cqrs.saga.bootstrap.bootstrap`, which plans every bound saga once.
    Middlewares wrap each run like `StreamingRequestMediator.stream`: they are
    called as `middleware.stream(context, handle)`.
    """

    __slots__ = ("_chain", "_engines", "_routes", "_wrapped")

    def __init__(
        self,
        bindings: Mapping[type, tuple[type[Saga[Any]], ...]],
        container: Container,
        storage: ISagaStorage,
        emit: Emit,
        policy: CompensationPolicy,
        middlewares: Sequence[Any] = (),
    ) -> None:
        chain = MiddlewareChain(middlewares)
        chain.check_stream()
        self._chain = chain
        self._wrapped = bool(chain)
        self._engines: dict[type, SagaEngine] = {}
        self._routes: dict[type, tuple[SagaEngine, ...]] = {}
        for context_type, sagas in bindings.items():
            engines = []
            for saga_type in sagas:
                engine = self._engines.get(saga_type)
                if engine is None:
                    engine = SagaEngine(plan_of(saga_type), container, storage, emit, policy)
                    self._engines[saga_type] = engine
                engines.append(engine)
            self._routes[context_type] = tuple(engines)

    def stream(
        self,
        context: ContextT,
        saga_id: uuid.UUID | None = None,
        *,
        saga: type[Saga[Any]] | None = None,
    ) -> AsyncIterator[SagaStepResult[ContextT, Any]]:
        """Run the saga for `context`, yielding each step's result once it is complete.

        Called without `await`; the saga runs as the consumer iterates. Each
        result is yielded after its step was logged, the context persisted and
        the step's events processed. A failing step compensates the completed
        steps and its error is raised from the iteration. `saga_id` defaults to a
        new UUID (it is on every result); passing the id of a stored saga
        continues it (a COMPLETED one yields nothing and does not act again).
        `saga` picks one saga when the context type is bound to several.

        A consumer that stops iterating (`break`, an exception, cancellation)
        leaves the saga RUNNING, logged up to its last completed step, for
        `recover_saga` to finish; nothing is compensated then.
        """
        engines = self._routes.get(context.__class__)
        if engines is not None and saga is None and len(engines) == 1:
            engine = engines[0]
        else:
            engine = self._engine_for(context, saga)
        if saga_id is None:
            saga_id = uuid.uuid4()
        if not self._wrapped:
            return SagaRun(engine, saga_id, context, None, 0)
        # The saga id is per call, so the chain is composed around this call's handle.
        handle = functools.partial(engine.run, saga_id=saga_id)
        return self._chain.wrap_stream(handle)(context)

    #: python-cqrs 5 name of `stream`.
    execute = stream

    async def recover(self, saga_id: uuid.UUID, saga: type[Saga[Any]]) -> SagaStatus:
        """Resume the stored saga `saga_id` of class `saga`; return its final status.

        The context is rebuilt from storage with the context type bound to
        `saga`. Same rules as `cqrs.saga.recovery.recover_saga`.
        """
        engine = self._engines.get(saga)
        context_type: Any = next(
            (ctx for ctx, engines in self._routes.items() if engine in engines), None
        )
        if engine is None or context_type is None:
            raise SagaError(
                f"{getattr(saga, '__qualname__', saga)!r} is not bound in this mediator; bind it "
                "in sagas_mapper, or use cqrs.saga.recovery.recover_saga"
            )
        _, data, _ = await engine.storage.load_saga_state(saga_id)
        return await engine.resume(saga_id, context_type.from_dict(**data))

    def _engine_for(self, context: Any, saga: type[Saga[Any]] | None) -> SagaEngine:
        engines = self._routes.get(context.__class__)
        if engines is None:
            raise SagaError(
                f"no saga is bound for {type(context).__qualname__} in this SagaMediator; bind "
                f"one in sagas_mapper: mapper.bind({type(context).__qualname__}, YourSaga)"
            )
        if saga is None:
            if len(engines) == 1:
                return engines[0]
            names = ", ".join(e.plan.saga_type.__qualname__ for e in engines)
            raise SagaError(
                f"{type(context).__qualname__} is bound to several sagas ({names}); name the "
                "one to run: mediator.stream(context, saga=TheSaga)"
            )
        for engine in engines:
            if engine.plan.saga_type is saga:
                return engine
        raise SagaError(
            f"{getattr(saga, '__qualname__', saga)!r} is not bound to "
            f"{type(context).__qualname__} in this SagaMediator; bind it in sagas_mapper"
        )
