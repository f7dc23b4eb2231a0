"""``network ls/create/rm/inspect/connect/disconnect/prune``."""

from __future__ import annotations

import argparse
import json

from .._client import Client
from ._common import Subcommands, emit, filters_from, key_value, short, warning


def register(commands: Subcommands) -> None:
    parser = commands.add_parser("network", help="manage networks")
    sub = parser.add_subparsers(dest="network_command", metavar="COMMAND", required=True)

    ls = sub.add_parser("ls", help="list networks")
    ls.add_argument("--filter", "-f", action="append", type=key_value, metavar="KEY=VALUE")
    ls.set_defaults(func=list_networks)

    create = sub.add_parser("create", help="create a network")
    create.add_argument("name")
    create.add_argument("--driver", "-d")
    create.add_argument("--internal", action="store_true", help="no access to the outside")
    create.add_argument("--attachable", action="store_true")
    create.add_argument("--ipv6", action="store_true", help="enable IPv6")
    create.add_argument("--subnet")
    create.add_argument("--gateway")
    create.add_argument("--ip-range")
    create.add_argument("--label", action="append", type=key_value, metavar="KEY=VALUE")
    create.add_argument("--opt", "-o", action="append", type=key_value, metavar="KEY=VALUE")
    create.set_defaults(func=create_network)

    rm = sub.add_parser("rm", help="remove networks")
    rm.add_argument("networks", nargs="+", metavar="NETWORK")
    rm.set_defaults(func=remove_networks)

    inspect = sub.add_parser("inspect", help="show a network's details")
    inspect.add_argument("network")
    inspect.add_argument("--verbose", "-v", action="store_true")
    inspect.set_defaults(func=inspect_network)

    connect = sub.add_parser("connect", help="connect a container to a network")
    connect.add_argument("network")
    connect.add_argument("container")
    connect.add_argument("--alias", action="append", help="network-scoped alias (repeatable)")
    connect.add_argument("--ip", help="IPv4 address")
    connect.add_argument("--ip6", help="IPv6 address")
    connect.set_defaults(func=connect_container)

    disconnect = sub.add_parser("disconnect", help="disconnect a container from a network")
    disconnect.add_argument("network")
    disconnect.add_argument("container")
    disconnect.add_argument("--force", "-f", action="store_true")
    disconnect.set_defaults(func=disconnect_container)

    prune = sub.add_parser("prune", help="remove all unused networks")
    prune.add_argument("--filter", action="append", type=key_value, metavar="KEY=VALUE")
    prune.set_defaults(func=prune_networks)


async def list_networks(docker: Client, args: argparse.Namespace) -> None:
    networks = await docker.networks.list(filters=filters_from(args.filter))
    rows = [f"{'NETWORK ID':<12}  {'NAME':<30} {'DRIVER':<10} SCOPE"]
    rows += [f"{short(n.id):<12}  {n.name:<30} {n.driver or '':<10} {n.scope or ''}" for n in networks]
    emit(args, networks, "\n".join(rows))


async def create_network(docker: Client, args: argparse.Namespace) -> None:
    result = await docker.networks.create(
        args.name,
        driver=args.driver,
        internal=args.internal or None,
        attachable=args.attachable or None,
        enable_ipv6=args.ipv6 or None,
        subnet=args.subnet,
        gateway=args.gateway,
        ip_range=args.ip_range,
        labels=dict(args.label) if args.label else None,
        options=dict(args.opt) if args.opt else None,
    )
    if result.warning and not args.json:
        warning(result.warning)
    emit(args, result, result.id)


async def remove_networks(docker: Client, args: argparse.Namespace) -> None:
    for network in args.networks:
        await docker.networks.remove(network)
        if not args.json:
            print(network)
    if args.json:
        emit(args, {"removed": args.networks})


async def inspect_network(docker: Client, args: argparse.Namespace) -> None:
    result = await docker.networks.inspect(args.network, verbose=args.verbose)
    print(json.dumps(dict(result.raw), indent=None if args.json else 2, sort_keys=True))


async def connect_container(docker: Client, args: argparse.Namespace) -> None:
    await docker.networks.connect(
        args.network, args.container, aliases=args.alias, ipv4_address=args.ip, ipv6_address=args.ip6
    )
    emit(args, {"network": args.network, "container": args.container}, args.container)


async def disconnect_container(docker: Client, args: argparse.Namespace) -> None:
    await docker.networks.disconnect(args.network, args.container, force=args.force)
    emit(args, {"network": args.network, "container": args.container}, args.container)


async def prune_networks(docker: Client, args: argparse.Namespace) -> None:
    result = await docker.networks.prune(filters=filters_from(args.filter))
    lines = ["Deleted Networks:", *result.networks_deleted] if result.networks_deleted else []
    emit(args, result, "\n".join(lines))
