"""The compressor protocol: bytes to fewer bytes, and back."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["Compressor"]


@runtime_checkable
class Compressor(Protocol):
    """Compresses payloads (outbox rows, broker messages); `decompress` inverts `compress`."""

    def compress(self, data: bytes, /) -> bytes:
        """Return `data` compressed."""
        ...

    def decompress(self, data: bytes, /) -> bytes:
        """Return the original bytes of `compress`'s output."""
        ...
