"""Connectors beyond plain sockets: TLS over TCP, and HTTP over an ``ssh`` process's stdio.

A connector is an async callable returning a connected ``anyio.abc.ByteStream`` (see
``_http.py``); the transport pools what it returns, so with ssh each pooled connection is one
``ssh ... docker system dial-stdio`` process, reused for many requests and reaped when the
connection is closed.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import ssl
import threading
from collections.abc import Awaitable, Callable, Sequence

import anyio
import anyio.abc
import anyio.to_thread

from ._config import Endpoint
from ._exceptions import EngineConnectionError

#: What ``_http.HTTPTransport`` connects with (the same alias, kept here to stay independent).
Connector = Callable[[], Awaitable[anyio.abc.ByteStream]]

__all__ = ["ProcessStream", "StderrTail", "ssh_command", "ssh_connector", "tls_connector"]

#: How long a closing ssh process gets to exit after SIGTERM before it is killed.
_EXIT_GRACE = 5.0
#: The end of a child's stderr kept for an error message (the rest is read and dropped).
_STDERR_TAIL = 8192
#: Lines of it quoted in an error message.
_QUOTED_LINES = 3
#: ``ssh -v``'s banner and chatter, never the reason for a failure.
_SSH_VERBOSE = re.compile(r"debug\d: |OpenSSH_")


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
        return await ProcessStream.open([executable, *command[1:]], f"ssh to {where}")

    return connect


class StderrTail:
    """A thread reads a child's stderr to its end and keeps the last ``limit`` bytes, so that a
    chatty child (``ssh -v``) never fills the pipe and blocks, whoever is reading its stdout."""

    def __init__(self, fd: int, limit: int = _STDERR_TAIL) -> None:
        self._fd = fd
        self._limit = limit
        self._data = bytearray()
        self._trimmed = False
        self._lock = threading.Lock()
        self.ended = threading.Event()
        threading.Thread(target=self._drain, name="engine_client stderr", daemon=True).start()

    def _drain(self) -> None:
        try:
            while chunk := os.read(self._fd, 65536):
                with self._lock:
                    self._data += chunk
                    if len(self._data) > self._limit:
                        del self._data[: -self._limit]
                        self._trimmed = True
        except OSError:
            pass
        finally:
            os.close(self._fd)
            self.ended.set()

    def summary(self) -> str:
        """The last meaningful lines, joined into one line."""
        with self._lock:
            text = self._data.decode("utf-8", "replace")
            if self._trimmed:
                text = text.partition("\n")[2]  # the first line was cut
        lines = [line.strip() for line in text.splitlines()]
        meaningful = [line for line in lines if line and not _SSH_VERBOSE.match(line)]
        return " | ".join(meaningful[-_QUOTED_LINES:])


class ProcessStream(anyio.abc.ByteStream):
    """A child process's stdin and stdout as one byte stream.

    When the process ends with a failure status, reading or writing raises
    :class:`EngineConnectionError` quoting the end of its stderr (ssh's own errors, or the
    remote shell's ``docker: command not found``).  Closing terminates and reaps the process.
    """

    def __init__(self, process: anyio.abc.Process, what: str, stderr: StderrTail) -> None:
        self._process = process
        self._what = what
        self._stderr = stderr

    @classmethod
    async def open(cls, command: Sequence[str], what: str) -> ProcessStream:
        """Start ``command`` with its stderr drained into a :class:`StderrTail`."""
        read_end, write_end = os.pipe()
        try:
            process = await anyio.open_process(command, stderr=write_end)
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)  # the child has its own copy: the tail ends when the child does
        return cls(process, what, StderrTail(read_end))

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
        # The tail ends once every holder of the pipe (ssh, a ProxyCommand...) has exited.
        await anyio.to_thread.run_sync(self._stderr.ended.wait, 1.0)
        message = self._stderr.summary()
        raise EngineConnectionError(
            f"{self._what} failed (exit status {status}): {message or 'no message on stderr'}"
        )
