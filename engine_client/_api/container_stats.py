"""Container stats (``GET /containers/{id}/stats``) and the docker CLI's arithmetic on them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._models import Model, api, frozen_map, nested

__all__ = [
    "CPUStats",
    "ContainerStats",
    "MemoryStats",
    "block_io",
    "cpu_percent",
    "memory_percent",
    "memory_usage",
    "network_io",
]


def _counters(value: Mapping[str, Any]) -> Mapping[str, int]:
    return frozen_map({str(k): v for k, v in value.items() if isinstance(v, int)})


def _ints(value: Any) -> tuple[int, ...]:
    return tuple(int(item) for item in value or ())


@dataclass(frozen=True, slots=True, kw_only=True)
class CPUStats(Model):
    """``cpu_stats`` / ``precpu_stats``: cumulative nanoseconds of CPU time."""

    total_usage: int = api("cpu_usage.total_usage", default=0)
    percpu_usage: tuple[int, ...] = api("cpu_usage.percpu_usage", _ints, ())
    system_cpu_usage: int = api("system_cpu_usage", default=0)
    online_cpus: int = api("online_cpus", default=0)


@dataclass(frozen=True, slots=True, kw_only=True)
class MemoryStats(Model):
    """``memory_stats``: bytes; ``stats`` is the cgroup's ``memory.stat`` (v1 or v2 keys)."""

    usage: int = api("usage", default=0)
    max_usage: int | None = api("max_usage")  # cgroup v1 only
    limit: int = api("limit", default=0)
    stats: Mapping[str, int] = api("stats", _counters, frozen_map({}))


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerStats(Model):
    """One stats sample.  ``name`` and ``id`` are absent from one-shot samples of newer daemons."""

    read: str | None = api("read")
    preread: str | None = api("preread")
    name: str | None = api("name")
    id: str | None = api("id")
    pids: int | None = api("pids_stats.current")
    cpu: CPUStats = api("cpu_stats", nested(CPUStats), CPUStats())
    precpu: CPUStats = api("precpu_stats", nested(CPUStats), CPUStats())
    memory: MemoryStats = api("memory_stats", nested(MemoryStats), MemoryStats())
    networks: Mapping[str, Any] = api("networks", frozen_map, frozen_map({}))
    blkio: Mapping[str, Any] = api("blkio_stats", frozen_map, frozen_map({}))


def cpu_percent(stats: ContainerStats) -> float:
    """CPU use since the previous sample, where 100 % is one full CPU (as ``docker stats``).

    0.0 when there is no previous sample (the first of a stream, or a one-shot sample).
    """
    cpu_delta = stats.cpu.total_usage - stats.precpu.total_usage
    system_delta = stats.cpu.system_cpu_usage - stats.precpu.system_cpu_usage
    cpus = stats.cpu.online_cpus or len(stats.cpu.percpu_usage)
    if cpu_delta <= 0 or system_delta <= 0:
        return 0.0
    return cpu_delta / system_delta * cpus * 100.0


def memory_usage(stats: ContainerStats) -> int:
    """Bytes in use without the reclaimable page cache, as ``docker stats`` shows it.

    The cache subtracted is ``total_inactive_file`` on cgroup v1 and ``inactive_file`` on
    cgroup v2 (the docker CLI before 20.10 subtracted v1's ``cache``, which overstates it).
    """
    memory = stats.memory
    for key in ("total_inactive_file", "inactive_file"):
        cache = memory.stats.get(key)
        if cache is not None and cache < memory.usage:
            return memory.usage - cache
    return memory.usage


def memory_percent(stats: ContainerStats) -> float:
    """:func:`memory_usage` as a percentage of the limit (0.0 when there is none)."""
    limit = stats.memory.limit
    return memory_usage(stats) / limit * 100.0 if limit else 0.0


def network_io(stats: ContainerStats) -> tuple[int, int]:
    """Bytes received and sent, summed over the container's interfaces."""
    received = sent = 0
    for interface in stats.networks.values():
        if isinstance(interface, Mapping):
            received += int(interface.get("rx_bytes") or 0)
            sent += int(interface.get("tx_bytes") or 0)
    return received, sent


def block_io(stats: ContainerStats) -> tuple[int, int]:
    """Bytes read and written on block devices (``io_service_bytes_recursive``)."""
    read = written = 0
    for entry in stats.blkio.get("io_service_bytes_recursive") or ():
        if not isinstance(entry, Mapping):
            continue
        operation = str(entry.get("op", "")).lower()
        if operation == "read":
            read += int(entry.get("value") or 0)
        elif operation == "write":
            written += int(entry.get("value") or 0)
    return read, written
