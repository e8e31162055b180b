"""Dispatch planning: bindings compiled once, at bootstrap, into per-request invokers."""

__all__: list[str] = []
