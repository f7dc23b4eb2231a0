"""Networks and volumes without a daemon: request bodies, and choices that depend on the API
version (CheckDuplicate, the prune semantics of API 1.41)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from engine_client import Client, ClientConfig, InvalidArgument
from engine_client._api.networks import ipam_body
from engine_client._api.volumes import Volume, prunable_on_api_1_41

pytestmark = pytest.mark.anyio

ANON = ["a" * 64, "b" * 64, "c" * 64]


class Recorder:
    """A fake daemon: ``routes`` maps "METHOD path" to a response factory; requests are kept."""

    def __init__(self, routes: dict[str, Callable[[httpx.Request], httpx.Response]]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.split("/", 2)[2]
        return self.routes[f"{request.method} /{path}"](request)

    def filters(self, index: int) -> Any:
        values = parse_qs(self.requests[index].url.query.decode()).get("filters")
        return json.loads(values[0]) if values else None


def client(recorder: Recorder, version: str) -> Client:
    return Client(ClientConfig(api_version=version), transport=httpx.MockTransport(recorder))


def created(request: httpx.Request) -> httpx.Response:
    return httpx.Response(201, json={"Id": "n1", "Warning": ""})


@pytest.mark.parametrize(("version", "sent"), [("1.41", True), ("1.43", True), ("1.44", False), ("1.51", False)])
async def test_network_create_sends_check_duplicate_where_it_exists(version: str, sent: bool) -> None:
    recorder = Recorder({"POST /networks/create": created})
    async with client(recorder, version) as docker:
        result = await docker.networks.create(
            "net", driver="bridge", internal=True, subnet="10.9.0.0/24", gateway="10.9.0.1",
            labels={"a": "b"}, options={"o": "v"},
        )
    assert result.id == "n1"
    body = json.loads(recorder.requests[0].content)
    assert body.pop("CheckDuplicate", False) is sent
    assert body == {
        "Name": "net", "Driver": "bridge", "Internal": True, "Labels": {"a": "b"}, "Options": {"o": "v"},
        "IPAM": {"Config": [{"Subnet": "10.9.0.0/24", "Gateway": "10.9.0.1"}]},
    }


def test_ipam_body() -> None:
    assert ipam_body(None, None, None, None) is None
    assert ipam_body({"Driver": "default", "Config": [{"Subnet": "10.1.0.0/16"}]}, "10.2.0.0/16", None, "10.2.1.0/24") == {
        "Driver": "default",
        "Config": [{"Subnet": "10.1.0.0/16"}, {"Subnet": "10.2.0.0/16", "IPRange": "10.2.1.0/24"}],
    }


async def test_network_connect_body() -> None:
    recorder = Recorder({"POST /networks/net/connect": lambda r: httpx.Response(200)})
    async with client(recorder, "1.45") as docker:
        await docker.networks.connect(
            "net", "c1", aliases=["web"], ipv4_address="10.9.0.5",
            endpoint_config={"IPAMConfig": {"IPv6Address": "fd00::5"}, "MacAddress": "02:42:ac:11:00:02"},
        )
    assert json.loads(recorder.requests[0].content) == {
        "Container": "c1",
        "EndpointConfig": {
            "Aliases": ["web"],
            "IPAMConfig": {"IPv4Address": "10.9.0.5", "IPv6Address": "fd00::5"},
            "MacAddress": "02:42:ac:11:00:02",
        },
    }


async def test_network_names_are_checked_before_sending() -> None:
    recorder = Recorder({})
    async with client(recorder, "1.45") as docker:
        for bad in ("../containers/x", "a/b", ""):
            with pytest.raises(InvalidArgument):
                await docker.networks.remove(bad)
            with pytest.raises(InvalidArgument):
                await docker.volumes.inspect(bad)
    assert recorder.requests == []


async def test_volume_prune_on_1_42_and_later() -> None:
    recorder = Recorder({"POST /volumes/prune": lambda r: httpx.Response(200, json={"VolumesDeleted": None, "SpaceReclaimed": 0})})
    async with client(recorder, "1.45") as docker:
        assert (await docker.volumes.prune()).volumes_deleted == ()
        await docker.volumes.prune(all=True, filters={"label": "x"})
    assert recorder.filters(0) is None
    assert recorder.filters(1) == {"label": ["x"], "all": ["true"]}


async def test_volume_prune_all_on_1_41_uses_the_daemons_prune() -> None:
    answer = {"VolumesDeleted": ["named", ANON[0]], "SpaceReclaimed": 10}
    recorder = Recorder({"POST /volumes/prune": lambda r: httpx.Response(200, json=answer)})
    async with client(recorder, "1.41") as docker:
        result = await docker.volumes.prune(all=True, filters={"label": "x"})
    assert result.volumes_deleted == ("named", ANON[0]) and result.space_reclaimed == 10
    assert recorder.filters(0) == {"label": ["x"]}  # no "all": 20.10 refuses it


async def test_volume_prune_on_1_41_removes_anonymous_volumes_one_by_one() -> None:
    listed = [
        {"Name": "named-volume", "Labels": {}},
        {"Name": ANON[0], "Labels": {"keep": "1"}},
        {"Name": ANON[1], "Labels": None},
        {"Name": ANON[2], "Labels": {}},
    ]

    def remove(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(ANON[2]):  # went into use since it was listed
            return httpx.Response(409, json={"message": "volume is in use"})
        return httpx.Response(204)

    routes = {"GET /volumes": lambda r: httpx.Response(200, json={"Volumes": listed, "Warnings": None})}
    routes.update({f"DELETE /volumes/{name}": remove for name in ANON})
    recorder = Recorder(routes)
    async with client(recorder, "1.41") as docker:
        result = await docker.volumes.prune(filters={"label": "team", "label!": "keep=1"})
    assert result.volumes_deleted == (ANON[1],) and result.space_reclaimed is None
    assert recorder.filters(0) == {"label": ["team"], "dangling": ["true"]}
    removed = [r.url.path.rsplit("/", 1)[1] for r in recorder.requests if r.method == "DELETE"]
    assert removed == [ANON[1], ANON[2]]  # never the named volume, nor the excluded one
    assert all("force" not in r.url.query.decode() for r in recorder.requests if r.method == "DELETE")


@pytest.mark.parametrize(
    ("name", "labels", "excluded", "removed"),
    [
        (ANON[0], {}, (), True),  # the daemon's own name for an anonymous volume
        ("data", {}, (), False),
        ("A" * 64, {}, (), False),  # the daemon generates lowercase only
        ("a" * 63, {}, (), False),
        ("a" * 65, {}, (), False),
        ("g" * 64, {}, (), False),
        (ANON[0] + "\n", {}, (), False),
        (ANON[0], {"keep": "1"}, ("keep",), False),
        (ANON[0], {"keep": "1"}, ("keep=1",), False),
        (ANON[0], {"keep": "2"}, ("keep=1",), True),
        # The documented limit: 20.10 keeps no record of how a volume got its name, so one a
        # caller named with 64 hex digits cannot be told from an anonymous one.
        ("0123456789abcdef" * 4, {}, (), True),
    ],
)
def test_which_volumes_prune_removes_on_api_1_41(
    name: str, labels: dict[str, str], excluded: tuple[str, ...], removed: bool
) -> None:
    volume = Volume.from_api({"Name": name, "Labels": labels})
    assert prunable_on_api_1_41(volume, excluded) is removed
