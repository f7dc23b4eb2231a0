"""Exec: ``/containers/{id}/exec`` and ``/exec/...``, running a command in a running container."""

from __future__ import annotations

import shlex
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio

from .._exceptions import InvalidArgument
from .._hijack import AttachedStream, FrameSink, Stdin
from .._models import Model, api, nested, strings
from .._paths import segment

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["Exec", "ExecCreateResponse", "ExecInspectResponse", "ExecProcessConfig", "ExecResult"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecCreateResponse(Model):
    id: str = api("Id", default="")


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecProcessConfig(Model):
    entrypoint: str | None = api("entrypoint")
    arguments: tuple[str, ...] = api("arguments", strings, ())
    tty: bool = api("tty", default=False)
    privileged: bool = api("privileged", default=False)
    user: str | None = api("user")


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecInspectResponse(Model):
    """``GET /exec/{id}/json``; ``exit_code`` is ``None`` while the process runs."""

    id: str = api("ID", default="")
    container_id: str | None = api("ContainerID")
    running: bool = api("Running", default=False)
    exit_code: int | None = api("ExitCode")
    pid: int | None = api("Pid")
    open_stdin: bool = api("OpenStdin", default=False)
    open_stdout: bool = api("OpenStdout", default=False)
    open_stderr: bool = api("OpenStderr", default=False)
    can_remove: bool = api("CanRemove", default=False)
    detach_keys: str | None = api("DetachKeys")
    process_config: ExecProcessConfig = api(
        "ProcessConfig", nested(ExecProcessConfig), ExecProcessConfig()
    )


@dataclass(frozen=True, slots=True)
class ExecResult:
    """What :meth:`Exec.run` returns: bytes as the process wrote them (decoding is yours)."""

    exit_code: int
    stdout: bytes
    stderr: bytes


Command = str | Sequence[str]


def _argv(command: Command) -> list[str]:
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if not argv:
        raise InvalidArgument("exec needs a command")
    return argv


class Exec:
    """``docker.exec``: run commands in running containers."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def create(
        self,
        container: str,
        command: Command,
        *,
        stdin: bool = False,
        stdout: bool = True,
        stderr: bool = True,
        tty: bool = False,
        env: Mapping[str, str] | Sequence[str] | None = None,
        user: str | None = None,
        working_dir: str | None = None,
        privileged: bool | None = None,
        detach_keys: str | None = None,
        console_size: tuple[int, int] | None = None,
    ) -> ExecCreateResponse:
        """``POST /containers/{id}/exec``; a string ``command`` is split like a shell would.

        ``console_size`` is the TTY's initial (rows, columns), honoured from API 1.42.
        Raises :class:`Conflict` when the container is paused or not running.
        """
        body: dict[str, Any] = {
            "Cmd": _argv(command),
            "AttachStdin": stdin,
            "AttachStdout": stdout,
            "AttachStderr": stderr,
            "Tty": tty,
        }
        if env is not None:
            body["Env"] = (
                [f"{k}={v}" for k, v in env.items()] if isinstance(env, Mapping) else list(env)
            )
        for key, value in (
            ("User", user),
            ("WorkingDir", working_dir),
            ("Privileged", privileged),
            ("DetachKeys", detach_keys),
            ("ConsoleSize", None if console_size is None else list(console_size)),
        ):
            if value is not None:
                body[key] = value
        path = f"/containers/{segment(container, 'container')}/exec"
        return ExecCreateResponse.from_api(await self._client.request_json("POST", path, json=body))

    async def start(self, exec_id: str, *, tty: bool | None = None) -> None:
        """Start detached: returns at once; ``inspect`` tells when it has finished."""
        tty = await self._tty(exec_id) if tty is None else tty
        path = f"/exec/{segment(exec_id, 'exec id')}/start"
        await self._client.request("POST", path, json={"Detach": True, "Tty": tty})

    @asynccontextmanager
    async def start_attached(
        self, exec_id: str, *, tty: bool | None = None
    ) -> AsyncIterator[AttachedStream]:
        """Start attached: the block gets the process's stdin and output (no read deadline).

        Output is multiplexed unless the exec has a TTY; ``tty`` defaults to the exec's own
        setting (one inspect).  The exit code comes from :meth:`inspect` once the output has
        ended.  Leaving the block closes the connection.
        """
        tty = await self._tty(exec_id) if tty is None else tty
        path = f"/exec/{segment(exec_id, 'exec id')}/start"
        async with self._client.upgrade(
            "POST", path, json={"Detach": False, "Tty": tty}
        ) as network:
            yield AttachedStream(network, tty=tty)

    async def inspect(self, exec_id: str) -> ExecInspectResponse:
        path = f"/exec/{segment(exec_id, 'exec id')}/json"
        return ExecInspectResponse.from_api(await self._client.request_json("GET", path))

    async def resize(self, exec_id: str, *, height: int, width: int) -> None:
        """Set the size of the exec's TTY."""
        path = f"/exec/{segment(exec_id, 'exec id')}/resize"
        await self._client.request("POST", path, params={"h": height, "w": width})

    async def run(
        self,
        container: str,
        command: Command,
        *,
        stdin: Stdin | None = None,
        tty: bool = False,
        env: Mapping[str, str] | Sequence[str] | None = None,
        user: str | None = None,
        working_dir: str | None = None,
        privileged: bool | None = None,
        output: FrameSink | None = None,
        console_size: tuple[int, int] | None = None,
    ) -> ExecResult:
        """Run ``command`` to its end: send ``stdin`` (then EOF), collect output, exit code.

        ``stdin`` and ``output`` are as in :meth:`AttachedStream.collect`: bytes or an async
        iterable of bytes; with ``output`` the frames go there as they arrive, uncollected.
        ``console_size`` is as in :meth:`create`.

        A command that cannot be started (a missing binary) is not an exception: the runtime's
        message arrives in the output and the exit code says so (126 or 127).
        """
        created = await self.create(
            container,
            command,
            stdin=stdin is not None,
            tty=tty,
            env=env,
            user=user,
            working_dir=working_dir,
            privileged=privileged,
            console_size=console_size,
        )
        async with self.start_attached(created.id, tty=tty) as attached:
            collected = await attached.collect(stdin, output)
        return ExecResult(await self._exit_code(created.id), collected.stdout, collected.stderr)

    async def _exit_code(self, exec_id: str) -> int:
        """The daemon records the exit a moment after the output ends; poll until it has."""
        delay = 0.005
        while True:
            state = await self.inspect(exec_id)
            if not state.running and state.exit_code is not None:
                return state.exit_code
            await anyio.sleep(delay)
            delay = min(delay * 2, 0.25)

    async def _tty(self, exec_id: str) -> bool:
        return (await self.inspect(exec_id)).process_config.tty
