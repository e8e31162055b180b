"""Pydantic flavour of cqrs requests, responses and events (cqrs-pydantic)."""

__all__: list[str] = []
