"""Volumes on every daemon, including prune semantics that differ between generations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from engine_client import Client, Conflict, NotFound
from tests.integration.conftest import LABEL, RUN_ID, MakeContainer, unique_name

pytestmark = pytest.mark.anyio

MakeVolume = Callable[..., Awaitable[str]]


@pytest.fixture
async def make_volume(docker: Client) -> AsyncIterator[MakeVolume]:
    """Create labelled volumes (anonymous when ``name`` is None); all removed after the test."""
    created: list[str] = []

    async def make(name: str | None = None, **options: Any) -> str:
        labels = {LABEL: RUN_ID, **options.pop("labels", {})}
        volume = await docker.volumes.create(name, labels=labels, **options)
        created.append(volume.name)
        return volume.name

    yield make
    for name in created:
        try:
            await docker.volumes.remove(name, force=True)
        except NotFound:
            pass


async def test_create_inspect_list_remove(docker: Client, make_volume: MakeVolume) -> None:
    name = unique_name("vol")
    await make_volume(name, driver="local", labels={"ec-role": "test"})
    volume = await docker.volumes.inspect(name)
    assert (volume.name, volume.driver, volume.scope) == (name, "local", "local")
    assert volume.labels["ec-role"] == "test"
    assert volume.mountpoint and volume.mountpoint.endswith(f"/{name}/_data")

    # Creating an existing name is idempotent on the daemon: the same volume comes back.
    assert (await docker.volumes.create(name)).name == name

    listed = await docker.volumes.list(filters={"label": f"{LABEL}={RUN_ID}", "name": name})
    assert [v.name for v in listed] == [name]

    await docker.volumes.remove(name)
    with pytest.raises(NotFound):
        await docker.volumes.inspect(name)


async def test_remove_in_use_is_a_conflict(
    docker: Client, make_volume: MakeVolume, make_container: MakeContainer
) -> None:
    name = await make_volume(unique_name("vol"))
    cid = await make_container(["true"], mounts=[{"Type": "volume", "Source": name, "Target": "/data"}])
    with pytest.raises(Conflict):
        await docker.volumes.remove(name)
    await docker.containers.remove(cid)
    await docker.volumes.remove(name)


async def test_prune_keeps_named_volumes_unless_all(
    docker: Client, make_volume: MakeVolume, make_container: MakeContainer
) -> None:
    marker = unique_name("prune")
    labels = {"ec-prune": marker}
    named = await make_volume(unique_name("vol"), labels=labels)
    anonymous = await make_volume(labels=labels)
    in_use = await make_volume(labels=labels)
    await make_container(["true"], mounts=[{"Type": "volume", "Source": in_use, "Target": "/d"}])
    filters = {"label": f"ec-prune={marker}"}

    pruned = await docker.volumes.prune(filters=filters)
    assert pruned.volumes_deleted == (anonymous,)
    assert (await docker.volumes.inspect(named)).name == named  # a named unused volume survives
    assert (await docker.volumes.inspect(in_use)).name == in_use

    pruned_all = await docker.volumes.prune(all=True, filters=filters)
    assert pruned_all.volumes_deleted == (named,)
    with pytest.raises(NotFound):
        await docker.volumes.inspect(named)
    assert (await docker.volumes.inspect(in_use)).name == in_use


async def test_prune_without_all_never_removes_a_named_volume(
    docker: Client, make_volume: MakeVolume
) -> None:
    # Only this run's volumes: the daemons are shared, and on 20.10 a prune is client-side.
    named = await make_volume(unique_name("vol"))
    anonymous = await make_volume()
    pruned = await docker.volumes.prune(filters={"label": f"{LABEL}={RUN_ID}"})
    assert anonymous in pruned.volumes_deleted
    assert named not in pruned.volumes_deleted
    assert (await docker.volumes.inspect(named)).name == named
