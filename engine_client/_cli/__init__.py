"""The ``engine-client`` command: a thin front end over the public API.

Each API area registers its subcommands from its own module.  Exit codes: 0 success,
1 daemon, API, connection or local file error (one line on stderr), 2 usage error,
128 + the signal when SIGINT or SIGTERM cancelled the command (130, 143; what it created is
cleaned up first), 141 when our stdout was closed by its reader (``| head``): quietly, as
``docker logs`` ends when SIGPIPE kills it.  ``run``, ``exec`` and ``attach`` exit with the container's (or the
exec's) status instead; ``run`` has docker run's 125/126/127 for its own failures.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence

import anyio
import httpx
from anyio.abc import TaskStatus

from .._exceptions import ConfigError, ConfigFileWarning, EngineError, InvalidArgument
from .._tar import DeviceSkippedWarning
from . import containers, contexts, images, networks, streams, system, volumes
from ._common import Command, error, open_client, warning

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup

__all__ = ["main"]

_AREAS = (system, containers, streams, images, networks, volumes, contexts)

#: Exit status when our stdout's reader has gone: 128 + SIGPIPE, as a shell reports it.
BROKEN_PIPE = 141
INTERRUPTED = 128 + signal.SIGINT
#: Signals that cancel the command, so that what it created is cleaned up (``run``'s container).
CANCELLING_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Signalled(Exception):
    """A cancelling signal arrived; the command was cancelled."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


class _Subcommand(argparse.ArgumentParser):
    """A subcommand's parser: arguments it does not take are its usage error, told with its
    usage (argparse would leave them to the top level, which shows the top level's)."""

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="engine-client", description="Drive a Docker daemon through the Engine API."
    )
    parser.add_argument("--host", "-H", help="daemon address (default: DOCKER_HOST, else the local socket)")
    parser.add_argument("--context", "-c", help="docker CLI context to use (default: DOCKER_CONTEXT, else the current one)")
    parser.add_argument("--api-version", help="pin the API version (default: DOCKER_API_VERSION, else negotiate)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Subcommand
    )
    for area in _AREAS:
        area.register(commands)
    return parser


def main(
    argv: Sequence[str] | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> int:
    """Run the CLI; ``transport`` replaces the connection to the daemon (for tests)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage error already
        return int(exc.code or 0)
    command: Command = args.func
    args.transport = transport
    with warnings.catch_warnings():
        warnings.simplefilter("always", ConfigFileWarning)  # deduplicated by the printer
        warnings.simplefilter("always", DeviceSkippedWarning)
        warnings.showwarning = _warning_printer()
        try:
            return anyio.run(_run, command, args) or 0
        except BaseException as exc:  # noqa: BLE001 - report() raises again what is not ours
            return report(exc)


def report(exc: BaseException) -> int:
    """The exit status for what ended the command; our errors and local files' (OSError) are
    told on stderr, one line each.

    Task groups wrap errors in exception groups: their leaves are what counts.  Anything
    that is not ours (a bug) is raised again, with its traceback.
    """
    leaves = list(_leaves(exc))
    for leaf in leaves:
        if isinstance(leaf, Signalled):
            return 128 + leaf.signum
    if any(isinstance(leaf, KeyboardInterrupt) for leaf in leaves):
        return INTERRUPTED
    if any(isinstance(leaf, BrokenPipeError) for leaf in leaves):
        _discard_stdout()
        return BROKEN_PIPE
    if not all(isinstance(leaf, (EngineError, OSError)) for leaf in leaves):
        raise exc
    for message in dict.fromkeys(_describe(leaf) for leaf in leaves):
        error(message)
    usage = all(isinstance(leaf, (ConfigError, InvalidArgument)) for leaf in leaves)
    return 2 if usage else 1


def _describe(exc: BaseException) -> str:
    """An error's one line; a local file's error names the file first, as ``cat`` does."""
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc)


def _leaves(exc: BaseException) -> Iterator[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from _leaves(inner)
    else:
        yield exc


def _discard_stdout() -> None:
    """Point stdout at /dev/null: the flush at exit must not fail on the closed pipe again."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (tests capture it)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _warning_printer() -> Callable[..., None]:
    """Each warning as one line on stderr (Python's adds the file, line number and source
    line), and each text once: config.json is read for the context and for credentials."""
    shown: set[str] = set()

    def show(message: Warning | str, *_: object, **__: object) -> None:
        if str(message) not in shown:
            shown.add(str(message))
            warning(str(message))

    return show


async def _run(command: Command, args: argparse.Namespace) -> int | None:
    async with anyio.create_task_group() as group:
        await group.start(_raise_on_signal)
        status = await _dispatch(command, args)
        group.cancel_scope.cancel()
    return status


async def _raise_on_signal(*, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
    """Raise Signalled when a cancelling signal arrives: the task group then cancels the command."""
    with anyio.open_signal_receiver(*CANCELLING_SIGNALS) as received:
        task_status.started()
        async for signum in received:
            raise Signalled(signum)


async def _dispatch(command: Command, args: argparse.Namespace) -> int | None:
    if getattr(args, "without_client", False):  # e.g. ``context ls``: reads files only
        return await command(None, args)  # type: ignore[arg-type]
    async with open_client(args) as docker:
        return await command(docker, args)
