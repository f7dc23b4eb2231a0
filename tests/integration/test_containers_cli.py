"""``ps``, ``wait``, ``kill``, ``restart``, ``pause``, ``unpause``, ``rename``, ``top``, ``stats``
and ``cp`` subcommands against every daemon, with their exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine_client._cli import main

from .conftest import IMAGE, LABEL, RUN_ID, Daemon, unique_name

Run = Callable[..., "tuple[int, str, str]"]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Run:
    """The CLI run in-process (a subprocess costs ~0.6 s of interpreter start per call)."""

    def run(daemon: Daemon, *args: str) -> tuple[int, str, str]:
        code = main(["--host", daemon.host, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def container(live_daemon: Daemon, cli: Run) -> Iterator[Callable[..., str]]:
    """Creates labelled containers through the CLI (started unless ``start=False``)."""
    made: list[str] = []

    def make(*command: str, start: bool = True, name: str | None = None) -> str:
        extra = ["--name", name] if name else []
        code, out, err = cli(
            live_daemon, "create", "--label", f"{LABEL}={RUN_ID}", *extra, IMAGE, *command
        )
        assert code == 0, err
        cid = out.split()[0]
        made.append(cid)
        if start:
            assert cli(live_daemon, "start", cid)[0] == 0
        return cid

    yield make
    for cid in made:
        cli(live_daemon, "rm", "-f", cid)


def test_ps_filters_all_quiet_and_json(live_daemon: Daemon, cli: Run, container: Callable[..., str]) -> None:
    name = unique_name()
    alive = container("sleep", "60", name=name)
    stopped = container("true", start=False)
    mine = ["--filter", f"label={LABEL}={RUN_ID}"]

    code, out, _ = cli(live_daemon, "ps", "-q", *mine)
    assert code == 0
    assert alive[:12] in out.split() and stopped[:12] not in out.split()
    code, out, _ = cli(live_daemon, "ps", "-a", "-q", *mine, "--filter", f"name={name}")
    assert out.split() == [alive[:12]]
    code, out, _ = cli(live_daemon, "ps", "-a", "-q", *mine)
    assert {alive[:12], stopped[:12]} <= set(out.split())
    code, out, _ = cli(live_daemon, "--json", "ps", *mine, "--filter", f"name={name}")
    [entry] = json.loads(out)
    assert entry["id"] == alive and entry["names"] == [f"/{name}"] and entry["state"] == "running"
    code, out, _ = cli(live_daemon, "ps", *mine, "--filter", f"name={name}")
    assert out.splitlines()[0].startswith("CONTAINER ID") and name in out


def test_ps_bad_filter_exits_1(live_daemon: Daemon, cli: Run) -> None:
    code, out, err = cli(live_daemon, "ps", "--filter", "bogus=1")
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1


def test_kill_wait_and_exit_codes(live_daemon: Daemon, cli: Run, container: Callable[..., str]) -> None:
    cid = container("sleep", "60")
    code, out, _ = cli(live_daemon, "kill", "-s", "KILL", cid)
    assert (code, out.strip()) == (0, cid)
    code, out, _ = cli(live_daemon, "wait", cid)
    assert (code, out.strip()) == (0, "137")
    code, out, _ = cli(live_daemon, "--json", "wait", cid)
    assert json.loads(out) == [{"id": cid, "status_code": 137, "error": None}]
    missing = unique_name("missing")
    code, out, err = cli(live_daemon, "wait", missing, cid)  # goes on past the missing one
    assert (code, out) == (1, "137\n")
    assert err.count("\n") == 1 and missing in err and "404" in err
    code, _, err = cli(live_daemon, "kill", cid)  # not running
    assert code == 1 and "409" in err
    code, _, err = cli(live_daemon, "kill", unique_name("missing"))
    assert code == 1 and "404" in err


def test_restart_pause_unpause(live_daemon: Daemon, cli: Run, container: Callable[..., str]) -> None:
    cid = container("sleep", "60")
    assert cli(live_daemon, "restart", "-t", "0", cid)[:2] == (0, cid + "\n")
    assert cli(live_daemon, "pause", cid)[0] == 0
    code, _, err = cli(live_daemon, "pause", cid)
    assert code == 1 and "409" in err
    assert cli(live_daemon, "unpause", cid)[0] == 0
    code, _, err = cli(live_daemon, "unpause", cid)
    assert code == 1 and "500" in err


def test_rename_and_top(live_daemon: Daemon, cli: Run, container: Callable[..., str]) -> None:
    cid = container("sleep", "60")
    new_name = unique_name()
    assert cli(live_daemon, "rename", cid, new_name)[:2] == (0, new_name + "\n")
    code, out, _ = cli(live_daemon, "top", new_name, "-o", "pid,comm")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["PID", "COMMAND"] and "sleep" in out
    code, out, _ = cli(live_daemon, "--json", "top", cid)
    assert "PID" in json.loads(out)["titles"]


def test_usage_errors_exit_2(live_daemon: Daemon, cli: Run) -> None:
    assert cli(live_daemon, "wait")[0] == 2
    assert cli(live_daemon, "cp", "a", "b")[0] == 2  # no CONTAINER:PATH side
    assert cli(live_daemon, "cp", "a:/x", "b:/y")[0] == 2


def test_stats_no_stream(live_daemon: Daemon, cli: Run, container: Callable[..., str]) -> None:
    cid = container("sleep", "60")
    code, out, err = cli(live_daemon, "--json", "stats", "--no-stream", cid)
    assert code == 0, err
    [usage] = json.loads(out)
    assert usage["id"] == cid and usage["memory_usage"] > 0 and usage["pids"] >= 1
    stopped = container("true", start=False)  # a stopped container's sample comes at once
    code, out, _ = cli(live_daemon, "stats", "--no-stream", stopped)
    assert code == 0
    assert out.splitlines()[0].split()[:2] == ["CONTAINER", "ID"] and stopped[:12] in out


def test_cp_both_directions(
    live_daemon: Daemon, cli: Run, container: Callable[..., str], tmp_path: Path
) -> None:
    cid = container("true", start=False)
    source = tmp_path / "tree"
    (source / "sub").mkdir(parents=True)
    (source / "sub/file.txt").write_text("payload")
    (tmp_path / "single").write_text("one")

    assert cli(live_daemon, "cp", str(source), f"{cid}:/etc")[0] == 0  # into a directory
    assert cli(live_daemon, "cp", str(tmp_path / "single"), f"{cid}:/etc/renamed")[0] == 0

    out_dir = tmp_path / "out"
    out_dir.mkdir()
    assert cli(live_daemon, "cp", f"{cid}:/etc/tree", str(out_dir))[0] == 0
    assert (out_dir / "tree/sub/file.txt").read_text() == "payload"
    assert cli(live_daemon, "cp", f"{cid}:/etc/renamed", str(out_dir / "copy"))[0] == 0
    assert (out_dir / "copy").read_text() == "one"
    assert cli(live_daemon, "cp", f"{cid}:/etc/tree", str(out_dir / "tree2"))[0] == 0
    assert (out_dir / "tree2/sub/file.txt").read_text() == "payload"

    code, _, err = cli(live_daemon, "cp", f"{cid}:/no/such", str(out_dir))
    assert code == 1 and "404" in err

    assert cli(live_daemon, "cp", f"{cid}:/etc", str(out_dir)) == (0, "", "")
    assert (out_dir / "etc/mtab").readlink() == Path("/proc/mounts")  # copied as a symlink


def a_host_file(directory: Path) -> Path:
    host_file = directory / "file"
    host_file.write_text("x")
    return host_file


def assert_cp_errors(live_daemon: Daemon, cli: Run, cases: list[tuple[tuple[str, str], str]]) -> None:
    """Each ``cp`` exits 1 with nothing on stdout and exactly its message on stderr."""
    for args, message in cases:
        assert cli(live_daemon, "cp", *args) == (1, "", f"engine-client: error: {message}\n")


def test_cp_local_file_errors_exit_1_with_one_line(
    live_daemon: Daemon, cli: Run, container: Callable[..., str], tmp_path: Path
) -> None:
    cid, host_file = container("true", start=False), a_host_file(tmp_path)
    cases = [
        ((f"{cid}:/etc", str(host_file)), f"{host_file}: is a file: cannot copy the directory /etc onto it"),
        ((f"{cid}:/etc", str(tmp_path / "absent/x")), f"{tmp_path / 'absent'}: No such file or directory"),
        ((str(tmp_path / "absent"), f"{cid}:/"), f"{tmp_path / 'absent'}: No such file or directory"),
        ((str(tmp_path), f"{cid}:/etc/hostname"), f"{cid}:/etc/hostname: is a file: cannot copy the directory {tmp_path} onto it"),
    ]
    assert_cp_errors(live_daemon, cli, cases)


def test_run_detached_and_rm_of_several(live_daemon: Daemon, cli: Run, container: Callable[..., str]) -> None:
    name = unique_name()
    code, out, err = cli(live_daemon, "run", "-d", "--label", f"{LABEL}={RUN_ID}", "--name", name, IMAGE, "sleep", "60")
    assert code == 0, err
    cid = out.strip()
    assert len(cid) == 64
    try:
        code, out, _ = cli(live_daemon, "--json", "inspect", cid)
        assert json.loads(out)["State"]["Running"] is True
        stopped = container("true", start=False)
        code, out, err = cli(live_daemon, "rm", "-f", name, "ec-test-no-such-container", stopped)
        assert (code, out.split()) == (1, [name, stopped])
        assert err.count("\n") == 1 and "ec-test-no-such-container" in err
        assert cli(live_daemon, "inspect", cid)[0] == 1
    finally:
        cli(live_daemon, "rm", "-f", cid)


def test_run_detached_rm_that_cannot_start_leaves_nothing(live_daemon: Daemon, cli: Run) -> None:
    name = unique_name()
    code, out, err = cli(live_daemon, "run", "-d", "--rm", "--label", f"{LABEL}={RUN_ID}", "--name", name, IMAGE, "ec-no-such-cmd")
    assert (code, out) == (127, "")
    assert err.count("\n") == 1
    assert cli(live_daemon, "inspect", name)[0] == 1


def test_cp_out_copies_fifos_and_skips_device_nodes(
    live_daemon: Daemon, cli: Run, container: Callable[..., str], tmp_path: Path
) -> None:
    setup = "mkdir -p /data/sub && mkfifo /data/fifo && echo x > /data/f && ln /data/f /data/hard && " \
        "echo y > /data/sub/y && mknod /data/null c 1 3"
    cid = container("sh", "-c", setup)
    assert cli(live_daemon, "wait", cid)[:2] == (0, "0\n")
    code, out, err = cli(live_daemon, "cp", f"{cid}:/data", str(tmp_path / "out"))
    assert (code, out) == (0, "")
    assert err == "engine-client: warning: not extracting 'data/null': device nodes are not created on the host\n"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["f", "fifo", "hard", "sub"]
    assert (tmp_path / "out/fifo").is_fifo() and (tmp_path / "out/sub/y").read_text() == "y\n"
    assert (tmp_path / "out/hard").stat().st_ino == (tmp_path / "out/f").stat().st_ino


def test_cp_to_a_missing_directory_is_refused_as_docker_does(
    live_daemon: Daemon, cli: Run, container: Callable[..., str], tmp_path: Path
) -> None:
    cid, host_file = container("true", start=False), a_host_file(tmp_path)
    cases = [
        ((str(host_file), f"{cid}:/missing/"), f"{cid}:/missing/: no such directory"),
        ((str(host_file), f"{cid}:/etc/hostname/"), f"{cid}:/etc/hostname/: no such directory"),
        ((f"{cid}:/etc/hostname", f"{tmp_path}/missing/"), f"{tmp_path}/missing/: no such directory"),
        ((f"{cid}:/etc/hostname", f"{host_file}/"), f"{host_file}/: Not a directory"),
        ((f"{cid}:/etc", f"{host_file}/"), f"{host_file}/: Not a directory"),
    ]
    assert_cp_errors(live_daemon, cli, cases)
    assert cli(live_daemon, "cp", f"{cid}:/missing", str(tmp_path / "back"))[0] == 1  # nothing was created
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"] and host_file.read_text() == "x"
    # A directory copied out to a missing "dir/" is created, and a file copied into an existing "dir/".
    assert cli(live_daemon, "cp", f"{cid}:/etc", f"{tmp_path}/etc-copy/")[0] == 0
    assert (tmp_path / "etc-copy/hostname").exists()
    assert cli(live_daemon, "cp", str(host_file), f"{cid}:/etc/")[0] == 0
    assert cli(live_daemon, "cp", f"{cid}:/etc/file", str(tmp_path / "back"))[0] == 0
    assert (tmp_path / "back").read_text() == "x"
