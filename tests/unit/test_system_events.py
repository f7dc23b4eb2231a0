"""Events, info, df and login without a daemon: time conversion, parsing, query encoding."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from engine_client import Client, ClientConfig, InvalidArgument, StreamError
from engine_client._api.system import Event, unix_timestamp
from engine_client._filters import encode_filters, merge_filters

pytestmark = pytest.mark.anyio

NOW_NS = 1_700_000_000_123_456_789


def client(handler: Callable[[httpx.Request], httpx.Response], version: str = "1.45") -> Client:
    return Client(ClientConfig(api_version=version), transport=httpx.MockTransport(handler))


def query(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.url.query.decode(), keep_blank_values=True)


# -- since / until -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (1_700_000_000, "1700000000"),
        (1_700_000_000.5, "1700000000.500000000"),
        (1_700_000_000.123456, "1700000000.123456000"),
        (datetime(2023, 11, 14, 22, 13, 20, 250000, tzinfo=timezone.utc), "1700000000.250000000"),
        (datetime(2023, 11, 15, 0, 13, 20, tzinfo=timezone(timedelta(hours=2))), "1700000000"),
        (timedelta(seconds=10), "1699999990.123456789"),
        (timedelta(minutes=1, microseconds=1), "1699999940.123455789"),
        (timedelta(0), "1700000000.123456789"),
    ],
)
def test_unix_timestamp(value: Any, expected: str) -> None:
    assert unix_timestamp(value, now_ns=NOW_NS) == expected


def test_naive_datetime_is_local_time() -> None:
    naive = datetime(2024, 5, 1, 12, 0, 0)
    assert unix_timestamp(naive) == str(int(naive.timestamp()))


@pytest.mark.parametrize(
    "value", [True, "2024-01-01T00:00:00Z", "1700000000", float("nan"), float("inf"), -1, None]
)
def test_unix_timestamp_refuses(value: Any) -> None:
    with pytest.raises(InvalidArgument):
        unix_timestamp(value)


# -- filters -------------------------------------------------------------------------------


def test_filters_encoding() -> None:
    assert encode_filters(None) is None
    assert encode_filters({}) is None
    encoded = encode_filters({"label": ["a=1", "b"], "type": "container", "dangling": True})
    assert json.loads(encoded or "") == {
        "label": ["a=1", "b"],
        "type": ["container"],
        "dangling": ["true"],
    }
    assert encode_filters({"label": []}) is None
    assert merge_filters({"label": "a"}, label="b", all="true") == {
        "label": ["a", "b"],
        "all": ["true"],
    }


@pytest.mark.parametrize("filters", [{"label": [1]}, {"": "x"}, {"label": None}])
def test_filters_refused(filters: Any) -> None:
    with pytest.raises(InvalidArgument):
        encode_filters(filters)


# -- events --------------------------------------------------------------------------------

EVENT = {
    "status": "start",
    "id": "abc",
    "Type": "container",
    "Action": "start",
    "Actor": {"ID": "abc", "Attributes": {"name": "web", "image": "busybox"}},
    "scope": "local",
    "time": 1700000000,
    "timeNano": 1700000000123456789,
}


def test_event_model_keeps_nanoseconds_exact() -> None:
    event = Event.from_api(json.loads(json.dumps(EVENT)))
    assert event.time_nano == 1700000000123456789
    assert isinstance(event.time_nano, int)
    assert (event.type, event.action, event.actor.id, event.scope) == (
        "container", "start", "abc", "local",
    )
    assert event.actor.attributes == {"name": "web", "image": "busybox"}
    assert event.timestamp == datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=timezone.utc)


class Chunks(httpx.AsyncByteStream):
    """A response body arriving in pieces of ``size`` bytes (no async generator to finalise)."""

    def __init__(self, body: bytes, size: int) -> None:
        self._pieces = [body[i : i + size] for i in range(0, len(body), size)]

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        if not self._pieces:
            raise StopAsyncIteration
        return self._pieces.pop(0)


def chunked(body: bytes, size: int) -> httpx.Response:
    return httpx.Response(200, stream=Chunks(body, size))


@pytest.mark.parametrize("size", [1, 7, 4096])
@pytest.mark.parametrize("prefix", [b"", b"\x1e"])
async def test_events_stream_split_reads_and_json_seq(size: int, prefix: bytes) -> None:
    big = dict(EVENT, Actor={"ID": "x", "Attributes": {"blob": "y" * 70_000}})
    lines = [EVENT, big, dict(EVENT, Action="die", timeNano=1700000001999999999)]
    body = b"".join(prefix + json.dumps(line).encode() + b"\n" for line in lines)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return chunked(body, size)

    async with client(handler) as docker, docker.system.events(
        since=1_700_000_000, until=1_700_000_002.5, filters={"label": "k=v"}
    ) as events:
        received = [event async for event in events]
    assert [e.action for e in received] == ["start", "start", "die"]
    assert received[1].actor.attributes["blob"] == "y" * 70_000
    assert received[2].time_nano == 1700000001999999999
    params = query(seen[0])
    assert seen[0].url.path == "/v1.45/events"
    assert params["since"] == ["1700000000"]
    assert params["until"] == ["1700000002.500000000"]
    assert json.loads(params["filters"][0]) == {"label": ["k=v"]}


async def test_events_last_line_without_newline() -> None:
    body = json.dumps(EVENT).encode()
    async with client(lambda r: chunked(body, 5)) as docker, docker.system.events() as events:
        assert [e.action async for e in events] == ["start"]


async def test_events_malformed_line_is_stream_error() -> None:
    async with client(lambda r: chunked(b'{"Type": \n', 4)) as docker, docker.system.events() as events:
        with pytest.raises(StreamError):
            async for _ in events:
                pass


async def test_events_without_arguments_sends_no_query() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return chunked(b"", 1)

    async with client(handler) as docker, docker.system.events() as events:
        assert [e async for e in events] == []
    assert seen[0].url.query == b""


# -- df, login -----------------------------------------------------------------------------

DF = {
    "LayersSize": 10,
    "Images": [{"Id": "i"}],
    "Containers": [{"Id": "c"}],
    "Volumes": [{"Name": "v"}],
    "BuildCache": [],
    "BuilderSize": 0,
}


@pytest.mark.parametrize("version", ["1.41", "1.45"])
async def test_df_types(version: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if version == "1.41":
            return httpx.Response(200, json=DF)  # 20.10 ignores type
        return httpx.Response(200, json={**{k: None for k in DF}, "LayersSize": 0, "Volumes": DF["Volumes"]})

    async with client(handler, version) as docker:
        usage = await docker.system.df(["volume"])
    assert usage.volumes is not None and usage.volumes[0]["Name"] == "v"
    assert usage.images is None and usage.containers is None and usage.build_cache is None
    assert query(seen[0]).get("type") == (None if version == "1.41" else ["volume"])


async def test_df_refuses_unknown_type() -> None:
    async with client(lambda r: httpx.Response(500)) as docker:
        with pytest.raises(InvalidArgument):
            await docker.system.df(["images"])


async def test_login_keeps_credentials_out_of_reprs() -> None:
    bodies: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        if bodies[-1]["password"] == "wrong":
            return httpx.Response(401, json={"message": "unauthorized: bad credentials"})
        return httpx.Response(200, json={"Status": "Login Succeeded", "IdentityToken": "tok-secret"})

    async with client(handler) as docker:
        result = await docker.system.login("u", "pw-secret", server_address="reg:5000")
        assert result.status == "Login Succeeded" and result.identity_token == "tok-secret"
        assert "tok-secret" not in repr(result)
        with pytest.raises(Exception) as failure:
            await docker.system.login("u", "wrong", server_address="reg:5000")
        assert "wrong" not in str(failure.value) and "wrong" not in repr(failure.value)
    assert bodies[0] == {"username": "u", "password": "pw-secret", "serveraddress": "reg:5000"}
