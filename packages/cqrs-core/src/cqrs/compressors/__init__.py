"""Compressors for stored and published payloads: the protocol and a zlib implementation."""

from __future__ import annotations

from cqrs.compressors.protocol import Compressor
from cqrs.compressors.zlib import ZlibCompressor

__all__ = ["Compressor", "ZlibCompressor"]
