"""Request mapping of the container management calls (filters, params, bodies, null answers)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import httpx
import pytest

from engine_client import APIVersionError, InvalidArgument, StreamError

from .fakes import Chunks, FakeDaemon

pytestmark = pytest.mark.anyio


def query(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.url.query.decode())


async def test_list_sends_filters_as_engine_json_map() -> None:
    daemon = FakeDaemon()
    daemon.route("GET", "/v1.45/containers/json", httpx.Response(200, json=[
        {"Id": "abc", "Names": ["/web"], "State": "running", "Labels": {"a": "b"}, "Created": 5},
    ]))
    async with daemon.client() as docker:
        result = await docker.containers.list(
            all=True, limit=3, filters={"label": ["a=b", "c"], "status": "running", "dangling": True}
        )
    params = query(daemon.requests[-1])
    assert json.loads(params["filters"][0]) == {
        "label": ["a=b", "c"], "status": ["running"], "dangling": ["true"],
    }
    assert params["all"] == ["1"] and params["limit"] == ["3"] and "size" not in params
    assert [(c.id, c.name, c.state, dict(c.labels)) for c in result] == [("abc", "web", "running", {"a": "b"})]


async def test_list_without_filters_sends_no_filters_param() -> None:
    daemon = FakeDaemon()
    daemon.route("GET", "/v1.45/containers/json", httpx.Response(200, json=[]))
    async with daemon.client() as docker:
        assert await docker.containers.list(filters={}) == ()
    assert daemon.requests[-1].url.query == b""


async def test_changes_null_body_means_no_changes() -> None:
    daemon = FakeDaemon()
    daemon.route("GET", "/v1.45/containers/c1/changes", httpx.Response(200, content=b"null\n"))
    async with daemon.client() as docker:
        assert await docker.containers.changes("c1") == ()


async def test_top_and_prune_are_typed() -> None:
    daemon = FakeDaemon()
    daemon.route("GET", "/v1.45/containers/c1/top", httpx.Response(200, json={
        "Titles": ["PID", "COMMAND"], "Processes": [["1", "sleep"]],
    }))
    daemon.route("POST", "/v1.45/containers/prune", httpx.Response(200, json={
        "ContainersDeleted": None, "SpaceReclaimed": 0,
    }))
    async with daemon.client() as docker:
        top = await docker.containers.top("c1", ps_args="-o pid,comm")
        pruned = await docker.containers.prune(filters={"until": "10m"})
    assert top.processes == (("1", "sleep"),)
    assert query(daemon.requests[-2])["ps_args"] == ["-o pid,comm"]
    assert pruned.containers_deleted == () and pruned.space_reclaimed == 0
    assert json.loads(query(daemon.requests[-1])["filters"][0]) == {"until": ["10m"]}


async def test_update_body_and_null_warnings() -> None:
    daemon = FakeDaemon()
    daemon.route("POST", "/v1.45/containers/c1/update", httpx.Response(200, json={"Warnings": None}))
    async with daemon.client() as docker:
        result = await docker.containers.update(
            "c1", memory="64m", memory_swap=-1, cpus=0.5, restart="always", extra={"PidsLimit": 5}
        )
        with pytest.raises(InvalidArgument):
            await docker.containers.update("c1")
    assert result.warnings == ()
    assert json.loads(daemon.requests[-1].content) == {
        "Memory": 64 * 1024 * 1024, "MemorySwap": -1, "NanoCpus": 500_000_000,
        "RestartPolicy": {"Name": "always"}, "PidsLimit": 5,
    }


async def test_restart_signal_needs_api_1_42() -> None:
    daemon = FakeDaemon(api_version="1.41")
    async with daemon.client() as docker:
        with pytest.raises(APIVersionError):
            await docker.containers.restart("c1", signal="SIGINT")
    assert daemon.paths() == []


async def test_restart_read_timeout_covers_t() -> None:
    seen: list[dict[str, float | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(204)

    daemon = FakeDaemon()
    daemon.route("POST", "/v1.45/containers/c1/restart", handler)
    async with daemon.client(timeout=5) as docker:
        await docker.containers.restart("c1", t=30, signal=9)
        await docker.containers.restart("c1")
    assert seen[0]["read"] == 35
    assert seen[1]["read"] is None
    assert query(daemon.requests[-2]) == {"t": ["30"], "signal": ["9"]}


async def test_wait_result_with_and_without_error() -> None:
    answers = iter([b'{"Error":null,"StatusCode":137}\n', b'{"StatusCode":1,"Error":{"Message":"boom"}}\n', b""])
    daemon = FakeDaemon()
    daemon.route("POST", "/v1.45/containers/c1/wait", lambda r: httpx.Response(200, stream=Chunks(next(answers))))
    async with daemon.client() as docker:
        first = await docker.containers.wait("c1")
        second = await docker.containers.wait("c1", condition="next-exit")
        with pytest.raises(StreamError):
            await docker.containers.wait("c1")
    assert (first.status_code, first.error) == (137, None)
    assert (second.status_code, second.error) == (1, "boom")
    assert query(daemon.requests[-2])["condition"] == ["next-exit"]


async def test_bad_names_refused_before_sending() -> None:
    daemon = FakeDaemon()
    async with daemon.client() as docker:
        with pytest.raises(InvalidArgument):
            await docker.containers.rename("c1", "a/b")
        with pytest.raises(InvalidArgument):
            await docker.containers.kill("../images")
        with pytest.raises(InvalidArgument):
            await docker.containers.archive_stat("c1", "")
    assert daemon.paths() == []
