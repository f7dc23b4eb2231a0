"""System: ``/_ping``, ``/version``, ``/info``, ``/system/df``, ``/auth`` and ``/events``."""

from __future__ import annotations

import dataclasses
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from .._config import is_api_version, parse_api_version
from .._exceptions import APIError, InvalidArgument, MalformedResponse
from .._filters import Filters, encode_filters
from .._models import Model, api, boolean, frozen_map, nested, nested_list, string_map, strings
from .._streams import JSONLinesDecoder

if TYPE_CHECKING:
    from .._client import Client, ResponseStream

__all__ = [
    "AuthResponse",
    "ComponentVersion",
    "DiskUsage",
    "Event",
    "EventActor",
    "EventStream",
    "Ping",
    "System",
    "SystemInfo",
    "SystemVersion",
    "Timestamp",
    "unix_timestamp",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Ping:
    """What ``/_ping`` says in its headers.  A header the daemon did not send is ``None``."""

    api_version: str | None = None
    os_type: str | None = None
    experimental: bool | None = None
    builder_version: str | None = None
    swarm: str | None = None

    @classmethod
    def from_headers(cls, headers: httpx.Headers) -> Ping:
        values = dict(headers.multi_items())  # one pass, not a scan of every header per name
        experimental = values.get("docker-experimental")
        return cls(
            api_version=values.get("api-version"),
            os_type=values.get("ostype"),
            experimental=None if experimental is None else boolean(experimental),
            builder_version=values.get("builder-version"),
            swarm=values.get("swarm"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentVersion(Model):
    name: str | None = api("Name")
    version: str | None = api("Version")
    details: dict[str, str] | None = api("Details", frozen_map)


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemVersion(Model):
    """``GET /version``."""

    version: str | None = api("Version")
    api_version: str | None = api("ApiVersion")
    min_api_version: str | None = api("MinAPIVersion")
    os: str | None = api("Os")
    arch: str | None = api("Arch")
    kernel_version: str | None = api("KernelVersion")
    go_version: str | None = api("GoVersion")
    git_commit: str | None = api("GitCommit")
    build_time: str | None = api("BuildTime")
    platform_name: str | None = api("Platform.Name")
    components: tuple[ComponentVersion, ...] = api("Components", nested_list(ComponentVersion), ())


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemInfo(Model):
    """``GET /info``: the essentials typed; everything else (it varies by version) in ``raw``."""

    id: str | None = api("ID")
    name: str | None = api("Name")
    server_version: str | None = api("ServerVersion")
    operating_system: str | None = api("OperatingSystem")
    os_type: str | None = api("OSType")
    architecture: str | None = api("Architecture")
    kernel_version: str | None = api("KernelVersion")
    ncpu: int | None = api("NCPU")
    mem_total: int | None = api("MemTotal")
    containers: int = api("Containers", default=0)
    containers_running: int = api("ContainersRunning", default=0)
    containers_paused: int = api("ContainersPaused", default=0)
    containers_stopped: int = api("ContainersStopped", default=0)
    images: int = api("Images", default=0)
    driver: str | None = api("Driver")
    docker_root_dir: str | None = api("DockerRootDir")
    logging_driver: str | None = api("LoggingDriver")
    cgroup_driver: str | None = api("CgroupDriver")
    cgroup_version: str | None = api("CgroupVersion")
    default_runtime: str | None = api("DefaultRuntime")
    experimental_build: bool = api("ExperimentalBuild", boolean, False)
    swarm_state: str | None = api("Swarm.LocalNodeState")
    labels: tuple[str, ...] = api("Labels", strings, ())
    warnings: tuple[str, ...] = api("Warnings", strings, ())


def _objects(items: Sequence[Mapping[str, Any]]) -> tuple[Mapping[str, Any], ...]:
    return tuple(frozen_map(item) for item in items)


@dataclass(frozen=True, slots=True, kw_only=True)
class DiskUsage(Model):
    """``GET /system/df``.  A section that was not asked for (see ``types``) is ``None``."""

    layers_size: int | None = api("LayersSize")
    images: tuple[Mapping[str, Any], ...] | None = api("Images", _objects)
    containers: tuple[Mapping[str, Any], ...] | None = api("Containers", _objects)
    volumes: tuple[Mapping[str, Any], ...] | None = api("Volumes", _objects)
    build_cache: tuple[Mapping[str, Any], ...] | None = api("BuildCache", _objects)


#: The ``type`` values of ``/system/df`` and the response keys each one fills.
DISK_USAGE_TYPES: Mapping[str, tuple[str, ...]] = {
    "container": ("Containers",),
    "image": ("Images", "LayersSize"),
    "volume": ("Volumes",),
    "build-cache": ("BuildCache", "BuilderSize"),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthResponse(Model):
    """``POST /auth``.  The identity token is a credential: it never appears in the repr."""

    status: str | None = api("Status")
    identity_token: str | None = dataclasses.field(
        default=None, repr=False, metadata={"key": "IdentityToken", "convert": None}
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class EventActor(Model):
    id: str = api("ID", default="")
    attributes: Mapping[str, str] = api("Attributes", string_map, frozen_map({}))


@dataclass(frozen=True, slots=True, kw_only=True)
class Event(Model):
    """One message of ``GET /events``.  ``time_nano`` is exact (it exceeds a float's precision)."""

    type: str = api("Type", default="")
    action: str = api("Action", default="")
    actor: EventActor = api("Actor", nested(EventActor), EventActor())
    scope: str | None = api("scope")
    time: int = api("time", default=0)
    time_nano: int = api("timeNano", default=0)

    @property
    def timestamp(self) -> datetime:
        """When it happened, as an aware UTC datetime (microsecond precision)."""
        nanos = self.time_nano or self.time * 1_000_000_000
        return _EPOCH + timedelta(microseconds=nanos // 1000)


#: What ``since`` and ``until`` accept: Unix seconds, a datetime, or a duration meaning "ago".
Timestamp = int | float | datetime | timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_NS = 1_000_000_000


def _nanoseconds(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * _NS + delta.microseconds * 1000


def unix_timestamp(value: Timestamp, *, now_ns: int | None = None) -> str:
    """``value`` as the daemon reads ``since``/``until``: Unix seconds with optional ``.nanoseconds``.

    The daemon rejects RFC 3339 text, so everything is converted here.  A ``timedelta`` counts
    back from now (``now_ns``, for tests); a naive ``datetime`` is local time, as in
    :meth:`datetime.timestamp`.
    """
    if isinstance(value, bool):
        raise InvalidArgument(f"invalid time {value!r}: expected Unix seconds, a datetime or a timedelta")
    if isinstance(value, int):
        nanos = value * _NS
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidArgument(f"invalid time {value!r}")
        nanos = int((Decimal(repr(value)) * _NS).to_integral_value())
    elif isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.astimezone()
        nanos = _nanoseconds(aware - _EPOCH)
    elif isinstance(value, timedelta):
        nanos = (time.time_ns() if now_ns is None else now_ns) - _nanoseconds(value)
    else:
        raise InvalidArgument(f"invalid time {value!r}: expected Unix seconds, a datetime or a timedelta")
    if nanos < 0:
        raise InvalidArgument(f"invalid time {value!r}: before 1970")
    seconds, fraction = divmod(nanos, _NS)
    return f"{seconds}.{fraction:09d}" if fraction else str(seconds)


class EventStream:
    """The events of an open ``/events`` response: ``async for event in stream``."""

    __slots__ = ("_chunks", "_decoder", "_ended", "_pending")

    def __init__(self, response: ResponseStream) -> None:
        self._chunks = response.__aiter__()
        self._decoder = JSONLinesDecoder()
        self._pending: deque[Any] = deque()
        self._ended = False

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> Event:
        while not self._pending:
            if self._ended:
                raise StopAsyncIteration
            try:
                chunk = await self._chunks.__anext__()
            except StopAsyncIteration:
                self._ended = True
                self._pending.extend(self._decoder.close())
            else:
                self._pending.extend(self._decoder.feed(chunk))
        return Event.from_api(self._pending.popleft())

    async def aclose(self) -> None:
        self._ended = True
        close = getattr(self._chunks, "aclose", None)
        if close is not None:
            with anyio.CancelScope(shield=True):
                await close()


class System:
    """``docker.system``: the daemon as a whole."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def ping(self) -> Ping:
        """``HEAD /_ping`` (unversioned), falling back to ``GET`` for daemons without HEAD."""
        try:
            response = await self._client.request("HEAD", "/_ping", versioned=False)
        except APIError:
            response = await self._client.request("GET", "/_ping", versioned=False)
        ping = Ping.from_headers(response.headers)
        if ping.api_version is not None and not is_api_version(ping.api_version):
            request = response.request
            raise MalformedResponse(
                "a malformed Api-Version header", request.method, request.url.path, ping.api_version
            )
        return ping

    async def version(self) -> SystemVersion:
        return SystemVersion.from_api(await self._client.request_json("GET", "/version"))

    async def info(self) -> SystemInfo:
        return SystemInfo.from_api(await self._client.request_json("GET", "/info"))

    async def df(self, types: Sequence[str] | None = None) -> DiskUsage:
        """``GET /system/df``; ``types`` limits it to some of ``container``, ``image``,
        ``volume``, ``build-cache``.

        API 1.42 added ``type``; older daemons ignore it and compute everything, so on API
        1.41 the sections not asked for are dropped here: the result has the same shape on
        every daemon (only the daemon's work differs).
        """
        wanted = list(types or ())
        for kind in wanted:
            if kind not in DISK_USAGE_TYPES:
                raise InvalidArgument(
                    f"invalid disk usage type {kind!r}: expected one of {', '.join(DISK_USAGE_TYPES)}"
                )
        honoured = parse_api_version(await self._client.api_version()) >= (1, 42)
        params = {"type": wanted if wanted and honoured else None}
        data = await self._client.request_json("GET", "/system/df", params=params) or {}
        if wanted and not honoured:
            kept = {key for kind in wanted for key in DISK_USAGE_TYPES[kind]}
            dropped = {key for keys in DISK_USAGE_TYPES.values() for key in keys} - kept
            data = {key: value for key, value in data.items() if key not in dropped}
        return DiskUsage.from_api(data)

    async def login(
        self,
        username: str,
        password: str,
        *,
        server_address: str | None = None,
    ) -> AuthResponse:
        """``POST /auth``: have the daemon check credentials against a registry.

        ``server_address`` is ``host[:port]`` (Docker Hub when omitted).  Failures raise
        :class:`Unauthorized` or another :class:`APIError`; neither the password nor a returned
        identity token appears in any repr or error message.
        """
        body = {"username": username, "password": password}
        if server_address is not None:
            body["serveraddress"] = server_address
        data = await self._client.request_json("POST", "/auth", json=body, sensitive=True)
        if data is None:  # 204: accepted, nothing to report
            return AuthResponse(status="Login Succeeded")
        return AuthResponse.from_api(data)

    @asynccontextmanager
    async def events(
        self,
        *,
        since: Timestamp | None = None,
        until: Timestamp | None = None,
        filters: Filters | None = None,
    ) -> AsyncIterator[EventStream]:
        """``GET /events`` as a stream of :class:`Event`::

            async with docker.system.events(filters={"type": "container"}) as events:
                async for event in events:
                    ...

        Without ``until`` the stream runs until the block is left; with ``until`` in the past
        the daemon replays what it still remembers (its last 256 events) and ends the stream.
        There is no read deadline.
        """
        params = {
            "since": None if since is None else unix_timestamp(since),
            "until": None if until is None else unix_timestamp(until),
            "filters": encode_filters(filters),
        }
        async with self._client.stream("GET", "/events", params=params) as response:
            stream = EventStream(response)
            try:
                yield stream
            finally:
                await stream.aclose()
