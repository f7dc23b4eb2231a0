"""What every subcommand shares: the client, output, and timing."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import fields, is_dataclass
from typing import Any, TypeAlias

from .._client import Client
from .._models import Model

Command = Callable[[Client, argparse.Namespace], Awaitable["int | None"]]
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


@asynccontextmanager
async def open_client(args: argparse.Namespace) -> AsyncIterator[Client]:
    async with Client.from_env(
        host=args.host,
        context=getattr(args, "context", None),
        api_version=args.api_version,
        transport=getattr(args, "transport", None),
    ) as docker:
        yield docker


def plain(value: Any) -> Any:
    """A model (or anything holding models) as JSON-ready data; ``raw`` is left out."""
    if isinstance(value, Model) or is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value) if f.name != "raw"}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def emit(args: argparse.Namespace, data: Any, text: str | None = None) -> None:
    """``data`` as one JSON document with ``--json``; otherwise ``text`` (or the data).

    An empty ``text`` (nothing listed, nothing pruned) prints nothing, not an empty line.
    """
    if args.json or text is None:
        print(json.dumps(plain(data), indent=None if args.json else 2, sort_keys=True))
    elif text:
        print(text)


def table(rows: list[list[str]]) -> str:
    """Left-aligned columns three spaces apart, as the docker CLI's tabwriter lays them out."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "   ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def short(container_id: str) -> str:
    return container_id[:12]


class Stopwatch:
    def __init__(self) -> None:
        self._start = time.perf_counter()

    def ms(self) -> float:
        return (time.perf_counter() - self._start) * 1000


def warn(message: str) -> None:
    print(message, file=sys.stderr)


def error(message: str) -> None:
    """An error, as every command tells it: one line on stderr."""
    warn(f"engine-client: error: {message}")


def warning(message: str) -> None:
    """A warning (ours or the daemon's), as every command tells it: one line on stderr."""
    warn(f"engine-client: warning: {message}")


def key_value(text: str) -> tuple[str, str]:
    """An argparse type for ``KEY=VALUE`` options (``--label``, ``--opt``, ``--filter``)."""
    key, sep, value = text.partition("=")
    if not key or not sep:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def env_variable(text: str) -> tuple[str, str | None]:
    """An argparse type for ``-e``: ``KEY=VALUE``, or ``KEY`` alone for our own value of KEY
    (``None`` when we have none: docker then leaves the variable out)."""
    key, sep, value = text.partition("=")
    if not key:
        raise argparse.ArgumentTypeError(f"invalid environment variable {text!r}")
    return key, value if sep else os.environ.get(key)


def environment(variables: list[tuple[str, str | None]]) -> dict[str, str] | None:
    """Repeated ``-e`` options as the container's environment; unset ones are left out."""
    return {key: value for key, value in variables if value is not None} or None


def filters_from(pairs: list[tuple[str, str]] | None) -> dict[str, list[str]] | None:
    """Repeated ``--filter KEY=VALUE`` options as a filters mapping (values of a key ORed)."""
    filters: dict[str, list[str]] = {}
    for key, value in pairs or ():
        filters.setdefault(key, []).append(value)
    return filters or None
