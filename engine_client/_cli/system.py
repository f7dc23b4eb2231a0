"""``ping`` and ``version``."""

from __future__ import annotations

import argparse

from .._client import Client
from ._common import Subcommands, emit


def register(commands: Subcommands) -> None:
    commands.add_parser("ping", help="check that the daemon answers").set_defaults(func=ping)
    commands.add_parser("version", help="show the daemon's version").set_defaults(func=version)


async def ping(docker: Client, args: argparse.Namespace) -> None:
    result = await docker.system.ping()
    emit(args, result, f"OK (API {result.api_version}, {result.os_type})")


async def version(docker: Client, args: argparse.Namespace) -> None:
    result = await docker.system.version()
    lines = [
        f"Version:      {result.version}",
        f"API version:  {result.api_version} (minimum {result.min_api_version}, using {await docker.api_version()})",
        f"OS/Arch:      {result.os}/{result.arch}",
        f"Kernel:       {result.kernel_version}",
        f"Go version:   {result.go_version}",
        f"Git commit:   {result.git_commit}",
    ]
    lines += [f"{c.name}: {c.version}" for c in result.components if c.name != "Engine"]
    emit(args, result, "\n".join(lines))
