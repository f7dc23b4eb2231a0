"""The asyncio connection stream (``_aio.ProtocolStream``), against a socket pair's other end.

The transport tests in ``test_http_transport.py`` run over it on asyncio too; these check the
stream's own contract: the anyio ``ByteStream`` behaviour the transport relies on.
"""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
from collections.abc import AsyncIterator

import anyio
import anyio.abc
import pytest

from engine_client._aio import _HIGH_WATER, ProtocolStream, connect_unix
from engine_client._http import ConnectionAttribute

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def pair() -> AsyncIterator[tuple[ProtocolStream, socket.socket]]:
    """Our stream, and the peer's end as a plain non-blocking socket."""
    with tempfile.TemporaryDirectory(prefix="ec-aio-") as directory:
        path = os.path.join(directory, "s.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen()
        stream = await connect_unix(path)
        peer, _ = listener.accept()
        listener.close()
        peer.setblocking(False)
        try:
            yield stream, peer
        finally:
            await stream.aclose()
            peer.close()


async def peer_receive(peer: socket.socket, size: int) -> bytes:
    loop = asyncio.get_running_loop()
    data = b""
    while len(data) < size:
        chunk = await loop.sock_recv(peer, size - len(data))
        if not chunk:
            break
        data += chunk
    return data


async def test_receive_returns_at_most_max_bytes(
    pair: tuple[ProtocolStream, socket.socket],
) -> None:
    stream, peer = pair
    peer.send(b"0123456789")
    assert await stream.receive(4) == b"0123"
    assert await stream.receive(100) == b"456789"


async def test_end_of_stream_then_closed(pair: tuple[ProtocolStream, socket.socket]) -> None:
    stream, peer = pair
    peer.send(b"last")
    peer.shutdown(socket.SHUT_WR)
    assert await stream.receive() == b"last"
    with pytest.raises(anyio.EndOfStream):
        await stream.receive()
    assert not stream.extra(ConnectionAttribute.idle_and_open)()
    await stream.aclose()
    with pytest.raises(anyio.ClosedResourceError):
        await stream.receive()


async def test_idle_and_open_until_bytes_nobody_asked_for(
    pair: tuple[ProtocolStream, socket.socket],
) -> None:
    stream, peer = pair
    idle_and_open = stream.extra(ConnectionAttribute.idle_and_open)
    assert idle_and_open()
    peer.send(b"x")
    await anyio.sleep(0.05)
    assert not idle_and_open()


async def test_half_close_lets_the_answer_through(
    pair: tuple[ProtocolStream, socket.socket],
) -> None:
    stream, peer = pair
    await stream.send(b"stdin")
    await stream.send_eof()
    assert await peer_receive(peer, 100) == b"stdin"  # then end of stream
    peer.send(b"output")
    assert await stream.receive() == b"output"


async def test_reading_pauses_past_the_high_water_mark_and_loses_nothing(
    pair: tuple[ProtocolStream, socket.socket],
) -> None:
    stream, peer = pair
    payload = bytes(range(256)) * (3 * _HIGH_WATER // 256)
    loop = asyncio.get_running_loop()

    async def write() -> None:
        await loop.sock_sendall(peer, payload)
        peer.shutdown(socket.SHUT_WR)

    received = bytearray()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(write)
        await anyio.sleep(0.1)
        assert stream._protocol.reading_paused
        while True:
            try:
                received += await stream.receive(65536)
            except anyio.EndOfStream:
                break
    assert received == payload


async def test_send_waits_while_the_peer_does_not_read_and_reads_go_on(
    pair: tuple[ProtocolStream, socket.socket],
) -> None:
    stream, peer = pair
    payload = b"x" * 8_000_000
    async with anyio.create_task_group() as tasks:

        async def send() -> None:
            await stream.send(payload)

        tasks.start_soon(send)
        await anyio.sleep(0.05)
        assert stream._protocol.writing_paused
        peer.send(b"meanwhile")  # a read while a write waits (attach: stdin and output)
        assert await stream.receive() == b"meanwhile"
        assert await peer_receive(peer, len(payload)) == payload


async def test_cancelled_wait_leaves_the_stream_usable_by_its_owner(
    pair: tuple[ProtocolStream, socket.socket],
) -> None:
    stream, peer = pair
    with anyio.move_on_after(0.05) as scope:
        await stream.receive()
    assert scope.cancelled_caught and stream._protocol.reader is None
    peer.send(b"later")
    assert await stream.receive() == b"later"


async def test_two_readers_at_once_are_refused(pair: tuple[ProtocolStream, socket.socket]) -> None:
    stream, _ = pair
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(stream.receive)
        await anyio.sleep(0.01)
        with pytest.raises(anyio.BusyResourceError):
            await stream.receive()
        tasks.cancel_scope.cancel()


async def test_writing_to_a_peer_that_is_gone_fails_at_once(
    pair: tuple[ProtocolStream, socket.socket],
) -> None:
    stream, peer = pair
    peer.close()
    await anyio.sleep(0.05)
    with pytest.raises(anyio.BrokenResourceError):
        await stream.send(b"request")


async def test_raw_socket_is_the_connected_socket(
    pair: tuple[ProtocolStream, socket.socket],
) -> None:
    stream, peer = pair
    sock = stream.extra(anyio.abc.SocketAttribute.raw_socket)
    assert isinstance(sock, socket.socket)
    assert sock.getpeername() == peer.getsockname()
