"""The exception tree of cqrs-core. Every error the framework raises derives from `CQRSError`."""

from __future__ import annotations

__all__ = [
    "BindingError",
    "BootstrapError",
    "CQRSError",
    "ConfigurationError",
    "DecodeError",
    "DependencyResolutionError",
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
