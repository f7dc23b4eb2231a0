# ruff: noqa: T201  (a command-line tool: it prints its report)
"""engine_client side by side with a raw-socket floor, aiodocker, docker-py and the docker CLI.

Every contender runs in the same run, alternating (A B C A B C ...), each measurement repeated;
the table shows medians, min-max and the ratio to the raw floor (a minimal HTTP/1.1 client over
an asyncio Unix socket, below).  Run it as ``scripts/bench [--quick] [--json] [--host URL]``.

Containers are created from engine-client-test/busybox:latest (``scripts/test-env up`` imports
it), labelled ``engine-client-bench`` and removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import importlib.util
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

IMAGE = "engine-client-test/busybox:latest"
LABEL = "engine-client-bench"
RUN_ID = uuid.uuid4().hex[:10]
LINE = "0123456789abcdef" * 256  # a 4 KiB log line, newline included
NEWEST_API = "1.51"


# -- the floor: a minimal HTTP/1.1 client over an asyncio Unix socket -----------------------


class RawConnection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def head(self) -> tuple[int, dict[bytes, bytes]]:
        lines = (await self.reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
        headers = {}
        for line in lines[1:-2]:
            name, _, value = line.partition(b":")
            headers[name.lower()] = value.strip()
        return int(lines[0][9:12]), headers

    async def chunks(self, method: str, status: int, headers: dict[bytes, bytes]):  # type: ignore[no-untyped-def]
        if method == "HEAD" or status in (204, 304):
            return
        if headers.get(b"transfer-encoding") == b"chunked":
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                yield await self.reader.readexactly(size)
                await self.reader.readexactly(2)
            await self.reader.readexactly(2)
        elif b"content-length" in headers:
            remaining = int(headers[b"content-length"])
            while remaining:
                chunk = await self.reader.read(min(remaining, 262144))
                remaining -= len(chunk)
                yield chunk
        else:
            while chunk := await self.reader.read(262144):
                yield chunk


class RawClient:
    """Keep-alive connections, one request at a time each; JSON in, JSON out."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.idle: list[RawConnection] = []
        self.prefix = ""

    async def connect(self) -> RawConnection:
        return RawConnection(*await asyncio.open_unix_connection(self.path))

    async def start(self) -> None:
        _, headers = await self.call("HEAD", "/_ping", versioned=False)
        version = headers[b"api-version"].decode()
        self.prefix = "/v" + min(version, NEWEST_API, key=lambda v: tuple(map(int, v.split("."))))

    def encode(self, method: str, path: str, body: Any, versioned: bool) -> bytes:
        data = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {self.prefix if versioned else ''}{path} HTTP/1.1\r\nHost: docker\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
        return head.encode() + b"\r\n" + data

    async def call(
        self, method: str, path: str, body: Any = None, versioned: bool = True
    ) -> tuple[Any, dict[bytes, bytes]]:
        request = self.encode(method, path, body, versioned)
        if self.idle:
            connection = self.idle.pop()
            try:
                connection.writer.write(request)
                status, headers = await connection.head()
            except (OSError, asyncio.IncompleteReadError):
                connection.writer.close()  # the daemon closed it while idle: a fresh one
                connection = await self.connect()
                connection.writer.write(request)
                status, headers = await connection.head()
        else:
            connection = await self.connect()
            connection.writer.write(request)
            status, headers = await connection.head()
        data = b"".join([chunk async for chunk in connection.chunks(method, status, headers)])
        self.idle.append(connection)
        if status >= 300:
            raise RuntimeError(f"{method} {path}: {status} {data[:200]!r}")
        return (json.loads(data) if data.startswith((b"{", b"[")) else data), headers

    async def stream(self, method: str, path: str):  # type: ignore[no-untyped-def]
        """Body chunks of a response read as it arrives, on a connection of its own."""
        connection = await self.connect()
        connection.writer.write(self.encode(method, path, None, True))
        status, headers = await connection.head()
        try:
            async for chunk in connection.chunks(method, status, headers):
                yield chunk
        finally:
            connection.writer.close()

    async def close(self) -> None:
        for connection in self.idle:
            connection.writer.close()


