"""Pydantic events: `Event`, `DomainEvent` and `NotificationEvent[Payload]`, all frozen.

They implement the core's protocols, so the mediators route them like the dataclass
events: a `DomainEvent` goes to its handlers (`cqrs.IDomainEvent` is in its MRO), a
`NotificationEvent` to the message broker (it has the members of
`cqrs.INotificationEvent`). `NotificationEvent[Payload]` is pydantic's parametrisation of
the generic model, a class of its own: `type(NotificationEvent[P](...)) is
NotificationEvent[P]`, so it can be bound in an `EventMap`, and `from_dict` validates
`payload` as `P`. pydantic caches parametrisations weakly; a bound or instantiated one
stays the same class.

`to_dict()` is the wire format of `cqrs.NotificationEvent`, key order included (event_id,
event_timestamp, event_name, topic, payload), and `from_dict` reads either flavour's output.
"""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Generic

import pydantic

from cqrs._typing import dataclass_transform
from cqrs.events.event import (
    DEFAULT_OUTPUT_TOPIC,
    IDomainEvent,
    IEvent,
    INotificationEvent,
    PayloadT,
    ProtobufHooks,
)
from cqrs.pydantic._base import WireModel

__all__ = ["DomainEvent", "Event", "NotificationEvent"]

if TYPE_CHECKING:
    _NotificationBase = INotificationEvent
else:
    # At run time INotificationEvent stays out of the bases: pydantic would collect its
    # annotations and find its `payload` property, which would shadow the field on
    # instances. The protocol is runtime-checkable, so `isinstance` still recognises the
    # events; type checkers see the nominal base.
    _NotificationBase = Generic


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


# `frozen=True` is pydantic's class-keyword form of `model_config = ConfigDict(frozen=True)`;
# unlike `model_config`, type checkers understand it. `frozen_default` tells them that
# subclasses are frozen too, with or without the seeds' `frozen=True` class keyword.
@dataclass_transform(
    kw_only_default=True,
    frozen_default=True,
    field_specifiers=(pydantic.Field, pydantic.PrivateAttr),
)
class Event(WireModel, IEvent, frozen=True):
    """Pydantic event base: immutable (`frozen=True`), hashable, validated on construction."""


class DomainEvent(Event, IDomainEvent):
    """Pydantic domain event, handled in-process by the handlers bound in the domain map.

    `class OrderPlaced(DomainEvent, frozen=True): order_id: str` (the keyword is optional).
    """


class NotificationEvent(Event, ProtobufHooks, _NotificationBase[PayloadT]):
    """Pydantic notification event, published to the message broker.

    `NotificationEvent[Payload]` is a class of its own that validates `payload` as
    `Payload` (a pydantic model, a dataclass model or any type pydantic validates).
    """

    event_id: uuid.UUID = pydantic.Field(default_factory=uuid.uuid4)
    event_timestamp: datetime.datetime = pydantic.Field(default_factory=_utc_now)
    event_name: str
    topic: str = DEFAULT_OUTPUT_TOPIC
    payload: PayloadT = None  # type: ignore[assignment]

    # pydantic hashes a frozen model by all its fields, which fails on a dict or list
    # payload; subclasses inherit this hash (pydantic keeps a custom hash of a base).
    def __hash__(self) -> int:
        """Hash by `event_id`: equal events have equal ids, whatever their payload holds."""
        return hash(self.event_id)
