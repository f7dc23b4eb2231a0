"""A small HTTP/1.1 client transport over anyio byte streams.

The daemon speaks a small, regular subset of HTTP/1.1: Content-Length, chunked and
read-until-close bodies, and ``101`` upgrades for attach and exec.  This transport speaks just
that, keeping ``httpx.Request``/``httpx.Response`` as the data model so that anything written
against ``httpx.AsyncBaseTransport`` (``MockTransport``, respx) stays interchangeable with it.

Where the bytes go is the job of a *connector*: an async callable returning a connected
``anyio.abc.ByteStream`` (a Unix socket, TCP, TLS over TCP, a subprocess's stdio...).  The
transport pools idle connections (last in, first out, a bounded number kept idle, no bound on
connections in use since streams hold theirs), and a connection goes back to the pool only
when its response body was read to the end.

Timeouts come from ``request.extensions["timeout"]``: ``connect`` bounds the connector,
``write`` each write, ``read`` the wait for the response head and then each read of the body.
There is no pool wait, so ``pool`` is never used.
"""

from __future__ import annotations

import re
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Final

import anyio
import anyio.abc
import httpx
from anyio import TypedAttributeSet, typed_attribute
from anyio.abc import SocketAttribute

__all__ = ["ConnectionAttribute", "Connector", "HTTPTransport", "tcp_connector", "unix_connector"]

Connector = Callable[[], Awaitable[anyio.abc.ByteStream]]

#: Bytes asked for per read.
RECEIVE_SIZE: Final = 65536
#: Request bodies up to this size are written in the same write as the head.
_COALESCE_SIZE: Final = 65536
#: Largest response head, or chunk-size/trailer line, accepted.
MAX_HEAD_SIZE: Final = 65536
#: Idle connections kept per transport.
DEFAULT_MAX_IDLE: Final = 32

_IDEMPOTENT: Final = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
_HEX: Final = re.compile(rb"[0-9A-Fa-f]{1,16}")
_TOKEN: Final = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


class ConnectionAttribute(TypedAttributeSet):
    """What a stream may offer beyond ``ByteStream``; the transport makes do without."""

    #: Whether it is still open with nothing unread (otherwise: a peek at its socket).
    idle_and_open: Callable[[], bool] = typed_attribute()
    #: ``receive(max_bytes, timeout)`` raising ``TimeoutError`` (otherwise: a cancel scope).
    receive_within: Callable[[int, float | None], Awaitable[bytes]] = typed_attribute()
    #: ``send(data, timeout)`` raising ``TimeoutError`` (otherwise: a cancel scope).
    send_within: Callable[[bytes, float | None], Awaitable[None]] = typed_attribute()


def unix_connector(path: str) -> Connector:
    """Connects to a Unix socket."""

    async def connect() -> anyio.abc.ByteStream:
        if _on_asyncio():
            from . import _aio

            return await _aio.connect_unix(path)
        return await anyio.connect_unix(path)

    return connect


def tcp_connector(host: str, port: int) -> Connector:
    """Connects over plain TCP (TCP_NODELAY is set by anyio, and by asyncio)."""

    async def connect() -> anyio.abc.ByteStream:
        if _on_asyncio():
            from . import _aio

            return await _aio.connect_tcp(host, port)
        return await anyio.connect_tcp(host, port)

    return connect


def _on_asyncio() -> bool:
    """In a task of asyncio's own event loop (not trio, nor trio as a guest of asyncio; not
    uvloop, whose transports own their sockets differently)."""
    asyncio = sys.modules.get("asyncio")
    try:
        return (
            asyncio is not None
            and asyncio.current_task() is not None
            and isinstance(asyncio.get_running_loop(), asyncio.SelectorEventLoop)
        )
    except RuntimeError:  # no asyncio loop running in this thread
        return False


class _Retry(Exception):
    """The connection was dead before the request could have had an effect: try a fresh one."""

    def __init__(self, error: httpx.TransportError) -> None:
        self.error = error