def demux_size(chunks_buffer: bytearray, chunk: bytes) -> int:
    """Payload bytes of the whole frames in ``buffer + chunk`` (the rest stays buffered)."""
    chunks_buffer += chunk
    payload, position, end = 0, 0, len(chunks_buffer)
    while end - position >= 8:
        size = int.from_bytes(chunks_buffer[position + 4 : position + 8], "big")
        if end - position - 8 < size:
            break
        payload += size
        position += 8 + size
    del chunks_buffer[:position]
    return payload


# -- contenders ---------------------------------------------------------------------------


def create_body(command: list[str], labels: dict[str, str]) -> dict[str, Any]:
    return {"Image": IMAGE, "Cmd": command, "Labels": labels}


LIFE_LABELS = {LABEL: RUN_ID, f"{LABEL}.kind": "lifecycle"}
LIST_FILTER = {"label": [f"{LABEL}={RUN_ID}", f"{LABEL}.kind=list"]}


class Raw:
    name = "raw"
    loop = "asyncio"

    def __init__(self, host: str) -> None:
        self.client = RawClient(host.removeprefix("unix://"))

    async def setup(self) -> None:
        await self.client.start()

    async def close(self) -> None:
        await self.client.close()

    async def ping(self) -> None:
        await self.client.call("HEAD", "/_ping", versioned=False)

    async def inspect(self, container: str) -> Any:
        return (await self.client.call("GET", f"/containers/{container}/json"))[0]

    async def list(self) -> Any:
        query = urlencode({"all": "1", "filters": json.dumps(LIST_FILTER)})
        return (await self.client.call("GET", f"/containers/json?{query}"))[0]

    async def lifecycle(self) -> None:
        created, _ = await self.client.call(
            "POST", "/containers/create", create_body(["sleep", "60"], LIFE_LABELS)
        )
        path = f"/containers/{created['Id']}"
        await self.client.call("POST", f"{path}/start")
        await self.client.call("POST", f"{path}/kill")
        await self.client.call("DELETE", f"{path}?force=1")

    async def logs(self, container: str) -> int:
        buffer, total = bytearray(), 0
        async for chunk in self.client.stream(
            "GET", f"/containers/{container}/logs?stdout=1&stderr=1"
        ):
            total += demux_size(buffer, chunk)
        return total

    async def attach(self, container: str) -> int:
        connection = await self.client.connect()
        path = f"/containers/{container}/attach?stream=1&stdout=1&stderr=1"
        request = self.client.encode("POST", path, None, True)[:-2]
        connection.writer.write(request + b"Upgrade: tcp\r\nConnection: Upgrade\r\n\r\n")
        status, _ = await connection.head()
        assert status == 101, status
        await self.client.call("POST", f"/containers/{container}/start")
        buffer, total = bytearray(), 0
        while chunk := await connection.reader.read(262144):
            total += demux_size(buffer, chunk)
        connection.writer.close()
        return total

    async def event_latency(self, container: str, count: int) -> list[float]:
        filters = json.dumps({"container": [container], "event": ["kill"]})
        events = self.client.stream("GET", f"/events?{urlencode({'filters': filters})}")
        latencies = []
        pending = b""
        task = asyncio.ensure_future(events.__anext__())
        for _ in range(count):
            started = time.perf_counter()
            await self.client.call("POST", f"/containers/{container}/kill?signal=SIGWINCH")
            while b"\n" not in pending:
                pending += await task
                task = asyncio.ensure_future(events.__anext__())
            line, _, pending = pending.partition(b"\n")
            json.loads(line)
            latencies.append(time.perf_counter() - started)
        task.cancel()
        await events.aclose()
        return latencies


