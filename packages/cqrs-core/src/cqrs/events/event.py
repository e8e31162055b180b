"""Events: the protocols and their dataclass flavours.

- `Event`: any event; `DomainEvent`: handled in-process;
  `NotificationEvent[Payload]`: published to the message broker. All are
  immutable (frozen dataclasses).
- Subclasses are keyword-only dataclasses without a decorator; `frozen=True`
  is accepted as a class keyword (`class E(cqrs.DomainEvent, frozen=True)`).
- `to_dict()` is the wire format of the project (snake_case keys, ISO-8601
  timestamps, dashed UUIDs); `from_dict(**d)` rebuilds the payload as the
  declared `Payload` type, for `NotificationEvent[P]` and subclasses of it.
"""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import TYPE_CHECKING, Any, Generic, Protocol, runtime_checkable

from cqrs._extras import ExtraName, resolve_extra
from cqrs._model import DataModel
from cqrs._typing import Self, TypeVar, dataclass_transform

__all__ = [
    "DEFAULT_OUTPUT_TOPIC",
    "DCDomainEvent",
    "DCEvent",
    "DCNotificationEvent",
    "DomainEvent",
    "Event",
    "IDomainEvent",
    "IEvent",
    "INotificationEvent",
    "NotificationEvent",
    "ProtobufHooks",
    "event_key",
]

#: The topic of a notification event that names none (python-cqrs's default). Unlike
#: python-cqrs, importing cqrs reads no environment variable: pass `topic=` to choose one.
DEFAULT_OUTPUT_TOPIC = "output_topic"

if TYPE_CHECKING:  # the lazy names below, typed for checkers
    from cqrs.pydantic import DomainEvent as PydanticDomainEvent  # noqa: F401
    from cqrs.pydantic import Event as PydanticEvent  # noqa: F401
    from cqrs.pydantic import NotificationEvent as PydanticNotificationEvent  # noqa: F401

# python-cqrs 4.x defined the pydantic flavour here; it lives in cqrs-pydantic now.
_EXTRAS: dict[str, ExtraName] = {
    "PydanticEvent": ("cqrs.pydantic", "Event", "cqrs-pydantic"),
    "PydanticDomainEvent": ("cqrs.pydantic", "DomainEvent", "cqrs-pydantic"),
    "PydanticNotificationEvent": ("cqrs.pydantic", "NotificationEvent", "cqrs-pydantic"),
}


def __getattr__(name: str) -> Any:
    """Resolve the pydantic flavour's names from cqrs-pydantic (PEP 562)."""
    return resolve_extra(globals(), _EXTRAS, name)


PayloadT = TypeVar("PayloadT", default=Any)
PayloadCoT = TypeVar("PayloadCoT", covariant=True, default=Any)


@runtime_checkable
class IEvent(Protocol):
    """An event: converts to and from a JSON-compatible dict."""

    def to_dict(self) -> dict[str, Any]:
        """Return the event as a JSON-compatible dict with snake_case keys."""
        ...

    @classmethod
    def from_dict(cls, **kwargs: Any) -> Self:
        """Build the event from the output of `to_dict`."""
        ...


class IDomainEvent(IEvent, Protocol):
    """An event handled in-process by the handlers bound in the domain events map.

    A marker, recognised nominally: subclass it (or `cqrs.DomainEvent`) explicitly.
    """


@runtime_checkable
class INotificationEvent(IEvent, Protocol[PayloadCoT]):
    """An event published to the message broker after the command that emitted it."""

    event_id: uuid.UUID
    event_timestamp: datetime.datetime
    event_name: str
    topic: str

    @property
    def payload(self) -> PayloadCoT:
        """The event's data."""
        ...


class ProtobufHooks:
    """Hooks of notification events of every flavour: `proto()` / `from_proto()`, `message_key()`.

    `proto()` and `from_proto()` raise until overridden: implement them on an
    event class to publish it as protobuf instead of JSON. `message_key()` names
    the broker key (None by default): override it to keep the events of one
    aggregate in order; it is not part of the event's data or wire format.
    """

    def message_key(self) -> str | None:
        """The broker partitioning key of this event (None: no key)."""
        return None

    def proto(self) -> Any:
        """Return a protobuf message for this event; override to publish protobuf."""
        raise NotImplementedError(
            f"{type(self).__qualname__}.proto() is not implemented: override proto() and "
            "from_proto() to serialize this event with protobuf"
        )

    @classmethod
    def from_proto(cls, proto: Any) -> Self:
        """Build the event from a protobuf message; override together with `proto()`."""
        raise NotImplementedError(
            f"{cls.__qualname__}.from_proto() is not implemented: override it to read "
            "this event from protobuf"
        )


def event_key(event: object) -> str | None:
    """`event.message_key()`, or None for an event without that hook."""
    hook = getattr(event, "message_key", None)
    return hook() if hook is not None else None


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


# Events are immutable facts: every event class is a frozen dataclass. `frozen_default`
# tells type checkers what `base=True, frozen=True` does at run time, so subclasses
# type-check with or without the seeds' `frozen=True` class keyword.
@dataclass_transform(
    kw_only_default=True,
    frozen_default=True,
    field_specifiers=(dataclasses.field, dataclasses.Field),
)
class Event(DataModel, IEvent, base=True, frozen=True):
    """Dataclass event base (immutable)."""


class DomainEvent(Event, IDomainEvent, base=True):
    """Dataclass domain event: immutable, handled in-process by the domain events map."""


class NotificationEvent(Event, ProtobufHooks, INotificationEvent[PayloadT], Generic[PayloadT]):
    """Dataclass notification event, published to the broker.

    `NotificationEvent[Payload]` is a class of its own: it can be bound in an
    `EventMap` and `from_dict` rebuilds `payload` as `Payload`.
    """

    event_id: uuid.UUID = dataclasses.field(default_factory=uuid.uuid4)
    event_timestamp: datetime.datetime = dataclasses.field(default_factory=_utc_now)
    event_name: str
    topic: str = DEFAULT_OUTPUT_TOPIC
    payload: PayloadT = None  # type: ignore[assignment]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        own_hash = "__hash__" in vars(cls)  # written in the class body: the user's choice
        super().__init_subclass__(**kwargs)
        # dataclasses gives every frozen subclass a hash of all its fields, which fails on
        # a dict or list payload; an event is identified by its id, so hash that instead.
        if not own_hash:
            cls.__hash__ = NotificationEvent.__hash__  # type: ignore[method-assign]

    def __hash__(self) -> int:
        """Hash by `event_id`: equal events have equal ids, whatever their payload holds."""
        return hash(self.event_id)


DCEvent = Event
DCDomainEvent = DomainEvent
DCNotificationEvent = NotificationEvent
