"""Connection upgrade (attach, exec start) and log framing against a scripted transport."""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

import anyio
import httpx
import pytest

from engine_client import (
    APIError,
    BadRequest,
    Frame,
    NotFound,
    ServerError,
    StreamError,
    StreamType,
)

from .fakes import Chunks, FakeDaemon

pytestmark = pytest.mark.anyio

CID = "c0ffee"


def frame(kind: int, data: bytes) -> bytes:
    return struct.pack(">BxxxI", kind, len(data)) + data


class FakeSocket:
    def __init__(self) -> None:
        self.shutdowns: list[int] = []

    def shutdown(self, how: int) -> None:
        self.shutdowns.append(how)


class FakeNetworkStream:
    """The ``network_stream`` interface: read(max_bytes), write, aclose, get_extra_info."""

    def __init__(self, chunks: list[bytes], error: Exception | None = None) -> None:
        self.chunks = list(chunks)
        self.error = error
        self.written = bytearray()
        self.socket = FakeSocket()
        self.closed = False

    async def read(self, max_bytes: int) -> bytes:
        if self.chunks:
            return self.chunks.pop(0)[:max_bytes]
        if self.error is not None:
            raise self.error
        return b""

    async def write(self, buffer: bytes) -> None:
        if self.socket.shutdowns:
            raise BrokenPipeError("write after shutdown")
        self.written += buffer

    async def aclose(self) -> None:
        self.closed = True

    def get_extra_info(self, info: str) -> Any:
        return self.socket if info == "socket" else None


def inspect_route(daemon: FakeDaemon, tty: bool) -> None:
    body = {"Id": CID, "Config": {"Tty": tty}, "State": {"Running": True}}
    daemon.route("GET", f"/v1.45/containers/{CID}/json", httpx.Response(200, json=body))


def upgraded(network: FakeNetworkStream, content_type: str = "application/vnd.docker.raw-stream"):  # type: ignore[no-untyped-def]
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Upgrade"] == "tcp"
        assert request.headers["Connection"] == "Upgrade"
        return httpx.Response(
            101,
            headers={"Content-Type": content_type, "Upgrade": "tcp", "Connection": "Upgrade"},
            extensions={"network_stream": network},
        )

    return handler


@pytest.mark.parametrize(
    ("status", "error"), [(404, NotFound), (400, BadRequest), (500, ServerError)]
)
async def test_refused_attach_quotes_the_plain_text_error(status: int, error: type) -> None:
    daemon = FakeDaemon()
    inspect_route(daemon, tty=False)
    daemon.route(
        "POST",
        f"/v1.45/containers/{CID}/attach",
        httpx.Response(
            status,
            headers={"Content-Type": "application/vnd.docker.raw-stream"},
            content=b"No such container: c0ffee\r\n",
        ),
    )
    async with daemon.client() as docker:
        with pytest.raises(error) as caught:
            async with docker.containers.attach(CID):
                pytest.fail("the block must not run")
    assert caught.value.status_code == status
    assert caught.value.message == "No such container: c0ffee"
    assert "proxy" not in str(caught.value)


async def test_200_instead_of_101_says_a_proxy_may_interfere() -> None:
    daemon = FakeDaemon()
    inspect_route(daemon, tty=False)
    daemon.route(
        "POST", f"/v1.45/containers/{CID}/attach", httpx.Response(200, content=b"some text")
    )
    async with daemon.client() as docker:
        with pytest.raises(APIError) as caught:
            async with docker.containers.attach(CID):
                pytest.fail("the block must not run")
    assert caught.value.status_code == 200
    assert "proxy" in caught.value.message and "some text" in caught.value.message


async def test_101_without_a_network_stream_is_a_stream_error() -> None:
    daemon = FakeDaemon()
    inspect_route(daemon, tty=False)
    daemon.route("POST", f"/v1.45/containers/{CID}/attach", httpx.Response(101))
    async with daemon.client() as docker:
        with pytest.raises(StreamError):
            async with docker.containers.attach(CID):
                pytest.fail("the block must not run")


async def test_attach_demuxes_writes_and_half_closes() -> None:
    network = FakeNetworkStream(
        [frame(1, b"out")[:5], frame(1, b"out")[5:] + frame(2, b"err"), frame(1, b"!")],
    )
    # Multiplexed although labelled raw: framing follows Config.Tty, not Content-Type.
    daemon = FakeDaemon()
    inspect_route(daemon, tty=False)
    daemon.route("POST", f"/v1.45/containers/{CID}/attach", upgraded(network))
    async with daemon.client() as docker, docker.containers.attach(CID, stdin=True) as attached:
        output = await attached.collect(b"input")
    assert (output.stdout, output.stderr) == (b"out!", b"err")
    assert bytes(network.written) == b"input"
    assert network.socket.shutdowns == [socket.SHUT_WR]
    assert network.closed
    query = daemon.requests[-1].url.params
    assert (query["stream"], query["stdin"], query["stdout"], query["logs"]) == ("1", "1", "1", "0")


class WaitingNetworkStream(FakeNetworkStream):
    """Output that only ends once the process has seen EOF on its stdin (``wc -c``)."""

    def __init__(self, sock: Any = None, send_eof: bool = False) -> None:
        super().__init__([])
        self.sock = sock
        self.eof = anyio.Event()
        if send_eof:
            self.send_eof = self._send_eof  # the HalfClosable interface of our own transport

    async def _send_eof(self) -> None:
        self.eof.set()

    async def read(self, max_bytes: int) -> bytes:
        await self.eof.wait()
        return b""

    def get_extra_info(self, info: str) -> Any:
        return self.sock if info == "socket" else None


