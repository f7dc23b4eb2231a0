"""engine_client's own HTTP/1.1 transport, against a tiny fake daemon on a Unix socket.

The fake speaks just enough HTTP to script what a daemon (or a misbehaving one) does: each test
gives it a handler that reads requests from a connection and writes raw bytes back.  Framing at
every byte boundary is checked on the decoders and through a scripted in-memory stream, where
the boundaries are exact (a socket may coalesce writes).
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.abc
import httpx
import pytest

from engine_client import Client, ClientConfig, EngineConnectionError, EngineTimeout
from engine_client._http import (
    HTTPTransport,
    _ChunkedDecoder,
    _Connection,
    unix_connector,
)

pytestmark = pytest.mark.anyio

TIMEOUTS = {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}


class Peer:
    """The fake daemon's side of one connection."""

    def __init__(self, stream: anyio.abc.ByteStream) -> None:
        self.stream = stream
        self.buffer = b""

    async def _fill(self) -> bool:
        try:
            data = await self.stream.receive()
        except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
            return False
        self.buffer += data
        return True

    async def _line(self) -> bytes | None:
        while b"\r\n" not in self.buffer:
            if not await self._fill():
                return None
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    async def _exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            assert await self._fill(), "client closed in the middle of a request body"
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    async def request(self) -> tuple[str, str, dict[str, str], bytes] | None:
        """The next request (method, target, headers, body), or None when the client closed."""
        line = await self._line()
        if line is None:
            return None
        method, target, _ = line.decode().split(" ")
        headers: dict[str, str] = {}
        while (header := await self._line()):
            name, _, value = header.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        body = b""
        if headers.get("transfer-encoding") == "chunked":
            while (size := int((await self._line() or b"0").split(b";")[0], 16)):
                body += await self._exactly(size)
                assert await self._exactly(2) == b"\r\n"
            assert await self._line() == b""
        elif "content-length" in headers:
            body = await self._exactly(int(headers["content-length"]))
        return method, target, headers, body

    async def send(self, data: bytes) -> None:
        await self.stream.send(data)

    async def wait_closed(self) -> None:
        """Keep what arrives until the client closes (or half-closes) its side."""
        while await self._fill():
            pass


Handler = Callable[[Peer], Awaitable[None]]


