"""Container management endpoints against every daemon: list, inspect, kill, restart, pause,
rename, update, remove, prune, top, changes, resize, and their error cases."""

from __future__ import annotations

import anyio
import pytest

from engine_client import (
    BadRequest,
    Client,
    Conflict,
    ContainerSummary,
    FilesystemChangeKind,
    NotFound,
    ServerError,
)
from tests.integration.conftest import LABEL, RUN_ID, MakeContainer, unique_name

pytestmark = pytest.mark.anyio


async def running(make_container: MakeContainer, docker: Client, **options: object) -> str:
    cid = await make_container(["sleep", "60"], **options)
    await docker.containers.start(cid)
    return cid


async def until_running(docker: Client, cid: str, command: str) -> None:
    with anyio.fail_after(10):
        while not any(command in " ".join(row) for row in (await docker.containers.top(cid)).processes):
            await anyio.sleep(0.05)


async def test_inspect_with_size(docker: Client, make_container: MakeContainer) -> None:
    cid = await make_container(["true"])
    plain = await docker.containers.inspect(cid)
    sized = await docker.containers.inspect(cid, size=True)
    assert plain.id == sized.id == cid
    assert plain.size_root_fs is None
    assert sized.size_root_fs is not None and sized.size_root_fs > 0


async def test_inspect_missing_container(docker: Client) -> None:
    with pytest.raises(NotFound):
        await docker.containers.inspect(unique_name("missing"))


async def test_list_all_filters_and_size(docker: Client, make_container: MakeContainer) -> None:
    marker = unique_name("marker")
    name = unique_name()
    stopped = await make_container(["true"], name=name, labels={"marker": marker})
    alive = await running(make_container, docker, labels={"marker": marker})
    mine = {"label": [f"marker={marker}", f"{LABEL}={RUN_ID}"]}

    only_running = await docker.containers.list(filters=mine)
    assert [c.id for c in only_running] == [alive]
    assert isinstance(only_running[0], ContainerSummary)
    assert only_running[0].state == "running"
    assert only_running[0].labels["marker"] == marker

    everything = await docker.containers.list(all=True, filters=mine)
    assert {c.id for c in everything} == {alive, stopped}
    by_name = await docker.containers.list(all=True, filters={"name": name, **mine})
    assert [(c.id, c.name) for c in by_name] == [(stopped, name)]
    created = await docker.containers.list(all=True, filters={**mine, "status": "created"})
    assert [c.id for c in created] == [stopped]

    newest = await docker.containers.list(all=True, limit=1, filters=mine)  # limit counts matches
    assert [c.id for c in newest] == [alive]

    sized = await docker.containers.list(all=True, size=True, filters=mine)
    assert all(c.size_root_fs is not None for c in sized)


async def test_list_unknown_filter_is_bad_request(docker: Client) -> None:
    with pytest.raises(BadRequest):
        await docker.containers.list(filters={"no-such-filter": "x"})


async def test_kill_with_signal_and_not_running(docker: Client, make_container: MakeContainer) -> None:
    # PID 1 ignores signals it has no handler for, so the shell installs one.
    cid = await make_container(["sh", "-c", "trap 'exit 42' USR1; while true; do sleep 0.1; done"])
    await docker.containers.start(cid)
    async with docker.containers.waiting(cid, condition="next-exit") as exited:
        await until_running(docker, cid, "sleep")  # the trap is set before the loop starts
        await docker.containers.kill(cid, signal="SIGUSR1")
        with anyio.fail_after(10):
            result = await exited.result()
    assert result.status_code == 42
    with pytest.raises(Conflict):
        await docker.containers.kill(cid)


async def test_kill_missing_container(docker: Client) -> None:
    with pytest.raises(NotFound):
        await docker.containers.kill(unique_name("missing"))


async def test_restart_with_t(docker: Client, make_container: MakeContainer) -> None:
    cid = await running(make_container, docker)
    before = (await docker.containers.inspect(cid)).state
    with anyio.fail_after(15):
        await docker.containers.restart(cid, t=0)
    after = (await docker.containers.inspect(cid)).state
    assert after.running
    assert after.pid != before.pid
    assert after.started_at != before.started_at


async def test_restart_starts_a_stopped_container(docker: Client, make_container: MakeContainer) -> None:
    cid = await make_container(["sleep", "60"])
    await docker.containers.restart(cid, t=0)
    assert (await docker.containers.inspect(cid)).state.running


