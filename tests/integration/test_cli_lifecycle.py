"""The bundled CLI, run as a user runs it, against every real daemon."""

import json
import subprocess
import sys
from pathlib import Path

from .conftest import IMAGE, Daemon


def engine_client(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine_client", *args], capture_output=True, text=True, timeout=120
    )


def test_lifecycle_prints_each_step_with_the_id(live_daemon: Daemon) -> None:
    result = engine_client("--host", live_daemon.host, "lifecycle", "--label", "engine-client-test=cli", IMAGE, "sleep", "30")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["ping", "version", "create", "start", "stop", "remove"]
    container_id = lines[2].split()[-1]
    assert len(container_id) == 12
    assert all(line.split()[-1] == container_id for line in lines[3:])
    assert all(" ms " in line for line in lines)


def test_lifecycle_json_and_keep(live_daemon: Daemon) -> None:
    result = engine_client("--host", live_daemon.host, "--json", "lifecycle", "--keep", IMAGE, "sleep", "30")
    assert result.returncode == 0, result.stderr
    steps = [json.loads(line) for line in result.stdout.splitlines()]
    assert [s["step"] for s in steps] == ["ping", "version", "create", "start", "stop"]
    container_id = steps[2]["id"]
    inspected = engine_client("--host", live_daemon.host, "--json", "inspect", container_id)
    assert json.loads(inspected.stdout)["State"]["Status"] == "exited"
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