class _Connection:
    """One byte stream plus the bytes read from it but not yet consumed."""

    __slots__ = (
        "buffer",
        "direct",
        "idle_and_open",
        "raw_socket",
        "receive_within",
        "send_within",
        "socket",
        "stream",
    )

    def __init__(self, stream: anyio.abc.ByteStream) -> None:
        self.stream = stream
        self.buffer = b""
        self.idle_and_open = stream.extra(ConnectionAttribute.idle_and_open, None)
        self.receive_within = stream.extra(ConnectionAttribute.receive_within, None)
        self.send_within = stream.extra(ConnectionAttribute.send_within, None)
        self.raw_socket = stream.extra(SocketAttribute.raw_socket, None)
        # asyncio's TCP/TLS streams expose a TransportSocket, which cannot recv: no peeking.
        raw = self.raw_socket if isinstance(self.raw_socket, socket.socket) else None
        self.socket: socket.socket | None = raw
        self.direct = raw if isinstance(stream, anyio.abc.SocketStream) else None

    def is_idle_and_open(self) -> bool:
        """False when the peer closed an idle connection (or sent bytes nobody asked for)."""
        if self.idle_and_open is not None:
            return self.idle_and_open()
        sock = self.socket
        if sock is None:
            return True
        try:
            sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return True  # nothing to read: still open
        except OSError:
            pass
        return False  # end of stream, or bytes nobody asked for

    async def receive(self, limit: float | None, size: int = RECEIVE_SIZE) -> bytes:
        """The next bytes from the stream, waiting ``limit`` seconds at most; ``b""`` at its end."""
        try:
            if self.receive_within is not None:
                return await self.receive_within(size, limit)
            if limit is None:
                return await self.stream.receive(size)
            with anyio.CancelScope(deadline=anyio.current_time() + limit):
                return await self.stream.receive(size)
            raise TimeoutError  # the scope's deadline passed (cheaper than fail_after)
        except anyio.EndOfStream:
            return b""
        except TimeoutError as exc:
            raise httpx.ReadTimeout("timed out waiting for the daemon's response") from exc
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError) as exc:
            raise httpx.ReadError(f"reading from the connection failed: {_describe(exc)}") from exc

    def send_now(self, data: bytes) -> int:
        """How much of ``data`` the socket took without waiting (0: ``send`` it instead).

        A plain socket stream (not TLS) can take a request without a trip through the event
        loop: anyio's send always yields first, which costs as much as the write.
        """
        if self.direct is None:
            return 0
        try:
            return self.direct.send(data)
        except BlockingIOError:
            return 0
        except OSError as exc:
            raise httpx.WriteError(f"writing to the connection failed: {_describe(exc)}") from exc

    async def send(self, data: bytes, limit: float | None) -> None:
        try:
            if self.send_within is not None:
                await self.send_within(data, limit)
            elif limit is None:
                await self.stream.send(data)
            else:
                with anyio.CancelScope(deadline=anyio.current_time() + limit):
                    await self.stream.send(data)
                    return
                raise TimeoutError
        except TimeoutError as exc:
            raise httpx.WriteTimeout("timed out sending to the daemon") from exc
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError) as exc:
            raise httpx.WriteError(f"writing to the connection failed: {_describe(exc)}") from exc

    async def send_eof(self) -> None:
        """Half-close: the peer reads end of stream, and its bytes keep coming back."""
        from anyio.streams.tls import TLSStream  # rarely needed, and slow to import

        stream: anyio.abc.AnyByteStream = self.stream
        # TLS has no half-close; like the docker CLI, shut the write side of the connection
        # beneath it (the daemon reads that as EOF).  Sockets shut their write side, an ssh
        # process closes its stdin (``ProcessStream``).
        while isinstance(stream, TLSStream):
            stream = stream.transport_stream
        try:
            await stream.send_eof()
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError) as exc:
            raise httpx.WriteError(f"half-closing the connection failed: {_describe(exc)}") from exc

    async def aclose(self) -> None:
        """Close without waiting for the peer, even inside a cancelled scope."""
        with anyio.CancelScope(shield=True):
            await anyio.aclose_forcefully(self.stream)


def _describe(exc: BaseException) -> str:
    while not str(exc) and exc.__cause__ is not None:
        exc = exc.__cause__
    return str(exc) or type(exc).__name__