def ok(body: bytes = b"OK", *extra: str) -> bytes:
    head = ["HTTP/1.1 200 OK", f"Content-Length: {len(body)}", "Api-Version: 1.41", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def serve_forever(peer: Peer) -> None:
    """Answer every request with its target in a Content-Length body."""
    while (request := await peer.request()) is not None:
        await peer.send(ok(request[1].encode()))


class FakeDaemon:
    def __init__(self, path: str, handler: Handler) -> None:
        self.path = path
        self.handler = handler
        self.connections = 0
        self.active = 0
        self.idle = anyio.Event()

    async def _serve(self, stream: anyio.abc.ByteStream) -> None:
        self.connections += 1
        self.active += 1
        try:
            async with stream:
                await self.handler(Peer(stream))
        finally:
            self.active -= 1
            if not self.active:
                self.idle.set()

    def transport(self, **options: Any) -> HTTPTransport:
        return HTTPTransport(unix_connector(self.path), **options)


@pytest.fixture
def socket_dir() -> Iterator[str]:
    # Short: a Unix socket path has ~100 bytes at most, pytest's tmp_path can be longer.
    with tempfile.TemporaryDirectory(prefix="ec-http-") as directory:
        yield directory


@asynccontextmanager
async def fake_daemon(socket_dir: str, handler: Handler = serve_forever) -> AsyncIterator[FakeDaemon]:
    path = os.path.join(socket_dir, "d.sock")
    daemon = FakeDaemon(path, handler)
    async with await anyio.create_unix_listener(path) as listener:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(listener.serve, daemon._serve)
            try:
                yield daemon
            finally:
                # Let handlers see their clients leave: cancelling a socket wait on asyncio in
                # the very iteration the socket turns readable makes anyio log an error.
                with anyio.move_on_after(1):
                    if daemon.active:
                        daemon.idle = anyio.Event()
                        await daemon.idle.wait()
                tasks.cancel_scope.cancel()


async def get(
    transport: httpx.AsyncBaseTransport, path: str = "/x", method: str = "GET", **options: Any
) -> httpx.Response:
    request = httpx.Request(method, f"http://docker{path}", extensions={"timeout": TIMEOUTS}, **options)
    response = await transport.handle_async_request(request)
    await response.aread()
    await response.aclose()
    return response


# -- keep-alive and the pool -------------------------------------------------------------


async def test_keep_alive_reuses_one_connection(socket_dir: str) -> None:
    async with fake_daemon(socket_dir) as daemon:
        transport = daemon.transport()
        bodies = [(await get(transport, f"/r{i}")).content for i in range(5)]
        await transport.aclose()
    assert bodies == [f"/r{i}".encode() for i in range(5)]
    assert daemon.connections == 1


async def test_concurrent_streams_each_hold_a_connection_and_idle_ones_are_bounded(
    socket_dir: str,
) -> None:
    finish = anyio.Event()

    async def streams(peer: Peer) -> None:
        while await peer.request() is not None:
            await peer.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n")
            await finish.wait()
            await peer.send(b"0\r\n\r\n")

    async with fake_daemon(socket_dir, streams) as daemon:
        transport = daemon.transport(max_idle=2)
        requests = [httpx.Request("GET", f"http://docker/s{i}") for i in range(3)]
        responses = [await transport.handle_async_request(r) for r in requests]
        assert daemon.connections == 3  # no upper bound on connections in use
        finish.set()
        for response in responses:
            assert await response.aread() == b"hi"
            await response.aclose()
        assert len(transport._idle) == 2
        # Last in, first out: the connection released last serves the next request and goes
        # back on top (first in, first out would reverse the order).
        idle = list(transport._idle)
        response = await transport.handle_async_request(httpx.Request("GET", "http://docker/n"))
        assert await response.aread() == b"hi"
        await response.aclose()
        assert transport._idle == idle
        await transport.aclose()
    assert daemon.connections == 3


async def test_daemon_closing_an_idle_connection_is_noticed_before_reuse(socket_dir: str) -> None:
    closed = anyio.Event()

    async def one_request_per_connection(peer: Peer) -> None:
        request = await peer.request()
        assert request is not None
        await peer.send(ok(b"first"))
        closed.set()

    async with fake_daemon(socket_dir, one_request_per_connection) as daemon:
        transport = daemon.transport()
        await get(transport)
        await closed.wait()
        await anyio.sleep(0.05)  # the close reaches the client's socket
        assert (await get(transport, method="POST", content=b"x")).content == b"first"
        await transport.aclose()
    assert daemon.connections == 2


async def test_idempotent_request_is_retried_when_a_pooled_connection_dies_unanswered(
    socket_dir: str,
) -> None:
    async def close_at_second_request(peer: Peer) -> None:
        await peer.request()
        await peer.send(ok(b"first"))
        await peer.request()  # read, then close without answering (an idle timeout race)

    async def fresh(peer: Peer) -> None:
        await serve_forever(peer)

    handlers = iter([close_at_second_request, fresh])

    async def handler(peer: Peer) -> None:
        await next(handlers)(peer)

    async with fake_daemon(socket_dir, handler) as daemon:
        transport = daemon.transport()
        await get(transport)
        assert (await get(transport, "/again")).content == b"/again"
        await transport.aclose()
    assert daemon.connections == 2


async def test_retry_goes_to_a_fresh_connection_not_another_pooled_one(
    socket_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    finish = anyio.Event()

    async def handler(peer: Peer) -> None:
        if daemon.connections > 2:
            await serve_forever(peer)
            return
        await peer.request()
        await peer.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n")
        await finish.wait()
        await peer.send(b"0\r\n\r\n")
        await peer.request()  # the next request on this connection goes unanswered

    # Both pooled connections die unnoticed (as when the daemon restarts between requests).
    monkeypatch.setattr(_Connection, "is_idle_and_open", lambda self: True)
    async with fake_daemon(socket_dir, handler) as daemon:
        transport = daemon.transport()
        requests = [httpx.Request("GET", f"http://docker/{name}") for name in "ab"]
        responses = [await transport.handle_async_request(r) for r in requests]
        finish.set()
        for response in responses:
            await response.aread()
            await response.aclose()
        assert (await get(transport, "/c")).content == b"/c"
        assert daemon.connections == 3
        await transport.aclose()


async def test_non_idempotent_request_that_was_sent_is_not_retried(socket_dir: str) -> None:
    async def close_at_second_request(peer: Peer) -> None:
        await peer.request()
        await peer.send(ok(b"first"))
        await peer.request()

    async with fake_daemon(socket_dir, close_at_second_request) as daemon:
        transport = daemon.transport()
        await get(transport)
        with pytest.raises(httpx.RemoteProtocolError):
            await get(transport, method="POST", content=b"{}")
        await transport.aclose()
    assert daemon.connections == 1


async def test_request_that_could_not_be_sent_is_retried_on_a_fresh_connection(
    socket_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = anyio.Event()

    async def first(peer: Peer) -> None:
        await peer.request()
        await peer.send(ok(b"first"))
        closed.set()

    handlers = iter([first, serve_forever])

    async def handler(peer: Peer) -> None:
        await next(handlers)(peer)

    # Defeat the idle check, as when the daemon closes between the check and the write.
    monkeypatch.setattr(_Connection, "is_idle_and_open", lambda self: True)
    async with fake_daemon(socket_dir, handler) as daemon:
        transport = daemon.transport()
        await get(transport)
        await closed.wait()
        await anyio.sleep(0.05)
        # Writing to a Unix socket whose peer is gone fails at once: nothing was sent.
        response = await get(transport, "/create", method="POST", content=b"{}")
        assert response.content == b"/create"
        await transport.aclose()
    assert daemon.connections == 2


# -- bodies --------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 300_000])
async def test_content_length_bodies(socket_dir: str, size: int) -> None:
    payload = bytes(i % 251 for i in range(size))

    async def handler(peer: Peer) -> None:
        while await peer.request() is not None:
            await peer.send(ok(payload))

    async with fake_daemon(socket_dir, handler) as daemon:
        transport = daemon.transport()
        assert (await get(transport)).content == payload
        assert (await get(transport)).content == payload
        await transport.aclose()
    assert daemon.connections == 1


async def test_read_until_close_body_ends_the_connection(socket_dir: str) -> None:
    async def handler(peer: Peer) -> None:
        await peer.request()
        await peer.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n")
        for part in (b"raw ", b"stream ", b"until close"):
            await peer.send(part)
            await anyio.sleep(0.01)

    async with fake_daemon(socket_dir, handler) as daemon:
        transport = daemon.transport()
        assert (await get(transport)).content == b"raw stream until close"
        assert (await get(transport)).content == b"raw stream until close"
        await transport.aclose()
    assert daemon.connections == 2


@pytest.mark.parametrize(
    ("method", "status"), [("HEAD", "200 OK"), ("GET", "204 No Content"), ("GET", "304 Not Modified")]
)
async def test_responses_without_a_body(socket_dir: str, method: str, status: str) -> None:
    async def handler(peer: Peer) -> None:
        while await peer.request() is not None:
            # A Content-Length that describes the entity, not this message: no body follows.
            await peer.send(f"HTTP/1.1 {status}\r\nContent-Length: 12\r\n\r\n".encode())

    async with fake_daemon(socket_dir, handler) as daemon:
        transport = daemon.transport()
        for _ in range(2):
            assert (await get(transport, method=method)).content == b""
        await transport.aclose()
    assert daemon.connections == 1


async def test_connection_close_header_prevents_reuse(socket_dir: str) -> None:
    async def handler(peer: Peer) -> None:
        while await peer.request() is not None:
            await peer.send(ok(b"bye", "Connection: close"))

    async with fake_daemon(socket_dir, handler) as daemon:
        transport = daemon.transport()
        await get(transport)
        await get(transport)
        await transport.aclose()
    assert daemon.connections == 2


CHUNKED = (
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\nhello\r\n"
    b"1;name=value\r\n,\r\n"
    b"A\r\n logs and \r\n"
    b"6\r\nevents\r\n"
    b"0\r\nX-Trailer: yes\r\n\r\n"
)
CHUNKED_BODY = b"hello, logs and events"


class Scripted(anyio.abc.ByteStream):
    """An in-memory connection that delivers the given pieces, one per receive."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces
        self.sent = b""

    async def receive(self, max_bytes: int = 65536) -> bytes:
        await anyio.lowlevel.checkpoint()
        if not self.pieces:
            raise anyio.EndOfStream
        return self.pieces.pop(0)

    async def send(self, item: bytes) -> None:
        await anyio.lowlevel.checkpoint()
        self.sent += item

    async def send_eof(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


def scripted_transport(pieces: list[bytes]) -> tuple[HTTPTransport, Scripted]:
    stream = Scripted(pieces)

    async def connect() -> anyio.abc.ByteStream:
        return stream

    return HTTPTransport(connect), stream


def splits(data: bytes) -> Iterator[list[bytes]]:
    """The data in two pieces at every position, in three around every position, and byte by byte."""
    for i in range(1, len(data)):
        yield [data[:i], data[i:]]
        yield [data[: i - 1], data[i - 1 : i + 1], data[i + 1 :]]
    yield [data[i : i + 1] for i in range(len(data))]


def test_chunked_decoder_at_every_byte_boundary() -> None:
    body = CHUNKED.split(b"\r\n\r\n", 1)[1] + b"NEXT"
    for pieces in splits(body):
        decoder = _ChunkedDecoder()
        out = b"".join(b"".join(decoder.feed(piece)) for piece in pieces if piece)
        assert (out, decoder.done, decoder.leftover) == (CHUNKED_BODY, True, b"NEXT"), pieces


async def test_chunked_response_at_every_byte_boundary() -> None:
    for pieces in splits(CHUNKED):
        transport, _ = scripted_transport([p for p in pieces if p])
        response = await transport.handle_async_request(httpx.Request("GET", "http://docker/x"))
        assert b"".join([chunk async for chunk in response.aiter_raw()]) == CHUNKED_BODY
        # Read to its end, the connection went back to the pool.
        assert len(transport._idle) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"zz\r\nhello\r\n0\r\n\r\n",  # not hex
        b"5\r\nhello!!\r\n0\r\n\r\n",  # data longer than declared
        b"0x5\r\nhello\r\n0\r\n\r\n",  # int() would accept these
        b"+5\r\nhello\r\n0\r\n\r\n",
        b"1_0\r\nhello\r\n0\r\n\r\n",
    ],
)
def test_malformed_chunked_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        _ChunkedDecoder().feed(body)


async def test_chunked_body_cut_off_is_an_error() -> None:
    transport, _ = scripted_transport([CHUNKED[:-20]])
    response = await transport.handle_async_request(httpx.Request("GET", "http://docker/x"))
    with pytest.raises(httpx.RemoteProtocolError):
        await response.aread()
    await response.aclose()
    assert transport._idle == []


async def test_content_length_body_cut_off_is_an_error() -> None:
    transport, _ = scripted_transport([b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"])
    response = await transport.handle_async_request(httpx.Request("GET", "http://docker/x"))
    with pytest.raises(httpx.RemoteProtocolError):
        await response.aread()


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"SPDY/3 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    ],
)
async def test_malformed_response_heads_are_refused(head: bytes) -> None:
    transport, _ = scripted_transport([head])
    with pytest.raises(httpx.RemoteProtocolError):
        await get(transport)


async def test_informational_response_is_skipped() -> None:
    transport, _ = scripted_transport([b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"real")])
    response = await get(transport)
    assert (response.status_code, response.content) == (200, b"real")


# -- request bodies ------------------------------------------------------------------------


async def echo_body(peer: Peer) -> None:
    while (request := await peer.request()) is not None:
        framing = "chunked" if request[2].get("transfer-encoding") == "chunked" else "length"
        await peer.send(ok(framing.encode() + b":" + request[3]))


async def test_request_bodies_from_bytes_and_iterators(socket_dir: str) -> None:
    async def parts() -> AsyncIterator[bytes]:
        for part in (b"stream", b"", b"ed ", b"upload"):
            yield part

    big = b"x" * 200_000
    async with fake_daemon(socket_dir, echo_body) as daemon:
        transport = daemon.transport()
        assert (await get(transport, method="POST", content=b"{}")).content == b"length:{}"
        assert (await get(transport, method="POST", content=big)).content == b"length:" + big
        assert (await get(transport, method="POST", content=parts())).content == (
            b"chunked:streamed upload"
        )
        sized = await get(
            transport, method="PUT", content=parts(), headers={"Content-Length": "15"}
        )
        assert sized.content == b"length:streamed upload"
        await transport.aclose()
    assert daemon.connections == 1


async def test_no_expect_header_and_no_body_framing_on_get() -> None:
    transport, stream = scripted_transport([ok()])
    await get(transport, "/v1.41/containers/json?all=1")
    assert stream.sent == b"GET /v1.41/containers/json?all=1 HTTP/1.1\r\nHost: docker\r\n\r\n"


@pytest.mark.parametrize("value", ["a\r\nInjected: 1", "a\nb"])
async def test_header_values_cannot_inject_lines(value: str) -> None:
    transport, stream = scripted_transport([ok()])
    with pytest.raises(httpx.LocalProtocolError):
        await get(transport, headers={"X-Registry-Auth": value})
    assert stream.sent == b""


# -- upgrades --------------------------------------------------------------------------------


async def test_upgrade_hands_over_the_connection_with_bytes_already_read(socket_dir: str) -> None:
    async def attach(peer: Peer) -> None:
        request = await peer.request()
        assert request is not None and request[2]["upgrade"] == "tcp"
        # The 101 and the first output in one write: the client reads both at once.
        await peer.send(
            b"HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nearly output;"
        )
        await peer.wait_closed()
        await peer.send(b"got " + peer.buffer)

    async with fake_daemon(socket_dir, attach) as daemon:
        transport = daemon.transport()
        request = httpx.Request(
            "POST",
            "http://docker/containers/x/attach?stream=1",
            headers={"Upgrade": "tcp", "Connection": "Upgrade"},
        )
        response = await transport.handle_async_request(request)
        assert response.status_code == 101
        network = response.extensions["network_stream"]
        assert await network.read(5) == b"early"
        assert await network.read(65536) == b" output;"
        await network.write(b"stdin data")
        sock = network.get_extra_info("socket")
        assert isinstance(sock, socket.socket)
        sock.shutdown(socket.SHUT_WR)  # the container sees EOF on stdin; output still flows
        received = b""
        while chunk := await network.read(65536, timeout=5):
            received += chunk
        assert received == b"got stdin data"
        await response.aclose()
        await network.aclose()
        await transport.aclose()
    assert transport._idle == []


# -- cancellation ----------------------------------------------------------------------------


async def test_cancelled_in_the_middle_of_a_response_discards_the_connection(
    socket_dir: str,
) -> None:
    first_chunk_sent = anyio.Event()
    client_gone = anyio.Event()

    async def handler(peer: Peer) -> None:
        request = await peer.request()
        if request is not None and request[1] == "/logs":
            await peer.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nline\r\n")
            first_chunk_sent.set()
            await peer.wait_closed()
            client_gone.set()
            return
        if request is not None:
            await peer.send(ok(request[1].encode()))
            await serve_forever(peer)

    async with fake_daemon(socket_dir, handler) as daemon:
        transport = daemon.transport()
        received = []
        with anyio.move_on_after(0.2) as scope:
            request = httpx.Request("GET", "http://docker/logs")
            response = await transport.handle_async_request(request)
            try:
                async for chunk in response.aiter_raw():
                    received.append(chunk)
            finally:
                with anyio.CancelScope(shield=True):
                    await response.aclose()
        assert scope.cancelled_caught and received == [b"line"]
        assert transport._idle == []
        with anyio.fail_after(5):
            await client_gone.wait()
        assert (await get(transport, "/next")).content == b"/next"
        await transport.aclose()
    assert daemon.connections == 2


async def test_cancelled_while_waiting_for_the_head_discards_the_connection(
    socket_dir: str,
) -> None:
    async def slow(peer: Peer) -> None:
        request = await peer.request()
        if request is not None and request[1] == "/slow":
            await peer.wait_closed()
            return
        await peer.send(ok(b"fast"))
        await serve_forever(peer)

    async with fake_daemon(socket_dir, slow) as daemon:
        transport = daemon.transport()
        with anyio.move_on_after(0.1):
            await get(transport, "/slow")
        assert transport._idle == []
        assert (await get(transport, "/fast")).content == b"fast"
        await transport.aclose()
    assert daemon.connections == 2


# -- timeouts and connection errors ----------------------------------------------------------


async def silent(peer: Peer) -> None:
    await peer.wait_closed()


async def test_read_timeout(socket_dir: str) -> None:
    async with fake_daemon(socket_dir, silent) as daemon:
        transport = daemon.transport()
        request = httpx.Request("GET", "http://docker/x", extensions={"timeout": {"read": 0.1}})
        with anyio.fail_after(5), pytest.raises(httpx.ReadTimeout):
            await transport.handle_async_request(request)
        assert transport._idle == []
        await transport.aclose()


async def test_read_timeout_in_the_body(socket_dir: str) -> None:
    async def stalls(peer: Peer) -> None:
        await peer.request()
        await peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
        await peer.wait_closed()

    async with fake_daemon(socket_dir, stalls) as daemon:
        transport = daemon.transport()
        request = httpx.Request("GET", "http://docker/x", extensions={"timeout": {"read": 0.1}})
        response = await transport.handle_async_request(request)
        with anyio.fail_after(5), pytest.raises(httpx.ReadTimeout):
            await response.aread()
        await response.aclose()
        assert transport._idle == []
        await transport.aclose()


async def deaf(peer: Peer) -> None:
    """Reads nothing: the client's writes stall once the socket's buffers are full."""
    await anyio.sleep_forever()


async def test_write_timeout(socket_dir: str) -> None:
    async with fake_daemon(socket_dir, deaf) as daemon:
        transport = daemon.transport()
        request = httpx.Request(
            "POST",
            "http://docker/x",
            content=b"x" * 16_000_000,
            extensions={"timeout": {"write": 0.1, "read": 5}},
        )
        with anyio.fail_after(5), pytest.raises(httpx.WriteTimeout):
            await transport.handle_async_request(request)
        await transport.aclose()


class SlowReader(Peer):
    """Reads at most 64 KiB per 20 ms: always progressing, never fast."""

    async def _fill(self) -> bool:
        await anyio.sleep(0.02)
        return await super()._fill()


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize("body", ["bytes", "stream"])
async def test_write_timeout_applies_to_each_write_not_the_whole_upload(
    socket_dir: str, body: str
) -> None:
    async def slowly(peer: Peer) -> None:
        request = await SlowReader(peer.stream).request()
        assert request is not None
        await peer.send(ok(str(len(request[3])).encode()))

    data = b"x" * 3_000_000
    write_timeout = 0.3
    content: Any = data if body == "bytes" else _chunks(data, 65536)
    async with fake_daemon(socket_dir, slowly) as daemon:
        transport = daemon.transport()
        request = httpx.Request(
            "PUT", "http://docker/x", content=content,
            extensions={"timeout": {"write": write_timeout, "read": 5}},
        )
        started = anyio.current_time()
        with anyio.fail_after(20):
            response = await transport.handle_async_request(request)
            await response.aread()
        elapsed = anyio.current_time() - started
        await response.aclose()
        await transport.aclose()
    assert response.content == b"3000000"
    assert elapsed > 2 * write_timeout  # the upload as a whole outlasted the write timeout


async def test_connect_timeout() -> None:
    async def never() -> anyio.abc.ByteStream:
        await anyio.sleep_forever()
        raise AssertionError

    transport = HTTPTransport(never)
    request = httpx.Request("GET", "http://docker/x", extensions={"timeout": {"connect": 0.05}})
    with anyio.fail_after(5), pytest.raises(httpx.ConnectTimeout):
        await transport.handle_async_request(request)


async def test_missing_socket_is_a_connect_error_caused_by_the_os_error(socket_dir: str) -> None:
    transport = HTTPTransport(unix_connector(os.path.join(socket_dir, "missing.sock")))
    with pytest.raises(httpx.ConnectError) as caught:
        await get(transport)
    assert isinstance(caught.value.__cause__, FileNotFoundError)
    config = ClientConfig(host=f"unix://{socket_dir}/missing.sock", api_version="1.41")
    async with Client(config) as client:
        with pytest.raises(EngineConnectionError, match="is it running"):
            await client.system.ping()


async def test_permission_denied_is_reported_as_such() -> None:
    async def refused() -> anyio.abc.ByteStream:
        raise PermissionError(13, "Permission denied")

    config = ClientConfig(api_version="1.41")
    async with Client(config, transport=HTTPTransport(refused)) as client:
        with pytest.raises(EngineConnectionError, match="permission denied"):
            await client.system.ping()


async def test_client_maps_timeouts(socket_dir: str) -> None:
    async with fake_daemon(socket_dir, silent) as daemon:
        config = ClientConfig(host=f"unix://{daemon.path}", api_version="1.41", timeout=0.1)
        async with Client(config) as client:
            with anyio.fail_after(5), pytest.raises(EngineTimeout):
                await client.system.version()


async def test_client_over_the_transport(socket_dir: str) -> None:
    async with fake_daemon(socket_dir) as daemon:
        config = ClientConfig(host=f"unix://{daemon.path}", api_version="1.41")
        async with Client(config, transport=daemon.transport()) as client:
            response = await client.request("GET", "/containers/json", params={"all": True})
            assert response.content == b"/v1.41/containers/json?all=1"
            async with client.stream("GET", "/events", params={"filters": '{"a":["b c"]}'}) as s:
                body = b"".join([chunk async for chunk in s])
            assert body == b"/v1.41/events?filters=%7B%22a%22%3A%5B%22b+c%22%5D%7D"
    assert daemon.connections == 1


async def test_closed_transport_closes_idle_connections(socket_dir: str) -> None:
    closed = anyio.Event()

    async def handler(peer: Peer) -> None:
        await serve_forever(peer)
        closed.set()

    async with fake_daemon(socket_dir, handler) as daemon:
        transport = daemon.transport()
        await get(transport)
        await transport.aclose()
        with anyio.fail_after(5):
            await closed.wait()
        with pytest.raises(RuntimeError):
            await get(transport)
