"""cqrs: commands, queries, streaming, events, fallbacks and sagas behind one mediator.

This file belongs to the cqrs-core distribution. Extras (cqrs-pydantic,
cqrs-kafka, cqrs-outbox-sqlalchemy, cqrs-saga, cqrs-breaker) install further
modules under `cqrs`; the top-level names that live in them resolve lazily and,
without the extra, raise an ImportError naming the distribution to install.
"""

from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)

from typing import TYPE_CHECKING, Any

from cqrs._extras import ExtraName, resolve_extra
from cqrs.circuit_breaker import ICircuitBreaker
from cqrs.compressors import Compressor, ZlibCompressor
from cqrs.container.di import DIContainer
from cqrs.container.protocol import Container
from cqrs.events.event import (
    DCDomainEvent,
    DCEvent,
    DCNotificationEvent,
    DomainEvent,
    Event,
    IDomainEvent,
    IEvent,
    INotificationEvent,
    NotificationEvent,
)
from cqrs.events.event_emitter import EventEmitter
from cqrs.events.event_handler import EventHandler
from cqrs.events.fallback import EventHandlerFallback
from cqrs.events.map import EventMap
from cqrs.exceptions import (
    BindingError,
    BootstrapError,
    ConfigurationError,
    CQRSError,
    DecodeError,
    DependencyResolutionError,
    EventHandlingError,
    EventRoutingError,
    HandlerKindError,
    RequestHandlerNotFound,
)
from cqrs.mediator import EventMediator, RequestMediator, StreamingRequestMediator
from cqrs.message_brokers.protocol import Message, MessageBroker
from cqrs.middlewares.base import Middleware, StreamingMiddleware
from cqrs.outbox import (
    EventStatus,
    MemoryOutboxedEventRepository,
    OutboxedEvent,
    OutboxedEventRepository,
)
from cqrs.outbox.map import OutboxedEventMap
from cqrs.producer import EventProducer
from cqrs.requests.cor_request_handler import CORRequestHandler
from cqrs.requests.fallback import RequestHandlerFallback
from cqrs.requests.map import RequestMap
from cqrs.requests.mermaid import CoRMermaid
from cqrs.requests.request import DCRequest, IRequest, Request
from cqrs.requests.request_handler import RequestHandler, StreamingRequestHandler
from cqrs.response import DCResponse, IResponse, Response

if TYPE_CHECKING:
    # What type checkers see for the lazy names of the extras (`__getattr__` below
    # resolves them at run time): the real classes, so that `class Q(cqrs.PydanticRequest)`
    # is not a subclass of `Any`. Where an extra is not installed the checker cannot
    # resolve its module and the names stay unknown, as before. Aliases (not
    # `import ... as`) so that mypy's no-implicit-reexport treats them as exported.
    # One block per distribution that exists; keep in step with `_EXTRAS`.
    from cqrs import pydantic as _pydantic
    from cqrs.adapters import circuit_breaker as _circuit_breaker
    from cqrs.outbox import sqlalchemy as _outbox_sqlalchemy

    PydanticRequest = _pydantic.Request
    PydanticResponse = _pydantic.Response
    PydanticEvent = _pydantic.Event
    PydanticDomainEvent = _pydantic.DomainEvent
    PydanticNotificationEvent = _pydantic.NotificationEvent
    AioBreakerAdapter = _circuit_breaker.AioBreakerAdapter
    SqlAlchemyOutboxedEventRepository = _outbox_sqlalchemy.SqlAlchemyOutboxedEventRepository
    rebind_outbox_model = _outbox_sqlalchemy.rebind_outbox_model

__all__ = [
    "BindingError",
    "BootstrapError",
    "CORRequestHandler",
    "CQRSError",
    "CoRMermaid",
    "Compressor",
    "ConfigurationError",
    "Container",
    "DCDomainEvent",
    "DCEvent",
    "DCNotificationEvent",
    "DCRequest",
    "DCResponse",
    "DIContainer",
    "DecodeError",
    "DependencyResolutionError",
    "DomainEvent",
    "Event",
    "EventEmitter",
    "EventHandler",
    "EventHandlerFallback",
    "EventHandlingError",
    "EventMap",
    "EventMediator",
    "EventProducer",
    "EventRoutingError",
    "EventStatus",
    "HandlerKindError",
    "ICircuitBreaker",
    "IDomainEvent",
    "IEvent",
    "INotificationEvent",
    "IRequest",
    "IResponse",
    "MemoryOutboxedEventRepository",
    "Message",
    "MessageBroker",
    "Middleware",
    "NotificationEvent",
    "OutboxedEvent",
    "OutboxedEventMap",
    "OutboxedEventRepository",
    "Request",
    "RequestHandler",
    "RequestHandlerFallback",
    "RequestHandlerNotFound",
    "RequestMap",
    "RequestMediator",
    "Response",
    "StreamingMiddleware",
    "StreamingRequestHandler",
    "StreamingRequestMediator",
    "ZlibCompressor",
]

# Top-level names provided by extras: name -> (module, attribute, distribution).
_EXTRAS: dict[str, ExtraName] = {
    "PydanticRequest": ("cqrs.pydantic", "Request", "cqrs-pydantic"),
    "PydanticResponse": ("cqrs.pydantic", "Response", "cqrs-pydantic"),
    "PydanticEvent": ("cqrs.pydantic", "Event", "cqrs-pydantic"),
    "PydanticDomainEvent": ("cqrs.pydantic", "DomainEvent", "cqrs-pydantic"),
    "PydanticNotificationEvent": ("cqrs.pydantic", "NotificationEvent", "cqrs-pydantic"),
    "SqlAlchemyOutboxedEventRepository": (
        "cqrs.outbox.sqlalchemy",
        "SqlAlchemyOutboxedEventRepository",
        "cqrs-outbox-sqlalchemy",
    ),
    "rebind_outbox_model": (
        "cqrs.outbox.sqlalchemy",
        "rebind_outbox_model",
        "cqrs-outbox-sqlalchemy",
    ),
    "Saga": ("cqrs.saga", "Saga", "cqrs-saga"),
    "SagaStepHandler": ("cqrs.saga", "SagaStepHandler", "cqrs-saga"),
    "SagaStepResult": ("cqrs.saga", "SagaStepResult", "cqrs-saga"),
    "SagaMediator": ("cqrs.saga", "SagaMediator", "cqrs-saga"),
    "SagaMap": ("cqrs.saga", "SagaMap", "cqrs-saga"),
    "SagaMermaid": ("cqrs.saga", "SagaMermaid", "cqrs-saga"),
    "AioBreakerAdapter": ("cqrs.adapters.circuit_breaker", "AioBreakerAdapter", "cqrs-breaker"),
}


def __getattr__(name: str) -> Any:
    """Resolve the top-level names that live in optional distributions (PEP 562)."""
    return resolve_extra(globals(), _EXTRAS, name)


def __dir__() -> list[str]:
    return sorted([*__all__, *_EXTRAS])
