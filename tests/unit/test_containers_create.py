import json

import httpx
import pytest

from engine_client import InvalidArgument
from engine_client._api.containers import byte_size, create_body, restart_policy

from .fakes import FakeDaemon

pytestmark = pytest.mark.anyio


def test_only_given_fields_are_sent() -> None:
    assert create_body("busybox") == {"Image": "busybox"}


def test_typed_arguments_map_to_engine_fields() -> None:
    body = create_body(
        "busybox", "sh -c 'echo hi'", entrypoint=["/bin/sh"], env={"A": "1"}, labels={"l": "v"},
        tty=True, open_stdin=True, working_dir="/tmp", user="nobody", stop_signal="SIGINT",
        stop_timeout=3, network_mode="none", auto_remove=True, binds=["/a:/b:ro"],
        mounts=[{"Type": "tmpfs", "Target": "/t"}], restart="on-failure:3", memory="64m",
        cpus=0.5, privileged=False, cap_add=["NET_ADMIN"], cap_drop=["ALL"], console_size=(24, 80),
    )
    assert body["Cmd"] == ["sh", "-c", "echo hi"]
    assert body["Env"] == ["A=1"]
    assert body["StopTimeout"] == 3
    assert body["HostConfig"] == {
        "NetworkMode": "none", "AutoRemove": True, "Binds": ["/a:/b:ro"],
        "Mounts": [{"Type": "tmpfs", "Target": "/t"}],
        "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3},
        "Memory": 64 * 1024 * 1024, "NanoCpus": 500_000_000, "Privileged": False,
        "CapAdd": ["NET_ADMIN"], "CapDrop": ["ALL"], "ConsoleSize": [24, 80],
    }


def test_extra_passes_any_engine_field_through_and_merges_nested_objects() -> None:
    body = create_body(
        "busybox", network_mode="none",
        extra={"Healthcheck": {"Test": ["NONE"]}, "HostConfig": {"Init": True}},
    )
    assert body["Healthcheck"] == {"Test": ["NONE"]}
    assert body["HostConfig"] == {"NetworkMode": "none", "Init": True}


@pytest.mark.parametrize(("value", "expected"), [(1024, 1024), ("1k", 1024), ("6m", 6 << 20), ("1.5g", 3 << 29), ("10b", 10)])
def test_sizes(value: int | str, expected: int) -> None:
    assert byte_size(value) == expected


@pytest.mark.parametrize("value", ["lots", "5x", "-1m"])
def test_bad_sizes(value: str) -> None:
    with pytest.raises(InvalidArgument):
        byte_size(value)


@pytest.mark.parametrize("value", ["sometimes", "always:3", "on-failure:x"])
def test_bad_restart_policies(value: str) -> None:
    with pytest.raises(InvalidArgument):
        restart_policy(value)


async def test_create_sends_name_and_platform_as_query_and_returns_id_and_warnings() -> None:
    daemon = FakeDaemon()
    daemon.route(
        "POST", "/v1.45/containers/create",
        lambda r: httpx.Response(201, json={"Id": "f00", "Warnings": ["careful"]}),
    )
    async with daemon.client() as docker:
        created = await docker.containers.create("busybox", ["true"], name="web", platform="linux/amd64")
    assert (created.id, created.warnings) == ("f00", ("careful",))
    request = daemon.requests[-1]
    assert dict(request.url.params) == {"name": "web", "platform": "linux/amd64"}
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {"Image": "busybox", "Cmd": ["true"]}


async def test_start_reports_whether_anything_changed() -> None:
    daemon = FakeDaemon()
    answers = iter([httpx.Response(204), httpx.Response(304)])
    daemon.route("POST", "/v1.45/containers/c/start", lambda r: next(answers))
    async with daemon.client() as docker:
        assert await docker.containers.start("c") is True
        assert await docker.containers.start("c") is False
