"""Crash recovery: bring an interrupted saga to a final status from its stored state and log."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from cqrs.container.adapt import adapt
from cqrs.events.map import EventMap
from cqrs.events.processor import EventProcessor
from cqrs.message_brokers.protocol import MessageBroker
from cqrs.saga.compensation import CompensationPolicy
from cqrs.saga.engine import SagaEngine
from cqrs.saga.models import SagaStatus
from cqrs.saga.saga import Saga, plan_of
from cqrs.saga.storage.protocol import ISagaStorage

__all__ = ["recover_saga"]


async def recover_saga(
    saga: Saga[Any] | type[Saga[Any]],
    saga_id: uuid.UUID,
    context_builder: Callable[..., Any],
    container: Any,
    storage: ISagaStorage,
    *,
    domain_events_mapper: Callable[[EventMap], None] | None = None,
    message_broker: MessageBroker | None = None,
    compensation_retry_count: int = 3,
    compensation_retry_delay: float = 1.0,
    compensation_retry_backoff: float = 2.0,
) -> SagaStatus:
    """Finish the stored saga `saga_id` and return its final status.

    - RUNNING: the steps after the last one whose `act` completed run now (a step
      that started but has no completion entry runs again, with the same
      idempotency key); a step failure compensates, as in a normal run, and is
      recorded rather than raised.
    - COMPENSATING or FAILED: each completed step that has no successful
      compensation in the log is compensated (with the retry policy), so no step
      is ever compensated twice; the saga ends COMPENSATED or FAILED.
    - COMPLETED or COMPENSATED: nothing to do.

    `context_builder` rebuilds the context from its stored dict (the context
    class: `from_dict(**data)` is used when it has one). `container` is anything
    bootstrap accepts. A saga stored by a different step list raises
    `SagaDefinitionChanged`; an unknown id raises `SagaNotFoundError`.
    """
    policy = CompensationPolicy(
        compensation_retry_count, compensation_retry_delay, compensation_retry_backoff
    )
    adapted = adapt(container)
    event_map = EventMap()
    if domain_events_mapper is not None:
        domain_events_mapper(event_map)
    emit = EventProcessor(event_map.freeze(), adapted, message_broker)
    engine = SagaEngine(plan_of(saga), adapted, storage, emit, policy)
    _, data, _ = await storage.load_saga_state(saga_id)
    from_dict = getattr(context_builder, "from_dict", None)
    context = from_dict(**data) if from_dict is not None else context_builder(**data)
    return await engine.resume(saga_id, context)


# The worker lives in its own module (it builds a SagaMediator); it is documented here.
from cqrs.saga.worker import RecoveryReport, SagaRecoveryWorker  # noqa: E402

__all__ += ["RecoveryReport", "SagaRecoveryWorker"]
