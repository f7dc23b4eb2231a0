"""A container's input and output: logs, attach, resize, and ``run``.

These are the streaming half of ``docker.containers`` (the :class:`Containers` class inherits
them); they share the hijacked-connection and framing machinery, not the lifecycle code.
Whether output is multiplexed is always decided from the container's ``Config.Tty``.
"""

from __future__ import annotations

import math
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import anyio

from .._exceptions import EngineError, InvalidArgument
from .._hijack import AttachedStream, FrameSink, Stdin
from .._paths import segment
from .._streams import Frame, FrameStream

if TYPE_CHECKING:
    from .._client import Client, ResponseStream
    from .containers import Containers

__all__ = ["ContainerStreams", "RunResult"]

Timestamp = float | datetime
Command = str | Sequence[str]


@dataclass(frozen=True, slots=True)
class RunResult:
    """What :meth:`ContainerStreams.run` returns; ``id`` is gone already if ``remove`` was set."""

    id: str
    exit_code: int
    stdout: bytes
    stderr: bytes


def _timestamp(value: Timestamp | None, what: str) -> str | None:
    """Unix seconds as the daemon parses them (``seconds.nanoseconds``)."""
    if value is None:
        return None
    seconds = value.timestamp() if isinstance(value, datetime) else value
    if isinstance(seconds, bool) or not math.isfinite(seconds) or seconds < 0:
        raise InvalidArgument(f"invalid {what} {value!r}: expected Unix seconds or a datetime")
    return f"{seconds:.9f}"


def _tail(value: int | str | None) -> str | None:
    if value is None or value == "all":
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidArgument(f"invalid tail {value!r}: expected a number of lines or 'all'")
    return str(value)


class _Chunks:
    """A response body as a read function returning ``b""`` at its end; closable."""

    __slots__ = ("_iterator",)

    def __init__(self, stream: ResponseStream) -> None:
        self._iterator: AsyncGenerator[bytes, None] = stream.__aiter__()  # type: ignore[assignment]

    async def read(self) -> bytes:
        return await anext(self._iterator, b"")

    async def aclose(self) -> None:
        with anyio.CancelScope(shield=True):
            await self._iterator.aclose()


