"""Container logs against real daemons: one-shot, follow, options, TTY, cancellation, size."""

from __future__ import annotations

import os
import re
import resource
import time

import anyio
import pytest

from engine_client import Client, Frame, NotFound, StreamType

from .conftest import Daemon, MakeContainer
from .test_resources import unpooled

pytestmark = pytest.mark.anyio

# The pause keeps out2 last in the log: stdout and stderr are copied concurrently.
SCRIPT = "echo out1; echo err1 >&2; sleep 0.1; echo out2"


def by_stream(frames: list[Frame]) -> dict[StreamType, bytes]:
    joined: dict[StreamType, bytes] = {}
    for frame in frames:
        joined[frame.stream] = joined.get(frame.stream, b"") + frame.data
    return joined


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


async def finished(
    docker: Client, make_container: MakeContainer, script: str, **options: object
) -> str:
    cid = await make_container(["sh", "-c", script], **options)
    async with docker.containers.waiting(cid, condition="next-exit") as exited:
        await docker.containers.start(cid)
        await exited.result()
    return cid


async def test_one_shot_logs_keep_streams_apart(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await finished(docker, make_container, SCRIPT)
    frames = await docker.containers.logs(cid)
    assert by_stream(frames) == {StreamType.STDOUT: b"out1\nout2\n", StreamType.STDERR: b"err1\n"}


async def test_stream_selection_tail_and_timestamps(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await finished(docker, make_container, SCRIPT)
    only_err = await docker.containers.logs(cid, stdout=False)
    assert [(f.stream, f.data) for f in only_err] == [(StreamType.STDERR, b"err1\n")]
    only_out = await docker.containers.logs(cid, stderr=False, tail=1)
    assert [f.data for f in only_out] == [b"out2\n"]
    stamped = await docker.containers.logs(cid, stderr=False, timestamps=True)
    assert all(
        re.match(rb"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z out\d\n$", f.data) for f in stamped
    )
    assert len(stamped) == 2


async def test_since_and_until(docker: Client, make_container: MakeContainer) -> None:
    before = time.time() - 5
    cid = await finished(docker, make_container, SCRIPT)
    after = time.time() + 5
    assert len(await docker.containers.logs(cid, since=before)) == 3
    assert await docker.containers.logs(cid, since=after) == []
    assert await docker.containers.logs(cid, until=before) == []
    assert len(await docker.containers.logs(cid, since=before, until=after)) == 3


async def test_tty_logs_are_raw(docker: Client, make_container: MakeContainer) -> None:
    cid = await finished(docker, make_container, SCRIPT, tty=True)
    frames = await docker.containers.logs(cid)
    assert {f.stream for f in frames} == {StreamType.STDOUT}
    assert b"".join(f.data for f in frames) == b"out1\r\nerr1\r\nout2\r\n"


async def test_follow_ends_when_the_container_stops(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await make_container(["sh", "-c", "for i in 1 2 3 4 5; do echo $i; sleep 0.05; done"])
    await docker.containers.start(cid)
    with anyio.fail_after(20):
        async with docker.containers.stream_logs(cid, follow=True) as frames:
            lines = [frame.data async for frame in frames]
    assert b"".join(lines) == b"1\n2\n3\n4\n5\n"


async def test_follow_sees_output_as_it_is_written(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await make_container(["sh", "-c", "echo first; sleep 30"])
    await docker.containers.start(cid)
    with anyio.fail_after(10):
        # "first" is in the log before the stream starts (start returns before it is written).
        while not await docker.containers.logs(cid):  # noqa: ASYNC110 (polls the daemon)
            await anyio.sleep(0.01)
        async with docker.containers.stream_logs(cid, tail=0) as frames:
            # Started before the container writes anything more: nothing is buffered.
            await docker.exec.run(cid, ["sh", "-c", "echo second > /proc/1/fd/1"])
            first = await frames.__anext__()
    assert first == Frame(StreamType.STDOUT, b"second\n")


async def test_cancelled_follow_returns_promptly_and_closes(
    docker: Client, make_container: MakeContainer, live_daemon: Daemon
) -> None:
    cid = await make_container(["sh", "-c", "while true; do echo tick; sleep 0.01; done"])
    await docker.containers.start(cid)
    async with unpooled(live_daemon) as client:
        await client.api_version()
        baseline = open_fds()
        received = 0
        started = time.monotonic()
        with anyio.move_on_after(0.5) as scope:
            async with client.containers.stream_logs(cid) as frames:
                async for _ in frames:
                    received += 1
                    during = open_fds()
        elapsed = time.monotonic() - started
        after = open_fds()
    assert scope.cancelled_caught
    assert received > 3
    assert elapsed < 1.5, elapsed
    assert during == baseline + 1  # the stream's connection, the one that must be closed
    assert after == baseline


async def test_logs_of_a_missing_container(docker: Client) -> None:
    with pytest.raises(NotFound):
        await docker.containers.logs("ec-test-no-such-container")


LARGE_LOG = 100 * 1024 * 1024


# Heavy: 100 MB through the daemon's log driver takes seconds per daemon, so this runs on
# every daemon generation but on one backend (asyncio).
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_large_log_is_read_whole_in_bounded_memory(
    docker: Client, make_container: MakeContainer
) -> None:
    # 16 KiB lines: the log driver stores (and frames) one message per line.
    line = 16 * 1024
    script = f"yes $(head -c {line - 1} /dev/zero | tr '\\0' x) | head -c {LARGE_LOG}"
    started = time.monotonic()
    cid = await finished(docker, make_container, script)
    written = time.monotonic() - started

    rss_before = peak = rss_bytes()
    total = frames_seen = 0
    started = time.monotonic()
    async with docker.containers.stream_logs(cid, follow=False, stderr=False) as frames:
        async for frame in frames:
            total += len(frame.data)
            frames_seen += 1
            if frames_seen % 64 == 0:
                peak = max(peak, rss_bytes())
    elapsed = time.monotonic() - started
    growth = max(peak, rss_bytes()) - rss_before
    print(  # noqa: T201 - the figures are part of the report
        f"\n100 MB log: {total} bytes in {frames_seen} frames, read in {elapsed:.1f} s "
        f"({total / elapsed / 2**20:.0f} MiB/s; written in {written:.1f} s), "
        f"peak RSS growth {growth / 2**20:.1f} MiB"
    )
    assert total == LARGE_LOG
    assert growth < 32 * 2**20


async def test_follow_and_attach_outlast_the_read_timeout(
    make_container: MakeContainer, live_daemon: Daemon
) -> None:
    """Streams have no read deadline: 1.5 s of silence on a client whose timeout is 0.3 s."""
    script = "echo one; sleep 1.5; echo two; sleep 30"
    async with Client.from_env(host=live_daemon.host, timeout=0.3) as client:
        followed = await make_container(["sh", "-c", script])
        attached_to = await make_container(["sh", "-c", f"sleep 0.5; {script}"])
        await client.containers.start(followed)
        with anyio.fail_after(15):
            async with client.containers.stream_logs(followed) as frames:
                data = [(await frames.__anext__()).data for _ in range(2)]
            async with client.containers.attach(attached_to) as attached:
                await client.containers.start(attached_to)
                attached_data = [(await attached.__anext__()).data for _ in range(2)]
    assert data == [b"one\n", b"two\n"]
    assert attached_data == [b"one\n", b"two\n"]
