"""Hijacked connections: attach and exec start turn the HTTP connection into a raw pipe.

The daemon answers ``101 UPGRADED`` and from then on the socket carries the process's stdin one
way and its output (multiplexed frames, or raw bytes for a TTY) the other.  The transport hands
the connection over through the response's public ``network_stream`` extension; only the
interface below is used, so any transport that provides it works.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Any, Protocol, Union, runtime_checkable

import anyio
import httpx

from ._exceptions import APIError, EngineError, StreamError, daemon_message, error_class
from ._streams import MAX_ITEM_SIZE, Frame, FrameStream, Output, collect

__all__ = [
    "AttachedStream",
    "FrameSink",
    "HalfClosable",
    "NetworkStream",
    "Stdin",
    "close_write",
    "refused_upgrade",
]

#: What a process's stdin can be given as.
Stdin = Union[bytes, AsyncIterable[bytes]]
#: Receives output frames as they arrive.
FrameSink = Callable[[Frame], Awaitable[None]]

_READ_SIZE = 64 * 1024
#: Most of a refused upgrade's body that is read: it is meant to be a short error text.
_MAX_ERROR_BODY = 64 * 1024


class NetworkStream(Protocol):
    """The connection a transport hands over after ``101``: httpcore's ``network_stream``."""

    async def read(self, max_bytes: int) -> bytes: ...

    async def write(self, buffer: bytes) -> None: ...

    async def aclose(self) -> None: ...

    def get_extra_info(self, info: str) -> Any: ...


@runtime_checkable
class HalfClosable(Protocol):
    """A network stream that can half-close itself: engine_client's own transport's."""

    async def send_eof(self) -> None: ...


async def close_write(stream: NetworkStream) -> None:
    """Half-close: the process sees EOF on its stdin, and its output keeps flowing back.

    engine_client's transport half-closes every kind of connection it makes (unix, tcp, TLS,
    ssh).  httpx's transport (``ENGINE_CLIENT_TRANSPORT=httpx``) only exposes the socket,
    whose write side is shut directly.
    """
    try:
        if isinstance(stream, HalfClosable):
            await stream.send_eof()
        else:
            _shutdown_socket(stream)
    except EngineError:
        raise
    except Exception as exc:  # the transport's own error types: httpx's, httpcore's, OSError
        raise StreamError(f"could not close the process's stdin: {exc!r}") from exc


def _shutdown_socket(stream: NetworkStream) -> None:
    sock = stream.get_extra_info("socket")
    if sock is None:
        raise StreamError("this connection cannot be half-closed: the transport exposes no socket")
    sock.shutdown(socket.SHUT_WR)


async def refused_upgrade(
    response: httpx.Response, method: str, path: str, read_timeout: float | None
) -> APIError:
    """The error for an answer other than ``101``, quoting the daemon's text.

    After deciding to hijack, the daemon writes errors as plain text straight onto the
    connection, with no length, and closes it: the body is read to its end, within the
    client's ordinary timeout and a size bound (a 200 without upgrade carries the stream).
    """
    body = await _error_body(response, read_timeout)
    status = response.status_code
    message = daemon_message(status, response.reason_phrase, body)
    if status < 400:
        detail = f": {message[:200]}" if body.strip() else ""
        message = (
            f"the daemon answered {status} {response.reason_phrase} instead of "
            f"101 Switching Protocols; a proxy between this client and the daemon may be "
            f"interfering with the connection upgrade{detail}"
        )
    return error_class(status)(status, message, method, path)


async def _error_body(response: httpx.Response, read_timeout: float | None) -> bytes:
    if response.is_stream_consumed:  # a transport that has read the body already
        return response.content[:_MAX_ERROR_BODY]
    body = bytearray()
    with anyio.move_on_after(read_timeout):
        try:
            async for chunk in response.aiter_raw():
                body += chunk
                if len(body) >= _MAX_ERROR_BODY:
                    break
        except httpx.TransportError:
            pass  # whatever arrived before the connection broke is the message
    return bytes(body[:_MAX_ERROR_BODY])


