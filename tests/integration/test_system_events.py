"""Events, info, disk usage and login on every daemon."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import anyio
import pytest

from engine_client import APIError, Client
from tests.integration.conftest import (
    LABEL,
    RUN_ID,
    Daemon,
    MakeContainer,
    endpoint,
    unique_name,
)

pytestmark = pytest.mark.anyio


async def test_events_replay_own_container_sequence(
    docker: Client, make_container: MakeContainer
) -> None:
    marker = unique_name("events")
    since = datetime.now(timezone.utc) - timedelta(seconds=1)
    cid = await make_container(["true"], labels={"ec-events": marker})
    await docker.containers.start(cid)
    await docker.containers.wait(cid)
    await docker.containers.remove(cid)

    filters = {"type": "container", "label": f"ec-events={marker}"}
    with anyio.fail_after(20):  # until in the past: the daemon replays, then ends the stream
        async with docker.system.events(since=since, until=timedelta(0), filters=filters) as events:
            received = [event async for event in events]

    actions = [event.action for event in received]
    assert [a for a in actions if a in ("create", "start", "die", "destroy")] == [
        "create", "start", "die", "destroy",
    ]
    assert {event.actor.id for event in received} == {cid}
    assert all(event.type == "container" and event.scope == "local" for event in received)
    die = received[actions.index("die")]
    assert die.actor.attributes["exitCode"] == "0"
    assert die.actor.attributes["ec-events"] == marker
    # timeNano is the exact integer the daemon sent, consistent with its seconds field.
    assert all(isinstance(e.time_nano, int) and e.time_nano // 1_000_000_000 == e.time for e in received)
    assert die.time_nano == int(json.dumps(die.raw["timeNano"]))
    assert [e.time_nano for e in received] == sorted(e.time_nano for e in received)
    assert since <= die.timestamp <= datetime.now(timezone.utc)


async def test_events_since_unix_seconds_and_until_float(
    docker: Client, make_container: MakeContainer
) -> None:
    marker = unique_name("events")
    since = int(time.time()) - 1
    cid = await make_container(["true"], labels={"ec-events": marker})
    until = time.time() + 0.5  # a moment ahead: the daemon waits for it, then ends the stream
    with anyio.fail_after(20):
        async with docker.system.events(
            since=since, until=until, filters={"label": f"ec-events={marker}"}
        ) as events:
            received = [(event.action, event.actor.id) async for event in events]
    assert received == [("create", cid)]


async def test_live_events_see_a_fresh_action(docker: Client, make_container: MakeContainer) -> None:
    marker = unique_name("events")
    filters = {"type": ["container"], "label": [f"{LABEL}={RUN_ID}", f"ec-events={marker}"]}
    with anyio.fail_after(20):
        async with docker.system.events(filters=filters) as events:
            # The daemon has sent the headers: the subscription is in place.
            cid = await make_container(["true"], labels={"ec-events": marker})
            event = await events.__anext__()
    assert (event.type, event.action, event.actor.id) == ("container", "create", cid)
    assert event.actor.attributes["ec-events"] == marker


async def test_events_outlast_the_read_timeout(
    make_container: MakeContainer, live_daemon: Daemon
) -> None:
    """An events stream has no read deadline: 1.5 s of silence with a 0.3 s client timeout."""
    marker = unique_name("events-quiet")
    filters = {"type": ["container"], "label": [f"ec-events={marker}"]}
    async with Client.from_env(host=live_daemon.host, timeout=0.3) as client:
        with anyio.fail_after(20):
            async with client.system.events(filters=filters) as events:
                await anyio.sleep(1.5)
                cid = await make_container(["true"], labels={"ec-events": marker})
                event = await events.__anext__()
    assert (event.action, event.actor.id) == ("create", cid)


async def test_info(docker: Client) -> None:
    info = await docker.system.info()
    version = await docker.system.version()
    assert info.server_version == version.version
    assert info.os_type == "linux"
    assert info.ncpu and info.ncpu > 0
    assert info.mem_total and info.mem_total > 0
    assert info.images >= 1  # the test image
    assert info.containers == info.containers_running + info.containers_paused + info.containers_stopped
    assert info.id and info.raw["ID"] == info.id


async def test_df_whole_and_by_type(docker: Client) -> None:
    whole = await docker.system.df()
    assert whole.images is not None and whole.containers is not None and whole.volumes is not None
    assert whole.layers_size is not None and whole.layers_size > 0
    assert any("engine-client-test/busybox:latest" in (i.get("RepoTags") or ()) for i in whole.images)

    volumes_only = await docker.system.df(["volume"])
    assert volumes_only.volumes is not None
    assert volumes_only.images is None and volumes_only.containers is None
    assert volumes_only.build_cache is None


async def test_login_against_the_test_registry(docker: Client) -> None:
    registry = endpoint("registry")
    result = await docker.system.login(
        registry["username"], registry["password"], server_address=registry["auth"]
    )
    assert result.status == "Login Succeeded"
    assert registry["password"] not in repr(result)

    wrong = "not-the-password-" + RUN_ID
    with pytest.raises(APIError) as failure:  # 401 or 500 depending on the daemon
        await docker.system.login(registry["username"], wrong, server_address=registry["auth"])
    assert failure.value.status_code in (401, 500)
    assert wrong not in str(failure.value)
