"""Bootstrap: build a ready `SagaMediator` from a saga mapper, a container and a storage."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from cqrs.container.adapt import adapt
from cqrs.events.map import EventMap
from cqrs.events.processor import EventProcessor, check_event_options
from cqrs.exceptions import BootstrapError
from cqrs.message_brokers.protocol import MessageBroker
from cqrs.saga.compensation import CompensationPolicy
from cqrs.saga.exceptions import SagaDefinitionError
from cqrs.saga.map import SagaMap
from cqrs.saga.mediator import SagaMediator
from cqrs.saga.storage.memory import MemorySagaStorage
from cqrs.saga.storage.protocol import ISagaStorage

__all__ = ["bootstrap"]

SagaMapper = Callable[[SagaMap], None]
EventMapper = Callable[[EventMap], None]


def bootstrap(
    di_container: Any = None,
    sagas_mapper: SagaMapper | None = None,
    domain_events_mapper: EventMapper | None = None,
    message_broker: MessageBroker | None = None,
    saga_storage: ISagaStorage | None = None,
    middlewares: Sequence[Any] = (),
    on_startup: Sequence[Callable[[], Any]] = (),
    compensation_retry_count: int = 3,
    compensation_retry_delay: float = 1.0,
    compensation_retry_backoff: float = 2.0,
    max_concurrent_event_handlers: int = 1,
    concurrent_event_handle_enable: bool = True,
) -> SagaMediator:
    """Build a `SagaMediator`; every saga is planned and every step's construction checked here.

    - `di_container`: None (the built-in container), a cqrs container, a
      `di.Container` or a dependency-injector container, as for requests.
    - `domain_events_mapper` / `message_broker`: where the steps' events go (domain
      events to their handlers, notification events to the broker).
    - `saga_storage`: an `ISagaStorage`; default a new `MemorySagaStorage()`.
    - `compensation_retry_count`: attempts per compensation, at least 1;
      `compensation_retry_delay` seconds before the second attempt, multiplied by
      `compensation_retry_backoff` before each further one.
    """
    check_event_options(message_broker, max_concurrent_event_handlers)
    try:
        policy = CompensationPolicy(
            compensation_retry_count, compensation_retry_delay, compensation_retry_backoff
        )
    except SagaDefinitionError as exc:
        raise BootstrapError(str(exc)) from exc
    if saga_storage is None:
        saga_storage = MemorySagaStorage()
    elif not isinstance(saga_storage, ISagaStorage):
        raise BootstrapError(
            f"saga_storage must implement cqrs.saga.storage.protocol.ISagaStorage, got "
            f"{saga_storage!r}; use cqrs.saga.storage.memory.MemorySagaStorage() or a SQL storage"
        )
    container = adapt(di_container)
    saga_map = SagaMap()
    if sagas_mapper is not None:
        sagas_mapper(saga_map)
    event_map = EventMap()
    if domain_events_mapper is not None:
        domain_events_mapper(event_map)
    for startup in on_startup:
        startup()
    emit = EventProcessor(
        event_map.freeze(),
        container,
        message_broker,
        max_concurrent_event_handlers,
        concurrent_event_handle_enable,
    )
    return SagaMediator(saga_map.freeze(), container, saga_storage, emit, policy, middlewares)
