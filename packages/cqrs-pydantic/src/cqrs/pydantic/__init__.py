"""Pydantic flavour of cqrs requests, responses and events (the cqrs-pydantic distribution).

`Request[Result]`, `Response`, `Event`, `DomainEvent` and `NotificationEvent[Payload]` are
`pydantic.BaseModel`s that implement the core's protocols and speak the wire format of the
dataclass flavour: for equal field values, `to_dict()` gives the same dict, and each
flavour's `from_dict(**d)` reads the other's output. Events are frozen. The top-level names
`cqrs.PydanticRequest`, `cqrs.PydanticResponse`, `cqrs.PydanticEvent`,
`cqrs.PydanticDomainEvent` and `cqrs.PydanticNotificationEvent` resolve to these classes.
"""

from cqrs.pydantic.event import DomainEvent, Event, NotificationEvent
from cqrs.pydantic.request import Request
from cqrs.pydantic.response import Response

__all__ = ["DomainEvent", "Event", "NotificationEvent", "Request", "Response"]
