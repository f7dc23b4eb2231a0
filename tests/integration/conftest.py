"""Real daemons for integration tests.

``scripts/test-env up`` starts them and describes them in ``endpoints.json`` (in
``$ENGINE_CLIENT_TEST_STATE``, default ``/var/lib/engine-client-test``).  Every test that takes
the ``daemon`` fixture runs once per daemon.  A daemon that does not answer skips the test,
unless ``ENGINE_CLIENT_REQUIRE_DAEMONS=1`` (set by ``scripts/test``, hence in CI): then it fails.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

import engine_client
from engine_client import Client, NotFound

STATE = Path(os.environ.get("ENGINE_CLIENT_TEST_STATE", "/var/lib/engine-client-test"))
REQUIRED = os.environ.get("ENGINE_CLIENT_REQUIRE_DAEMONS") == "1"
IMAGE = "engine-client-test/busybox:latest"
#: Every object a test creates carries this label, with the run's id as value.
LABEL = "engine-client-test"
RUN_ID = uuid.uuid4().hex[:12]

pytestmark = pytest.mark.integration


def unavailable(message: str) -> NoReturn:
    """Skip a test whose real endpoint is missing, or fail it when daemons are required."""
    if REQUIRED:
        pytest.fail(f"{message} (ENGINE_CLIENT_REQUIRE_DAEMONS=1)")
    pytest.skip(message)


def endpoint(kind: str) -> dict[str, Any]:
    """One of the endpoints beside the daemons in endpoints.json ("registry", "tls", "ssh")."""
    found = endpoints().get(kind)
    if not found:
        unavailable(f"no {kind} endpoint in endpoints.json (scripts/test-env up starts one)")
    return dict(found)


def endpoints() -> dict[str, Any]:
    path = STATE / "endpoints.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    if REQUIRED:
        raise RuntimeError(f"{path} is missing: run scripts/test-env up")
    return {"daemons": [{"name": "default", "host": engine_client.DEFAULT_HOST, "api_version": None}]}


@dataclass(frozen=True)
class Daemon:
    name: str
    host: str
    api_version: str | None  # the daemon's newest API version, as test-env saw it

    @property
    def socket_path(self) -> str | None:
        return self.host[len("unix://"):] if self.host.startswith("unix://") else None


def _answers(daemon: Daemon) -> bool:
    path = daemon.socket_path
    if path is None:
        return True
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(path)
            sock.sendall(b"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
            return sock.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "daemon" in metafunc.fixturenames:
        daemons = [Daemon(d["name"], d["host"], d.get("api_version")) for d in endpoints()["daemons"]]
        metafunc.parametrize("daemon", daemons, ids=[d.name for d in daemons], scope="session")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "integration" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def _checked_daemons() -> dict[str, bool]:
    return {}


@pytest.fixture
def live_daemon(daemon: Daemon, _checked_daemons: dict[str, bool]) -> Daemon:
    """The daemon, known to answer (else skip, or fail when daemons are required)."""
    if daemon.name not in _checked_daemons:
        _checked_daemons[daemon.name] = _answers(daemon)
    if not _checked_daemons[daemon.name]:
        unavailable(f"no Docker daemon answers at {daemon.host}")
    return daemon


@pytest.fixture
async def docker(live_daemon: Daemon) -> AsyncIterator[Client]:
    async with Client.from_env(host=live_daemon.host) as client:
        await ensure_image(client)
        yield client


def busybox_rootfs() -> bytes:
    """A tar of the static busybox with a link per applet: a whole image, made locally."""
    busybox = shutil.which("busybox") or "/bin/busybox"
    applets = subprocess.run([busybox, "--list"], capture_output=True, text=True, check=True)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for directory in ("bin", "tmp", "etc"):
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if directory == "tmp" else 0o755
            tar.addfile(info)
        tar.add(busybox, "bin/busybox")
        for applet in applets.stdout.split():
            if applet != "busybox":
                link = tarfile.TarInfo(f"bin/{applet}")
                link.type, link.linkname = tarfile.SYMTYPE, "busybox"
                tar.addfile(link)
    return buffer.getvalue()


async def ensure_image(client: Client, image: str = IMAGE) -> None:
    """Import the busybox image unless the daemon already has it."""
    repo, _, tag = image.rpartition(":")
    try:
        await client.request("GET", f"/images/{image}/json")
    except NotFound:
        await client.request(
            "POST",
            "/images/create",
            params={"fromSrc": "-", "repo": repo, "tag": tag},
            content=busybox_rootfs(),
            headers={"Content-Type": "application/x-tar"},
            timeout=120,
        )


MakeContainer = Callable[..., Awaitable[str]]


@pytest.fixture
async def make_container(docker: Client) -> AsyncIterator[MakeContainer]:
    """Create labelled containers (``IMAGE`` unless given); all are removed after the test."""
    created: list[str] = []

    async def make(command: Any = None, *, image: str = IMAGE, **options: Any) -> str:
        labels = {LABEL: RUN_ID, **options.pop("labels", {})}
        result = await docker.containers.create(image, command, labels=labels, **options)
        created.append(result.id)
        return result.id

    yield make
    for container_id in created:
        try:
            await docker.containers.remove(container_id, force=True, volumes=True)
        except NotFound:
            pass


def unique_name(prefix: str = "ec-test") -> str:
    return f"{prefix}-{RUN_ID}-{uuid.uuid4().hex[:6]}"
