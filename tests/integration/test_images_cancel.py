"""Leaving a progress stream early closes its connection at once, on both backends."""

from __future__ import annotations

import io
import tarfile

import anyio
import pytest

from engine_client import Client
from tests.integration.conftest import IMAGE, unique_name
from tests.integration.images_support import ImageTracker, images_fixture  # noqa: F401

pytestmark = pytest.mark.anyio


def _tar(dockerfile: str) -> bytes:
    data = dockerfile.encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


async def test_leaving_a_build_early_does_not_wait_for_it(docker: Client, images: ImageTracker) -> None:
    tag = images.add(unique_name("ec-cancel") + ":v1")
    context = _tar(f"FROM {IMAGE}\nRUN sleep 30\n")
    with anyio.fail_after(10):  # the RUN step alone takes 30 s
        async with docker.images.build(
            context, tags=tag, version="1", network_mode="none", force_remove=True
        ) as events:
            async for _ in events:
                break
    assert (await docker.system.ping()).api_version  # the client is still usable