class ContainerStreams:
    """Logs, attach, resize and run: mixed into :class:`Containers`."""

    _client: Client

    @property
    def _containers(self) -> Containers:
        return self._client.containers

    async def logs(
        self,
        container: str,
        *,
        stdout: bool = True,
        stderr: bool = True,
        since: Timestamp | None = None,
        until: Timestamp | None = None,
        tail: int | str | None = None,
        timestamps: bool = False,
    ) -> list[Frame]:
        """The container's logs so far, as frames that know their stream (stdout or stderr).

        ``since``/``until``: Unix seconds or a datetime; ``tail``: a number of lines or
        ``"all"``; ``timestamps`` prefixes each line with its RFC 3339 time.  For large logs
        use :meth:`stream_logs`, which holds one chunk at a time.
        """
        async with self.stream_logs(
            container,
            follow=False,
            stdout=stdout,
            stderr=stderr,
            since=since,
            until=until,
            tail=tail,
            timestamps=timestamps,
        ) as frames:
            return [frame async for frame in frames]

    @asynccontextmanager
    async def stream_logs(
        self,
        container: str,
        *,
        follow: bool = True,
        stdout: bool = True,
        stderr: bool = True,
        since: Timestamp | None = None,
        until: Timestamp | None = None,
        tail: int | str | None = None,
        timestamps: bool = False,
    ) -> AsyncIterator[FrameStream]:
        """Logs as they are read, as an async iterator of frames (options as :meth:`logs`)::

            async with docker.containers.stream_logs(cid) as frames:
                async for frame in frames:
                    print(frame.stream.name, frame.data)

        With ``follow`` the stream goes on until the container stops (no read deadline);
        without it, it ends after the logs so far.  A connection that breaks raises
        :class:`StreamError`.  Leaving the block closes the connection.
        """
        if not (stdout or stderr):
            raise InvalidArgument("logs need stdout, stderr or both")
        params = {
            "follow": follow,
            "stdout": stdout,
            "stderr": stderr,
            "since": _timestamp(since, "since"),
            "until": _timestamp(until, "until"),
            "tail": _tail(tail),
            "timestamps": timestamps,
        }
        tty = (await self._containers.inspect(container)).config.tty
        path = f"/containers/{segment(container, 'container')}/logs"
        async with self._client.stream("GET", path, params=params) as response:
            chunks = _Chunks(response)
            try:
                yield FrameStream(chunks.read, tty=tty)
            finally:
                await chunks.aclose()

    @asynccontextmanager
    async def attach(
        self,
        container: str,
        *,
        stdin: bool = False,
        stdout: bool = True,
        stderr: bool = True,
        logs: bool = False,
        stream: bool = True,
        detach_keys: str | None = None,
    ) -> AsyncIterator[AttachedStream]:
        """Attach to the container's stdin and output (``POST /containers/{id}/attach``).

        Attaching to a created container that is not started yet waits for its start, which
        is how :meth:`run` catches every byte of output.  ``logs`` replays earlier output
        first; ``stream=False`` gives that replay only.  EOF sent with ``close_stdin`` ends
        the container's stdin when it was created with ``stdin_once=True``.  No read
        deadline; leaving the block closes the connection.
        """
        tty = (await self._containers.inspect(container)).config.tty
        params = {
            "stream": stream,
            "stdin": stdin,
            "stdout": stdout,
            "stderr": stderr,
            "logs": logs,
            "detachKeys": detach_keys,
        }
        path = f"/containers/{segment(container, 'container')}/attach"
        async with self._client.upgrade("POST", path, params=params) as network:
            yield AttachedStream(network, tty=tty)

    async def resize(self, container: str, *, height: int, width: int) -> None:
        """Set the size of the container's TTY (rows, columns)."""
        path = f"/containers/{segment(container, 'container')}/resize"
        await self._client.request("POST", path, params={"h": height, "w": width})

    async def run(
        self,
        image: str,
        command: Command | None = None,
        *,
        stdin: Stdin | None = None,
        remove: bool = False,
        remove_on_failure: bool = True,
        name: str | None = None,
        tty: bool = False,
        output: FrameSink | None = None,
        **options: Any,
    ) -> RunResult:
        """Like ``docker run``: create, attach, start, collect the output, return the exit code.

        ``stdin`` (bytes or an async iterable of bytes) is sent to the container followed by
        EOF (``docker run -i``); with ``output``, frames go there as they arrive instead of
        being collected (see :meth:`AttachedStream.collect`).  With
        ``remove`` the container is created with ``auto_remove`` and the daemon removes it
        when it exits; the exit code then comes from a wait on the ``removed`` condition,
        registered before the start so that the exit cannot be missed::

            async with docker.containers.waiting(cid, condition="removed") as exited:
                await docker.containers.start(cid)
                code = (await exited.result()).status_code

        ``options`` are those of :meth:`Containers.create`.  If anything fails, or the call
        is cancelled (even while the create request is in flight), a container the daemon
        created is removed: it was never handed to the caller.  With
        ``remove_on_failure=False`` it is left as it is (created, running or exited), as
        ``docker run`` without ``--rm`` leaves it; the daemon still removes it on exit if
        ``remove`` was set.
        """
        interactive = stdin is not None
        # Shielded: a create cancelled in flight may still make a container whose id would
        # be lost.  A cancellation waits for the answer (within the request timeout) and
        # then removes the container below.
        with anyio.CancelScope(shield=True):
            created = await self._containers.create(
                image,
                command,
                name=name,
                tty=tty,
                open_stdin=interactive or None,
                stdin_once=interactive or None,
                auto_remove=remove or None,
                **options,
            )
        try:
            return await self._run_created(created.id, stdin, remove, output)
        except BaseException:
            if remove_on_failure:
                with anyio.CancelScope(shield=True):
                    await self._remove_quietly(created.id)
            raise

    async def _run_created(
        self, container: str, stdin: Stdin | None, remove: bool, output: FrameSink | None
    ) -> RunResult:
        condition = "removed" if remove else "next-exit"
        async with (
            self.attach(container, stdin=stdin is not None) as attached,
            self._containers.waiting(container, condition=condition) as exited,
        ):
            await self._containers.start(container)
            collected = await attached.collect(stdin, output)
            status = await exited.result()
        return RunResult(container, status.status_code, collected.stdout, collected.stderr)

    async def _remove_quietly(self, container: str) -> None:
        try:
            await self._containers.remove(container, force=True)
        except EngineError:
            pass  # already gone (auto-removed), or the daemon cannot: the original error wins
