"""The ``engine-client`` command: a thin front end over the public API.

Each API area registers its subcommands from its own module.  Exit codes: 0 success,
1 daemon, API or connection error (one line on stderr), 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TextIO

import anyio
import httpx

from .._exceptions import ConfigError, ConfigFileWarning, EngineError, InvalidArgument
from . import containers, contexts, images, networks, streams, system, volumes
from ._common import Command, open_client

__all__ = ["main"]

_AREAS = (system, containers, streams, images, networks, volumes, contexts)


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
    except (ConfigError, InvalidArgument) as exc:
        print(f"engine-client: error: {exc}", file=sys.stderr)
        return 2
    except EngineError as exc:
        print(f"engine-client: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


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
