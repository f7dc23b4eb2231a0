"""``volume ls/create/rm/inspect/prune``."""

from __future__ import annotations

import argparse
import json

from .._client import Client
from ._common import Subcommands, emit, filters_from, key_value


def register(commands: Subcommands) -> None:
    parser = commands.add_parser("volume", help="manage volumes")
    sub = parser.add_subparsers(dest="volume_command", metavar="COMMAND", required=True)

    ls = sub.add_parser("ls", help="list volumes")
    ls.add_argument("--filter", "-f", action="append", type=key_value, metavar="KEY=VALUE")
    ls.set_defaults(func=list_volumes)

    create = sub.add_parser("create", help="create a volume (anonymous without a name)")
    create.add_argument("name", nargs="?")
    create.add_argument("--driver", "-d")
    create.add_argument("--label", action="append", type=key_value, metavar="KEY=VALUE")
    create.add_argument("--opt", "-o", action="append", type=key_value, metavar="KEY=VALUE")
    create.set_defaults(func=create_volume)

    rm = sub.add_parser("rm", help="remove volumes")
    rm.add_argument("volumes", nargs="+", metavar="VOLUME")
    rm.add_argument("--force", "-f", action="store_true")
    rm.set_defaults(func=remove_volumes)

    inspect = sub.add_parser("inspect", help="show a volume's details")
    inspect.add_argument("volume")
    inspect.set_defaults(func=inspect_volume)

    prune = sub.add_parser("prune", help="remove unused anonymous volumes")
    prune.add_argument("--all", "-a", action="store_true", help="named volumes too")
    prune.add_argument("--filter", action="append", type=key_value, metavar="KEY=VALUE")
    prune.set_defaults(func=prune_volumes)


async def list_volumes(docker: Client, args: argparse.Namespace) -> None:
    volumes = await docker.volumes.list(filters=filters_from(args.filter))
    rows = [f"{'DRIVER':<10} VOLUME NAME", *(f"{v.driver or '':<10} {v.name}" for v in volumes)]
    emit(args, volumes, "\n".join(rows))


async def create_volume(docker: Client, args: argparse.Namespace) -> None:
    volume = await docker.volumes.create(
        args.name,
        driver=args.driver,
        labels=dict(args.label) if args.label else None,
        driver_opts=dict(args.opt) if args.opt else None,
    )
    emit(args, volume, volume.name)


async def remove_volumes(docker: Client, args: argparse.Namespace) -> None:
    for volume in args.volumes:
        await docker.volumes.remove(volume, force=args.force)
        if not args.json:
            print(volume)
    if args.json:
        emit(args, {"removed": args.volumes})


async def inspect_volume(docker: Client, args: argparse.Namespace) -> None:
    result = await docker.volumes.inspect(args.volume)
    print(json.dumps(dict(result.raw), indent=None if args.json else 2, sort_keys=True))


async def prune_volumes(docker: Client, args: argparse.Namespace) -> None:
    result = await docker.volumes.prune(all=args.all, filters=filters_from(args.filter))
    lines = ["Deleted Volumes:", *result.volumes_deleted] if result.volumes_deleted else []
    if result.space_reclaimed is not None:
        lines.append(f"Total reclaimed space: {result.space_reclaimed} B")
    emit(args, result, "\n".join(lines))
