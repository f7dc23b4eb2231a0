"""The ``engine-client`` command: a thin front end over the public API.

Each API area registers its subcommands from its own module.  Exit codes: 0 success,
1 daemon, API or connection error (one line on stderr), 2 usage error, 130 interrupted,
141 our stdout was closed by its reader (``| head``): quietly, as ``docker logs`` ends when
SIGPIPE kills it.  ``run``, ``exec`` and ``attach`` exit with the container's (or the
exec's) status instead; ``run`` has docker run's 125/126/127 for its own failures.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import TextIO

import anyio
import httpx

from .._exceptions import ConfigError, ConfigFileWarning, EngineError, InvalidArgument
from . import containers, contexts, images, networks, streams, system, volumes
from ._common import Command, error, open_client

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup

__all__ = ["main"]

_AREAS = (system, containers, streams, images, networks, volumes, contexts)

#: Exit status when our stdout's reader has gone: 128 + SIGPIPE, as a shell reports it.
BROKEN_PIPE = 141
INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="engine-client", description="Drive a Docker daemon through the Engine API."
    )
    parser.add_argument("--host", "-H", help="daemon address (default: DOCKER_HOST, else the local socket)")
    parser.add_argument("--context", "-c", help="docker CLI context to use (default: DOCKER_CONTEXT, else the current one)")
    parser.add_argument("--api-version", help="pin the API version (default: DOCKER_API_VERSION, else negotiate)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
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
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", ConfigFileWarning)
            warnings.showwarning = _warning_printer()
            return anyio.run(_run, command, args) or 0
    except BaseException as exc:  # noqa: BLE001 - report() raises again what is not ours
        return report(exc)


def report(exc: BaseException) -> int:
    """The exit status for what ended the command; our errors are told on stderr, one line each.

    Task groups wrap errors in exception groups: their leaves are what counts.  Anything
    that is not ours (a bug) is raised again, with its traceback.
    """
    leaves = list(_leaves(exc))
    if any(isinstance(leaf, KeyboardInterrupt) for leaf in leaves):
        return INTERRUPTED
    if any(isinstance(leaf, BrokenPipeError) for leaf in leaves):
        _discard_stdout()
        return BROKEN_PIPE
    if not all(isinstance(leaf, EngineError) for leaf in leaves):
        raise exc
    for message in dict.fromkeys(str(leaf) for leaf in leaves):
        error(message)
    usage = all(isinstance(leaf, (ConfigError, InvalidArgument)) for leaf in leaves)
    return 2 if usage else 1


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
    """Shows a config file warning as the docker CLI does: one line on stderr, once (the file
    is read for the context and again for credentials); other warnings as Python does."""
    shown: set[str] = set()
    show_python_warning = warnings.showwarning

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if not issubclass(category, ConfigFileWarning):
            show_python_warning(message, category, filename, lineno, file, line)
        elif str(message) not in shown:
            shown.add(str(message))
            sys.stderr.write(f"WARNING: {message}\n")

    return show


async def _run(command: Command, args: argparse.Namespace) -> int | None:
    if getattr(args, "without_client", False):  # e.g. ``context ls``: reads files only
        return await command(None, args)  # type: ignore[arg-type]
    async with open_client(args) as docker:
        return await command(docker, args)
