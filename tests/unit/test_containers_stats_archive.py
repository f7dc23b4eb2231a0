"""Stats arithmetic (as the docker CLI does it), the path-stat header, and safe extraction."""

from __future__ import annotations

import base64
import io
import json
import os
import stat
import tarfile
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from engine_client import (
    ContainerStats,
    DeviceSkippedWarning,
    FileMode,
    StreamError,
    UnsafeArchiveError,
    block_io,
    cpu_percent,
    extract_archive,
    memory_percent,
    memory_usage,
    network_io,
    pack_path,
)
from engine_client._api.container_archive import decode_path_stat

from .fakes import FakeDaemon

pytestmark = pytest.mark.anyio


def sample(**memory_stats: int) -> ContainerStats:
    return ContainerStats.from_api({
        "read": "2026-01-01T00:00:01Z",
        "cpu_stats": {
            "cpu_usage": {"total_usage": 400_000_000, "percpu_usage": [1, 2, 3, 4]},
            "system_cpu_usage": 20_000_000_000, "online_cpus": 2,
        },
        "precpu_stats": {"cpu_usage": {"total_usage": 200_000_000}, "system_cpu_usage": 18_000_000_000},
        "memory_stats": {"usage": 100 * 2**20, "limit": 400 * 2**20, "stats": memory_stats},
        "networks": {"eth0": {"rx_bytes": 10, "tx_bytes": 20}, "eth1": {"rx_bytes": 1, "tx_bytes": 2}},
        "blkio_stats": {"io_service_bytes_recursive": [
            {"major": 8, "minor": 0, "op": "Read", "value": 4096},
            {"major": 8, "minor": 0, "op": "Write", "value": 512},
            {"major": 8, "minor": 0, "op": "Total", "value": 4608},
        ]},
        "pids_stats": {"current": 3},
    })


def test_cpu_percent_uses_deltas_and_online_cpus() -> None:
    # 0.2 s of CPU over 2 s of system time on 2 CPUs: 0.1 * 2 * 100
    assert cpu_percent(sample()) == pytest.approx(20.0)


def test_cpu_percent_falls_back_to_percpu_count_and_zero_without_previous_sample() -> None:
    data = dict(sample().raw)
    data["cpu_stats"] = {**data["cpu_stats"], "online_cpus": 0}
    assert cpu_percent(ContainerStats.from_api(data)) == pytest.approx(40.0)  # 4 per-CPU entries
    data["precpu_stats"] = {}
    data["cpu_stats"] = {"cpu_usage": {"total_usage": 5}, "system_cpu_usage": 0}
    assert cpu_percent(ContainerStats.from_api(data)) == 0.0


def test_memory_usage_cgroup_v1_subtracts_total_inactive_file() -> None:
    stats = sample(total_inactive_file=30 * 2**20, cache=50 * 2**20, inactive_file=1)
    assert memory_usage(stats) == 70 * 2**20
    assert memory_percent(stats) == pytest.approx(17.5)


def test_memory_usage_cgroup_v2_subtracts_inactive_file() -> None:
    assert memory_usage(sample(inactive_file=40 * 2**20, active_file=1)) == 60 * 2**20


def test_memory_usage_without_cache_figures_or_larger_cache_is_usage() -> None:
    assert memory_usage(sample()) == 100 * 2**20
    assert memory_usage(sample(inactive_file=200 * 2**20)) == 100 * 2**20


def test_network_and_block_io_sums() -> None:
    assert network_io(sample()) == (11, 22)
    assert block_io(sample()) == (4096, 512)
    assert sample().pids == 3


def test_memory_percent_without_limit_is_zero() -> None:
    assert memory_percent(ContainerStats.from_api({"memory_stats": {"usage": 5}})) == 0.0


def header(data: object) -> str:
    return base64.b64encode(json.dumps(data).encode()).decode()


