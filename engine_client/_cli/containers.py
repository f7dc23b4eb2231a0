"""Container subcommands: ``create``, ``start``, ``stop``, ``rm``, ``inspect``, ``lifecycle``,
``ps``, ``wait``, ``kill``, ``restart``, ``pause``, ``unpause``, ``rename``, ``top``, ``stats``
and ``cp``."""

from __future__ import annotations

import argparse
import errno
import json
import os
import posixpath
import sys
from typing import Any

import anyio

from .._api.container_stats import (
    ContainerStats,
    block_io,
    cpu_percent,
    memory_percent,
    memory_usage,
    network_io,
)
from .._api.containers import WAIT_CONDITIONS, ContainerCreateResponse
from .._client import Client
from .._exceptions import EngineError, InvalidArgument, NotFound
from .._tar import extract_archive, pack_path
from ._common import (
    Stopwatch,
    Subcommands,
    emit,
    env_variable,
    environment,
    error,
    filters_from,
    key_value,
    plain,
    short,
    table,
    warn,
    warning,
)


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

    rm_parser = commands.add_parser("rm", help="remove containers")
    rm_parser.add_argument("containers", nargs="+", metavar="CONTAINER")
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
    _register_management(commands)


def _add_create_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image")
    parser.add_argument("cmd", nargs=argparse.REMAINDER, help="command and arguments")
    parser.add_argument("--name")
    parser.add_argument("-t", "--tty", action="store_true", help="allocate a pseudo-TTY")
    parser.add_argument("-e", "--env", action="append", default=[], type=env_variable, metavar="KEY[=VAL]")
    parser.add_argument("--label", action="append", default=[], type=key_value, metavar="KEY=VAL")
    parser.add_argument("--network", help="network mode")
    parser.add_argument("--rm", action="store_true", help="remove the container when it exits")


def _create_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "name": args.name,
        "tty": args.tty or None,
        "env": environment(args.env),
        "labels": dict(args.label) if args.label else None,
        "network_mode": args.network,
        "auto_remove": args.rm or None,
    }


async def create(docker: Client, args: argparse.Namespace) -> None:
    result = await docker.containers.create(args.image, args.cmd or None, **_create_options(args))
    show_created(args, result)


def show_created(args: argparse.Namespace, result: ContainerCreateResponse) -> None:
    """The new container's id on stdout, the daemon's warnings on stderr (or all as JSON)."""
    if not args.json:
        for message in result.warnings:
            warning(message)
    emit(args, result, result.id)


async def start(docker: Client, args: argparse.Namespace) -> None:
    changed = await docker.containers.start(args.container)
    emit(args, {"id": args.container, "changed": changed}, args.container)


async def stop(docker: Client, args: argparse.Namespace) -> None:
    changed = await docker.containers.stop(args.container, t=args.t, signal=args.signal)
    emit(args, {"id": args.container, "changed": changed}, args.container)


async def rm(docker: Client, args: argparse.Namespace) -> int:
    return await _each(args, lambda c: docker.containers.remove(c, force=args.force, volumes=args.volumes))


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
    if args.rm and args.keep:
        raise InvalidArgument("--keep contradicts --rm: the daemon removes the container itself")
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
        if args.rm:
            await _stop_and_await_removal(docker, cid, args.stop_time, steps)
            return
        await _stop(docker, cid, args.stop_time, steps)
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


async def _stop(docker: Client, cid: str, t: int, steps: _Steps) -> None:
    watch = Stopwatch()
    await docker.containers.stop(cid, t=t)
    steps.done("stop", watch, short(cid), id=cid)


async def _stop_and_await_removal(docker: Client, cid: str, t: int, steps: _Steps) -> None:
    """With auto-remove the daemon removes the stopped container itself (a remove of ours would
    collide with it): wait for that, registered before the stop so it cannot be missed."""
    async with docker.containers.waiting(cid, condition="removed") as removal:
        await _stop(docker, cid, t, steps)
        watch = Stopwatch()
        await removal.result()
    steps.done("remove", watch, f"auto-removed {short(cid)}", id=cid, auto_remove=True)