class EngineClient:
    name = "engine_client"
    loop = "asyncio"

    def __init__(self, host: str) -> None:
        self.host = host

    async def setup(self) -> None:
        import engine_client

        self.client = engine_client.Client.from_env(host=self.host)
        await self.client.api_version()

    async def close(self) -> None:
        await self.client.aclose()

    async def ping(self) -> None:
        await self.client.system.ping()

    async def inspect(self, container: str) -> Any:
        return await self.client.containers.inspect(container)

    async def list(self) -> Any:
        return await self.client.containers.list(all=True, filters=LIST_FILTER)

    async def lifecycle(self) -> None:
        containers = self.client.containers
        created = await containers.create(IMAGE, ["sleep", "60"], labels=LIFE_LABELS)
        await containers.start(created.id)
        await containers.kill(created.id)
        await containers.remove(created.id, force=True)

    async def logs(self, container: str) -> int:
        total = 0
        async with self.client.containers.stream_logs(container, follow=False) as frames:
            async for frame in frames:
                total += len(frame.data)
        return total

    async def attach(self, container: str) -> int:
        total = 0
        async with self.client.containers.attach(container) as attached:
            await self.client.containers.start(container)
            async for frame in attached:
                total += len(frame.data)
        return total

    async def event_latency(self, container: str, count: int) -> list[float]:
        import anyio

        latencies: list[float] = []
        filters = {"container": [container], "event": ["kill"]}
        async with (
            self.client.system.events(filters=filters) as events,
            anyio.create_task_group() as tasks,
        ):
            arrived = anyio.Event()

            async def receive() -> None:
                async for _ in events:
                    arrived.set()

            tasks.start_soon(receive)
            for _ in range(count):
                arrived = anyio.Event()
                started = time.perf_counter()
                await self.client.containers.kill(container, signal="SIGWINCH")
                await arrived.wait()
                latencies.append(time.perf_counter() - started)
            tasks.cancel_scope.cancel()
        return latencies


class EngineClientTrio(EngineClient):
    name = "engine_client[trio]"
    loop = "trio"


class AioDocker:
    name = "aiodocker"
    loop = "asyncio"

    def __init__(self, host: str) -> None:
        self.host = host

    async def setup(self) -> None:
        import aiodocker

        self.docker = aiodocker.Docker(url=self.host)
        await self.docker.version()

    async def close(self) -> None:
        await self.docker.close()

    async def ping(self) -> None:
        # aiodocker has no ping: its own query helper, as its API calls use it.
        async with self.docker._query("_ping", versioned_api=False) as response:
            await response.read()

    async def inspect(self, container: str) -> Any:
        return await self.docker.containers.get(container)

    async def list(self) -> Any:
        return await self.docker.containers.list(all=True, filters=json.dumps(LIST_FILTER))

    async def lifecycle(self) -> None:
        container = await self.docker.containers.create(
            config=create_body(["sleep", "60"], LIFE_LABELS)
        )
        await container.start()
        await container.kill()
        await container.delete(force=True)

    async def logs(self, container: str) -> int:
        total = 0
        handle = self.docker.containers.container(container)
        async for line in handle.log(stdout=True, stderr=True, follow=True):
            total += len(line.encode())
        return total


class DockerPy:
    name = "docker-py"
    loop = "sync"

    def __init__(self, host: str) -> None:
        self.host = host

    def setup(self) -> None:
        import docker

        self.api = docker.APIClient(base_url=self.host, version="auto")

    def close(self) -> None:
        self.api.close()

    def ping(self) -> None:
        self.api.ping()

    def inspect(self, container: str) -> Any:
        return self.api.inspect_container(container)

    def list(self) -> Any:
        return self.api.containers(all=True, filters=LIST_FILTER)

    def lifecycle(self) -> None:
        created = self.api.create_container(IMAGE, ["sleep", "60"], labels=LIFE_LABELS)
        self.api.start(created["Id"])
        self.api.kill(created["Id"])
        self.api.remove_container(created["Id"], force=True)

    def logs(self, container: str) -> int:
        total = 0
        for payload in self.api.logs(container, stream=True, follow=False):
            total += len(payload)
        return total


class DockerCLI:
    name = "docker CLI"
    loop = "sync"

    def __init__(self, host: str) -> None:
        self.command = [shutil.which("docker") or "docker", "--host", host]

    def setup(self) -> None:
        pass

    def close(self) -> None:
        pass

    def _run(self, *args: str) -> str:
        return subprocess.run(
            [*self.command, *args], check=True, capture_output=True, text=True
        ).stdout.strip()

    def lifecycle(self) -> None:
        labels = [f"--label={key}={value}" for key, value in LIFE_LABELS.items()]
        container = self._run("create", *labels, IMAGE, "sleep", "60")
        self._run("start", container)
        self._run("kill", container)
        self._run("rm", "-f", container)


