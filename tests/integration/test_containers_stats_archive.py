"""Stats and archives against every daemon."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import anyio
import pytest

from engine_client import (
    BadRequest,
    Client,
    ContainerStats,
    NotFound,
    ServerError,
    cpu_percent,
    extract_archive,
    memory_usage,
    pack_path,
)
from tests.integration.conftest import MakeContainer, unique_name

pytestmark = pytest.mark.anyio


async def running(make_container: MakeContainer, docker: Client) -> str:
    cid = await make_container(["sleep", "60"])
    await docker.containers.start(cid)
    return cid


async def test_stats_one_shot(docker: Client, make_container: MakeContainer) -> None:
    cid = await running(make_container, docker)
    with anyio.fail_after(10):
        sample = await docker.containers.stats(cid, one_shot=True)
    assert isinstance(sample, ContainerStats)
    assert sample.read is not None
    assert sample.memory.usage > 0
    assert 0 < memory_usage(sample) <= sample.memory.usage
    assert sample.pids is not None and sample.pids >= 1
    # Newer daemons (26.x, 28.x) leave name and id out of one-shot samples.
    assert sample.id in (None, cid)


# The daemon spends ~1 s sampling: once per daemon is enough (no stream involved).
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_stats_not_one_shot_has_previous_sample(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await running(make_container, docker)
    sample = await docker.containers.stats(cid)
    assert sample.precpu.system_cpu_usage > 0
    assert sample.cpu.system_cpu_usage >= sample.precpu.system_cpu_usage
    assert cpu_percent(sample) >= 0.0
    assert sample.name == "/" + (await docker.containers.inspect(cid)).name.lstrip("/")  # type: ignore[union-attr]


async def test_stats_stream_yields_samples_and_closes(docker: Client, make_container: MakeContainer) -> None:
    cid = await running(make_container, docker)
    with anyio.fail_after(10):
        async with docker.containers.stats_stream(cid) as stream:
            async for sample in stream:  # the first sample comes at once
                break
    assert isinstance(sample, ContainerStats)
    assert sample.id == cid and sample.memory.usage > 0


# Samples come a second apart; the stream itself is tested on both backends.
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_stats_stream_cpu_percent_of_a_busy_container(
    docker: Client, make_container: MakeContainer
) -> None:
    cid = await make_container(["sh", "-c", "while true; do :; done"])
    await docker.containers.start(cid)
    samples: list[ContainerStats] = []
    with anyio.fail_after(15):
        async with docker.containers.stats_stream(cid) as stream:
            async for sample in stream:
                samples.append(sample)
                if len(samples) == 2:
                    break
    assert samples[1].read != samples[0].read
    assert samples[1].precpu.total_usage == samples[0].cpu.total_usage
    assert cpu_percent(samples[1]) > 10.0  # a busy loop uses most of a CPU


async def test_stats_missing_container(docker: Client) -> None:
    with pytest.raises(NotFound):
        await docker.containers.stats(unique_name("missing"), one_shot=True)
    with pytest.raises(NotFound):
        async with docker.containers.stats_stream(unique_name("missing")):
            pass


def tar_with(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o640
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


async def test_archive_round_trip(docker: Client, make_container: MakeContainer, tmp_path: Path) -> None:
    cid = await make_container(["true"])
    await docker.containers.put_archive(
        cid, "/", tar_with({"data/a.txt": b"alpha", "data/b.bin": bytes(range(256)) * 40})
    )
    stat = await docker.containers.archive_stat(cid, "/data/a.txt")
    assert (stat.name, stat.size, stat.mode.permissions) == ("a.txt", 5, 0o640)
    assert stat.mode.is_regular
    directory = await docker.containers.archive_stat(cid, "/data")
    assert directory.mode.is_dir

    async with docker.containers.get_archive(cid, "/data") as archive:
        assert archive.stat.name == "data" and archive.stat.mode.is_dir
        names = await extract_archive(archive, tmp_path)
    assert sorted(names) == ["data", "data/a.txt", "data/b.bin"]
    assert (tmp_path / "data/a.txt").read_bytes() == b"alpha"
    assert (tmp_path / "data/b.bin").read_bytes() == bytes(range(256)) * 40


async def test_the_readme_example_copies_etc_with_its_absolute_symlink(
    docker: Client, make_container: MakeContainer, tmp_path: Path
) -> None:
    cid = await make_container(["true"])
    async with docker.containers.get_archive(cid, "/etc") as archive:
        names = await extract_archive(archive, tmp_path / "out")
    assert "etc/mtab" in names
    assert os.readlink(tmp_path / "out/etc/mtab") == "/proc/mounts"


async def test_archive_stat_of_a_symlink(docker: Client, make_container: MakeContainer) -> None:
    cid = await make_container(["true"])
    stat = await docker.containers.archive_stat(cid, "/bin/sh")
    assert stat.mode.is_symlink
    assert stat.link_target == "/bin/busybox"


async def test_put_archive_from_file_path_file_object_and_async_chunks(
    docker: Client, make_container: MakeContainer, tmp_path: Path
) -> None:
    cid = await make_container(["true"])
    tar_file = tmp_path / "upload.tar"
    tar_file.write_bytes(tar_with({"from-path": b"1"}))
    await docker.containers.put_archive(cid, "/", tar_file)
    await docker.containers.put_archive(cid, "/", str(tar_file))
    with open(tar_file, "wb") as out:
        out.write(tar_with({"from-file": b"22"}))
    with open(tar_file, "rb") as file:
        await docker.containers.put_archive(cid, "/", file)

    async def chunks():  # type: ignore[no-untyped-def]
        data = tar_with({"from-chunks": b"333"})
        for start in range(0, len(data), 1000):
            yield data[start:start + 1000]

    await docker.containers.put_archive(cid, "/", chunks())
    sizes = {name: (await docker.containers.archive_stat(cid, f"/{name}")).size
             for name in ("from-path", "from-file", "from-chunks")}
    assert sizes == {"from-path": 1, "from-file": 2, "from-chunks": 3}


async def test_put_packed_host_directory(docker: Client, make_container: MakeContainer, tmp_path: Path) -> None:
    cid = await make_container(["true"])
    (tmp_path / "tree/sub").mkdir(parents=True)
    (tmp_path / "tree/sub/f").write_text("host")
    with await pack_path(tmp_path / "tree", arcname="copied") as packed:
        await docker.containers.put_archive(cid, "/etc", packed)
    assert (await docker.containers.archive_stat(cid, "/etc/copied/sub/f")).size == 4


async def test_archive_errors(docker: Client, make_container: MakeContainer) -> None:
    cid = await make_container(["true"])
    with pytest.raises(NotFound):
        await docker.containers.archive_stat(cid, "/no/such/path")
    with pytest.raises(NotFound):
        async with docker.containers.get_archive(cid, "/no/such/path"):
            pass
    with pytest.raises(NotFound):
        await docker.containers.put_archive(cid, "/no/such/dir", tar_with({"x": b""}))
    with pytest.raises((BadRequest, ServerError)) as raised:  # 500 on 20.10, 400 on newer
        await docker.containers.put_archive(cid, "/etc/hostname", tar_with({"x": b""}))
    assert raised.value.status_code in (400, 500)
    with pytest.raises(NotFound):
        await docker.containers.archive_stat(unique_name("missing"), "/")


async def test_export_streams_the_filesystem(docker: Client, make_container: MakeContainer) -> None:
    cid = await make_container(["true"])
    size = 0
    head = b""
    async with docker.containers.export(cid) as stream:
        async for chunk in stream:
            if len(head) < 512:
                head += chunk[:512]
            size += len(chunk)
    assert size > 1_000_000  # the static busybox alone is over 1 MB
    assert head[257:262] == b"ustar"  # a tar header
