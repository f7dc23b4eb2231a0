"""``context ls``: the docker CLI's contexts, read-only."""

from __future__ import annotations

import argparse
import os

from .._client import Client
from .._config import ClientConfig
from .._contexts import DEFAULT_CONTEXT, list_contexts
from ._common import Subcommands, emit, table


def register(commands: Subcommands) -> None:
    parser = commands.add_parser("context", help="docker CLI contexts (read-only)")
    sub = parser.add_subparsers(dest="context_command", metavar="COMMAND", required=True)
    ls = sub.add_parser("ls", help="list contexts; * marks the one in use")
    ls.set_defaults(func=list_command, without_client=True)


def _current(args: argparse.Namespace) -> str:
    """The context a client would use now (``default`` when the host comes from elsewhere)."""
    if args.host:
        return DEFAULT_CONTEXT
    config = ClientConfig.from_env(context=args.context)
    return config.context or DEFAULT_CONTEXT


async def list_command(docker: Client | None, args: argparse.Namespace) -> None:
    current = _current(args)
    contexts = list_contexts(os.environ)
    # ``default`` is no context: it reaches what a client reaches without one.
    default_host = args.host or ClientConfig.from_env(context=DEFAULT_CONTEXT).host
    hosts = [c.host or default_host for c in contexts]
    names = [c.name + (" *" if c.name == current else "") for c in contexts]
    lines = [["NAME", "DOCKER ENDPOINT", "DESCRIPTION"]]
    lines += [[n, h, c.description] for n, h, c in zip(names, hosts, contexts, strict=True)]
    rows = [
        {
            "name": c.name,
            "current": c.name == current,
            "description": c.description,
            "host": host,
            "skip_tls_verify": c.skip_tls_verify,
        }
        for c, host in zip(contexts, hosts, strict=True)
    ]
    emit(args, rows, table(lines))
