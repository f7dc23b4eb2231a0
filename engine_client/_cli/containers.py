"""Container subcommands: ``create``, ``start``, ``stop``, ``rm``, ``inspect``, ``lifecycle``."""

from __future__ import annotations

import argparse
import json
from typing import Any

import anyio

from .._client import Client
from .._exceptions import EngineError
from ._common import Stopwatch, Subcommands, emit, plain, short


def register(commands: Subcommands) -> None:
    create_parser = commands.add_parser("create", help="create a container")
    _add_create_arguments(create_parser)
    create_parser.set_defaults(func=create)

    start_parser = commands.add_parser("start", help="start a container")
    start_parser.add_argument("container")
    start_parser.set_defaults(func=start)

    stop_parser = commands.add_parser("stop", help="stop a container")
    stop_parser.add_argument("container")
    stop_parser.add_argument("-t", "--time", type=int, dest="t", help="seconds to wait before killing")
    stop_parser.add_argument("--signal", "-s", help="signal to send (API 1.42+)")
    stop_parser.set_defaults(func=stop)

    rm_parser = commands.add_parser("rm", help="remove a container")
    rm_parser.add_argument("container")
    rm_parser.add_argument("-f", "--force", action="store_true", help="kill it first if running")
    rm_parser.add_argument("-v", "--volumes", action="store_true", help="remove anonymous volumes")
    rm_parser.set_defaults(func=rm)

    inspect_parser = commands.add_parser("inspect", help="show a container's details")
    inspect_parser.add_argument("container")
    inspect_parser.set_defaults(func=inspect)

    lifecycle_parser = commands.add_parser(
        "lifecycle", help="ping, version, create, start, stop and remove a container, timing each"
    )
    _add_create_arguments(lifecycle_parser)
    lifecycle_parser.add_argument("--keep", action="store_true", help="do not remove the container")
    lifecycle_parser.add_argument("--stop-time", type=int, default=1, help="stop grace period (s)")
    lifecycle_parser.set_defaults(func=lifecycle)


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not key or not sep:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def _add_create_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image")
    parser.add_argument("cmd", nargs=argparse.REMAINDER, help="command and arguments")
    parser.add_argument("--name")
    parser.add_argument("-t", "--tty", action="store_true", help="allocate a pseudo-TTY")
    parser.add_argument("-e", "--env", action="append", default=[], type=_key_value, metavar="KEY=VAL")
    parser.add_argument("--label", action="append", default=[], type=_key_value, metavar="KEY=VAL")
    parser.add_argument("--network", help="network mode")
    parser.add_argument("--rm", action="store_true", help="remove the container when it exits")


def _create_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "name": args.name,
        "tty": args.tty or None,
        "env": dict(args.env) if args.env else None,
        "labels": dict(args.label) if args.label else None,
        "network_mode": args.network,
        "auto_remove": args.rm or None,
    }


async def create(docker: Client, args: argparse.Namespace) -> None:
    result = await docker.containers.create(args.image, args.cmd or None, **_create_options(args))
    emit(args, result, "\n".join([result.id, *(f"warning: {w}" for w in result.warnings)]))


async def start(docker: Client, args: argparse.Namespace) -> None:
    changed = await docker.containers.start(args.container)
    emit(args, {"id": args.container, "changed": changed}, args.container)


async def stop(docker: Client, args: argparse.Namespace) -> None:
    changed = await docker.containers.stop(args.container, t=args.t, signal=args.signal)
    emit(args, {"id": args.container, "changed": changed}, args.container)


async def rm(docker: Client, args: argparse.Namespace) -> None:
    await docker.containers.remove(args.container, force=args.force, volumes=args.volumes)
    emit(args, {"id": args.container}, args.container)


async def inspect(docker: Client, args: argparse.Namespace) -> None:
    result = await docker.containers.inspect(args.container)
    print(json.dumps(dict(result.raw), indent=None if args.json else 2, sort_keys=True))


class _Steps:
    """Prints each step of ``lifecycle`` as it completes, with its duration."""

    def __init__(self, args: argparse.Namespace) -> None:
        self._args = args

    def done(self, step: str, watch: Stopwatch, detail: str, **data: Any) -> None:
        if self._args.json:
            print(json.dumps({"step": step, "ms": round(watch.ms(), 3), **plain(data)}))
        else:
            print(f"{step:<8} {watch.ms():9.1f} ms  {detail}", flush=True)


async def lifecycle(docker: Client, args: argparse.Namespace) -> None:
    steps = _Steps(args)
    watch = Stopwatch()
    ping = await docker.system.ping()
    steps.done("ping", watch, f"API {ping.api_version} ({ping.os_type})", api_version=ping.api_version)

    watch = Stopwatch()
    version = await docker.system.version()
    negotiated = await docker.api_version()
    steps.done(
        "version", watch, f"Docker {version.version}, using API {negotiated}",
        version=version.version, api_version=negotiated,
    )

    watch = Stopwatch()
    created = await docker.containers.create(args.image, args.cmd or None, **_create_options(args))
    cid = created.id
    steps.done("create", watch, short(cid), id=cid, warnings=list(created.warnings))
    try:
        watch = Stopwatch()
        await docker.containers.start(cid)
        steps.done("start", watch, short(cid), id=cid)

        watch = Stopwatch()
        await docker.containers.stop(cid, t=args.stop_time)
        steps.done("stop", watch, short(cid), id=cid)
    except BaseException:
        if not args.keep:
            with anyio.CancelScope(shield=True):
                await _remove_quietly(docker, cid)
        raise
    if args.keep:
        return
    watch = Stopwatch()
    await docker.containers.remove(cid, force=True)
    steps.done("remove", watch, short(cid), id=cid)


async def _remove_quietly(docker: Client, cid: str) -> None:
    try:
        await docker.containers.remove(cid, force=True)
    except EngineError:
        pass
