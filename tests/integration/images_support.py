"""Helpers for the image and registry tests: unique images, and removing them afterwards."""

from __future__ import annotations

import functools
import io
import tarfile
from collections.abc import AsyncIterator, Sequence

import pytest

from engine_client import Client, NotFound
from tests.integration.conftest import busybox_rootfs, unique_name


@functools.cache
def _busybox() -> bytes:
    return busybox_rootfs()


def rootfs(marker: bytes) -> bytes:
    """The busybox root filesystem plus ``/marker``: a unique layer per marker."""
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(_busybox())) as source, tarfile.open(
        fileobj=out, mode="w"
    ) as target:
        for member in source.getmembers():
            target.addfile(member, source.extractfile(member) if member.isreg() else None)
        info = tarfile.TarInfo("marker")
        info.size = len(marker)
        target.addfile(info, io.BytesIO(marker))
    return out.getvalue()


class ImageTracker:
    """Names of images a test made; the fixture removes every one afterwards."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def add(self, name: str) -> str:
        self.names.append(name)
        return name

    async def remove_all(self, docker: Client) -> None:
        for name in reversed(self.names):
            try:
                await docker.images.remove(name, force=True)
            except NotFound:
                pass


async def import_unique_image(
    docker: Client,
    images: ImageTracker,
    *,
    marker: bytes | None = None,
    changes: Sequence[str] | None = None,
    message: str | None = None,
) -> str:
    """Import busybox plus a unique ``/marker``; returns its ``name:tag``."""
    name = images.add(unique_name("ec-image") + ":latest")
    await docker.images.import_image(
        rootfs(marker or name.encode()), repo=name, changes=changes, message=message
    )
    return name


async def exit_code(docker: Client, container: str) -> int:
    await docker.containers.start(container)
    return (await docker.containers.wait(container)).status_code


@pytest.fixture(name="images")
async def images_fixture(docker: Client) -> AsyncIterator[ImageTracker]:
    """Tracks images a test makes and force-removes them all afterwards, even on failure.

    Request it before ``make_container`` so that containers go first."""
    tracker = ImageTracker()
    try:
        yield tracker
    finally:
        await tracker.remove_all(docker)
