"""Dependency injection: the `Container` protocol, the built-in container and adapters."""

from cqrs.container.protocol import Container

__all__ = ["Container"]
