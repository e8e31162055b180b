"""`ZlibCompressor`: the standard library's zlib (DEFLATE) as a `Compressor`."""

from __future__ import annotations

import zlib

__all__ = ["ZlibCompressor"]


class ZlibCompressor:
    """zlib at `level` (-1 for zlib's default, 0 = store only ... 9 = smallest; default 6).

    `decompress` raises `zlib.error` for bytes that `compress` did not produce.
    """

    __slots__ = ("level",)

    def __init__(self, level: int = 6) -> None:
        if not isinstance(level, int) or not -1 <= level <= 9:
            raise ValueError(f"zlib level must be an integer from -1 to 9, got {level!r}")
        self.level: int = level

    def compress(self, data: bytes, /) -> bytes:
        """Return `data` compressed."""
        return zlib.compress(data, self.level)

    def decompress(self, data: bytes, /) -> bytes:
        """Return the bytes that were compressed into `data`."""
        return zlib.decompress(data)

    def __repr__(self) -> str:
        return f"ZlibCompressor(level={self.level})"
