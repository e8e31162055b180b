"""The exception tree of cqrs-core. Every error the framework raises derives from `CQRSError`."""

from __future__ import annotations

from typing import Any

__all__ = [
    "BindingError",
    "BootstrapError",
    "CQRSError",
    "ConfigurationError",
    "DecodeError",
    "DependencyResolutionError",
    "EventFailure",
    "EventHandlingError",
    "EventRoutingError",
    "HandlerKindError",
    "RequestHandlerNotFound",
]


class CQRSError(Exception):
    """Root of every error raised by cqrs."""


class ConfigurationError(CQRSError):
    """The application is wired incorrectly; detected at bootstrap or bind time."""


class BindingError(ConfigurationError, ValueError):
    """A map received an invalid binding (duplicate key, wrong handler type...)."""


class HandlerKindError(ConfigurationError, TypeError):
    """A handler of the wrong kind was bound for a mediator (e.g. streaming handler for `send`)."""


class BootstrapError(ConfigurationError):
    """Bootstrap could not build a mediator from its arguments."""


class RequestHandlerNotFound(CQRSError, LookupError):
    """No handler is bound for the type of the request passed to a mediator."""


class DependencyResolutionError(CQRSError, LookupError):
    """A container could not build an object (unknown type, missing annotation, cycle...)."""


class DecodeError(CQRSError, ValueError):
    """`from_dict` received data that cannot be turned into the declared field types."""


class EventRoutingError(ConfigurationError):
    """Events could not go anywhere: not a domain event with handlers, not a notification
    event with a broker.

    Raised once every routable event of the dispatch was processed: `unroutable`
    lists the events that went nowhere, `failures` any handler failures of the
    same dispatch, and `response` is the response of the request (or the
    streamed item about to be delivered), so it is not lost.
    """

    def __init__(
        self,
        message: str,
        unroutable: list[Any] | None = None,
        failures: list[EventFailure] | None = None,
        response: Any = None,
    ) -> None:
        self.unroutable: list[Any] = unroutable if unroutable is not None else []
        self.failures: list[EventFailure] = failures if failures is not None else []
        self.response: Any = response
        super().__init__(message)


class EventFailure:
    """One failed step of event processing: the event, who failed on it, and the error."""

    __slots__ = ("error", "event", "handler")

    def __init__(self, event: Any, handler: Any, error: BaseException) -> None:
        self.event: Any = event
        self.handler: Any = handler
        self.error: BaseException = error

    def __repr__(self) -> str:
        who = getattr(self.handler, "__qualname__", repr(self.handler))
        return f"EventFailure({type(self.event).__name__} in {who}: {self.error!r})"


class EventHandlingError(CQRSError):
    """Some event handlers (or broker sends) failed after the request itself succeeded.

    Raised once every handler of the dispatch has run. `failures` lists each
    failure (its `error` is also chained as `__cause__` for the first one);
    `response` is the response the request handler returned (or the streamed
    item that was about to be delivered), so it is not lost.
    """

    def __init__(self, failures: list[EventFailure], response: Any = None) -> None:
        self.failures = failures
        self.response = response
        listed = "; ".join(repr(failure) for failure in failures[:5])
        more = f" (+{len(failures) - 5} more)" if len(failures) > 5 else ""
        super().__init__(f"{len(failures)} event handler(s) failed: {listed}{more}")
