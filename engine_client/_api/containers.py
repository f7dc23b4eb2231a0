"""Containers: ``/containers/...``."""

from __future__ import annotations

import enum
import json
import os
import re
import shlex
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

import anyio

from .._exceptions import InvalidArgument, StreamError
from .._filters import Filters, encode_filters
from .._models import Model, api, frozen_map, nested, nested_list, string_map, strings
from .._paths import segment
from .._streams import json_lines
from .container_archive import ArchiveStream, PathStat, decode_path_stat
from .container_stats import ContainerStats
from .container_streams import ContainerStreams

if TYPE_CHECKING:
    from .._client import Client, ResponseStream

__all__ = [
    "ContainerConfig",
    "ContainerCreateResponse",
    "ContainerInspectResponse",
    "ContainerPruneResponse",
    "ContainerState",
    "ContainerSummary",
    "ContainerTopResponse",
    "ContainerUpdateResponse",
    "ContainerWait",
    "ContainerWaitResponse",
    "Containers",
    "FilesystemChange",
    "FilesystemChangeKind",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerCreateResponse(Model):
    id: str = api("Id", default="")
    warnings: tuple[str, ...] = api("Warnings", strings, ())


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerState(Model):
    status: str | None = api("Status")
    running: bool = api("Running", default=False)
    paused: bool = api("Paused", default=False)
    restarting: bool = api("Restarting", default=False)
    oom_killed: bool = api("OOMKilled", default=False)
    dead: bool = api("Dead", default=False)
    pid: int | None = api("Pid")
    exit_code: int | None = api("ExitCode")
    error: str | None = api("Error")
    started_at: str | None = api("StartedAt")
    finished_at: str | None = api("FinishedAt")


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerConfig(Model):
    image: str | None = api("Image")
    cmd: tuple[str, ...] | None = api("Cmd", strings)
    entrypoint: tuple[str, ...] | None = api("Entrypoint", strings)
    env: tuple[str, ...] = api("Env", strings, ())
    labels: Mapping[str, str] = api("Labels", string_map, frozen_map({}))
    tty: bool = api("Tty", default=False)
    open_stdin: bool = api("OpenStdin", default=False)
    working_dir: str | None = api("WorkingDir")
    user: str | None = api("User")
    hostname: str | None = api("Hostname")
    stop_signal: str | None = api("StopSignal")
    stop_timeout: int | None = api("StopTimeout")


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerInspectResponse(Model):
    """``GET /containers/{id}/json``; ``host_config`` and the rest stay as the daemon sent them."""

    id: str = api("Id", default="")
    name: str | None = api("Name")
    image: str | None = api("Image")
    created: str | None = api("Created")
    platform: str | None = api("Platform")
    restart_count: int = api("RestartCount", default=0)
    state: ContainerState = api("State", nested(ContainerState), ContainerState())
    config: ContainerConfig = api("Config", nested(ContainerConfig), ContainerConfig())
    host_config: Mapping[str, Any] = api("HostConfig", frozen_map, frozen_map({}))
    size_rw: int | None = api("SizeRw")
    size_root_fs: int | None = api("SizeRootFs")


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerWaitResponse(Model):
    """``POST /containers/{id}/wait``: the exit code, and the daemon's error if waiting failed."""

    status_code: int = api("StatusCode", default=0)
    error: str | None = api("Error.Message", lambda text: str(text) or None)


WAIT_CONDITIONS = ("not-running", "next-exit", "removed")


class ContainerWait:
    """A wait the daemon has registered; :meth:`result` blocks until its condition is met."""

    __slots__ = ("_stream",)

    def __init__(self, stream: ResponseStream) -> None:
        self._stream = stream

    async def result(self) -> ContainerWaitResponse:
        body = bytearray()
        async for chunk in self._stream:
            body += chunk
        text = bytes(body).strip()
        if not text:
            raise StreamError("the daemon closed the wait without sending a result")
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise StreamError(f"malformed wait result from the daemon: {text[:200]!r}") from exc
        return ContainerWaitResponse.from_api(data)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerSummary(Model):
    """One entry of ``GET /containers/json``."""

    id: str = api("Id", default="")
    names: tuple[str, ...] = api("Names", strings, ())
    image: str | None = api("Image")
    image_id: str | None = api("ImageID")
    command: str | None = api("Command")
    created: int | None = api("Created")
    state: str | None = api("State")
    status: str | None = api("Status")
    labels: Mapping[str, str] = api("Labels", string_map, frozen_map({}))
    ports: tuple[Mapping[str, Any], ...] = api(
        "Ports", lambda ports: tuple(frozen_map(p) for p in ports), ()
    )
    size_rw: int | None = api("SizeRw")
    size_root_fs: int | None = api("SizeRootFs")

    @property
    def name(self) -> str | None:
        """The container's name without the leading ``/``."""
        return self.names[0].lstrip("/") if self.names else None


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerUpdateResponse(Model):
    warnings: tuple[str, ...] = api("Warnings", strings, ())


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerPruneResponse(Model):
    containers_deleted: tuple[str, ...] = api("ContainersDeleted", strings, ())
    space_reclaimed: int = api("SpaceReclaimed", default=0)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerTopResponse(Model):
    """``ps`` output: column titles, and one row of strings per process."""

    titles: tuple[str, ...] = api("Titles", strings, ())
    processes: tuple[tuple[str, ...], ...] = api(
        "Processes", lambda rows: tuple(strings(row) for row in rows), ()
    )


class FilesystemChangeKind(enum.IntEnum):
    MODIFIED = 0
    ADDED = 1
    DELETED = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class FilesystemChange(Model):
    path: str = api("Path", default="")
    kind: FilesystemChangeKind = api("Kind", FilesystemChangeKind, FilesystemChangeKind.MODIFIED)


ArchiveSource = bytes | str | os.PathLike[str] | IO[bytes] | AsyncIterable[bytes]
_CHUNK = 1024 * 1024
T = TypeVar("T")


Command = str | Sequence[str]

_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)b?\s*$", re.IGNORECASE)


