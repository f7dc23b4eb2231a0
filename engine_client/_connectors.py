"""Connectors beyond plain sockets: TLS over TCP, and HTTP over an ``ssh`` process's stdio.

A connector is an async callable returning a connected ``anyio.abc.ByteStream`` (see
``_http.py``); the transport pools what it returns, so with ssh each pooled connection is one
``ssh ... docker system dial-stdio`` process, reused for many requests and reaped when the
connection is closed.
"""

from __future__ import annotations

import shlex
import shutil
import ssl
from collections.abc import Awaitable, Callable, Sequence

import anyio
import anyio.abc

from ._config import Endpoint
from ._exceptions import EngineConnectionError

#: What ``_http.HTTPTransport`` connects with (the same alias, kept here to stay independent).
Connector = Callable[[], Awaitable[anyio.abc.ByteStream]]

__all__ = ["ProcessStream", "ssh_command", "ssh_connector", "tls_connector"]

#: How long a closing ssh process gets to exit after SIGTERM before it is killed.
_EXIT_GRACE = 5.0
#: Most of an ssh process's stderr quoted in an error.
_STDERR_LIMIT = 2000


def tls_connector(host: str, port: int, context: ssl.SSLContext) -> Connector:
    """TCP, then a TLS handshake checking the daemon's certificate against ``host``."""

    async def connect() -> anyio.abc.ByteStream:
        # Docker daemons may close without a TLS close_notify: treat that as a plain end.
        return await anyio.connect_tcp(
            host, port, ssl_context=context, tls_hostname=host, tls_standard_compatible=False
        )

    return connect


def ssh_command(endpoint: Endpoint, options: Sequence[str] = ()) -> list[str]:
    """The docker CLI's command line for ``ssh://[user@]host[:port][/socket]``.

    ``options`` come first: ssh keeps the first value it sees for an option.
    """
    command = ["ssh", *options, "-o", "ConnectTimeout=30", "-T"]
    if endpoint.user:
        command += ["-l", endpoint.user]
    if endpoint.port:
        command += ["-p", str(endpoint.port)]
    command += ["--", endpoint.address, "docker"]
    if endpoint.base_path:  # the remote shell reads this: quote it
        command.append(shlex.quote(f"--host=unix://{endpoint.base_path}"))
    return [*command, "system", "dial-stdio"]


def ssh_connector(endpoint: Endpoint, options: Sequence[str] = ()) -> Connector:
    command = ssh_command(endpoint, options)
    where = endpoint.url

    async def connect() -> anyio.abc.ByteStream:
        executable = shutil.which(command[0])
        if executable is None:
            raise EngineConnectionError(
                f"cannot reach the Docker daemon at {where}: no ssh binary on PATH "
                "(install an OpenSSH client)"
            )
        process = await anyio.open_process([executable, *command[1:]])
        return ProcessStream(process, f"ssh to {where}")

    return connect


class ProcessStream(anyio.abc.ByteStream):
    """A child process's stdin and stdout as one byte stream.

    When the process ends with a failure status, reading or writing raises
    :class:`EngineConnectionError` quoting its stderr (ssh's own errors, or the remote shell's
    ``docker: command not found``).  Closing terminates and reaps the process.
    """

    def __init__(self, process: anyio.abc.Process, what: str) -> None:
        self._process = process
        self._what = what

    async def receive(self, max_bytes: int = 65536) -> bytes:
        stdout = self._process.stdout
        assert stdout is not None
        try:
            return await stdout.receive(max_bytes)
        except (anyio.EndOfStream, anyio.BrokenResourceError):
            await self._raise_if_failed()
            raise

    async def send(self, item: bytes) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        try:
            await stdin.send(item)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            await self._raise_if_failed()
            raise

    async def send_eof(self) -> None:
        if self._process.stdin is not None:
            await self._process.stdin.aclose()

    async def aclose(self) -> None:
        process = self._process
        with anyio.CancelScope(shield=True):
            if process.returncode is None:
                process.terminate()
                with anyio.move_on_after(_EXIT_GRACE):
                    await process.wait()
            if process.returncode is None:
                process.kill()
            await process.aclose()  # closes the pipes and reaps the process

    async def _raise_if_failed(self) -> None:
        """The process's output ended: if it exited with a failure, say why."""
        with anyio.move_on_after(_EXIT_GRACE):
            await self._process.wait()
        status = self._process.returncode
        if status is None or status == 0:
            return
        message = await self._stderr()
        raise EngineConnectionError(
            f"{self._what} failed (exit status {status}): {message or 'no message on stderr'}"
        )

    async def _stderr(self) -> str:
        stderr = self._process.stderr
        if stderr is None:
            return ""
        data = bytearray()
        with anyio.move_on_after(1):
            while len(data) < _STDERR_LIMIT:
                try:
                    data += await stderr.receive()
                except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
                    break
        return data.decode("utf-8", "replace").strip()[:_STDERR_LIMIT]