# -- event loops: one per contender, driven from the main thread -----------------------------


class AsyncioLoop:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def run(self, function: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        return self.loop.run_until_complete(function(*args))

    def close(self) -> None:
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()


class TrioLoop:
    """trio runs in a thread of its own; each measurement is handed over whole."""

    def __init__(self) -> None:
        import trio

        self.trio = trio
        ready = threading.Event()

        async def main() -> None:
            self.token = trio.lowlevel.current_trio_token()
            self.stop = trio.Event()
            ready.set()
            await self.stop.wait()

        self.thread = threading.Thread(target=trio.run, args=(main,), daemon=True)
        self.thread.start()
        ready.wait()

    def run(self, function: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        return self.trio.from_thread.run(function, *args, trio_token=self.token)

    def close(self) -> None:
        self.trio.from_thread.run_sync(self.stop.set, trio_token=self.token)
        self.thread.join()


class SyncLoop:
    def run(self, function: Callable[..., Any], *args: Any) -> Any:
        return function(*args)

    def close(self) -> None:
        pass


LOOPS = {"asyncio": AsyncioLoop, "trio": TrioLoop, "sync": SyncLoop}


@dataclass
class Seat:
    """A contender with its own event loop."""

    contender: Any
    loop: Any

    def run(self, method: str, *args: Any) -> Any:
        return self.loop.run(getattr(self.contender, method), *args)


# -- measurements -------------------------------------------------------------------------


@dataclass
class Result:
    benchmark: str
    contender: str
    unit: str
    values: list[float] = field(default_factory=list)
    higher_is_better: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.values)


async def _timed_calls(function: Callable[..., Awaitable[Any]], count: int, *args: Any) -> float:
    started = time.perf_counter()
    for _ in range(count):
        await function(*args)
    return time.perf_counter() - started


def _timed_sync(function: Callable[..., Any], count: int, *args: Any) -> float:
    started = time.perf_counter()
    for _ in range(count):
        function(*args)
    return time.perf_counter() - started


def timed(seat: Seat, method: str, count: int, *args: Any) -> float:
    function = getattr(seat.contender, method)
    if seat.contender.loop == "sync":
        return _timed_sync(function, count, *args)
    return seat.loop.run(_timed_calls, function, count, *args)


async def _concurrent(function: Callable[[], Awaitable[None]], count: int, width: int) -> float:
    import anyio

    started = time.perf_counter()
    limiter = anyio.Semaphore(width)

    async def one() -> None:
        async with limiter:
            await function()

    async with anyio.create_task_group() as tasks:
        for _ in range(count):
            tasks.start_soon(one)
    return time.perf_counter() - started


def concurrent(seat: Seat, count: int, width: int) -> float:
    function = seat.contender.lifecycle
    if seat.contender.loop == "sync":
        from concurrent.futures import ThreadPoolExecutor

        started = time.perf_counter()
        with ThreadPoolExecutor(width) as pool:
            list(pool.map(lambda _: function(), range(count)))
        return time.perf_counter() - started
    return seat.loop.run(_concurrent, function, count, width)


def alternate(
    seats: list[Seat],
    rounds: int,
    benchmark: str,
    unit: str,
    measure: Callable[[Seat], float],
    warmup: Callable[[Seat], Any] | None = None,
) -> list[Result]:
    results = [Result(benchmark, seat.contender.name, unit) for seat in seats]
    if warmup is not None:
        for seat in seats:
            warmup(seat)
    for _ in range(rounds):
        for seat, result in zip(seats, results, strict=True):
            result.values.append(measure(seat))
    return results


def child(argv: list[str]) -> dict[str, Any]:
    """Run a measurement in a fresh process (for peak RSS); its last line is JSON."""
    output = subprocess.run(
        [sys.executable, __file__, "--child", *argv], check=True, capture_output=True, text=True
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def max_rss_mb() -> float:
    """This process's peak RSS (VmHWM: ru_maxrss would include the forking parent's)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


CONTENDERS = {
    cls.name: cls for cls in (Raw, EngineClient, EngineClientTrio, AioDocker, DockerPy, DockerCLI)
}


def run_child(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what")
    parser.add_argument("--contender")
    parser.add_argument("--host")
    parser.add_argument("--container")
    parser.add_argument("--count", type=int, default=0)
    args = parser.parse_args(argv)
    report: dict[str, Any] = {}
    if args.what == "import":
        started = time.perf_counter()
        __import__(args.contender)
        report["seconds"] = time.perf_counter() - started
    elif args.what in ("ping-rss", "logs", "attach"):
        contender = CONTENDERS[args.contender](args.host)
        loop = LOOPS[contender.loop]()
        seat = Seat(contender, loop)
        seat.run("setup")
        if args.what == "ping-rss":
            seat.run("ping")
        else:
            started = time.perf_counter()
            report["bytes"] = seat.run(args.what, args.container)
            report["seconds"] = time.perf_counter() - started
        seat.run("close")
        loop.close()
        report["max_rss_mb"] = max_rss_mb()
    elif args.what == "pings-rss":
        contender = CONTENDERS[args.contender](args.host)
        loop = LOOPS[contender.loop]()
        seat = Seat(contender, loop)
        seat.run("setup")
        timed(seat, "ping", 1000)
        report["rss_before_mb"] = rss_mb()
        report["seconds"] = timed(seat, "ping", args.count)
        report["rss_after_mb"] = rss_mb()
        seat.run("close")
        loop.close()
    print(json.dumps(report))


# -- the benchmark run ----------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.host = args.host
        self.quick = args.quick
        self.rounds = 3 if self.quick else args.rounds
        # lifecycles and streams take seconds per measurement: fewer rounds
        self.heavy_rounds = 1 if self.quick else max(2, args.rounds // 2)
        self.results: list[Result] = []
        self.notes: list[str] = []
        self.admin = Seat(Raw(self.host), AsyncioLoop())
        self.admin.run("setup")
        self.created: list[str] = []

    def log(self, message: str) -> None:
        print(f"[bench] {message}", file=sys.stderr, flush=True)

    # containers the benchmarks need, made with the raw client

    def make(self, command: list[str], kind: str, count: int = 1) -> list[str]:
        async def make_all() -> list[str]:
            client = self.admin.contender.client
            limiter = asyncio.Semaphore(8)

            async def make_one() -> str:
                labels = {LABEL: RUN_ID, f"{LABEL}.kind": kind}
                async with limiter:
                    created, _ = await client.call(
                        "POST", "/containers/create", create_body(command, labels)
                    )
                return str(created["Id"])

            return list(await asyncio.gather(*(make_one() for _ in range(count))))

        ids = self.admin.loop.run(make_all)
        self.created += ids
        return ids

    def call(self, method: str, path: str, body: Any = None) -> Any:
        return self.admin.loop.run(self.admin.contender.client.call, method, path, body)[0]

    def cleanup(self) -> None:
        filters = json.dumps({"label": [f"{LABEL}={RUN_ID}"]})
        leftovers = self.call("GET", f"/containers/json?all=1&{urlencode({'filters': filters})}")

        async def remove_all() -> None:
            client = self.admin.contender.client
            limiter = asyncio.Semaphore(8)

            async def remove(container: str) -> None:
                async with limiter:
                    await client.call("DELETE", f"/containers/{container}?force=1")

            await asyncio.gather(*(remove(c["Id"]) for c in leftovers))

        self.admin.loop.run(remove_all)

    def seats(self, names: list[str]) -> list[Seat]:
        seats = []
        for name in names:
            contender = CONTENDERS[name](self.host)
            seat = Seat(contender, LOOPS[contender.loop]())
            seat.run("setup")
            seats.append(seat)
        return seats

    def close_seats(self, seats: list[Seat]) -> None:
        for seat in seats:
            seat.run("close")
            seat.loop.close()

    def run(self) -> None:
        self.ensure_image()
        try:
            self.per_call()
            self.lifecycles()
            self.log_throughput()
            self.attach_throughput()
            self.event_latency()
            self.imports()
            self.memory()
        finally:
            self.cleanup()
            self.admin.run("close")

    def ensure_image(self) -> None:
        try:
            self.call("GET", f"/images/{IMAGE}/json")
        except RuntimeError:
            sys.exit(f"{IMAGE} is missing on {self.host}: run scripts/test-env up")

    def per_call(self) -> None:
        calls = 50 if self.quick else 300
        list_calls = 3 if self.quick else 20
        self.make(["sleep", "60"], "list", 50)
        inspected = self.created[0]
        seats = self.seats(["raw", "engine_client", "engine_client[trio]", "aiodocker", "docker-py"])
        try:
            for benchmark, method, count, args in (
                ("GET /_ping", "ping", calls, ()),
                ("container inspect", "inspect", calls, (inspected,)),
                ("container list (50)", "list", list_calls, ()),
            ):
                self.log(f"{benchmark}: {self.rounds} rounds of {count} calls per contender")
                self.results += alternate(
                    seats,
                    self.rounds,
                    benchmark,
                    "ms/call",
                    lambda seat: timed(seat, method, count, *args) / count * 1e3,  # noqa: B023
                    warmup=lambda seat: timed(seat, method, 3, *args),  # noqa: B023
                )
        finally:
            self.close_seats(seats)

    def lifecycles(self) -> None:
        count = 4 if self.quick else 40
        rounds = self.heavy_rounds
        names = ["raw", "engine_client", "engine_client[trio]", "aiodocker", "docker-py"]
        seats = self.seats(names + ([] if self.quick else ["docker CLI"]))
        try:
            self.log(f"lifecycle: {rounds} rounds of {count} create+start+kill+remove")
            self.results += alternate(
                seats,
                rounds,
                f"{count} x lifecycle, sequential",
                "ms/lifecycle",
                lambda seat: timed(seat, "lifecycle", count) / count * 1e3,
            )
            seats = [seat for seat in seats if seat.contender.name != "docker CLI"]
            self.results += alternate(
                seats,
                rounds,
                f"{count} x lifecycle, 8 concurrent",
                "ms/lifecycle",
                lambda seat: concurrent(seat, count, 8) / count * 1e3,
            )
        finally:
            self.close_seats(seats)

    def throughput(self, what: str, names: list[str], container: Callable[[], str]) -> None:
        results = [Result(f"{what} throughput", name, "MB/s", higher_is_better=True) for name in names]
        for _ in range(self.heavy_rounds):
            for result in results:
                report = child(
                    [what, "--contender", result.contender, "--host", self.host,
                     "--container", container()]
                )
                result.values.append(report["bytes"] / report["seconds"] / 1e6)
                result.extra.setdefault("peak_rss_mb", []).append(round(report["max_rss_mb"], 1))
                result.extra["bytes"] = report["bytes"]
        self.results += results

    def log_throughput(self) -> None:
        size = (10 if self.quick else 200) * 2**20
        command = ["sh", "-c", f"yes {LINE[:-1]} | head -c {size}"]
        (container,) = self.make(command, "logs")
        self.log(f"logs: writing {size / 2**20:.0f} MiB")
        self.call("POST", f"/containers/{container}/start")
        self.call("POST", f"/containers/{container}/wait")
        names = ["raw", "engine_client", "engine_client[trio]", "docker-py", "aiodocker"]
        self.throughput("logs", names, lambda: container)

    def attach_throughput(self) -> None:
        size = (10 if self.quick else 200) * 2**20
        command = ["sh", "-c", f"yes {LINE[:-1]} | head -c {size}"]
        self.log(f"attach: {size / 2**20:.0f} MiB per container")
        self.throughput(
            "attach",
            ["raw", "engine_client", "engine_client[trio]"],
            lambda: self.make(command, "attach")[0],
        )

    def event_latency(self) -> None:
        (container,) = self.make(["sleep", "600"], "events")
        self.call("POST", f"/containers/{container}/start")
        count = 5 if self.quick else 40
        seats = self.seats(["raw", "engine_client", "engine_client[trio]"])
        self.notes.append(
            "event latency: aiodocker and docker-py are left out (their event APIs run a "
            "background task or thread of their own)"
        )
        try:
            results = [Result("event latency (kill to event)", s.contender.name, "ms") for s in seats]
            for _ in range(1 if self.quick else self.rounds):
                for seat, result in zip(seats, results, strict=True):
                    latencies = seat.run("event_latency", container, count)
                    result.values.append(statistics.median(latencies) * 1e3)
            self.results += results
        finally:
            self.close_seats(seats)

    def imports(self) -> None:
        # httpx: what engine_client's data model costs by itself.
        modules = ["engine_client", "docker", "aiodocker", "httpx"]
        results = {m: Result("import time", f"import {m}", "ms") for m in modules}
        compile_bytecode(modules)
        for _ in range(2 if self.quick else 7):
            for module in modules:
                report = child(["import", "--contender", module])
                results[module].values.append(report["seconds"] * 1e3)
        self.results += results.values()
        rss = {n: Result("one-ping process", n, "MB peak RSS") for n in
               ["raw", "engine_client", "aiodocker", "docker-py"]}
        for _ in range(1 if self.quick else 3):
            for name, result in rss.items():
                report = child(["ping-rss", "--contender", name, "--host", self.host])
                result.values.append(report["max_rss_mb"])
        self.results += rss.values()

    def memory(self) -> None:
        count = 5_000 if self.quick else 100_000
        self.log(f"memory: {count} pings in one client")
        report = child(["pings-rss", "--contender", "engine_client", "--host", self.host,
                        "--count", str(count)])
        result = Result(f"{count} pings, one client", "engine_client", "MB RSS growth")
        result.values.append(report["rss_after_mb"] - report["rss_before_mb"])
        result.extra = {k: round(v, 2) for k, v in report.items()}
        self.results.append(result)


def compile_bytecode(modules: list[str]) -> None:
    """Import times as installed: pip compiles a package's bytecode when it installs it, but
    an editable install (or PYTHONDONTWRITEBYTECODE) leaves engine_client's uncompiled."""
    for module in modules:
        spec = importlib.util.find_spec(module)
        for location in (spec.submodule_search_locations or []) if spec else []:
            compileall.compile_dir(location, quiet=1)


# -- reporting --------------------------------------------------------------------------------

FLOORS = {"import time": "import docker"}


def floor_of(results: list[Result], benchmark: str) -> Result | None:
    name = FLOORS.get(benchmark, "raw")
    return next((r for r in results if r.benchmark == benchmark and r.contender == name), None)


def rows(results: list[Result]) -> list[dict[str, Any]]:
    table = []
    for result in results:
        floor = floor_of(results, result.benchmark)
        ratio = result.median / floor.median if floor and floor.median else None
        table.append(
            {
                "benchmark": result.benchmark,
                "contender": result.contender,
                "unit": result.unit,
                "median": result.median,
                "min": min(result.values),
                "max": max(result.values),
                "ratio": ratio,
                "values": result.values,
                **result.extra,
            }
        )
    return table


def number(value: float) -> str:
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def markdown(table: list[dict[str, Any]]) -> str:
    lines = [
        "| benchmark | contender | median | min–max | × floor |",
        "|---|---|---|---|---|",
    ]
    for row in table:
        ratio = "" if row["ratio"] is None else f"{row['ratio']:.2f}"
        extra = f" (peak RSS {max(row['peak_rss_mb']):.0f} MB)" if "peak_rss_mb" in row else ""
        lines.append(
            f"| {row['benchmark']} | {row['contender']} | {number(row['median'])} {row['unit']}"
            f"{extra} | {number(row['min'])}–{number(row['max'])} | {ratio} |"
        )
    return "\n".join(lines)


def median_of(table: list[dict[str, Any]], benchmark: str, contender: str) -> float | None:
    for row in table:
        if row["benchmark"].startswith(benchmark) and row["contender"] == contender:
            return float(row["median"])
    return None


def targets(table: list[dict[str, Any]]) -> list[str]:
    checks = []

    def check(name: str, value: float | None, limit: float, below: bool = True) -> None:
        if value is None:
            checks.append(f"- {name}: not measured")
            return
        met = value <= limit if below else value >= limit
        sign = "≤" if below else "≥"
        checks.append(f"- {name}: {value:.2f} (target {sign} {limit}) {'met' if met else 'NOT MET'}")

    def ratio(benchmark: str, a: str, b: str) -> float | None:
        x, y = median_of(table, benchmark, a), median_of(table, benchmark, b)
        return None if x is None or y is None or not y else x / y

    for benchmark in ("GET /_ping", "container inspect"):
        check(f"{benchmark}: engine_client / floor", ratio(benchmark, "engine_client", "raw"), 1.3)
        speedup = ratio(benchmark, "aiodocker", "engine_client")
        check(f"{benchmark}: aiodocker / engine_client", speedup, 1.5, below=False)
    check("list (50): engine_client / floor", ratio("container list", "engine_client", "raw"), 1.15)
    concurrent = next((r["benchmark"] for r in table if "concurrent" in r["benchmark"]), "")
    check("lifecycle, 8 concurrent: engine_client / floor",
          ratio(concurrent, "engine_client", "raw") if concurrent else None, 1.05)
    check("logs: engine_client / raw read", ratio("logs", "engine_client", "raw"), 0.8, below=False)
    check("logs: engine_client / docker-py", ratio("logs", "engine_client", "docker-py"), 2.0,
          below=False)
    check("import: engine_client / docker",
          ratio("import time", "import engine_client", "import docker"), 0.5)
    for benchmark in ("GET /_ping", "container inspect", "container list"):
        check(f"{benchmark}: trio / asyncio",
              ratio(benchmark, "engine_client[trio]", "engine_client"), 1.2)
    growth = None
    for row in table:
        if row["unit"] == "MB RSS growth":
            growth = row["median"]
    check("pings in one client: RSS growth (MB)", growth, 2.0)
    return checks


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        run_child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock"))
    parser.add_argument("--quick", action="store_true", help="smaller and fewer runs (< 1 minute)")
    parser.add_argument("--rounds", type=int, default=5, help="measurements per contender")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--readme", action="store_true", help="also write the table into README.md's performance section"
    )
    args = parser.parse_args()
    if not args.host.startswith("unix://"):
        sys.exit("scripts/bench needs a unix:// host (the floor is a Unix-socket client)")
    started = time.perf_counter()
    bench = Bench(args)
    bench.run()
    table = rows(bench.results)
    import engine_client._transport as transport

    meta = {
        "host": args.host,
        "quick": args.quick,
        "seconds": round(time.perf_counter() - started, 1),
        "transport": os.environ.get("ENGINE_CLIENT_TRANSPORT") or transport.TRANSPORTS[0],
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": sys.version.split()[0],
    }
    if args.json:
        print(json.dumps({"meta": meta, "results": table, "targets": targets(table),
                          "notes": bench.notes}, indent=2))
        return
    report = report_text(table, bench.notes, meta)
    print(report)
    if args.readme:
        write_readme(report)


def report_text(table: list[dict[str, Any]], notes: list[str], meta: dict[str, Any]) -> str:
    lines = [markdown(table), "", "Targets (ratios of medians in this run):", *targets(table)]
    lines += [f"Note: {note}" for note in notes]
    return "\n".join([*lines, "", f"Run: {meta}"])


README_MARKERS = ("<!-- bench-table -->", "<!-- /bench-table -->")


def write_readme(report: str) -> None:
    """Replace what stands between the README's bench markers with this run's report."""
    readme = Path(__file__).resolve().parent.parent / "README.md"
    text = readme.read_text()
    start, end = README_MARKERS
    before, found, rest = text.partition(start)
    if not found:
        sys.exit(f"{readme} has no {start} marker")
    after = rest.partition(end)[2] if end in rest else rest
    readme.write_text(f"{before}{start}\n{report}\n{end}{after}")


if __name__ == "__main__":
    main()