def test_path_stat_decodes_go_file_mode_of_a_symlink() -> None:
    result = decode_path_stat(header({
        "name": "sh", "size": 12, "mode": 134218239, "mtime": "2026-01-01T00:00:00Z",
        "linkTarget": "/bin/busybox",
    }))
    assert result.name == "sh" and result.size == 12 and result.link_target == "/bin/busybox"
    assert result.mode.is_symlink and not result.mode.is_dir and not result.mode.is_regular
    assert result.mode.permissions == 0o777
    assert stat.S_ISLNK(result.mode.to_posix())


def test_path_stat_directory_and_file_modes() -> None:
    directory = FileMode((1 << 31) | (1 << 20) | 0o777)  # /tmp: dir, sticky
    assert directory.is_dir and stat.filemode(directory.to_posix()) == "drwxrwxrwt"
    regular = decode_path_stat(header({"name": "f", "size": 1, "mode": 0o644, "linkTarget": ""}))
    assert regular.mode.is_regular and regular.link_target is None
    assert stat.S_ISREG(regular.mode.to_posix()) and regular.mode.to_posix() & 0o777 == 0o644


@pytest.mark.parametrize("value", [None, "", "!!!notbase64", base64.b64encode(b"[1]").decode(),
                                   base64.b64encode(b"{").decode()])
def test_path_stat_bad_header_is_stream_error(value: str | None) -> None:
    with pytest.raises(StreamError):
        decode_path_stat(value)


async def test_archive_stat_sends_head_and_decodes_header() -> None:
    daemon = FakeDaemon()
    daemon.route("HEAD", "/v1.45/containers/c1/archive", httpx.Response(
        200, headers={"X-Docker-Container-Path-Stat": header({"name": "etc", "size": 4096, "mode": 2147484141})}
    ))
    async with daemon.client() as docker:
        result = await docker.containers.archive_stat("c1", "/etc")
    assert result.mode.is_dir and result.mode.permissions == 0o755
    assert daemon.requests[-1].url.params["path"] == "/etc"


# -- safe extraction --------------------------------------------------------------------------


