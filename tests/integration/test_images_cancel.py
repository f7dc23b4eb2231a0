"""Leaving a progress stream early closes its connection at once, on both backends, and the
daemon stops the build: its RUN container does not keep running."""

from __future__ import annotations

import io
import re
import tarfile

import anyio
import pytest

from engine_client import Client, NotFound
from tests.integration.conftest import IMAGE, unique_name
from tests.integration.images_support import ImageTracker, images_fixture  # noqa: F401

pytestmark = pytest.mark.anyio

_RUNNING_IN = re.compile(r"Running in ([0-9a-f]{12})")


def _tar(dockerfile: str) -> bytes:
    data = dockerfile.encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


async def _running(docker: Client, container: str) -> bool:
    try:
        return (await docker.containers.inspect(container)).state.running
    except NotFound:
        return False  # removed (force_remove): the build is over


async def _until_running_is(docker: Client, container: str, running: bool) -> None:
    while True:  # polled: no event says "a build container started"
        if await _running(docker, container) is running:
            return
        await anyio.sleep(0.05)


async def test_leaving_a_build_early_stops_it_on_the_daemon(docker: Client, images: ImageTracker) -> None:
    tag = images.add(unique_name("ec-cancel") + ":v1")
    context = _tar(f"FROM {IMAGE}\nRUN sleep 30\n")
    build_container = None
    with anyio.fail_after(20):  # the RUN step alone takes 30 s
        async with docker.images.build(
            context, tags=tag, version="1", network_mode="none", force_remove=True
        ) as events:
            async for event in events:
                found = _RUNNING_IN.search(event.stream or "")
                if found:  # the RUN step's container: leave once it runs
                    build_container = found[1]
                    await _until_running_is(docker, build_container, True)
                    break
    assert build_container is not None
    with anyio.fail_after(10):
        await _until_running_is(docker, build_container, False)
    assert (await docker.system.ping()).api_version  # the client is still usable
    with pytest.raises(NotFound):
        await docker.images.inspect(tag)  # and nothing was built