async def _remove_quietly(docker: Client, cid: str) -> None:
    try:
        await docker.containers.remove(cid, force=True)
    except EngineError:
        pass


# -- ps, wait, kill, restart, pause, unpause, rename, top, stats, cp --------------------------


def _register_management(commands: Subcommands) -> None:
    ps_parser = commands.add_parser("ps", help="list containers")
    ps_parser.add_argument("-a", "--all", action="store_true", help="include stopped containers")
    ps_parser.add_argument("-n", "--last", type=int, help="the N most recently created (any state)")
    ps_parser.add_argument("-s", "--size", action="store_true", help="show sizes")
    ps_parser.add_argument("-q", "--quiet", action="store_true", help="only ids")
    ps_parser.add_argument(
        "-f", "--filter", action="append", type=key_value, metavar="KEY=VALUE",
        help="label=k=v, name=, status=, ancestor=, ... (repeatable)",
    )
    ps_parser.set_defaults(func=ps)

    wait_parser = commands.add_parser("wait", help="wait for containers to stop; print exit codes")
    wait_parser.add_argument("containers", nargs="+", metavar="CONTAINER")
    wait_parser.add_argument("--condition", default="not-running", choices=WAIT_CONDITIONS)
    wait_parser.set_defaults(func=wait)

    kill_parser = commands.add_parser("kill", help="send a signal to running containers")
    kill_parser.add_argument("containers", nargs="+", metavar="CONTAINER")
    kill_parser.add_argument("-s", "--signal", help="signal name or number (default SIGKILL)")
    kill_parser.set_defaults(func=kill)

    restart_parser = commands.add_parser("restart", help="restart containers")
    restart_parser.add_argument("containers", nargs="+", metavar="CONTAINER")
    restart_parser.add_argument("-t", "--time", type=int, dest="t", help="seconds to wait before killing")
    restart_parser.add_argument("-s", "--signal", help="stop signal (API 1.42+)")
    restart_parser.set_defaults(func=restart)

    for name, action in (("pause", "pause"), ("unpause", "unpause")):
        parser = commands.add_parser(name, help=f"{action} all processes of containers")
        parser.add_argument("containers", nargs="+", metavar="CONTAINER")
        parser.set_defaults(func=pause if name == "pause" else unpause)

    rename_parser = commands.add_parser("rename", help="rename a container")
    rename_parser.add_argument("container")
    rename_parser.add_argument("new_name")
    rename_parser.set_defaults(func=rename)

    top_parser = commands.add_parser("top", help="show a container's processes")
    top_parser.add_argument("container")
    top_parser.add_argument("ps_args", nargs=argparse.REMAINDER, help="ps options (default -ef)")
    top_parser.set_defaults(func=top)

    stats_parser = commands.add_parser("stats", help="show containers' resource use")
    stats_parser.add_argument("containers", nargs="*", metavar="CONTAINER", help="default: all running")
    stats_parser.add_argument("--no-stream", action="store_true", help="print one sample and exit")
    stats_parser.set_defaults(func=stats)

    cp_parser = commands.add_parser(
        "cp", help="copy files between a container and the host",
        description="CONTAINER:SRC DEST copies out of a container, SRC CONTAINER:DEST into one; "
        "'-' as the host side is a tar on stdout or stdin.",
    )
    cp_parser.add_argument("source")
    cp_parser.add_argument("destination")
    cp_parser.set_defaults(func=cp)


def _command(command: str, width: int = 20) -> str:
    """As docker ps shows it: cut to ``width`` with an ellipsis, then quoted (Go's
    strconv.Quote keeps printable non-ASCII as it is)."""
    shown = command if len(command) <= width else command[: width - 1] + "…"
    return json.dumps(shown, ensure_ascii=False)


