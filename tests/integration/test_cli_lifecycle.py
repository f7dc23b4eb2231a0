"""The bundled CLI, run as a user runs it, against every real daemon."""

import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import IMAGE, LABEL, RUN_ID, Daemon


def engine_client(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine_client", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.fixture
def labels(live_daemon: Daemon) -> Iterator[list[str]]:
    """``--label`` options marking what one test creates; all of it is removed afterwards,
    whether or not the test got as far as its own cleanup."""
    marker = f"ec-cli-test={uuid.uuid4().hex[:12]}"
    yield ["--label", f"{LABEL}={RUN_ID}", "--label", marker]
    listed = engine_client("--host", live_daemon.host, "ps", "-a", "-q", "--filter", f"label={marker}")
    assert listed.returncode == 0, listed.stderr
    for container_id in listed.stdout.split():
        engine_client("--host", live_daemon.host, "rm", "-f", container_id)


def test_lifecycle_prints_each_step_with_the_id(live_daemon: Daemon, labels: list[str]) -> None:
    result = engine_client("--host", live_daemon.host, "lifecycle", *labels, IMAGE, "sleep", "30")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["ping", "version", "create", "start", "stop", "remove"]
    container_id = lines[2].split()[-1]
    assert len(container_id) == 12
    assert all(line.split()[-1] == container_id for line in lines[3:])
    assert all(" ms " in line for line in lines)


def test_lifecycle_with_auto_remove_waits_for_the_daemons_removal(
    live_daemon: Daemon, labels: list[str]
) -> None:
    result = engine_client(
        "--host", live_daemon.host, "--json", "lifecycle", "--rm", *labels, IMAGE, "sleep", "30"
    )
    assert result.returncode == 0, result.stderr
    steps = [json.loads(line) for line in result.stdout.splitlines()]
    assert [s["step"] for s in steps] == ["ping", "version", "create", "start", "stop", "remove"]
    assert steps[-1]["auto_remove"] is True
    container_id = steps[2]["id"]
    assert steps[-1]["id"] == container_id
    gone = engine_client("--host", live_daemon.host, "inspect", container_id)
    assert gone.returncode == 1 and "No such container" in gone.stderr


def test_lifecycle_json_and_keep(live_daemon: Daemon, labels: list[str]) -> None:
    result = engine_client(
        "--host", live_daemon.host, "--json", "lifecycle", "--keep", *labels, IMAGE, "sleep", "30"
    )
    assert result.returncode == 0, result.stderr
    steps = [json.loads(line) for line in result.stdout.splitlines()]
    assert [s["step"] for s in steps] == ["ping", "version", "create", "start", "stop"]
    container_id = steps[2]["id"]
    inspected = json.loads(engine_client("--host", live_daemon.host, "--json", "inspect", container_id).stdout)
    assert inspected["State"]["Status"] == "exited"
    assert inspected["Config"]["Labels"][LABEL] == RUN_ID
    assert engine_client("--host", live_daemon.host, "rm", container_id).returncode == 0
    gone = engine_client("--host", live_daemon.host, "inspect", container_id)
    assert gone.returncode == 1
    assert gone.stderr.count("\n") == 1 and "Traceback" not in gone.stderr


def test_missing_image_exits_1_with_the_daemons_message(live_daemon: Daemon) -> None:
    result = engine_client("--host", live_daemon.host, "create", "engine-client-test/absent:zz")
    assert result.returncode == 1
    assert result.stderr.startswith("engine-client: error: ")
    assert "absent" in result.stderr and result.stderr.count("\n") == 1


def test_no_daemon_exits_1_with_one_line(tmp_path: Path) -> None:
    host = f"unix://{tmp_path}/docker.sock"
    result = engine_client("--host", host, "lifecycle", IMAGE)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == f"engine-client: error: cannot connect to the Docker daemon at {host}; is it running?\n"


def _wait_until_running(host: str, name: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        inspected = engine_client("--host", host, "--json", "inspect", name)
        if inspected.returncode == 0 and json.loads(inspected.stdout)["State"]["Running"]:
            return
        time.sleep(0.2)
    raise AssertionError(f"{name} did not start")


@pytest.mark.parametrize("remove", [True, False], ids=["rm", "keep"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_a_cancelling_signal_exits_128_plus_it_removing_the_container_only_with_rm(
    live_daemon: Daemon, labels: list[str], remove: bool, signum: int
) -> None:
    name = f"ec-cli-signal-{uuid.uuid4().hex[:12]}"
    command = [sys.executable, "-m", "engine_client", "--host", live_daemon.host, "run",
               *(["--rm"] if remove else []), "--name", name, *labels, IMAGE, "sleep", "100"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            _wait_until_running(live_daemon.host, name)
            process.send_signal(signum)
            _, stderr = process.communicate(timeout=60)
        finally:
            process.kill()
    assert process.returncode == 128 + signum, stderr
    assert "Traceback" not in stderr
    inspected = engine_client("--host", live_daemon.host, "inspect", name)
    if remove:
        assert inspected.returncode == 1 and "No such container" in inspected.stderr
    else:  # as docker run leaves it: the labels fixture removes it
        assert inspected.returncode == 0, inspected.stderr


@pytest.mark.parametrize("detach", [[], ["-d"]], ids=["attached", "detached"])
def test_run_that_cannot_start_leaves_a_created_container_unless_rm(
    live_daemon: Daemon, labels: list[str], detach: list[str]
) -> None:
    kept, removed = (f"ec-cli-nostart-{uuid.uuid4().hex[:12]}" for _ in range(2))
    for name, rm in ((kept, []), (removed, ["--rm"])):
        result = engine_client("--host", live_daemon.host, "run", *detach, *rm, "--name", name, *labels, IMAGE, "/etc")
        assert (result.returncode, result.stdout) == (126, ""), result.stderr
        assert result.stderr.count("\n") == 1
    inspected = engine_client("--host", live_daemon.host, "--json", "inspect", kept)
    assert inspected.returncode == 0, inspected.stderr
    assert json.loads(inspected.stdout)["State"]["Status"] == "created"
    gone = engine_client("--host", live_daemon.host, "inspect", removed)
    assert gone.returncode == 1 and "No such container" in gone.stderr
