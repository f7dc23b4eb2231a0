"""Stream framing: the daemon's multiplexed frames and JSON-lines messages.

Decoders are incremental and know nothing of HTTP: feed them chunks as they arrive, in any
sizes, and they return whole items.  Each keeps one buffer and discards consumed bytes once per
``feed``, so a long stream costs linear time however it is split.
"""

from __future__ import annotations

import enum
import json
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any

from ._exceptions import StreamError

__all__ = ["Frame", "FrameDecoder", "JSONLinesDecoder", "StreamType", "demux", "json_lines"]

#: Largest frame or JSON line accepted before allocating for it.
MAX_ITEM_SIZE = 64 * 1024 * 1024

_HEADER_SIZE = 8


class StreamType(enum.IntEnum):
    """Byte 0 of a multiplexed frame header."""

    STDIN = 0
    STDOUT = 1
    STDERR = 2
    SYSTEM = 3  # an error the daemon writes in-band, e.g. while reading logs


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame of a container's output: which stream it came from, and its bytes."""

    stream: StreamType
    data: bytes


class FrameDecoder:
    """Splits a multiplexed stream: 8-byte header (type, 3 zero bytes, big-endian length)."""

    __slots__ = ("_buffer", "_max_size")

    def __init__(self, max_size: int = MAX_ITEM_SIZE) -> None:
        self._buffer = bytearray()
        self._max_size = max_size

    def feed(self, data: bytes) -> list[Frame]:
        buffer = self._buffer
        buffer += data
        frames: list[Frame] = []
        position, end = 0, len(buffer)
        while end - position >= _HEADER_SIZE:
            kind = buffer[position]
            size = int.from_bytes(buffer[position + 4 : position + 8], "big")
            if kind > StreamType.SYSTEM or buffer[position + 1 : position + 4] != b"\0\0\0":
                raise StreamError(f"malformed stream frame header {bytes(buffer[position:position + 8])!r}")
            if size > self._max_size:
                raise StreamError(f"stream frame of {size} bytes exceeds the limit of {self._max_size}")
            start = position + _HEADER_SIZE
            if end - start < size:
                break
            frames.append(Frame(StreamType(kind), bytes(buffer[start : start + size])))
            position = start + size
        if position:
            del buffer[:position]
        return frames

    def close(self) -> None:
        """The stream ended: leftover bytes mean a frame was cut off."""
        if self._buffer:
            raise StreamError(f"stream ended inside a frame ({len(self._buffer)} bytes left over)")


class JSONLinesDecoder:
    """Splits newline-delimited JSON; tolerates ``\\r\\n`` and json-seq's 0x1E record prefix."""

    __slots__ = ("_buffer", "_max_size", "_scanned")

    def __init__(self, max_size: int = MAX_ITEM_SIZE) -> None:
        self._buffer = bytearray()
        self._max_size = max_size
        self._scanned = 0  # bytes already searched for a newline

    def feed(self, data: bytes) -> list[Any]:
        buffer = self._buffer
        buffer += data
        items: list[Any] = []
        position = 0
        while (newline := buffer.find(b"\n", max(position, self._scanned))) >= 0:
            self._append(items, buffer[position:newline])
            position = newline + 1
            self._scanned = 0
        if position:
            del buffer[:position]
        self._scanned = len(buffer)
        if self._scanned > self._max_size:
            raise StreamError(f"JSON message longer than the limit of {self._max_size} bytes")
        return items

    def close(self) -> list[Any]:
        """The stream ended: a last line without a newline is still a message."""
        items: list[Any] = []
        self._append(items, self._buffer)
        self._buffer.clear()
        self._scanned = 0
        return items

    @staticmethod
    def _append(items: list[Any], line: bytearray) -> None:
        text = bytes(line).strip(b" \t\r\n\x1e")
        if not text:
            return
        try:
            items.append(json.loads(text))
        except ValueError as exc:
            raise StreamError(f"malformed JSON message from the daemon: {text[:200]!r}") from exc


async def demux(chunks: AsyncIterable[bytes], max_size: int = MAX_ITEM_SIZE) -> AsyncIterator[Frame]:
    """Frames from a multiplexed byte stream; raises StreamError if it ends inside a frame."""
    decoder = FrameDecoder(max_size)
    async for chunk in chunks:
        for frame in decoder.feed(chunk):
            yield frame
    decoder.close()


async def json_lines(chunks: AsyncIterable[bytes], max_size: int = MAX_ITEM_SIZE) -> AsyncIterator[Any]:
    """Decoded JSON messages from a newline-delimited stream."""
    decoder = JSONLinesDecoder(max_size)
    async for chunk in chunks:
        for item in decoder.feed(chunk):
            yield item
    for item in decoder.close():
        yield item
