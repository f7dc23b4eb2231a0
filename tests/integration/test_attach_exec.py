"""Attach and exec against real daemons: stdin, half-close, TTY and not, exit codes, resize."""

from __future__ import annotations

import anyio
import pytest

from engine_client import Client, Conflict, NotFound, StreamType

from .conftest import MakeContainer

pytestmark = pytest.mark.anyio

PAYLOAD = bytes(range(256)) * 1000  # 256 000 bytes, every byte value


async def running(make_container: MakeContainer, docker: Client) -> str:
    cid = await make_container(["sleep", "60"])
    await docker.containers.start(cid)
    return cid


async def test_exec_stdin_half_close_delivers_eof(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await running(make_container, docker)
    counted = await docker.exec.run(cid, ["wc", "-c"], stdin=PAYLOAD)
    assert (counted.exit_code, counted.stdout.strip(), counted.stderr) == (
        0,
        str(len(PAYLOAD)).encode(),
        b"",
    )
    echoed = await docker.exec.run(cid, ["cat"], stdin=PAYLOAD)
    assert echoed.stdout == PAYLOAD


async def test_exec_streams_and_exit_codes(docker: Client, make_container: MakeContainer) -> None:
    cid = await running(make_container, docker)
    result = await docker.exec.run(cid, ["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert (result.exit_code, result.stdout, result.stderr) == (3, b"out\n", b"err\n")


async def test_exec_of_a_missing_binary(docker: Client, make_container: MakeContainer) -> None:
    cid = await running(make_container, docker)
    result = await docker.exec.run(cid, ["ec-no-such-binary"])
    # runc reports 126 on older daemons and 127 on newer ones, with its message as output.
    assert result.exit_code in (126, 127)
    assert b"ec-no-such-binary" in result.stdout + result.stderr


async def test_exec_tty_is_raw_and_merged(docker: Client, make_container: MakeContainer) -> None:
    cid = await running(make_container, docker)
    result = await docker.exec.run(cid, ["sh", "-c", "echo out; echo err >&2; exit 2"], tty=True)
    assert (result.exit_code, result.stdout, result.stderr) == (2, b"out\r\nerr\r\n", b"")


async def test_exec_tty_stdin_ends_with_the_terminal_eof(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await running(make_container, docker)
    with anyio.fail_after(20):
        result = await docker.exec.run(cid, ["cat"], stdin=b"abc\n\x04", tty=True)
    assert result.exit_code == 0
    assert result.stdout == b"abc\r\nabc\r\n"  # the terminal's echo, then cat's copy


async def test_exec_inspect_while_running_and_after(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await running(make_container, docker)
    created = await docker.exec.create(cid, ["sh", "-c", "sleep 0.3; exit 4"])
    await docker.exec.start(created.id)
    state = await docker.exec.inspect(created.id)
    assert (state.running, state.exit_code, state.container_id) == (True, None, cid)
    with anyio.fail_after(10):
        while state.running:
            await anyio.sleep(0.05)
            state = await docker.exec.inspect(created.id)
    assert state.exit_code == 4


async def test_exec_resize_reaches_the_tty(docker: Client, make_container: MakeContainer) -> None:
    cid = await running(make_container, docker)
    created = await docker.exec.create(cid, ["sh", "-c", "sleep 0.3; stty size"], tty=True)
    async with docker.exec.start_attached(created.id) as attached:
        await docker.exec.resize(created.id, height=33, width=111)
        output = await attached.collect()
    assert output.stdout.strip() == b"33 111"


async def test_exec_in_a_paused_container_is_a_conflict(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await running(make_container, docker)
    await docker.containers.pause(cid)
    try:
        with pytest.raises(Conflict):
            await docker.exec.run(cid, ["true"])
    finally:
        await docker.containers.unpause(cid)


async def test_exec_in_a_stopped_container_is_a_conflict(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await make_container(["true"])
    with pytest.raises(Conflict):
        await docker.exec.create(cid, ["true"])


async def test_attach_stdin_half_close_and_output(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await make_container(["wc", "-c"], open_stdin=True, stdin_once=True)
    async with docker.containers.attach(cid, stdin=True) as attached:
        await docker.containers.start(cid)
        with anyio.fail_after(20):
            output = await attached.collect(PAYLOAD)
    assert output.stdout.strip() == str(len(PAYLOAD)).encode()
    assert (await docker.containers.wait(cid)).status_code == 0


async def test_attach_frames_know_their_stream(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await make_container(["sh", "-c", "echo out; sleep 0.1; echo err >&2; exit 5"])
    async with docker.containers.attach(cid) as attached:
        await docker.containers.start(cid)
        frames = [(frame.stream, frame.data) async for frame in attached]
    assert frames == [(StreamType.STDOUT, b"out\n"), (StreamType.STDERR, b"err\n")]


async def test_attach_tty_passes_output_as_it_arrives(
    docker: Client, make_container: MakeContainer
) -> None:
    # A prompt without a newline, then the process waits for input: output held back until
    # a newline (line buffering) would never arrive.
    cid = await make_container(
        ["sh", "-c", "printf 'prompt> '; read line; echo got $line"], tty=True, open_stdin=True
    )
    async with docker.containers.attach(cid, stdin=True) as attached:
        assert attached.tty
        await docker.containers.start(cid)
        with anyio.fail_after(20):
            prompt = b""
            while len(prompt) < len(b"prompt> "):  # arrives before any input is sent
                prompt += (await attached.__anext__()).data
            assert prompt == b"prompt> "
            await attached.write(b"abc\n")
            rest = (await attached.collect()).stdout
    assert rest.endswith(b"got abc\r\n")


async def test_container_resize_reaches_the_tty(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await make_container(["sh", "-c", "sleep 0.3; stty size"], tty=True)
    async with docker.containers.attach(cid) as attached:
        await docker.containers.start(cid)
        await docker.containers.resize(cid, height=44, width=122)
        output = await attached.collect()
    assert output.stdout.strip() == b"44 122"


async def test_attach_replays_logs(docker: Client, make_container: MakeContainer) -> None:
    cid = await make_container(["sh", "-c", "echo earlier"])
    await docker.containers.start(cid)
    await docker.containers.wait(cid)
    async with docker.containers.attach(cid, logs=True, stream=False) as attached:
        assert (await attached.collect()).stdout == b"earlier\n"


async def test_attach_error_is_the_daemons_plain_text(docker: Client) -> None:
    # Straight to the upgrade (attach() would inspect first): the daemon writes this error
    # as plain text onto the hijacked connection.
    with pytest.raises(NotFound) as caught:
        async with docker.upgrade("POST", "/containers/ec-no-such-container/attach"):
            pytest.fail("no upgrade expected")
    assert "ec-no-such-container" in caught.value.message
    assert not caught.value.message.startswith("{")