# -- response bodies: incremental decoders over bytes, knowing nothing of I/O ----------------


class _Decoder:
    """Feed bytes as they arrive; ``done`` once the body is complete."""

    __slots__ = ("done", "leftover")

    def __init__(self) -> None:
        self.done = False
        self.leftover = b""  # bytes after the end of the body

    def feed(self, data: bytes) -> list[bytes]:
        raise NotImplementedError

    def end_of_stream(self) -> None:
        """The connection ended; an error unless the body may end that way."""
        raise httpx.RemoteProtocolError(
            "the daemon closed the connection in the middle of a response"
        )


class _NoBody(_Decoder):
    __slots__ = ()

    def __init__(self) -> None:
        super().__init__()
        self.done = True

    def feed(self, data: bytes) -> list[bytes]:
        self.leftover += data
        return []


class _LengthDecoder(_Decoder):
    __slots__ = ("_remaining",)

    def __init__(self, length: int) -> None:
        super().__init__()
        self._remaining = length
        self.done = length == 0

    def feed(self, data: bytes) -> list[bytes]:
        remaining = self._remaining
        if self.done:
            self.leftover += data
            return []
        if len(data) < remaining:
            self._remaining = remaining - len(data)
            return [data]
        self._remaining = 0
        self.done = True
        if len(data) == remaining:
            return [data]
        self.leftover = data[remaining:]
        return [data[:remaining]]


class _UntilCloseDecoder(_Decoder):
    __slots__ = ()

    def feed(self, data: bytes) -> list[bytes]:
        return [data]

    def end_of_stream(self) -> None:
        self.done = True


_SIZE_LINE, _DATA, _DATA_END, _TRAILER = range(4)


class _ChunkedDecoder(_Decoder):
    """``Transfer-Encoding: chunked``; each byte is copied at most once or twice."""

    __slots__ = ("_partial", "_remaining", "_state")

    def __init__(self) -> None:
        super().__init__()
        self._state = _SIZE_LINE
        self._remaining = 0
        self._partial = b""  # an incomplete line carried over to the next feed

    def feed(self, data: bytes) -> list[bytes]:
        if self.done:
            self.leftover += data
            return []
        if self._partial:
            data = self._partial + data
            self._partial = b""
        chunks: list[bytes] = []
        position, end = 0, len(data)
        while position < end:
            if self._state == _DATA:
                take = min(self._remaining, end - position)
                chunks.append(data if take == end else data[position : position + take])
                position += take
                self._remaining -= take
                if not self._remaining:
                    self._state = _DATA_END
                continue
            newline = data.find(b"\r\n", position)
            if newline < 0:
                self._partial = data[position:]
                if len(self._partial) > MAX_HEAD_SIZE:
                    raise httpx.RemoteProtocolError("chunk header line too long")
                break
            self._line(data[position:newline])
            position = newline + 2
            if self.done:
                self.leftover = data[position:]
                break
        return chunks

    def _line(self, line: bytes) -> None:
        if self._state == _SIZE_LINE:
            size = line.split(b";", 1)[0].strip(b" \t")
            if not _HEX.fullmatch(size):
                raise httpx.RemoteProtocolError(f"malformed chunk size line {line[:40]!r}")
            self._remaining = int(size, 16)
            self._state = _DATA if self._remaining else _TRAILER
        elif self._state == _DATA_END:
            if line:
                raise httpx.RemoteProtocolError("chunk data longer than its declared size")
            self._state = _SIZE_LINE
        elif not line:  # the empty line after the last chunk and any trailers
            self.done = True


# -- the exchange ------------------------------------------------------------------------


