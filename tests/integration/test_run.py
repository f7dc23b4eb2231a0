"""``containers.run`` (docker run) and the CLI's run/exec/logs against real daemons."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import anyio
import pytest

from engine_client import APIError, Client, Frame, NotFound, StreamType

from .conftest import IMAGE, LABEL, RUN_ID, Daemon, MakeContainer, unique_name

pytestmark = pytest.mark.anyio

LABELS = {LABEL: RUN_ID}


async def gone(docker: Client, container: str) -> bool:
    try:
        await docker.containers.inspect(container)
    except NotFound:
        return True
    return False


async def test_run_returns_exit_code_and_both_streams(docker: Client) -> None:
    result = await docker.containers.run(
        IMAGE, ["sh", "-c", "echo out; echo err >&2; exit 3"], labels=LABELS
    )
    try:
        assert (result.exit_code, result.stdout, result.stderr) == (3, b"out\n", b"err\n")
        state = (await docker.containers.inspect(result.id)).state
        assert (state.status, state.exit_code) == ("exited", 3)
    finally:
        await docker.containers.remove(result.id, force=True)


async def test_run_with_stdin_and_remove(docker: Client) -> None:
    result = await docker.containers.run(
        IMAGE, ["wc", "-c"], stdin=b"x" * 100_000, remove=True, labels=LABELS
    )
    assert (result.exit_code, result.stdout.strip()) == (0, b"100000")
    assert await gone(docker, result.id)


async def test_run_tty_output_is_raw(docker: Client) -> None:
    result = await docker.containers.run(
        IMAGE, ["sh", "-c", "echo out; echo err >&2"], tty=True, remove=True, labels=LABELS
    )
    assert (result.exit_code, result.stdout, result.stderr) == (0, b"out\r\nerr\r\n", b"")


async def test_run_streams_stdin_in_and_frames_out(docker: Client) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for piece in (b"one ", b"two ", b"three"):
            yield piece

    seen: list[Frame] = []

    async def sink(frame: Frame) -> None:
        seen.append(frame)

    result = await docker.containers.run(
        IMAGE, ["cat"], stdin=chunks(), output=sink, remove=True, labels=LABELS
    )
    assert (result.exit_code, result.stdout) == (0, b"")  # delivered to the sink instead
    assert {f.stream for f in seen} == {StreamType.STDOUT}
    assert b"".join(f.data for f in seen) == b"one two three"


async def test_auto_remove_pattern_wait_registered_before_start(
    docker: Client, make_container: MakeContainer
) -> None:
    # A container that removes itself: the wait is registered before the start, so the exit
    # (and the removal) cannot happen before anyone waits for it.
    cid = await make_container(["sh", "-c", "exit 7"], auto_remove=True)
    async with docker.containers.waiting(cid, condition="removed") as removed:
        await docker.containers.start(cid)
        result = await removed.result()
    assert result.status_code == 7
    assert await gone(docker, cid)


async def test_run_that_cannot_start_is_an_error_and_cleans_up(docker: Client) -> None:
    name = unique_name("ec-run-fail")
    with pytest.raises(APIError):  # 400 or 500 depending on the daemon
        await docker.containers.run(IMAGE, ["ec-no-such-binary"], name=name, labels=LABELS)
    assert await gone(docker, name)


async def test_run_can_keep_a_container_that_cannot_start(docker: Client) -> None:
    name = unique_name("ec-run-keep")
    with pytest.raises(APIError):
        await docker.containers.run(
            IMAGE, ["ec-no-such-binary"], name=name, labels=LABELS, remove_on_failure=False
        )
    try:
        assert (await docker.containers.inspect(name)).state.status == "created"
    finally:
        await docker.containers.remove(name, force=True)


async def test_cancelled_run_returns_promptly_and_removes_the_container(docker: Client) -> None:
    name = unique_name("ec-run-cancel")
    started = time.monotonic()
    with anyio.move_on_after(1) as scope:
        await docker.containers.run(IMAGE, ["sleep", "60"], name=name, labels=LABELS)
    assert scope.cancelled_caught
    assert time.monotonic() - started < 5
    assert await gone(docker, name)


async def test_run_cancelled_at_any_moment_leaves_no_container(docker: Client) -> None:
    # Cancelled from before the create is sent to well after the start, in 2 ms steps:
    # whatever was in flight, no container of this test may remain.
    mark = unique_name("ec-run-cancel-sweep")
    labels = {**LABELS, "engine-client-test.case": mark}
    for step in range(26):
        with anyio.move_on_after(step * 0.002):
            await docker.containers.run(IMAGE, ["sleep", "60"], labels=labels)
    left = await docker.containers.list(
        all=True, filters={"label": [f"engine-client-test.case={mark}"]}
    )
    for container in left:  # a failing run cleans up behind itself
        await docker.containers.remove(container.id, force=True)
    assert [c.id for c in left] == []


# The CLI always runs on asyncio (anyio.run's default) in its own process, so these run on
# one backend: a second one would test nothing more.
cli = pytest.mark.parametrize("anyio_backend", ["asyncio"])


def engine_client(
    daemon: Daemon, *args: str, stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "engine_client", "--host", daemon.host, *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        check=False,
    )


@cli
async def test_cli_run_exit_code_and_streams(docker: Client, live_daemon: Daemon) -> None:
    done = await anyio.to_thread.run_sync(
        lambda: engine_client(
            live_daemon,
            "run",
            "--rm",
            "--label",
            f"{LABEL}={RUN_ID}",
            IMAGE,
            "sh",
            "-c",
            "echo out; echo err >&2; exit 3",
        )
    )
    assert (done.returncode, done.stdout, done.stderr) == (3, b"out\n", b"err\n")


@cli
async def test_cli_run_interactive_forwards_stdin_and_eof(
    docker: Client, live_daemon: Daemon
) -> None:
    done = await anyio.to_thread.run_sync(
        lambda: engine_client(
            live_daemon,
            "run",
            "--rm",
            "-i",
            "-e",
            "GREETING=hi",
            IMAGE,
            "sh",
            "-c",
            "echo $GREETING; wc -c",
            stdin=b"12345",
        )
    )
    assert (done.returncode, done.stdout.split()) == (0, [b"hi", b"5"])


@cli
async def test_cli_exec_and_logs(
    docker: Client, make_container: MakeContainer, live_daemon: Daemon
) -> None:
    cid = await make_container(
        ["sh", "-c", "echo one; echo two; sleep 0.1; echo three >&2; sleep 60"]
    )
    await docker.containers.start(cid)
    with anyio.fail_after(10):  # until all three lines are in the log
        async with docker.containers.stream_logs(cid) as frames:
            for _ in range(3):
                await frames.__anext__()

    def commands() -> list[subprocess.CompletedProcess[bytes]]:
        calls = [
            (("exec", cid, "sh", "-c", "echo e; exit 4"), b""),
            (("exec", "-i", cid, "cat"), b"piped"),
            (("exec", cid, "ec-no-such-binary"), b""),
            (("logs", "--tail", "2", cid), b""),
            (("logs", "-t", cid), b""),
            (("logs", "ec-no-such-container"), b""),
        ]
        with ThreadPoolExecutor(len(calls)) as pool:  # independent processes: run together
            return list(pool.map(lambda c: engine_client(live_daemon, *c[0], stdin=c[1]), calls))

    status, piped, missing, tail, stamped, unknown = await anyio.to_thread.run_sync(commands)
    assert (status.returncode, status.stdout) == (4, b"e\n")
    assert (piped.returncode, piped.stdout) == (0, b"piped")
    assert missing.returncode in (126, 127)
    assert (tail.returncode, tail.stdout, tail.stderr) == (0, b"two\n", b"three\n")
    assert stamped.stdout.count(b"Z one\n") == 1 and stamped.stderr.endswith(b"Z three\n")
    assert unknown.returncode == 1 and b"ec-no-such-container" in unknown.stderr


@cli
async def test_cli_attach_shows_output_and_exits_with_the_container(
    docker: Client, make_container: MakeContainer, live_daemon: Daemon
) -> None:
    cid = await make_container(
        ["sh", "-c", "read line; echo got $line; echo bye >&2; exit 6"],
        open_stdin=True,
        stdin_once=True,
    )
    await docker.containers.start(cid)
    done = await anyio.to_thread.run_sync(
        lambda: engine_client(live_daemon, "attach", "-i", cid, stdin=b"hello\n")
    )
    assert (done.returncode, done.stdout, done.stderr) == (6, b"got hello\n", b"bye\n")


@cli
async def test_cli_attach_to_a_stopped_container_is_refused(
    docker: Client, make_container: MakeContainer, live_daemon: Daemon
) -> None:
    cid = await make_container(["true"])  # created, never started
    done = await anyio.to_thread.run_sync(lambda: engine_client(live_daemon, "attach", cid))
    assert (done.returncode, done.stdout) == (1, b"")
    assert done.stderr == b"engine-client: error: You cannot attach to a stopped container, start it first\n"


@cli
async def test_cli_run_failures_exit_as_docker_run(docker: Client, live_daemon: Daemon) -> None:
    def commands() -> list[subprocess.CompletedProcess[bytes]]:
        calls = [
            ("run", "--rm", "engine-client-test/no-such-image:latest", "true"),
            ("run", "--rm", "--label", f"{LABEL}={RUN_ID}", IMAGE, "ec-no-such-binary"),
            ("run", "--rm", "--label", f"{LABEL}={RUN_ID}", IMAGE, "/etc"),
        ]
        with ThreadPoolExecutor(len(calls)) as pool:
            return list(pool.map(lambda c: engine_client(live_daemon, *c), calls))

    no_image, no_binary, directory = await anyio.to_thread.run_sync(commands)
    assert no_image.returncode == 125 and no_image.stderr.count(b"\n") == 1
    assert b"no-such-image" in no_image.stderr
    assert no_binary.returncode == 127 and b"ec-no-such-binary" in no_binary.stderr
    assert directory.returncode == 126 and directory.stderr.count(b"\n") == 1


def on_a_terminal(daemon: Daemon, *args: str, rows: int, columns: int) -> tuple[int, bytes]:
    """The CLI with its stdout on a pseudo-terminal of the given size; (status, output)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "engine_client", "--host", daemon.host, *args],
            stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE, timeout=60, check=False,
        )
    finally:
        os.close(slave)
    output = b""
    with contextlib.suppress(OSError):  # EIO once the terminal's last writer is gone
        while chunk := os.read(master, 4096):
            output += chunk
    os.close(master)
    return done.returncode, output


@cli
async def test_cli_tty_session_gets_our_terminals_size(
    docker: Client, make_container: MakeContainer, live_daemon: Daemon
) -> None:
    cid = await make_container(["sleep", "60"])
    await docker.containers.start(cid)

    def sizes() -> list[tuple[int, bytes]]:
        run = ("run", "--rm", "-t", "--label", f"{LABEL}={RUN_ID}", IMAGE, "stty", "size")
        return [
            on_a_terminal(live_daemon, *run, rows=33, columns=111),
            on_a_terminal(live_daemon, "exec", "-t", cid, "stty", "size", rows=33, columns=111),
        ]

    results = await anyio.to_thread.run_sync(sizes)
    if live_daemon.api_version == "1.41":  # ConsoleSize is honoured from API 1.42
        assert [status for status, _ in results] == [0, 0]
    else:
        assert [(status, out.split()) for status, out in results] == [(0, [b"33", b"111"])] * 2