async def test_pause_unpause_and_their_conflicts(docker: Client, make_container: MakeContainer) -> None:
    cid = await running(make_container, docker)
    await docker.containers.pause(cid)
    assert (await docker.containers.inspect(cid)).state.paused
    with pytest.raises(Conflict):
        await docker.containers.pause(cid)
    await docker.containers.unpause(cid)
    assert not (await docker.containers.inspect(cid)).state.paused
    with pytest.raises(ServerError) as raised:
        await docker.containers.unpause(cid)
    assert raised.value.status_code == 500


async def test_pause_not_running_is_conflict(docker: Client, make_container: MakeContainer) -> None:
    cid = await make_container(["true"])
    with pytest.raises(Conflict):
        await docker.containers.pause(cid)


async def test_rename_and_name_in_use(docker: Client, make_container: MakeContainer) -> None:
    taken = unique_name()
    await make_container(["true"], name=taken)
    cid = await make_container(["true"])
    new_name = unique_name()
    await docker.containers.rename(cid, new_name)
    assert (await docker.containers.inspect(new_name)).id == cid
    with pytest.raises(Conflict):
        await docker.containers.rename(cid, taken)


async def test_update_memory_and_restart_policy(docker: Client, make_container: MakeContainer) -> None:
    cid = await running(make_container, docker)
    result = await docker.containers.update(
        cid, memory="64m", memory_swap=-1, restart="on-failure:2"
    )
    assert isinstance(result.warnings, tuple)
    host_config = (await docker.containers.inspect(cid)).host_config
    assert host_config["Memory"] == 64 * 1024 * 1024
    assert host_config["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 2}


async def test_remove_running_conflict_then_force(docker: Client, make_container: MakeContainer) -> None:
    cid = await running(make_container, docker)
    with pytest.raises(Conflict):
        await docker.containers.remove(cid)
    await docker.containers.remove(cid, force=True, volumes=True)
    with pytest.raises(NotFound):
        await docker.containers.inspect(cid)


async def test_prune_with_label_filter(docker: Client, make_container: MakeContainer) -> None:
    marker = unique_name("prune")
    stopped = await make_container(["true"], labels={"prune": marker})
    alive = await running(make_container, docker, labels={"prune": marker})
    result = await docker.containers.prune(filters={"label": f"prune={marker}"})
    assert result.containers_deleted == (stopped,)
    assert result.space_reclaimed >= 0
    assert (await docker.containers.inspect(alive)).state.running


async def test_top_with_ps_args(docker: Client, make_container: MakeContainer) -> None:
    cid = await running(make_container, docker)
    default = await docker.containers.top(cid)
    assert "PID" in default.titles
    custom = await docker.containers.top(cid, ps_args="-o pid,comm")
    assert custom.titles == ("PID", "COMMAND")
    assert any(row[1] == "sleep" for row in custom.processes)


async def test_top_not_running_is_conflict(docker: Client, make_container: MakeContainer) -> None:
    cid = await make_container(["true"])
    with pytest.raises(Conflict):
        await docker.containers.top(cid)


async def test_changes_none_then_some(docker: Client, make_container: MakeContainer) -> None:
    untouched = await make_container(["true"])
    assert await docker.containers.changes(untouched) == ()
    cid = await make_container(["sh", "-c", "echo x > /etc/added && rm /bin/yes"])
    await docker.containers.start(cid)
    assert (await docker.containers.wait(cid)).status_code == 0
    changes = {change.path: change.kind for change in await docker.containers.changes(cid)}
    assert changes["/etc/added"] is FilesystemChangeKind.ADDED
    assert changes["/etc"] is FilesystemChangeKind.MODIFIED
    assert changes["/bin/yes"] is FilesystemChangeKind.DELETED


async def test_changes_missing_container(docker: Client) -> None:
    with pytest.raises(NotFound):
        await docker.containers.changes(unique_name("missing"))


async def test_resize_tty(docker: Client, make_container: MakeContainer) -> None:
    cid = await make_container(["sleep", "60"], tty=True)
    await docker.containers.start(cid)
    await docker.containers.resize(cid, height=40, width=100)
    with pytest.raises(NotFound):
        await docker.containers.resize(unique_name("missing"), height=1, width=1)