class AttachedStream:
    """A process's stdin, stdout and stderr over a hijacked connection (attach, exec start).

    Iterate it for :class:`Frame` objects until the process's output ends; ``write`` sends to
    its stdin and ``close_stdin`` delivers EOF there while output keeps arriving.  With a TTY
    the output is passed on raw, as it arrives, as ``STDOUT`` frames.  Reading has no deadline.
    A connection that breaks raises :class:`StreamError`; an output that ends normally ends
    the iteration.  The stream is closed by the ``async with`` block that produced it.
    """

    __slots__ = ("_frames", "_network", "tty")

    def __init__(self, network: NetworkStream, *, tty: bool, max_size: int = MAX_ITEM_SIZE) -> None:
        self._network = network
        self.tty = tty
        self._frames = FrameStream(self._read, tty=tty, max_size=max_size)

    def __aiter__(self) -> AttachedStream:
        return self

    async def __anext__(self) -> Frame:
        return await self._frames.__anext__()

    async def write(self, data: bytes) -> None:
        """Send ``data`` to the process's stdin."""
        try:
            await self._network.write(data)
        except EngineError:
            raise
        except Exception as exc:
            raise StreamError(f"the connection broke while writing to stdin: {exc!r}") from exc

    async def close_stdin(self) -> None:
        """Deliver EOF to the process's stdin (``cat`` and ``wc`` then finish).

        Not for a TTY: there the daemon stops forwarding output once stdin is closed, and
        the process sees EOF only from the terminal's EOF character (``b"\\x04"`` at the
        start of a line).
        """
        await close_write(self._network)

    async def collect(self, stdin: Stdin | None = None, output: FrameSink | None = None) -> Output:
        """Send ``stdin`` (if given) and then EOF, while reading all output to its end.

        ``stdin`` is bytes or an async iterable of bytes.  Frames are collected into the
        returned :class:`Output`, or, when ``output`` is given, passed to it as they arrive
        (and the returned output is empty).  With a TTY, stdin is sent without closing it
        (see :meth:`close_stdin`): end it with ``b"\\x04"`` for a process that reads to EOF.
        A process that exits without reading all of its stdin is not an error: its output
        and exit code tell what happened, as with ``docker run -i``.
        """
        if stdin is None:
            return await self._receive(output)
        failures: list[EngineError] = []  # raised as themselves, not inside an exception group
        async with anyio.create_task_group() as tasks:

            async def send() -> None:
                try:
                    await self._send_all(stdin)
                except EngineError as exc:
                    failures.append(exc)
                    tasks.cancel_scope.cancel()  # the process would wait for EOF forever

            tasks.start_soon(send)
            try:
                result = await self._receive(output)
            except EngineError as exc:
                failures.append(exc)
            tasks.cancel_scope.cancel()  # once output has ended, stdin no longer matters
        if failures:
            raise failures[0]
        return result

    async def _receive(self, output: FrameSink | None) -> Output:
        if output is None:
            return await collect(self)
        async for frame in self:
            await output(frame)
        return Output(b"", b"")

    async def _send_all(self, stdin: Stdin) -> None:
        """Send ``stdin``, then EOF; a failure to deliver the EOF is raised, never dropped.

        A write refused because the process stopped reading (it exited, or closed its stdin)
        ends the sending quietly: the output and exit code tell what happened, and reading
        reports a connection that really broke.
        """
        try:
            if isinstance(stdin, bytes):
                if stdin:
                    await self.write(stdin)
            else:
                async for chunk in stdin:
                    await self.write(chunk)
        except StreamError:
            return
        if not self.tty:
            await self.close_stdin()

    async def _read(self) -> bytes:
        try:
            return await self._network.read(_READ_SIZE)
        except EngineError:
            raise
        except Exception as exc:  # the transport's own error types: httpcore's, anyio's, OSError
            raise StreamError(f"the connection broke while reading output: {exc!r}") from exc
