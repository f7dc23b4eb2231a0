"""On asyncio: a byte stream over asyncio's own Protocol/Transport.

anyio's asyncio Unix socket stream yields to the event loop before every receive and send,
then registers the socket with the selector for each wait and unregisters it after (and each
registration makes asyncio format the socket's repr into a ``KeyError`` message).  A protocol
keeps the socket registered for the connection's lifetime and is handed bytes as they arrive,
so a request costs one wake-up of the waiting task.  trio keeps anyio's streams.

The stream implements the ``anyio.abc.ByteStream`` interface the transport uses.  Cancellation
(an anyio cancel scope cancels the waiting task) simply interrupts the wait; the transport then
closes the connection, as it does for any stream.  A receive or send that need not wait does
not yield to the event loop.
"""

from __future__ import annotations

import asyncio
import socket
import weakref
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Final

import anyio
import anyio.abc
from anyio.abc import SocketAttribute

from ._http import ConnectionAttribute

__all__ = ["ProtocolStream", "connect_tcp", "connect_unix"]

#: Bytes buffered unread before the transport stops reading from the socket.
_HIGH_WATER: Final = 1024 * 1024
#: Most bytes read from the socket at once.
_READ_SIZE: Final = 256 * 1024
#: One read buffer per event loop, shared by its connections: each read is copied out of it
#: before the loop does anything else.
_read_buffers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, memoryview] = (
    weakref.WeakKeyDictionary()
)


async def connect_unix(path: str) -> ProtocolStream:
    return await _connect(socket.AF_UNIX, path)


async def connect_tcp(host: str, port: int) -> ProtocolStream:
    """Each address of ``host`` in turn, until one answers."""
    loop = asyncio.get_running_loop()
    addresses = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    error: OSError = OSError(f"no address found for {host}")
    for family, _, _, _, address in addresses:
        try:
            return await _connect(family, address)
        except OSError as exc:
            error = exc
    raise error


async def _connect(family: int, address: Any) -> ProtocolStream:
    # The stream keeps the socket itself (asyncio's transports expose only a wrapper): closing
    # it releases the descriptor at once, not one event loop iteration later.
    loop = asyncio.get_running_loop()
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        if family != socket.AF_UNIX:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await loop.sock_connect(sock, address)
        buffer = _read_buffers.get(loop)
        if buffer is None:
            buffer = _read_buffers[loop] = memoryview(bytearray(_READ_SIZE))
        transport, protocol = await loop.connect_accepted_socket(lambda: _Protocol(buffer), sock)
    except BaseException:
        sock.close()
        raise
    return ProtocolStream(transport, protocol, sock)


class _Protocol(asyncio.BufferedProtocol):
    """Buffers what arrives; wakes the task waiting to read, and the one waiting to write.

    A buffered protocol: asyncio's plain ``recv(256 KiB)`` allocates (and maps, and unmaps)
    256 KiB for every read, which costs more than a whole small response.
    """

    def __init__(self, buffer: memoryview) -> None:
        self.buffer = buffer
        self.chunks: deque[bytes] = deque()
        self.size = 0
        self.eof = False
        self.lost = False
        self.error: BaseException | None = None
        self.reading_paused = False
        self.writing_paused = False
        self.transport: asyncio.Transport | None = None
        self.reader: asyncio.Future[None] | None = None
        self.writer: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        # Writes wait until the kernel took every byte, as a socket's do: nothing is left in
        # the transport's buffer when a connection is closed.
        transport.set_write_buffer_limits(high=0)
        self.transport = transport

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.buffer

    def buffer_updated(self, nbytes: int) -> None:
        data = self.buffer[:nbytes].tobytes()
        self.chunks.append(data)
        self.size += len(data)
        if self.size > _HIGH_WATER and not self.reading_paused and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()
        _wake(self.reader)

    def eof_received(self) -> bool:
        self.eof = True
        _wake(self.reader)
        return True  # keep the write side open: a half-closed peer still reads

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.error = exc
        _wake(self.reader)
        _wake(self.writer)

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        _wake(self.writer)

    async def readable(self, limit: float | None) -> None:
        if self.reader is not None:
            raise anyio.BusyResourceError("reading from")
        self.reader = asyncio.get_running_loop().create_future()
        try:
            await _wait(self.reader, limit)
        finally:
            self.reader = None

    async def writable(self, limit: float | None) -> None:
        if self.writer is not None:
            raise anyio.BusyResourceError("writing to")
        self.writer = asyncio.get_running_loop().create_future()
        try:
            await _wait(self.writer, limit)
        finally:
            self.writer = None