@pytest.fixture(params=["tarfile-filters", "own-checks-only"])
def tar_filters(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run extraction both with tarfile's "tar" filter and as on Pythons without filters."""
    with warnings.catch_warnings():
        if request.param == "own-checks-only":
            monkeypatch.setattr("engine_client._tar._HAS_FILTERS", False)
            # Python 3.12 and 3.13 warn when extracting without a filter; that is the point here.
            warnings.simplefilter("ignore", DeprecationWarning)
        yield


def tar_of(*members: tuple[tarfile.TarInfo, bytes | None]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def entry(name: str, kind: bytes = tarfile.REGTYPE, link: str = "", mode: int = 0o644) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, link, mode
    return info


async def chunked(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


@pytest.mark.usefixtures("tar_filters")
async def test_extract_a_normal_archive_from_chunks(tmp_path: Path) -> None:
    archive = tar_of(
        (entry("d", tarfile.DIRTYPE, mode=0o700), None),
        (entry("d/file", mode=0o4755), b"hello"),
        (entry("d/link", tarfile.SYMTYPE, link="file"), None),
        (entry("d/hard", tarfile.LNKTYPE, link="d/file"), None),
    )
    names = await extract_archive(chunked(archive), tmp_path / "out")
    assert names == ["d", "d/file", "d/link", "d/hard"]
    assert (tmp_path / "out/d/link").read_bytes() == b"hello"
    assert (tmp_path / "out/d/hard").read_bytes() == b"hello"
    assert not os.stat(tmp_path / "out/d/file").st_mode & stat.S_ISUID  # set-id bits stripped


async def test_extract_rebases_the_top_level_name(tmp_path: Path) -> None:
    archive = tar_of((entry("hostname"), b"box\n"))
    await extract_archive(archive, tmp_path, rebase=("hostname", "copy"))
    assert (tmp_path / "copy").read_bytes() == b"box\n"


@pytest.mark.parametrize(
    "members",
    [
        pytest.param([(entry("/etc/evil"), b"x")], id="absolute-path"),
        pytest.param([(entry("../evil"), b"x")], id="dotdot"),
        pytest.param([(entry("a/../../evil"), b"x")], id="dotdot-inside"),
        pytest.param([(entry("hard", tarfile.LNKTYPE, link="../outside"), None)], id="hardlink-escape"),
        pytest.param([(entry("hard", tarfile.LNKTYPE, link="/etc/passwd"), None)], id="hardlink-absolute"),
        pytest.param(
            [(entry("etc", tarfile.SYMTYPE, link="/etc"), None),
             (entry("hard", tarfile.LNKTYPE, link="etc/passwd"), None)],
            id="hardlink-through-an-extracted-symlink",
        ),
        pytest.param(
            [(entry("mtab", tarfile.SYMTYPE, link="/etc/passwd"), None),
             (entry("hard", tarfile.LNKTYPE, link="mtab"), None)],
            id="hardlink-to-a-symlink-to-outside",
        ),
        pytest.param(
            [(entry("etc", tarfile.SYMTYPE, link="/nonexistent-ec-test"), None), (entry("etc/evil"), b"x")],
            id="write-through-an-absolute-symlink",
        ),
        pytest.param(
            [(entry("d", tarfile.DIRTYPE), None), (entry("d/in", tarfile.SYMTYPE, link=".."), None),
             (entry("d/in/d/x"), b"x")],
            id="write-through-a-symlink-pointing-inside",
        ),
        pytest.param(
            [(entry("x", tarfile.SYMTYPE, link="/nonexistent-ec-test"), None), (entry("x/sub", tarfile.DIRTYPE), None)],
            id="directory-through-a-symlink",
        ),
        pytest.param([(entry("odd", b"V"), None)], id="unsupported-type"),
        pytest.param(
            [(entry("d", tarfile.DIRTYPE), None), (entry("d/ok"), b"x"), (entry("d/fifo", tarfile.FIFOTYPE), None),
             (entry("d/z"), b"x"), (entry("d/../../evil"), b"x")],
            id="unsafe-last-member",
        ),
    ],
)
@pytest.mark.usefixtures("tar_filters")
async def test_extract_refuses_malicious_entries(
    tmp_path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]
) -> None:
    with pytest.raises(UnsafeArchiveError):
        await extract_archive(tar_of(*members), tmp_path / "target")
    assert list(tmp_path.iterdir()) == []  # every member is checked before anything is written


@pytest.mark.usefixtures("tar_filters")
async def test_a_refusal_leaves_an_existing_destination_untouched(tmp_path: Path) -> None:
    (tmp_path / "kept").write_text("old")
    archive = tar_of((entry("kept"), b"new"), (entry("sub", tarfile.DIRTYPE), None), (entry("/abs"), b"x"))
    with pytest.raises(UnsafeArchiveError, match="absolute path"):
        await extract_archive(archive, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["kept"] and (tmp_path / "kept").read_text() == "old"


@pytest.mark.usefixtures("tar_filters")
async def test_fifos_are_created_and_device_nodes_skipped_with_a_warning(tmp_path: Path) -> None:
    archive = tar_of(
        (entry("data", tarfile.DIRTYPE), None),
        (entry("data/fifo", tarfile.FIFOTYPE), None),
        (entry("data/null", tarfile.CHRTYPE), None),
        (entry("data/disk", tarfile.BLKTYPE), None),
        (entry("data/f"), b"x"),
        (entry("data/hard", tarfile.LNKTYPE, link="data/f"), None),
        (entry("data/sub/y"), b"y"),
    )
    with pytest.warns(DeviceSkippedWarning) as caught:
        names = await extract_archive(archive, tmp_path / "out")
    assert [str(w.message) for w in caught] == [
        f"not extracting {name!r}: device nodes are not created on the host" for name in ("data/null", "data/disk")
    ]
    assert names == ["data", "data/fifo", "data/f", "data/hard", "data/sub/y"]
    assert stat.S_ISFIFO(os.lstat(tmp_path / "out/data/fifo").st_mode)
    assert sorted(p.name for p in (tmp_path / "out/data").iterdir()) == ["f", "fifo", "hard", "sub"]
    assert (tmp_path / "out/data/hard").read_text() == "x" and (tmp_path / "out/data/sub/y").read_text() == "y"


@pytest.mark.usefixtures("tar_filters")
async def test_a_symlink_on_disk_replaced_by_an_earlier_member_does_not_refuse(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out/etc").symlink_to(tmp_path / "elsewhere")
    await extract_archive(tar_of((entry("etc", tarfile.DIRTYPE), None), (entry("etc/hosts"), b"x")), tmp_path / "out")
    assert (tmp_path / "out/etc/hosts").read_text() == "x" and list((tmp_path / "elsewhere").iterdir()) == []


@pytest.mark.usefixtures("tar_filters")
async def test_write_through_an_extracted_symlink_is_refused(tmp_path: Path) -> None:
    # A link inside the target pointing at a sibling of the target, then a file through it.
    (tmp_path / "sibling").mkdir()
    archive = tar_of(
        (entry("up", tarfile.SYMTYPE, link="../sibling"), None),
        (entry("up/planted"), b"x"),
    )
    with pytest.raises(UnsafeArchiveError):
        await extract_archive(archive, tmp_path / "target")
    assert list((tmp_path / "sibling").iterdir()) == []


@pytest.mark.usefixtures("tar_filters")
async def test_symlinks_are_created_as_they_are_whatever_their_target(tmp_path: Path) -> None:
    # What ``docker cp ctr:/etc`` gets from busybox (etc/mtab -> /proc/mounts), and worse.
    links = {"etc/mtab": "/proc/mounts", "etc/up": "../..", "etc/deep": "../../../x", "etc/self": "."}
    archive = tar_of(
        (entry("etc", tarfile.DIRTYPE), None),
        *((entry(name, tarfile.SYMTYPE, link=target), None) for name, target in links.items()),
        (entry("etc/hosts"), b"127.0.0.1 localhost\n"),
    )
    names = await extract_archive(archive, tmp_path / "out")
    assert names == ["etc", *links, "etc/hosts"]
    assert {name: os.readlink(tmp_path / "out" / name) for name in links} == links
    assert (tmp_path / "out/etc/hosts").read_text() == "127.0.0.1 localhost\n"
    assert {p.name for p in tmp_path.iterdir()} == {"out"}


@pytest.mark.usefixtures("tar_filters")
async def test_a_member_replaces_a_symlink_at_its_path_instead_of_writing_through_it(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("intact")
    (tmp_path / "victim-dir").mkdir(mode=0o750)
    archive = tar_of(
        (entry("f", tarfile.SYMTYPE, link=str(victim)), None),
        (entry("f"), b"replaced"),
        (entry("d", tarfile.SYMTYPE, link=str(tmp_path / "victim-dir")), None),
        (entry("d", tarfile.DIRTYPE, mode=0o700), None),
    )
    await extract_archive(archive, tmp_path / "out")
    assert victim.read_text() == "intact"
    assert (tmp_path / "out/f").read_text() == "replaced" and not (tmp_path / "out/f").is_symlink()
    assert (tmp_path / "out/d").is_dir() and not (tmp_path / "out/d").is_symlink()
    assert stat.S_IMODE(os.stat(tmp_path / "victim-dir").st_mode) == 0o750


async def test_a_symlink_already_in_the_destination_is_not_written_through(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out/etc").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UnsafeArchiveError, match="through the symlink 'etc'"):
        await extract_archive(tar_of((entry("etc/hosts"), b"x")), tmp_path / "out")
    assert list((tmp_path / "elsewhere").iterdir()) == []


async def test_pack_path_round_trips(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "sub/a.txt").write_text("A")
    with await pack_path(source, arcname="renamed") as packed:
        data = packed.read()
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert sorted(tar.getnames()) == ["renamed", "renamed/sub", "renamed/sub/a.txt"]
    await extract_archive(data, tmp_path / "out")
    assert (tmp_path / "out/renamed/sub/a.txt").read_text() == "A"
    with pytest.raises(UnsafeArchiveError):
        await pack_path(source, arcname="../x")