async def attach_and_collect(network: FakeNetworkStream, stdin: bytes) -> None:
    daemon = FakeDaemon()
    inspect_route(daemon, tty=False)
    daemon.route("POST", f"/v1.45/containers/{CID}/attach", upgraded(network))
    async with daemon.client() as docker, docker.containers.attach(CID, stdin=True) as attached:
        with anyio.fail_after(5):
            await attached.collect(stdin)


async def test_half_close_uses_the_connections_own_send_eof() -> None:
    network = WaitingNetworkStream(send_eof=True)  # e.g. an ssh process: no socket at all
    await attach_and_collect(network, b"input")
    assert network.eof.is_set() and bytes(network.written) == b"input"


async def test_a_half_close_that_fails_is_raised_not_waited_on() -> None:
    network = WaitingNetworkStream(sock=None)  # no send_eof and no socket: cannot half-close
    with pytest.raises(StreamError, match="cannot be half-closed"):
        await attach_and_collect(network, b"input")
    assert network.closed


async def test_tty_attach_passes_raw_bytes_even_if_labelled_multiplexed() -> None:
    raw = [b"\x01\x00\x00", b"abc\r\n"]  # would be a bad frame header if demultiplexed
    network = FakeNetworkStream(raw)
    daemon = FakeDaemon()
    inspect_route(daemon, tty=True)
    daemon.route(
        "POST",
        f"/v1.45/containers/{CID}/attach",
        upgraded(network, "application/vnd.docker.multiplexed-stream"),
    )
    async with daemon.client() as docker, docker.containers.attach(CID, stdin=True) as attached:
        assert attached.tty
        frames = [f async for f in attached]
    assert frames == [Frame(StreamType.STDOUT, chunk) for chunk in raw]


async def test_dropped_connection_is_a_stream_error_and_closes() -> None:
    network = FakeNetworkStream([frame(1, b"partial")], error=ConnectionResetError("reset"))
    daemon = FakeDaemon()
    inspect_route(daemon, tty=False)
    daemon.route("POST", f"/v1.45/containers/{CID}/attach", upgraded(network))
    async with daemon.client() as docker:
        with pytest.raises(StreamError, match="broke"):
            async with docker.containers.attach(CID) as attached:
                async for _ in attached:
                    pass
    assert network.closed


async def test_exec_start_sends_the_exec_tty_setting() -> None:
    network = FakeNetworkStream([b"raw"])
    daemon = FakeDaemon()
    daemon.route(
        "GET",
        "/v1.45/exec/e1/json",
        httpx.Response(
            200,
            json={"ID": "e1", "Running": True, "ExitCode": None, "ProcessConfig": {"tty": True}},
        ),
    )
    daemon.route("POST", "/v1.45/exec/e1/start", upgraded(network))
    async with daemon.client() as docker:
        state = await docker.exec.inspect("e1")
        assert state.exit_code is None and state.running
        async with docker.exec.start_attached("e1") as attached:
            assert [f.data async for f in attached] == [b"raw"]
    assert json.loads(daemon.requests[-1].content) == {"Detach": False, "Tty": True}


@pytest.mark.parametrize("tty", [False, True])
async def test_log_framing_follows_config_tty_not_content_type(tty: bool) -> None:
    body = frame(1, b"line\n") + frame(2, b"oops\n")
    daemon = FakeDaemon()
    inspect_route(daemon, tty=tty)
    pieces = (body[:3], body[3:11], body[11:])
    daemon.route(
        "GET", f"/v1.45/containers/{CID}/logs", lambda _: httpx.Response(200, stream=Chunks(*pieces))
    )
    async with daemon.client() as docker:
        frames = await docker.containers.logs(CID, tail=10, since=1.5, timestamps=True)
    if tty:
        assert frames == [Frame(StreamType.STDOUT, piece) for piece in pieces]
    else:
        assert frames == [Frame(StreamType.STDOUT, b"line\n"), Frame(StreamType.STDERR, b"oops\n")]
    query = daemon.requests[-1].url.params
    assert query["tail"] == "10" and query["since"] == "1.500000000"
    assert query["timestamps"] == "1" and query["follow"] == "0"


async def test_logs_ending_inside_a_frame_raise_stream_error() -> None:
    daemon = FakeDaemon()
    inspect_route(daemon, tty=False)
    daemon.route(
        "GET",
        f"/v1.45/containers/{CID}/logs",
        lambda _: httpx.Response(200, stream=Chunks(frame(1, b"cut")[:9])),
    )
    async with daemon.client() as docker:
        with pytest.raises(StreamError):
            await docker.containers.logs(CID)


async def test_logs_need_a_stream() -> None:
    async with FakeDaemon().client() as docker:
        with pytest.raises(ValueError):
            await docker.containers.logs(CID, stdout=False, stderr=False)


class BrokenBody(httpx.AsyncByteStream):
    """Delivers some bytes, then the connection breaks (a daemon restarted mid-stream)."""

    def __init__(self, first: bytes) -> None:
        self.first = first

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        yield self.first
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message")


async def test_follow_that_drops_raises_stream_error_after_the_frames_it_had() -> None:
    daemon = FakeDaemon()
    inspect_route(daemon, tty=False)
    daemon.route(
        "GET",
        f"/v1.45/containers/{CID}/logs",
        lambda _: httpx.Response(200, stream=BrokenBody(frame(1, b"before\n"))),
    )
    received: list[bytes] = []
    async with daemon.client() as docker:
        with pytest.raises(StreamError):
            async with docker.containers.stream_logs(CID) as frames:
                async for item in frames:
                    received.append(item.data)
    assert received == [b"before\n"]
