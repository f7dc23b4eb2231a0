"""Streams release their connections: 500 follows, execs and attaches leave nothing behind.

Counted on both ends: this process's open file descriptors (/proc/self/fd) and the daemon's
open unix-socket descriptors (/proc/<dockerd>/fd, the daemon found by its socket path).  The
client keeps no idle connections, so every connection still open afterwards would be a leak.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import httpx
import pytest

from engine_client import Client
from engine_client._http import HTTPTransport, unix_connector

from .conftest import Daemon, MakeContainer

pytestmark = pytest.mark.anyio

TICKS = ["sh", "-c", "while true; do echo tick; sleep 0.01; done"]
COUNT = 500
CONCURRENCY = 10
#: Other clients of a shared daemon come and go; a leak here would be hundreds.
DAEMON_NOISE = 10


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def daemon_pid(socket_path: str) -> int:
    """The dockerd serving ``socket_path``, found by its command line (pidfiles vary)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (
            argv
            and argv[0].endswith(b"dockerd")
            and (
                f"unix://{socket_path}".encode() in argv
                or f"--host=unix://{socket_path}".encode() in argv
            )
        ):
            return int(entry.name)
    pytest.skip(f"no dockerd process serves {socket_path} on this machine")


def daemon_connections(pid: int, socket_path: str) -> int:
    """The daemon's descriptors of sockets accepted on (or listening at) ``socket_path``.

    An accepted unix socket carries its listener's path in /proc/net/unix; the daemon's
    other sockets (to containerd, to shims) have other paths and are not counted.
    """
    inodes = set()
    for line in Path(f"/proc/{pid}/net/unix").read_text().splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8 and fields[7] == socket_path:
            inodes.add(fields[6])
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            count += 1
    return count


def unpooled(daemon: Daemon) -> Client:
    """A client that keeps no idle connections: any open connection is a live request.

    Same transport as the default (``ENGINE_CLIENT_TRANSPORT`` picks it), pool disabled.
    """
    assert daemon.socket_path is not None
    transport: httpx.AsyncBaseTransport
    if os.environ.get("ENGINE_CLIENT_TRANSPORT") == "httpx":
        transport = httpx.AsyncHTTPTransport(
            uds=daemon.socket_path, limits=httpx.Limits(max_keepalive_connections=0)
        )
    else:
        transport = HTTPTransport(unix_connector(daemon.socket_path), max_idle=0)
    return Client.from_env(host=daemon.host, transport=transport)


async def repeat(action: Callable[[], Awaitable[object]]) -> None:
    limiter = anyio.CapacityLimiter(CONCURRENCY)

    async def once() -> None:
        async with limiter:
            await action()

    async with anyio.create_task_group() as tasks:
        for _ in range(COUNT):
            tasks.start_soon(once)


async def settled_daemon_count(pid: int, socket_path: str, limit: int, wait: float) -> int:
    """The daemon closes its side a moment after ours; give it a little time."""
    count = daemon_connections(pid, socket_path)
    with anyio.move_on_after(wait):
        while count > limit:
            await anyio.sleep(0.1)
            count = daemon_connections(pid, socket_path)
    return count


# Heavy (1500 streams): every daemon generation, but on asyncio only; the trio path of the
# same code is covered by the cancellation and attach tests, which run on both backends.
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_streams_leave_no_descriptors_or_connections(
    docker: Client, make_container: MakeContainer, live_daemon: Daemon
) -> None:
    socket_path = live_daemon.socket_path
    assert socket_path is not None
    pid = daemon_pid(socket_path)

    async def follow_a_few_frames(cid: str) -> None:
        with anyio.CancelScope() as scope:
            async with client.containers.stream_logs(cid, tail=10) as frames:
                received = 0
                async for _ in frames:
                    received += 1
                    if received == 3:
                        scope.cancel()

    async def exec_once(cid: str) -> None:
        result = await client.exec.run(cid, ["true"])
        assert result.exit_code == 0

    async def attach_a_few_frames(cid: str) -> None:
        async with client.containers.attach(cid) as attached:
            for _ in range(2):
                await attached.__anext__()

    async with unpooled(live_daemon) as client:
        await client.api_version()
        fds_before, daemon_before = open_fds(), daemon_connections(pid, socket_path)
        limit = daemon_before + DAEMON_NOISE
        figures = []
        for name, action in (
            ("follow", follow_a_few_frames),
            ("exec", exec_once),
            ("attach", attach_a_few_frames),
        ):
            target = await make_container(TICKS)
            await docker.containers.start(target)
            started = time.monotonic()
            with anyio.fail_after(120):
                await repeat(lambda: action(target))  # noqa: B023 - used within the iteration
            elapsed = time.monotonic() - started
            fds = open_fds()
            lingering = await settled_daemon_count(pid, socket_path, limit, wait=1)
            # The daemon keeps some hijacked connections whose client has gone (attaches,
            # and execs started concurrently on 20.10) until the container stops.
            await docker.containers.kill(target)
            daemon_count = await settled_daemon_count(pid, socket_path, limit, wait=15)
            figures.append(
                f"{COUNT} {name} in {elapsed:.1f} s: fds {fds_before}->{fds}, daemon "
                f"connections {daemon_before}->{lingering} (container stopped: {daemon_count})"
            )
            assert fds == fds_before, figures
            assert daemon_count <= limit, figures
    print(f"\n{live_daemon.name}: " + "; ".join(figures))  # noqa: T201 - reported figures
