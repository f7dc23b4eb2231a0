"""The classic flow against every real daemon: ping, version, create, start, stop, remove."""

import time

import pytest

from engine_client import (
    MAX_API_VERSION,
    APIVersionError,
    Client,
    Conflict,
    InvalidArgument,
    NotFound,
)
from engine_client._config import format_api_version, parse_api_version

from .conftest import IMAGE, LABEL, RUN_ID, Daemon, MakeContainer, unique_name

pytestmark = pytest.mark.anyio


def expected_version(daemon: Daemon) -> str:
    assert daemon.api_version, "test-env records each daemon's API version"
    newest = min(parse_api_version(daemon.api_version), parse_api_version(MAX_API_VERSION))
    return format_api_version(newest)


async def test_negotiated_version(docker: Client, live_daemon: Daemon) -> None:
    ping = await docker.system.ping()
    assert ping.api_version == live_daemon.api_version
    assert ping.os_type == "linux"
    assert await docker.api_version() == expected_version(live_daemon)


async def test_version(docker: Client, live_daemon: Daemon) -> None:
    version = await docker.system.version()
    assert version.api_version == live_daemon.api_version
    assert version.min_api_version is not None
    assert version.os == "linux"
    assert version.version and version.go_version and version.kernel_version
    assert any(c.name == "Engine" for c in version.components)


async def test_round_trip(docker: Client, make_container: MakeContainer) -> None:
    cid = await make_container(["sleep", "30"], env={"A": "1"}, working_dir="/tmp")
    inspected = await docker.containers.inspect(cid)
    assert inspected.state.status == "created"
    assert inspected.config.cmd == ("sleep", "30")
    assert "A=1" in inspected.config.env
    assert inspected.config.labels[LABEL] == RUN_ID

    assert await docker.containers.start(cid) is True
    assert (await docker.containers.inspect(cid)).state.running

    assert await docker.containers.stop(cid, t=0) is True
    assert (await docker.containers.inspect(cid)).state.status == "exited"

    await docker.containers.remove(cid)
    with pytest.raises(NotFound):
        await docker.containers.inspect(cid)


async def test_start_twice_and_stop_twice_are_no_ops(docker: Client, make_container: MakeContainer) -> None:
    cid = await make_container(["sleep", "30"])
    assert await docker.containers.start(cid) is True
    assert await docker.containers.start(cid) is False
    assert await docker.containers.stop(cid, t=0) is True
    assert await docker.containers.stop(cid, t=0) is False


async def test_stop_waits_the_grace_period_then_kills(docker: Client, make_container: MakeContainer) -> None:
    cid = await make_container(["sleep", "30"])  # PID 1 ignores SIGTERM
    await docker.containers.start(cid)
    started = time.monotonic()
    await docker.containers.stop(cid, t=1)
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 5
    assert (await docker.containers.inspect(cid)).state.exit_code == 137


async def test_stop_longer_than_the_read_timeout_succeeds(live_daemon: Daemon, make_container: MakeContainer) -> None:
    cid = await make_container(["sleep", "30"])
    async with Client.from_env(host=live_daemon.host, timeout=1) as short:
        await short.containers.start(cid)
        started = time.monotonic()
        assert await short.containers.stop(cid, t=2) is True
        assert time.monotonic() - started >= 1.9


async def test_name_in_use_is_a_conflict(docker: Client, make_container: MakeContainer) -> None:
    name = unique_name()
    await make_container(["true"], name=name)
    with pytest.raises(Conflict) as caught:
        await make_container(["true"], name=name)
    assert name in caught.value.message


async def test_missing_image_is_not_found_with_the_daemons_message(docker: Client) -> None:
    with pytest.raises(NotFound) as caught:
        await docker.containers.create("engine-client-test/no-such-image:zz", ["true"])
    assert "no-such-image" in caught.value.message
    assert caught.value.status_code == 404


async def test_stop_signal_depends_on_the_negotiated_version(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await make_container(["sleep", "30"])
    await docker.containers.start(cid)
    if parse_api_version(await docker.api_version()) < (1, 42):
        with pytest.raises(APIVersionError, match=r"1\.42"):
            await docker.containers.stop(cid, t=20, signal="SIGKILL")
        assert (await docker.containers.inspect(cid)).state.running
    else:
        started = time.monotonic()
        await docker.containers.stop(cid, t=20, signal="SIGKILL")
        assert time.monotonic() - started < 5, "SIGKILL ends the container without the grace period"
        assert (await docker.containers.inspect(cid)).state.exit_code == 137


async def test_crafted_names_cannot_reach_another_endpoint(docker: Client, make_container: MakeContainer) -> None:
    name = unique_name("victim")
    cid = await make_container(["sleep", "30"], name=name)
    await docker.containers.start(cid)
    for crafted in (f"{name}?force=1", f"{name}/../{name}", f"../containers/{name}", f"{name}%3Fforce=1"):
        with pytest.raises(InvalidArgument):
            await docker.containers.remove(crafted)
    assert (await docker.containers.inspect(cid)).state.running


async def test_remove_running_needs_force(docker: Client, make_container: MakeContainer) -> None:
    cid = await make_container(["sleep", "30"])
    await docker.containers.start(cid)
    with pytest.raises(Conflict):
        await docker.containers.remove(cid)
    await docker.containers.remove(cid, force=True)
    with pytest.raises(NotFound):
        await docker.containers.inspect(cid)


async def test_image_is_the_local_busybox(docker: Client) -> None:
    created = await docker.containers.create(IMAGE, ["true"], labels={LABEL: RUN_ID})
    try:
        assert (await docker.containers.inspect(created.id)).config.image == IMAGE
    finally:
        await docker.containers.remove(created.id, force=True)