async def ps(docker: Client, args: argparse.Namespace) -> None:
    found = await docker.containers.list(
        all=args.all, limit=args.last, size=args.size, filters=filters_from(args.filter)
    )
    if args.quiet and not args.json:
        for container in found:
            print(short(container.id))
        return
    rows = [["CONTAINER ID", "IMAGE", "COMMAND", "STATUS", "NAMES"] + (["SIZE"] if args.size else [])]
    for c in found:
        row = [short(c.id), c.image or "", _command(c.command or ""), c.status or "", c.name or ""]
        if args.size:
            row.append(f"{_bytes(c.size_rw or 0)} (virtual {_bytes(c.size_root_fs or 0)})")
        rows.append(row)
    emit(args, found, table(rows))


async def wait(docker: Client, args: argparse.Namespace) -> int:
    """Like docker wait: a container that cannot be waited for is told and skipped; exit 1."""
    results = []
    failed = False
    for container in args.containers:
        try:
            result = await docker.containers.wait(container, condition=args.condition)
        except EngineError as exc:
            error(str(exc))
            failed = True
            continue
        results.append({"id": container, "status_code": result.status_code, "error": result.error})
        if not args.json:
            print(result.status_code, flush=True)
            if result.error:
                warn(f"{container}: {result.error}")
    if args.json:
        emit(args, results)
    return 1 if failed else 0


async def _each(args: argparse.Namespace, action: Any) -> int:
    """Apply ``action`` to every container named; like docker, go on after a failure."""
    failed = 0
    for container in args.containers:
        try:
            await action(container)
        except EngineError as exc:
            error(str(exc))
            failed += 1
        else:
            emit(args, {"id": container}, container)
    return 1 if failed else 0


async def kill(docker: Client, args: argparse.Namespace) -> int:
    return await _each(args, lambda c: docker.containers.kill(c, signal=args.signal))


async def restart(docker: Client, args: argparse.Namespace) -> int:
    return await _each(args, lambda c: docker.containers.restart(c, t=args.t, signal=args.signal))


async def pause(docker: Client, args: argparse.Namespace) -> int:
    return await _each(args, docker.containers.pause)


async def unpause(docker: Client, args: argparse.Namespace) -> int:
    return await _each(args, docker.containers.unpause)


async def rename(docker: Client, args: argparse.Namespace) -> None:
    await docker.containers.rename(args.container, args.new_name)
    emit(args, {"id": args.container, "name": args.new_name}, args.new_name)


async def top(docker: Client, args: argparse.Namespace) -> None:
    result = await docker.containers.top(args.container, ps_args=" ".join(args.ps_args) or None)
    rows = [list(result.titles), *(list(process) for process in result.processes)]
    emit(args, result, table(rows))


def _bytes(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.4g}{unit}" if unit != "B" else f"{int(size)}B"
        size /= 1024
    return f"{size}B"


def _usage(container: str, sample: ContainerStats) -> dict[str, Any]:
    received, sent = network_io(sample)
    read, written = block_io(sample)
    return {
        "id": sample.id or container,
        "name": (sample.name or "").lstrip("/") or container,
        "cpu_percent": round(cpu_percent(sample), 2),
        "memory_usage": memory_usage(sample),
        "memory_limit": sample.memory.limit,
        "memory_percent": round(memory_percent(sample), 2),
        "network_rx": received,
        "network_tx": sent,
        "block_read": read,
        "block_write": written,
        "pids": sample.pids,
    }


_STATS_TITLES = ["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"]


def _stats_row(usage: dict[str, Any]) -> list[str]:
    return [
        short(usage["id"]), usage["name"], f"{usage['cpu_percent']:.2f}%",
        f"{_bytes(usage['memory_usage'])} / {_bytes(usage['memory_limit'])}",
        f"{usage['memory_percent']:.2f}%",
        f"{_bytes(usage['network_rx'])} / {_bytes(usage['network_tx'])}",
        f"{_bytes(usage['block_read'])} / {_bytes(usage['block_write'])}",
        str(usage["pids"] if usage["pids"] is not None else "-"),
    ]