def byte_size(value: int | str) -> int:
    """``512m``, ``1g``, ``1024`` as a number of bytes, as the docker CLI reads them."""
    if isinstance(value, int):
        return value
    match = _SIZE.match(value)
    if not match:
        raise InvalidArgument(f"invalid size {value!r}: expected a number with b, k, m, g or t")
    return int(float(match[1]) * _UNITS[match[2].lower()])


def restart_policy(value: str | Mapping[str, Any]) -> Mapping[str, Any]:
    """``"on-failure:3"``, ``"always"`` or an Engine ``RestartPolicy`` mapping."""
    if not isinstance(value, str):
        return value
    name, _, retries = value.partition(":")
    if name not in ("no", "always", "unless-stopped", "on-failure") or (
        retries and (name != "on-failure" or not retries.isdigit())
    ):
        raise InvalidArgument(f"invalid restart policy {value!r}")
    policy: dict[str, Any] = {"Name": name}
    if retries:
        policy["MaximumRetryCount"] = int(retries)
    return policy


def _argv(value: Command | None) -> list[str] | None:
    if value is None:
        return None
    return shlex.split(value) if isinstance(value, str) else list(value)


def _env(value: Mapping[str, str] | Sequence[str] | None) -> list[str] | None:
    if value is None or not isinstance(value, Mapping):
        return None if value is None else list(value)
    return [f"{key}={val}" for key, val in value.items()]