def _encode_request(
    request: httpx.Request,
) -> tuple[bytes, bytes, httpx.AsyncByteStream | None, bool]:
    """The request head, and its body: bytes, or a stream to send raw or chunk by chunk."""
    method = request.method
    if not _TOKEN.fullmatch(method.encode("ascii", "replace")):
        raise httpx.LocalProtocolError(f"invalid request method {method!r}")
    parts = [method.encode("ascii"), b" ", request.url.raw_path, b" HTTP/1.1\r\n"]
    has_length = has_transfer_encoding = False
    for name, value in request.headers.raw:
        if b"\n" in value or b"\r" in value or not _TOKEN.fullmatch(name):
            raise httpx.LocalProtocolError(f"invalid request header {name!r}")
        lowered = name.lower()
        if lowered == b"content-length":
            has_length = True
        elif lowered == b"transfer-encoding":
            has_transfer_encoding = True
        parts += (name, b": ", value, b"\r\n")
    stream = request.stream
    if isinstance(stream, httpx.ByteStream):
        body = request.content
        if has_transfer_encoding:
            body = (b"%x\r\n%b\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"
        elif body and not has_length:
            parts.append(b"Content-Length: %d\r\n" % len(body))
        parts.append(b"\r\n")
        return b"".join(parts), body, None, False
    if not isinstance(stream, httpx.AsyncByteStream):
        raise TypeError("engine_client's transport needs an async request body")
    chunked = has_transfer_encoding or not has_length
    if not has_transfer_encoding and not has_length:
        parts.append(b"Transfer-Encoding: chunked\r\n")
    parts.append(b"\r\n")
    return b"".join(parts), b"", stream, chunked


class _Head:
    """A parsed response head, with what decides the framing of its body."""

    __slots__ = (
        "ascii",
        "chunked",
        "headers",
        "keep_alive",
        "length",
        "reason",
        "status",
        "version",
    )

    def __init__(self, head: bytes) -> None:
        self.ascii = head.isascii()
        status_line, _, rest = head.partition(b"\r\n")
        self.version, _, status_reason = status_line.partition(b" ")
        code, _, self.reason = status_reason.partition(b" ")
        if not self.version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
            raise httpx.RemoteProtocolError(f"malformed status line {status_line[:80]!r}")
        self.status = int(code)
        self.length: bytes | None = None
        self.chunked = False
        self.keep_alive = self.version == b"HTTP/1.1"
        self.headers: list[tuple[bytes, bytes]] = []
        if rest:
            for line in rest.split(b"\r\n"):
                name, colon, value = line.partition(b":")
                if not colon or not name:
                    raise httpx.RemoteProtocolError(f"malformed header line {line[:80]!r}")
                value = value.strip(b" \t")
                self.headers.append((name, value))
                if len(name) in _FRAMING_NAME_SIZES:
                    self._framing(name.lower(), value)

    def _framing(self, name: bytes, value: bytes) -> None:
        if name == b"content-length":
            if self.length is not None and value != self.length:
                raise httpx.RemoteProtocolError("conflicting Content-Length headers")
            self.length = value
        elif name == b"transfer-encoding":
            self.chunked = value.lower().rsplit(b",", 1)[-1].strip() == b"chunked"
            self.keep_alive = self.keep_alive and self.chunked
        elif name == b"connection" and b"close" in value.lower():
            self.keep_alive = False

    def response(self, stream: httpx.AsyncByteStream, extensions: dict[str, Any]) -> httpx.Response:
        response = httpx.Response(
            self.status, headers=self.headers, stream=stream, extensions=extensions
        )
        if self.ascii:
            # What httpx would find by decoding every header on first access, known already.
            response.headers.encoding = "ascii"
        return response

    def decoder(self, method: str) -> _Decoder:
        """How the body is framed (which may forbid reusing the connection)."""
        if method == "HEAD" or self.status in (204, 304) or self.status < 200:
            return _NoBody()
        if self.chunked:
            return _ChunkedDecoder()
        if self.length is not None:
            if not self.length.isdigit():
                raise httpx.RemoteProtocolError(f"malformed Content-Length {self.length[:40]!r}")
            return _LengthDecoder(int(self.length))
        self.keep_alive = False
        return _UntilCloseDecoder()


#: len("Connection"), len("Content-Length"), len("Transfer-Encoding")
_FRAMING_NAME_SIZES: Final = frozenset({10, 14, 17})


class HTTPTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 to the daemon over streams made by ``connector``."""

    def __init__(self, connector: Connector, *, max_idle: int = DEFAULT_MAX_IDLE) -> None:
        self._connector = connector
        self._max_idle = max_idle
        self._idle: list[_Connection] = []
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise RuntimeError("this transport has been closed")
        timeouts = request.extensions.get("timeout") or {}
        head, body, stream, chunked = _encode_request(request)
        retried = False
        while True:
            connection, reused = await self._acquire(timeouts.get("connect"), fresh=retried)
            try:
                return await self._exchange(
                    connection, request, head, body, stream, chunked, timeouts
                )
            except _Retry as retry:
                await connection.aclose()
                if not reused or retried:
                    raise retry.error from retry.error.__cause__
                retried = True
            except BaseException:
                await connection.aclose()
                raise

    async def aclose(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.aclose()

    async def _acquire(
        self, connect_limit: float | None, *, fresh: bool = False
    ) -> tuple[_Connection, bool]:
        idle = self._idle
        while idle and not fresh:
            connection = idle.pop()
            if connection.is_idle_and_open():
                return connection, True
            await connection.aclose()
        try:
            with anyio.fail_after(connect_limit):
                stream = await self._connector()
        except TimeoutError as exc:
            raise httpx.ConnectTimeout("timed out connecting to the daemon") from exc
        except OSError as exc:
            raise httpx.ConnectError(f"cannot connect: {_describe(exc)}") from exc
        return _Connection(stream), False

    async def _release(self, connection: _Connection) -> None:
        if self._closed or connection.buffer or len(self._idle) >= self._max_idle:
            await connection.aclose()
        else:
            self._idle.append(connection)

    async def _exchange(
        self,
        connection: _Connection,
        request: httpx.Request,
        head: bytes,
        body: bytes,
        stream: httpx.AsyncByteStream | None,
        chunked: bool,
        timeouts: dict[str, Any],
    ) -> httpx.Response:
        read_timeout = timeouts.get("read")
        retry_after_send = stream is None and request.method in _IDEMPOTENT
        await _send_request(connection, head, body, stream, chunked, timeouts.get("write"))
        head_ = await _receive_head(connection, retry_after_send, read_timeout)
        while head_.status < 200 and head_.status != 101:  # informational: skip
            head_ = await _receive_head(connection, False, read_timeout)
        return await self._response(connection, request.method, head_, read_timeout)

    async def _response(
        self, connection: _Connection, method: str, head: _Head, read_timeout: float | None
    ) -> httpx.Response:
        status = head.status
        extensions: dict[str, Any] = {"http_version": head.version, "reason_phrase": head.reason}
        if status == 101:
            extensions["network_stream"] = NetworkStream(connection)
            return head.response(_UpgradedBody(connection), extensions)
        decoder = head.decoder(method)
        buffered, connection.buffer = connection.buffer, b""
        pending = decoder.feed(buffered) if buffered else []
        if not decoder.done:
            body = _Body(self, connection, decoder, pending, head.keep_alive, read_timeout)
            return head.response(body, extensions)
        # The whole body is in memory already: release the connection now, and spare the
        # caller httpx's async read loop (``aread()`` returns ``_content`` when it is set).
        content = pending[0] if len(pending) == 1 else b"".join(pending)
        response = head.response(httpx.ByteStream(content), extensions)
        response._content = content
        connection.buffer = decoder.leftover
        if head.keep_alive:
            await self._release(connection)
        else:
            await connection.aclose()
        return response


async def _receive_head(
    connection: _Connection, retry_on_eof: bool, read_timeout: float | None
) -> _Head:
    """Read and parse a response head; ``_Retry`` when the connection ended before any byte."""
    buffer = connection.buffer
    start = 0
    while (end := buffer.find(b"\r\n\r\n", start)) < 0:
        if len(buffer) > MAX_HEAD_SIZE:
            raise httpx.RemoteProtocolError("response head too long")
        try:
            data = await connection.receive(read_timeout)
        except httpx.ReadError as exc:
            if retry_on_eof and not buffer:
                raise _Retry(exc) from exc.__cause__
            raise
        if not data:
            error = httpx.RemoteProtocolError("the daemon closed the connection without a response")
            if retry_on_eof and not buffer:
                raise _Retry(error)
            raise error
        start = max(len(buffer) - 3, 0)
        buffer += data
    connection.buffer = buffer[end + 4 :]
    return _Head(buffer[:end])


async def _send_request(
    connection: _Connection,
    head: bytes,
    body: bytes,
    stream: httpx.AsyncByteStream | None,
    chunked: bool,
    write_timeout: float | None,
) -> None:
    first = head + body if body and len(body) <= _COALESCE_SIZE else head
    try:
        sent = connection.send_now(first)
        if not sent:
            await connection.send(first, write_timeout)
            sent = len(first)
    except httpx.WriteError as exc:
        # The request did not reach the daemon whole: safe to repeat on a fresh connection.
        raise _Retry(exc) from exc.__cause__
    if sent < len(first):
        await connection.send(first[sent:], write_timeout)
    if len(body) > _COALESCE_SIZE:
        for start in range(0, len(body), _COALESCE_SIZE):  # the write timeout is per write
            await connection.send(body[start : start + _COALESCE_SIZE], write_timeout)
    if stream is not None:
        async for chunk in stream:
            if chunk:
                data = b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk
                await connection.send(data, write_timeout)
        if chunked:
            await connection.send(b"0\r\n\r\n", write_timeout)


class _Body(httpx.AsyncByteStream):
    """A response body read as it arrives; the connection is pooled again only once it was
    read to the end, and closed otherwise (an interrupted body leaves unread bytes behind)."""

    def __init__(
        self,
        transport: HTTPTransport,
        connection: _Connection,
        decoder: _Decoder,
        pending: list[bytes],
        keep_alive: bool,
        read_timeout: float | None,
    ) -> None:
        self._transport = transport
        self._connection: _Connection | None = connection
        self._decoder = decoder
        self._pending = pending[::-1]
        self._keep_alive = keep_alive
        self._timeout = read_timeout

    def __aiter__(self) -> _Body:
        return self

    async def __anext__(self) -> bytes:
        pending = self._pending
        while not pending:
            connection = self._connection
            if self._decoder.done or connection is None:
                raise StopAsyncIteration
            data = await connection.receive(self._timeout)
            if data:
                pending.extend(reversed(self._decoder.feed(data)))
            else:
                self._decoder.end_of_stream()
        return pending.pop()

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if self._decoder.done and self._keep_alive:
            connection.buffer = self._decoder.leftover
            await self._transport._release(connection)
        else:
            await connection.aclose()


class _UpgradedBody(httpx.AsyncByteStream):
    """The (empty) body of a ``101``: closing the response closes the upgraded connection."""

    def __init__(self, connection: _Connection) -> None:
        self._connection = connection

    async def __aiter__(self) -> AsyncIterator[bytes]:
        return
        yield b""  # pragma: no cover

    async def aclose(self) -> None:
        await self._connection.aclose()


class NetworkStream:
    """The connection after a ``101``, with the interface of httpcore's network streams.

    ``read`` first returns any bytes the daemon sent right behind the ``101`` head;
    ``send_eof`` half-closes whatever the connection runs over (unix, tcp, TLS, ssh).
    """

    def __init__(self, connection: _Connection) -> None:
        self._connection = connection

    # ``timeout`` parameters: the interface is httpcore's.
    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        connection = self._connection
        if connection.buffer:
            data = connection.buffer[:max_bytes]
            connection.buffer = connection.buffer[max_bytes:]
            return data
        return await connection.receive(timeout, max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        if buffer:
            await self._connection.send(buffer, timeout)

    async def send_eof(self) -> None:
        """Half-close, on any kind of connection (beyond httpcore's interface)."""
        await self._connection.send_eof()

    async def aclose(self) -> None:
        await self._connection.aclose()

    def get_extra_info(self, info: str) -> Any:
        stream = self._connection.stream
        if info == "socket":
            return self._connection.raw_socket
        if info == "client_addr":
            return stream.extra(SocketAttribute.local_address, None)
        if info == "server_addr":
            return stream.extra(SocketAttribute.remote_address, None)
        if info == "ssl_object":
            from anyio.streams.tls import TLSAttribute  # rarely needed, and slow to import

            return stream.extra(TLSAttribute.ssl_object, None)
        return None
