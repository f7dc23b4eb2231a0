"""Stream framing: the daemon's multiplexed frames and JSON-lines messages.

Decoders are incremental and know nothing of HTTP: feed them chunks as they arrive, in any
sizes, and they return whole items.  Each keeps one buffer and discards consumed bytes once per
``feed``, so a long stream costs linear time however it is split.  ``FrameStream`` turns any
byte source (a response body, a hijacked connection) into an async iterator of frames;
``TextDecoder`` is the explicit step from bytes to text.
"""

from __future__ import annotations

import codecs
import enum
import json
import struct
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ._exceptions import DaemonStreamError, StreamError

__all__ = [
    "Frame",
    "FrameDecoder",
    "FrameStream",
    "JSONLinesDecoder",
    "Output",
    "StreamType",
    "TextDecoder",
    "collect",
    "json_lines",
]

#: Largest frame or JSON line accepted before allocating for it.
MAX_ITEM_SIZE = 64 * 1024 * 1024

_HEADER_SIZE = 8
_HEADER = struct.Struct(">BBHI")  # stream type, two padding fields that must be zero, length


class StreamType(enum.IntEnum):
    """Byte 0 of a multiplexed frame header.

    ``STDIN`` frames carry output too (they are written on stdout, as docker's stdcopy
    does).  A ``SYSTEM`` frame is an error the daemon writes in-band, e.g. while reading
    logs: :class:`FrameStream` raises it as :class:`DaemonStreamError`.
    """

    STDIN = 0
    STDOUT = 1
    STDERR = 2
    SYSTEM = 3


_STREAM_TYPES = tuple(StreamType)


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame of a container's output: which stream it came from, and its bytes."""

    stream: StreamType
    data: bytes


class FrameDecoder:
    """Splits a multiplexed stream: 8-byte header (type, 3 zero bytes, big-endian length).

    A frame's size is checked against ``max_size`` as soon as its header is complete, before
    its payload is buffered.
    """

    __slots__ = ("_buffer", "_max_size")

    def __init__(self, max_size: int = MAX_ITEM_SIZE) -> None:
        self._buffer = bytearray()
        self._max_size = max_size

    def feed(self, data: bytes) -> list[Frame]:
        buffer = self._buffer
        buffer += data
        frames: list[Frame] = []
        position, end = 0, len(buffer)
        with memoryview(buffer) as view:
            while end - position >= _HEADER_SIZE:
                kind, pad, pad2, size = _HEADER.unpack_from(view, position)
                if kind >= len(_STREAM_TYPES) or pad or pad2:
                    header = bytes(view[position : position + _HEADER_SIZE])
                    raise StreamError(f"malformed stream frame header {header!r}")
                if size > self._max_size:
                    raise StreamError(
                        f"stream frame of {size} bytes exceeds the limit of {self._max_size}"
                    )
                start = position + _HEADER_SIZE
                if end - start < size:
                    break
                frames.append(Frame(_STREAM_TYPES[kind], bytes(view[start : start + size])))
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


async def json_lines(
    chunks: AsyncIterable[bytes], max_size: int = MAX_ITEM_SIZE
) -> AsyncIterator[Any]:
    """Decoded JSON messages from a newline-delimited stream."""
    decoder = JSONLinesDecoder(max_size)
    async for chunk in chunks:
        for item in decoder.feed(chunk):
            yield item
    for item in decoder.close():
        yield item


Read = Callable[[], Awaitable[bytes]]


class FrameStream:
    """An async iterator of :class:`Frame` over a byte source that returns ``b""`` at its end.

    Multiplexed unless ``tty``: a TTY stream carries stdout and stderr merged and unframed, so
    each chunk is passed on as it arrives, as one ``STDOUT`` frame.  Whether a stream is a TTY
    stream comes from the container's (or exec's) ``Tty`` setting, never from a Content-Type.
    A multiplexed stream that ends inside a frame raises :class:`StreamError`; an error the
    daemon writes into the stream (a ``SYSTEM`` frame) raises :class:`DaemonStreamError` once
    the frames before it have been delivered.
    """

    __slots__ = ("_decoder", "_done", "_pending", "_read", "tty")

    def __init__(self, read: Read, *, tty: bool, max_size: int = MAX_ITEM_SIZE) -> None:
        self._read = read
        self.tty = tty
        self._decoder = None if tty else FrameDecoder(max_size)
        self._pending: deque[Frame] = deque()
        self._done = False

    def __aiter__(self) -> FrameStream:
        return self

    async def __anext__(self) -> Frame:
        while not self._pending:
            if self._done:
                raise StopAsyncIteration
            chunk = await self._read()
            if not chunk:
                self._done = True
                if self._decoder is not None:
                    self._decoder.close()
            elif self._decoder is None:
                return Frame(StreamType.STDOUT, chunk)
            else:
                self._pending.extend(self._decoder.feed(chunk))
        frame = self._pending.popleft()
        if frame.stream == StreamType.SYSTEM:
            self._done, self._pending = True, deque()
            raise DaemonStreamError(frame.data.decode("utf-8", "replace").strip())
        return frame


@dataclass(frozen=True, slots=True)
class Output:
    """A process's whole output, as bytes (a TTY process has everything in ``stdout``)."""

    stdout: bytes
    stderr: bytes


async def collect(frames: AsyncIterable[Frame]) -> Output:
    """Read ``frames`` to their end; ``STDIN`` frames count as stdout, as in docker's stdcopy."""
    stdout, stderr = bytearray(), bytearray()
    async for frame in frames:
        (stderr if frame.stream == StreamType.STDERR else stdout).extend(frame.data)
    return Output(bytes(stdout), bytes(stderr))


class TextDecoder:
    """Decodes frames to text, one incremental decoder per stream.

    A character whose bytes are split across two frames of the same stream is decoded whole
    once its last byte arrives; ``flush`` returns what is left at the end of a stream::

        decoder = TextDecoder()
        async for frame in frames:
            print(decoder.decode(frame), end="")
    """

    __slots__ = ("_decoders", "_encoding", "_errors")

    def __init__(self, encoding: str = "utf-8", errors: str = "replace") -> None:
        codecs.lookup(encoding)  # an unknown encoding fails here, not at the first frame
        self._encoding = encoding
        self._errors = errors
        self._decoders: dict[StreamType, codecs.IncrementalDecoder] = {}

    def decode(self, frame: Frame) -> str:
        return self._decoder(frame.stream).decode(frame.data)

    def flush(self, stream: StreamType = StreamType.STDOUT) -> str:
        """The end of ``stream``: bytes of an unfinished character are decoded with ``errors``."""
        return self._decoder(stream).decode(b"", final=True)

    def _decoder(self, stream: StreamType) -> codecs.IncrementalDecoder:
        decoder = self._decoders.get(stream)
        if decoder is None:
            decoder = codecs.getincrementaldecoder(self._encoding)(self._errors)
            self._decoders[stream] = decoder
        return decoder
