"""Dependency injection: the `Container` protocol, the built-in container and adapters."""

__all__: list[str] = []
