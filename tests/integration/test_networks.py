"""Networks on every daemon, including the duplicate-name difference between generations."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from engine_client import Client, Conflict, Forbidden, NotFound, ServerError
from tests.integration.conftest import LABEL, RUN_ID, MakeContainer, unique_name

pytestmark = pytest.mark.anyio

MakeNetwork = Callable[..., Awaitable[str]]


@pytest.fixture
async def make_network(docker: Client) -> AsyncIterator[MakeNetwork]:
    """Create labelled networks; every one (by id) is removed after the test."""
    created: list[str] = []

    async def make(name: str | None = None, **options: Any) -> str:
        labels = {LABEL: RUN_ID, **options.pop("labels", {})}
        result = await docker.networks.create(name or unique_name("net"), labels=labels, **options)
        created.append(result.id)
        return result.id

    yield make
    for network_id in created:
        try:
            await docker.networks.remove(network_id)
        except NotFound:
            pass


def random_subnet() -> tuple[str, str]:
    base = f"10.{random.randint(200, 250)}.{random.randint(0, 255)}"
    return f"{base}.0/24", f"{base}.1"


async def test_create_inspect_list_remove(docker: Client, make_network: MakeNetwork) -> None:
    name = unique_name("net")
    subnet, gateway = random_subnet()
    network_id = await make_network(
        name,
        driver="bridge",
        internal=True,
        attachable=True,
        subnet=subnet,
        gateway=gateway,
        options={"com.docker.network.bridge.enable_icc": "true"},
        labels={"ec-role": "test"},
    )
    network = await docker.networks.inspect(name)
    assert (network.id, network.name, network.driver) == (network_id, name, "bridge")
    assert network.internal and network.attachable
    assert network.labels["ec-role"] == "test"
    assert network.options["com.docker.network.bridge.enable_icc"] == "true"
    assert [dict(c) for c in network.ipam["Config"]] == [{"Subnet": subnet, "Gateway": gateway}]

    listed = await docker.networks.list(filters={"label": f"{LABEL}={RUN_ID}", "name": name})
    assert [n.id for n in listed] == [network_id]

    await docker.networks.remove(network_id)
    with pytest.raises(NotFound):
        await docker.networks.inspect(network_id)


async def test_duplicate_name_is_a_conflict_on_every_daemon(
    docker: Client, make_network: MakeNetwork
) -> None:
    name = unique_name("net")
    await make_network(name)
    # 20.10 would create a second network (201 + warning) without the client's CheckDuplicate.
    with pytest.raises(Conflict):
        await make_network(name)
    assert len(await docker.networks.list(filters={"name": name})) == 1


async def test_connect_disconnect_and_remove_in_use(
    docker: Client, make_network: MakeNetwork, make_container: MakeContainer
) -> None:
    subnet, gateway = random_subnet()
    address = gateway.rsplit(".", 1)[0] + ".77"
    name = unique_name("net")
    network_id = await make_network(name, subnet=subnet, gateway=gateway)
    cid = await make_container(["sleep", "30"])
    await docker.containers.start(cid)

    await docker.networks.connect(name, cid, aliases=["ec-alias"], ipv4_address=address)
    endpoint = (await docker.containers.inspect(cid)).raw["NetworkSettings"]["Networks"][name]
    assert "ec-alias" in endpoint["Aliases"]
    assert endpoint["IPAMConfig"]["IPv4Address"] == address
    assert endpoint["IPAddress"] == address
    assert cid in (await docker.networks.inspect(network_id)).containers

    with pytest.raises(Forbidden):  # 403 while a container is connected
        await docker.networks.remove(network_id)
    with pytest.raises(Forbidden):  # 403: already connected
        await docker.networks.connect(name, cid)

    await docker.networks.disconnect(name, cid, force=True)
    assert name not in (await docker.containers.inspect(cid)).raw["NetworkSettings"]["Networks"]
    with pytest.raises(ServerError):  # 500 on every generation: not connected
        await docker.networks.disconnect(name, cid)
    await docker.networks.remove(network_id)


async def test_predefined_network_cannot_be_removed(docker: Client) -> None:
    with pytest.raises(Forbidden):
        await docker.networks.remove("none")


async def test_prune_removes_unused_labelled_networks(
    docker: Client, make_network: MakeNetwork
) -> None:
    marker = unique_name("prune")
    names = [unique_name("net"), unique_name("net")]
    for name in names:
        await make_network(name, labels={"ec-prune": marker})
    kept = await make_network(labels={"ec-prune": "other-" + marker})
    result = await docker.networks.prune(filters={"label": f"ec-prune={marker}"})
    assert sorted(result.networks_deleted) == sorted(names)
    assert (await docker.networks.inspect(kept)).id == kept
    assert (await docker.networks.prune(filters={"label": f"ec-prune={marker}"})).networks_deleted == ()
