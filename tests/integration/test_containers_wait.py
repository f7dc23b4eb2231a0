"""Waiting for containers, including the auto-remove pattern, on every daemon."""

from __future__ import annotations

import anyio
import pytest

from engine_client import Client, InvalidArgument, NotFound
from tests.integration.conftest import Daemon, MakeContainer, unique_name

pytestmark = pytest.mark.anyio


async def test_wait_not_running_returns_exit_code(docker: Client, make_container: MakeContainer) -> None:
    cid = await make_container(["sh", "-c", "exit 3"])
    await docker.containers.start(cid)
    result = await docker.containers.wait(cid)
    assert result.status_code == 3
    assert result.error is None


async def test_wait_not_running_on_stopped_container_returns_at_once(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await make_container(["true"])
    with anyio.fail_after(10):
        result = await docker.containers.wait(cid, condition="not-running")
    assert result.status_code == 0


async def test_waiting_next_exit_registered_before_start(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await make_container(["sh", "-c", "exit 7"])
    async with docker.containers.waiting(cid, condition="next-exit") as waiter:
        await docker.containers.start(cid)
        result = await waiter.result()
    assert result.status_code == 7


async def test_wait_body_has_no_read_timeout(
    docker: Client, live_daemon: Daemon, make_container: MakeContainer
) -> None:
    cid = await make_container(["sleep", "0.8"])
    await docker.containers.start(cid)
    # A client whose read deadline is shorter than the container's remaining run time.
    async with Client.from_env(host=live_daemon.host, timeout=0.3) as short:
        result = await short.containers.wait(cid)
    assert result.status_code == 0


async def test_auto_remove_container_removed_condition(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await make_container(["sh", "-c", "exit 5"], auto_remove=True, name=unique_name())
    async with docker.containers.waiting(cid, condition="removed") as waiter:
        await docker.containers.start(cid)
        result = await waiter.result()
    assert result.status_code == 5
    with pytest.raises(NotFound):
        await docker.containers.inspect(cid)


async def test_auto_remove_container_next_exit_condition(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await make_container(["sh", "-c", "exit 4"], auto_remove=True)
    async with docker.containers.waiting(cid, condition="removed") as removed:
        async with docker.containers.waiting(cid, condition="next-exit") as exited:
            await docker.containers.start(cid)
            result = await exited.result()
        # The exit is reported before the removal has finished; wait for that too, so
        # nothing races with the daemon's own removal.
        assert (await removed.result()).status_code == 4
    assert result.status_code == 4


async def test_wait_missing_container_is_not_found(docker: Client) -> None:
    with pytest.raises(NotFound):
        await docker.containers.wait(unique_name("missing"))


async def test_wait_bad_condition_refused_before_sending(docker: Client) -> None:
    with pytest.raises(InvalidArgument):
        await docker.containers.wait("whatever", condition="bogus")


async def test_leaving_waiting_block_cancels_the_wait(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await make_container(["sleep", "30"])
    await docker.containers.start(cid)
    with anyio.fail_after(5):
        async with docker.containers.waiting(cid) as waiter:
            with anyio.move_on_after(0.2):
                await waiter.result()