async def _wait(waiter: asyncio.Future[None], limit: float | None) -> None:
    """``TimeoutError`` after ``limit`` seconds: a timer costs less than a cancel scope."""
    if limit is None:
        await waiter
        return
    timer = asyncio.get_running_loop().call_later(limit, _expire, waiter)
    try:
        await waiter
    finally:
        timer.cancel()


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


class ProtocolStream(anyio.abc.ByteStream):
    """One connection: ``receive`` takes what the protocol buffered, ``send`` writes through
    the transport and waits only when its write buffer is full."""

    def __init__(
        self, transport: asyncio.Transport, protocol: _Protocol, sock: socket.socket
    ) -> None:
        self._transport = transport
        self._protocol = protocol
        self._socket = sock
        self._closed = False

    @property
    def extra_attributes(self) -> Mapping[Any, Callable[[], Any]]:
        sock = self._socket
        return {
            SocketAttribute.raw_socket: lambda: sock,
            SocketAttribute.local_address: sock.getsockname,
            SocketAttribute.remote_address: sock.getpeername,
            ConnectionAttribute.idle_and_open: lambda: self.is_idle_and_open,
            ConnectionAttribute.receive_within: lambda: self.receive,
            ConnectionAttribute.send_within: lambda: self.send,
        }

    def is_idle_and_open(self) -> bool:
        """Nothing unread, and the peer has not closed (it reads as bytes arrive: it knows)."""
        protocol = self._protocol
        return not (protocol.chunks or protocol.eof or protocol.lost or self._closed)

    async def receive(self, max_bytes: int = 65536, limit: float | None = None) -> bytes:
        """``limit`` bounds the wait for bytes (``TimeoutError``)."""
        protocol = self._protocol
        chunks = protocol.chunks
        while not chunks:
            self._check_usable()
            if protocol.eof:
                raise anyio.EndOfStream
            await protocol.readable(limit)
        chunk = chunks.popleft()
        if len(chunk) > max_bytes:
            chunks.appendleft(chunk[max_bytes:])
            chunk = chunk[:max_bytes]
        protocol.size -= len(chunk)
        if protocol.reading_paused and protocol.size <= _HIGH_WATER // 2:
            protocol.reading_paused = False
            self._transport.resume_reading()
        return chunk

    async def send(self, item: bytes, limit: float | None = None) -> None:
        """``limit`` bounds the wait for the kernel to take it all (``TimeoutError``)."""
        self._check_usable()
        transport = self._transport
        transport.write(item)
        if transport.is_closing():
            # The write failed at once (the peer is gone): nothing of it was sent.
            raise anyio.BrokenResourceError("the connection was lost while writing")
        while self._protocol.writing_paused:
            await self._protocol.writable(limit)
            self._check_usable()

    async def send_eof(self) -> None:
        self._check_usable()
        self._transport.write_eof()

    async def aclose(self) -> None:
        """Close at once: nothing waits for buffered writes (an unread response, an
        interrupted request: the connection is discarded either way)."""
        self._closed = True
        self._transport.abort()  # unregisters the socket from the event loop at once
        self._socket.close()

    def _check_usable(self) -> None:
        if self._closed:
            raise anyio.ClosedResourceError
        if self._protocol.lost:
            raise anyio.BrokenResourceError from self._protocol.error