async def stats(docker: Client, args: argparse.Namespace) -> None:
    containers = args.containers or [c.id for c in await docker.containers.list()]
    if args.no_stream:
        usages: dict[str, dict[str, Any]] = {}

        async def sample(container: str) -> None:
            usages[container] = _usage(container, await docker.containers.stats(container))

        async with anyio.create_task_group() as group:
            for container in containers:
                group.start_soon(sample, container)
        ordered = [usages[c] for c in containers]
        emit(args, ordered, table([_STATS_TITLES, *(_stats_row(u) for u in ordered)]))
        return
    header = "   ".join(_STATS_TITLES)
    header_due = not args.json  # shown with the first row, so that an error comes alone

    def show(line: str) -> None:
        nonlocal header_due
        if header_due:
            print(header, flush=True)
            header_due = False
        print(line, flush=True)

    async def follow(container: str) -> None:
        async with docker.containers.stats_stream(container) as samples:
            async for one in samples:
                usage = _usage(container, one)
                show(json.dumps(usage, sort_keys=True) if args.json else "   ".join(_stats_row(usage)))

    async with anyio.create_task_group() as group:
        for container in containers:
            group.start_soon(follow, container)
    if header_due:  # nothing to follow: an empty table, as docker shows it
        print(header, flush=True)


def _missing(path: str) -> OSError:
    return FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)


def _onto_a_file(directory: str, file: str) -> OSError:
    """Like docker cp, a directory is not copied onto an existing file."""
    return NotADirectoryError(errno.ENOTDIR, f"is a file: cannot copy the directory {directory} onto it", file)


def _not_a_directory(path: str, exists: bool) -> OSError:
    """Like docker cp, a destination ending in ``/`` must be a directory (one copied out may be
    created, but not for a file)."""
    if exists:
        return NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), path)
    return FileNotFoundError(errno.ENOENT, "no such directory", path)


def _container_side(argument: str) -> tuple[str, str] | None:
    """``CONTAINER:PATH`` as (container, path); None for a host path (as docker cp decides)."""
    if argument.startswith(("/", ".")) or ":" not in argument:
        return None
    container, _, path = argument.partition(":")
    return (container, path or "/") if container else None


async def cp(docker: Client, args: argparse.Namespace) -> None:
    source, destination = _container_side(args.source), _container_side(args.destination)
    if (source is None) == (destination is None):
        raise InvalidArgument("cp copies between a container and the host: give exactly one CONTAINER:PATH")
    if source is not None:
        await _copy_out(docker, *source, args.destination)
    else:
        assert destination is not None
        await _copy_in(docker, args.source, *destination)


async def _copy_out(docker: Client, container: str, path: str, host_path: str) -> None:
    async with docker.containers.get_archive(container, path) as archive:
        if host_path == "-":
            out = sys.stdout.buffer
            async for chunk in archive:
                out.write(chunk)
            out.flush()
            return
        target = anyio.Path(host_path)
        if await target.is_dir():
            await extract_archive(archive, target)
            return
        if host_path.endswith(os.sep) and (await target.exists() or not archive.stat.mode.is_dir):
            raise _not_a_directory(host_path, await target.exists())
        if archive.stat.mode.is_dir and await target.exists():
            raise _onto_a_file(path, host_path)
        parent = target.parent
        if not await parent.is_dir():
            raise _missing(str(parent))
        await extract_archive(archive, parent, rebase=(archive.stat.name, target.name))


async def _copy_in(docker: Client, host_path: str, container: str, path: str) -> None:
    if host_path == "-":
        await docker.containers.put_archive(container, path, sys.stdin.buffer)
        return
    source = anyio.Path(host_path)
    if not await source.exists():
        raise _missing(host_path)
    try:  # the daemon fails (500) to stat "file/"
        existing = await docker.containers.archive_stat(container, path.rstrip("/") or "/")
    except NotFound:
        existing = None
    if path.endswith("/") and not (existing is not None and existing.mode.is_dir):
        raise _not_a_directory(f"{container}:{path}", exists=False)
    if existing is not None and existing.mode.is_dir:
        directory, name = path, source.name
    elif existing is not None and await source.is_dir():
        raise _onto_a_file(host_path, f"{container}:{path}")
    else:
        stripped = path.rstrip("/") or "/"
        directory, name = posixpath.dirname(stripped) or "/", posixpath.basename(stripped)
    with await pack_path(source, arcname=name) as packed:
        await docker.containers.put_archive(container, directory, packed)
