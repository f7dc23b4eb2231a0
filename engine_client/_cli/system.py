"""``ping``, ``version``, ``info``, ``system df`` and ``events``."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from .._api.system import Event, Timestamp
from .._client import Client
from ._common import Subcommands, emit, filters_from, key_value, plain


def register(commands: Subcommands) -> None:
    commands.add_parser("ping", help="check that the daemon answers").set_defaults(func=ping)
    commands.add_parser("version", help="show the daemon's version").set_defaults(func=version)
    commands.add_parser("info", help="show system-wide information").set_defaults(func=info)

    system_parser = commands.add_parser("system", help="the daemon as a whole")
    system_commands = system_parser.add_subparsers(dest="system_command", metavar="COMMAND", required=True)
    df_parser = system_commands.add_parser("df", help="show disk usage")
    df_parser.add_argument(
        "--type", action="append", dest="types", metavar="TYPE",
        help="container, image, volume or build-cache (repeatable; default all)",
    )
    df_parser.set_defaults(func=df)

    events_parser = commands.add_parser("events", help="print the daemon's events as they happen")
    events_parser.add_argument("--since", type=parse_time, help=_TIME_HELP)
    events_parser.add_argument("--until", type=parse_time, help=_TIME_HELP + "; ends the stream")
    events_parser.add_argument(
        "--filter", "-f", action="append", type=key_value, metavar="KEY=VALUE",
        help="type, event, container, image, label, network, volume, ... (repeatable)",
    )
    events_parser.set_defaults(func=events)


_TIME_HELP = "Unix seconds, an RFC 3339 time, or a duration ago such as 10m or 1h30m"
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def parse_time(text: str) -> Timestamp:
    """``--since``/``--until`` as the docker CLI reads them: Unix seconds (``1700000000.5``),
    RFC 3339 (``2024-05-01T12:00:00Z``) or a Go-style duration meaning "that long ago"."""
    value = text.strip()
    if re.fullmatch(r"\d+", value):
        return int(value)
    if re.fullmatch(r"\d+\.\d+", value):
        return float(value)
    parts = _DURATION.findall(value)
    if parts and "".join(number + unit for number, unit in parts) == value:
        return timedelta(seconds=sum(float(number) * _UNITS[unit] for number, unit in parts))
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid time {text!r}: {_TIME_HELP}") from None


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


async def info(docker: Client, args: argparse.Namespace) -> None:
    result = await docker.system.info()
    lines = [
        f"Name:           {result.name}",
        f"Server version: {result.server_version}",
        f"OS:             {result.operating_system} ({result.os_type}/{result.architecture})",
        f"Kernel:         {result.kernel_version}",
        f"CPUs / memory:  {result.ncpu} / {_size(result.mem_total or 0)}",
        (
            f"Containers:     {result.containers} (running {result.containers_running}, "
            f"paused {result.containers_paused}, stopped {result.containers_stopped})"
        ),
        f"Images:         {result.images}",
        f"Storage driver: {result.driver}",
        f"Logging driver: {result.logging_driver}",
        f"Cgroup:         {result.cgroup_driver} (v{result.cgroup_version})",
        f"Root dir:       {result.docker_root_dir}",
        f"Swarm:          {result.swarm_state}",
        *(f"WARNING: {warning}" for warning in result.warnings),
    ]
    emit(args, result, "\n".join(lines))


def _size(count: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(count) < 1000 or unit == "TB":
            return f"{count:.0f}{unit}" if unit == "B" else f"{count:.2f}{unit}"
        count /= 1000
    return f"{count}B"  # pragma: no cover


def _total(items: Iterable[Mapping[str, Any]], *keys: str) -> int:
    total = 0
    for item in items:
        value: Any = item
        for key in keys:
            value = value.get(key) if isinstance(value, Mapping) else None
        if isinstance(value, int) and value > 0:
            total += value
    return total


async def df(docker: Client, args: argparse.Namespace) -> None:
    usage = await docker.system.df(args.types)
    rows = [("TYPE", "TOTAL", "ACTIVE", "SIZE")]
    if usage.images is not None:
        active = sum(1 for image in usage.images if (image.get("Containers") or 0) > 0)
        rows.append(("Images", str(len(usage.images)), str(active), _size(_total(usage.images, "Size"))))
    if usage.containers is not None:
        running = sum(1 for c in usage.containers if c.get("State") == "running")
        size = _total(usage.containers, "SizeRw")
        rows.append(("Containers", str(len(usage.containers)), str(running), _size(size)))
    if usage.volumes is not None:
        used = sum(1 for v in usage.volumes if _total([v], "UsageData", "RefCount") > 0)
        size = _total(usage.volumes, "UsageData", "Size")
        rows.append(("Local Volumes", str(len(usage.volumes)), str(used), _size(size)))
    if usage.build_cache is not None:
        in_use = sum(1 for record in usage.build_cache if record.get("InUse"))
        size = _total(usage.build_cache, "Size")
        rows.append(("Build Cache", str(len(usage.build_cache)), str(in_use), _size(size)))
    text = "\n".join(f"{a:<15} {b:>7} {c:>7} {d:>10}" for a, b, c, d in rows)
    emit(args, usage, text)


def event_line(event: Event) -> str:
    """One event as the docker CLI prints it: time with nanoseconds, type, action, actor."""
    seconds, nanos = divmod(event.time_nano or event.time * 1_000_000_000, 1_000_000_000)
    when = datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    attributes = ", ".join(f"{key}={value}" for key, value in sorted(event.actor.attributes.items()))
    line = " ".join(filter(None, (f"{when}.{nanos:09d}Z", event.type, event.action, event.actor.id)))
    return f"{line} ({attributes})" if attributes else line


async def events(docker: Client, args: argparse.Namespace) -> None:
    filters = filters_from(args.filter)
    async with docker.system.events(since=args.since, until=args.until, filters=filters) as stream:
        async for event in stream:
            text = json.dumps(plain(event), sort_keys=True) if args.json else event_line(event)
            print(text, flush=True)