def _set(body: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body.update({key: value for key, value in fields.items() if value is not None})
    return body


def _merge(body: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Overlay ``extra`` onto ``body``, merging nested objects rather than replacing them."""
    for key, value in extra.items():
        current = body.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            body[key] = _merge(dict(current), value)
        else:
            body[key] = value
    return body


def create_body(
    image: str,
    command: Command | None = None,
    *,
    entrypoint: Command | None = None,
    env: Mapping[str, str] | Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    tty: bool | None = None,
    open_stdin: bool | None = None,
    stdin_once: bool | None = None,
    working_dir: str | None = None,
    user: str | None = None,
    hostname: str | None = None,
    stop_signal: str | None = None,
    stop_timeout: int | None = None,
    network_mode: str | None = None,
    auto_remove: bool | None = None,
    binds: Sequence[str] | None = None,
    mounts: Sequence[Mapping[str, Any]] | None = None,
    restart: str | Mapping[str, Any] | None = None,
    memory: int | str | None = None,
    cpus: float | None = None,
    privileged: bool | None = None,
    cap_add: Sequence[str] | None = None,
    cap_drop: Sequence[str] | None = None,
    console_size: tuple[int, int] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON body of ``POST /containers/create``; ``None`` means "not sent".

    ``console_size`` is the TTY's initial (rows, columns), honoured from API 1.42.
    """
    if not image:
        raise InvalidArgument("an image is required to create a container")
    host_config = _set(
        {},
        NetworkMode=network_mode,
        AutoRemove=auto_remove,
        Binds=None if binds is None else list(binds),
        Mounts=None if mounts is None else [dict(m) for m in mounts],
        RestartPolicy=None if restart is None else dict(restart_policy(restart)),
        Memory=None if memory is None else byte_size(memory),
        NanoCpus=None if cpus is None else int(cpus * 1e9),
        Privileged=privileged,
        CapAdd=None if cap_add is None else list(cap_add),
        CapDrop=None if cap_drop is None else list(cap_drop),
        ConsoleSize=None if console_size is None else list(console_size),
    )
    body = _set(
        {"Image": image},
        Cmd=_argv(command),
        Entrypoint=_argv(entrypoint),
        Env=_env(env),
        Labels=None if labels is None else dict(labels),
        Tty=tty,
        OpenStdin=open_stdin,
        StdinOnce=stdin_once,
        WorkingDir=working_dir,
        User=user,
        Hostname=hostname,
        StopSignal=stop_signal,
        StopTimeout=stop_timeout,
        HostConfig=host_config or None,
    )
    return _merge(body, extra) if extra else body


class Containers(ContainerStreams):
    """``docker.containers``: create, run and manage containers."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def create(
        self,
        image: str,
        command: Command | None = None,
        *,
        name: str | None = None,
        platform: str | None = None,
        **options: Any,
    ) -> ContainerCreateResponse:
        """``POST /containers/create``.

        ``options`` are the keyword arguments of :func:`create_body` (entrypoint, env, labels,
        tty, open_stdin, working_dir, user, stop_signal, stop_timeout, network_mode,
        auto_remove, binds, mounts, restart, memory, cpus, privileged, cap_add, cap_drop,
        console_size, and ``extra`` for any other Engine field, sent unchanged).
        """
        if name is not None:
            segment(name, "container name")
        body = create_body(image, command, **options)
        data = await self._client.request_json(
            "POST", "/containers/create", params={"name": name, "platform": platform}, json=body
        )
        return ContainerCreateResponse.from_api(data)

    async def start(self, container: str) -> bool:
        """Start a container; ``False`` when it was already running (nothing changed)."""
        path = f"/containers/{segment(container, 'container')}/start"
        response = await self._client.request("POST", path, accept=(304,))
        return response.status_code != 304

    async def stop(
        self, container: str, *, t: int | None = None, signal: str | None = None
    ) -> bool:
        """Stop a container; ``False`` when it was already stopped (nothing changed).

        ``t`` is the grace period in seconds before SIGKILL; when not given the container's
        own StopTimeout applies, and the request has no read deadline (like the docker CLI).
        ``signal`` needs API 1.42: older daemons would silently ignore it.
        """
        path = f"/containers/{segment(container, 'container')}/stop"
        if signal is not None:
            await self._client.require_api_version("1.42", "stop with a signal")
        timeout = self._grace_timeout(t)
        response = await self._client.request(
            "POST", path, params={"t": t, "signal": signal}, timeout=timeout, accept=(304,)
        )
        return response.status_code != 304

    def _grace_timeout(self, t: int | None) -> float | None:
        configured = self._client.config.timeout
        if t is None or t < 0 or configured is None:
            return None
        return t + configured

    async def remove(
        self, container: str, *, force: bool = False, volumes: bool = False, link: bool = False
    ) -> None:
        path = f"/containers/{segment(container, 'container')}"
        params = {"force": force or None, "v": volumes or None, "link": link or None}
        await self._client.request("DELETE", path, params=params)

    async def inspect(self, container: str, *, size: bool = False) -> ContainerInspectResponse:
        path = f"/containers/{segment(container, 'container')}/json"
        data = await self._client.request_json("GET", path, params={"size": size or None})
        return ContainerInspectResponse.from_api(data)

    @asynccontextmanager
    async def waiting(
        self, container: str, *, condition: str = "not-running"
    ) -> AsyncIterator[ContainerWait]:
        """Register a wait, run the block, then ``await w.result()`` for the outcome.

        The block runs only after the daemon has answered with headers, which it does once
        the wait is registered, so an exit (or removal) caused inside the block is never
        missed.  This is the pattern for a container created with ``auto_remove=True``::

            async with docker.containers.waiting(cid, condition="removed") as w:
                await docker.containers.start(cid)
                result = await w.result()  # inside the block: leaving it closes the wait

        ``condition``: ``not-running`` (returns at once if the container is stopped),
        ``next-exit`` (the next exit, even if stopped now) or ``removed``.  The result has no
        read deadline.  Leaving the block closes the connection, cancelling the wait.
        """
        if condition not in WAIT_CONDITIONS:  # API 1.41 daemons silently ignore a bad one
            raise InvalidArgument(
                f"invalid wait condition {condition!r}: expected one of {', '.join(WAIT_CONDITIONS)}"
            )
        path = f"/containers/{segment(container, 'container')}/wait"
        async with self._client.stream("POST", path, params={"condition": condition}) as stream:
            yield ContainerWait(stream)

    async def wait(self, container: str, *, condition: str = "not-running") -> ContainerWaitResponse:
        """Block until the container meets ``condition``; see :meth:`waiting`."""
        async with self.waiting(container, condition=condition) as registered:
            return await registered.result()

    def _path(self, container: str, action: str = "") -> str:
        return f"/containers/{segment(container, 'container')}{action}"

    async def list(
        self,
        *,
        all: bool = False,
        limit: int | None = None,
        size: bool = False,
        filters: Filters | None = None,
    ) -> tuple[ContainerSummary, ...]:
        """``GET /containers/json``: running containers, or every one with ``all=True``.

        ``filters`` maps a filter name to a value or a sequence of values (ORed), e.g.
        ``{"label": ["app=web", "tier"], "status": "exited"}``.
        """
        params = {
            "all": all or None,
            "limit": limit,
            "size": size or None,
            "filters": encode_filters(filters),
        }
        data = await self._client.request_json("GET", "/containers/json", params=params)
        return tuple(ContainerSummary.from_api(item) for item in data or ())

    async def kill(self, container: str, *, signal: str | int | None = None) -> None:
        """Send ``signal`` (name or number; default SIGKILL).  A stopped container: Conflict."""
        await self._client.request(
            "POST", self._path(container, "/kill"), params={"signal": _signal(signal)}
        )

    async def restart(
        self, container: str, *, t: int | None = None, signal: str | int | None = None
    ) -> None:
        """Stop (as :meth:`stop`, with ``t`` and ``signal``) then start; starts a stopped one too."""
        if signal is not None:
            await self._client.require_api_version("1.42", "restart with a signal")
        await self._client.request(
            "POST",
            self._path(container, "/restart"),
            params={"t": t, "signal": _signal(signal)},
            timeout=self._grace_timeout(t),
        )

    async def pause(self, container: str) -> None:
        """Freeze every process.  Not running or already paused: Conflict."""
        await self._client.request("POST", self._path(container, "/pause"))

    async def unpause(self, container: str) -> None:
        """Thaw a paused container.  Not paused: the daemon answers 500 (ServerError)."""
        await self._client.request("POST", self._path(container, "/unpause"))

    async def rename(self, container: str, name: str) -> None:
        """Give the container a new name.  A name in use: Conflict."""
        segment(name, "container name")
        await self._client.request("POST", self._path(container, "/rename"), params={"name": name})

    async def update(
        self,
        container: str,
        *,
        memory: int | str | None = None,
        memory_swap: int | str | None = None,
        memory_reservation: int | str | None = None,
        cpus: float | None = None,
        cpu_shares: int | None = None,
        pids_limit: int | None = None,
        restart: str | Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> ContainerUpdateResponse:
        """``POST /containers/{id}/update``: change resources or the restart policy in place.

        Sizes take ``512m``-style strings; ``memory_swap=-1`` is unlimited swap; ``extra``
        holds any other Engine ``Resources`` field, sent unchanged.
        """
        body = _set(
            {},
            Memory=_size(memory),
            MemorySwap=memory_swap if memory_swap == -1 else _size(memory_swap),
            MemoryReservation=_size(memory_reservation),
            NanoCpus=None if cpus is None else int(cpus * 1e9),
            CpuShares=cpu_shares,
            PidsLimit=pids_limit,
            RestartPolicy=None if restart is None else dict(restart_policy(restart)),
        )
        body = _merge(body, extra) if extra else body
        if not body:
            raise InvalidArgument("update needs at least one resource or a restart policy")
        data = await self._client.request_json(
            "POST", self._path(container, "/update"), json=body
        )
        return ContainerUpdateResponse.from_api(data)

    async def prune(self, *, filters: Filters | None = None) -> ContainerPruneResponse:
        """Remove every stopped container (matching ``filters``: until, label, label!)."""
        data = await self._client.request_json(
            "POST", "/containers/prune", params={"filters": encode_filters(filters)}
        )
        return ContainerPruneResponse.from_api(data)

    async def top(self, container: str, *, ps_args: str | None = None) -> ContainerTopResponse:
        """The container's processes as ``ps`` lists them (``ps_args`` default ``-ef``)."""
        data = await self._client.request_json(
            "GET", self._path(container, "/top"), params={"ps_args": ps_args}
        )
        return ContainerTopResponse.from_api(data)

    async def changes(self, container: str) -> tuple[FilesystemChange, ...]:
        """Paths changed in the container's filesystem; empty when nothing changed."""
        data = await self._client.request_json("GET", self._path(container, "/changes"))
        return nested_list(FilesystemChange)(data)

    # -- stats ---------------------------------------------------------------------------

    async def stats(self, container: str, *, one_shot: bool = False) -> ContainerStats:
        """One stats sample.

        By default the daemon takes two samples a second apart, so :func:`cpu_percent` has a
        previous sample to compare with.  ``one_shot=True`` skips that (faster on newer
        daemons; CPU % is then 0.0).
        """
        params = {"stream": False, "one-shot": one_shot or None}
        data = await self._client.request_json("GET", self._path(container, "/stats"), params=params)
        return ContainerStats.from_api(data)

    @asynccontextmanager
    async def stats_stream(self, container: str) -> AsyncIterator[AsyncIterator[ContainerStats]]:
        """A sample about every second, for as long as the block iterates::

            async with docker.containers.stats_stream(cid) as samples:
                async for sample in samples:
                    print(cpu_percent(sample))
        """
        params = {"stream": True}
        async with self._client.stream("GET", self._path(container, "/stats"), params=params) as stream:
            messages = cast("AsyncGenerator[Any, None]", json_lines(stream))
            try:
                yield _Mapped(messages, ContainerStats.from_api)
            finally:
                with anyio.CancelScope(shield=True):
                    await messages.aclose()

    # -- archives ------------------------------------------------------------------------

    async def archive_stat(self, container: str, path: str) -> PathStat:
        """``HEAD …/archive``: name, size, mode, mtime and link target of a path."""
        response = await self._client.request(
            "HEAD", self._path(container, "/archive"), params={"path": _container_path(path)}
        )
        return decode_path_stat(response.headers.get("X-Docker-Container-Path-Stat"))

    @asynccontextmanager
    async def get_archive(self, container: str, path: str) -> AsyncIterator[ArchiveStream]:
        """A tar of ``path`` (named by its base name), streamed as it arrives::

            async with docker.containers.get_archive(cid, "/etc") as archive:
                print(archive.stat.size)
                await extract_archive(archive, "out")
        """
        params = {"path": _container_path(path)}
        async with self._client.stream("GET", self._path(container, "/archive"), params=params) as stream:
            yield ArchiveStream(stream)

    async def put_archive(
        self,
        container: str,
        path: str,
        archive: ArchiveSource,
        *,
        no_overwrite_dir_non_dir: bool = False,
        copy_uid_gid: bool = False,
    ) -> None:
        """Extract a tar into the directory ``path`` of the container.

        ``archive``: bytes, a host file's path (``str`` or path-like) or an open binary file
        (read in chunks, never whole), or an async iterable of bytes.  The tar may be
        compressed (gzip, bzip2, xz).  :func:`pack_path` makes one from a host path.
        """
        params = {
            "path": _container_path(path),
            "noOverwriteDirNonDir": no_overwrite_dir_non_dir or None,
            "copyUIDGID": copy_uid_gid or None,
        }
        if isinstance(archive, (str, os.PathLike)):
            with open(archive, "rb") as file:  # noqa: ASYNC230 - the reads go to a thread
                await self._put(container, params, _file_chunks(file))
        elif isinstance(archive, (bytes, bytearray, memoryview)):
            await self._put(container, params, bytes(archive))
        elif isinstance(archive, AsyncIterable):
            await self._put(container, params, _chunks(archive))
        else:
            await self._put(container, params, _file_chunks(archive))

    async def _put(self, container: str, params: Mapping[str, Any], content: Any) -> None:
        await self._client.request(
            "PUT",
            self._path(container, "/archive"),
            params=params,
            content=content,
            headers={"Content-Type": "application/x-tar"},
            timeout=None,  # the daemon answers only once it has extracted everything
        )

    @asynccontextmanager
    async def export(self, container: str) -> AsyncIterator[AsyncIterator[bytes]]:
        """The container's whole filesystem as a tar, streamed as it arrives."""
        async with self._client.stream("GET", self._path(container, "/export")) as stream:
            yield stream


def _signal(value: str | int | None) -> str | None:
    return None if value is None else str(value)


def _size(value: int | str | None) -> int | None:
    return None if value is None else byte_size(value)


def _container_path(path: str) -> str:
    if not isinstance(path, str) or not path or "\x00" in path:
        raise InvalidArgument(f"invalid path in the container {path!r}")
    return path


async def _chunks(source: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    async for chunk in source:
        yield bytes(chunk)


async def _file_chunks(file: IO[bytes]) -> AsyncIterator[bytes]:
    while chunk := await anyio.to_thread.run_sync(file.read, _CHUNK):
        yield chunk


class _Mapped(AsyncIterator[T]):
    """An async iterator of converted items from another (which its owner closes)."""

    __slots__ = ("_convert", "_source")

    def __init__(self, source: AsyncIterator[Any], convert: Callable[[Any], T]) -> None:
        self._source = source
        self._convert = convert

    async def __anext__(self) -> T:
        return self._convert(await self._source.__anext__())
