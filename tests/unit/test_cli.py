import json
from pathlib import Path

import httpx
import pytest

from engine_client._cli import main

from .fakes import FakeDaemon
from .test_images_api import progress


def run(capsys: pytest.CaptureFixture[str], argv: list[str], daemon: FakeDaemon | None = None) -> tuple[int, str, str]:
    transport = httpx.MockTransport(daemon.handle) if daemon else None
    code = main(argv, transport=transport)
    out, err = capsys.readouterr()
    return code, out, err


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, [])
    assert code == 2
    assert "usage:" in err


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, ["frobnicate"])
    assert code == 2
    assert "invalid choice" in err


def test_bad_env_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, ["create", "-e", "NOEQUALS", "busybox"])
    assert code == 2
    assert "KEY=VALUE" in err


def test_bad_host_is_a_usage_error_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, ["--host", "ftp://x", "ping"])
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "ftp://x" in err and "Traceback" not in err


def test_unsafe_name_is_refused_before_any_request(capsys: pytest.CaptureFixture[str]) -> None:
    daemon = FakeDaemon()
    code, _, err = run(capsys, ["rm", "-f", "x?force=1"], daemon)
    assert code == 2
    assert "invalid container" in err
    assert daemon.requests == []


def test_no_daemon_exits_1_with_one_line(capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    code, out, err = run(capsys, ["--host", f"unix://{tmp_path}/none.sock", "ping"])
    assert code == 1
    assert out == ""
    assert err == f"engine-client: error: cannot connect to the Docker daemon at unix://{tmp_path}/none.sock; is it running?\n"


def test_api_error_exits_1_with_the_daemons_message(capsys: pytest.CaptureFixture[str]) -> None:
    daemon = FakeDaemon()
    code, _, err = run(capsys, ["start", "ghost"], daemon)
    assert code == 1
    assert err.startswith("engine-client: error: page not found (404 on POST /v1.45/containers/ghost/start)")


def test_create_sends_options_and_prints_the_id(capsys: pytest.CaptureFixture[str]) -> None:
    daemon = FakeDaemon()
    daemon.route("POST", "/v1.45/containers/create", lambda r: httpx.Response(201, json={"Id": "abc123", "Warnings": []}))
    code, out, _ = run(
        capsys,
        ["create", "--name", "web", "-t", "-e", "A=1", "--label", "x=y", "--network", "none", "--rm",
         "busybox", "sleep", "5"],
        daemon,
    )
    assert (code, out) == (0, "abc123\n")
    body = json.loads(daemon.requests[-1].content)
    assert body == {
        "Image": "busybox", "Cmd": ["sleep", "5"], "Env": ["A=1"], "Labels": {"x": "y"}, "Tty": True,
        "HostConfig": {"NetworkMode": "none", "AutoRemove": True},
    }
    assert daemon.requests[-1].url.params["name"] == "web"


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, ["--json", "ping"], FakeDaemon(api_version="1.45"))
    assert code == 0
    assert json.loads(out)["api_version"] == "1.45"


def test_stop_passes_time_and_signal(capsys: pytest.CaptureFixture[str]) -> None:
    daemon = FakeDaemon(api_version="1.45")
    daemon.route("POST", "/v1.45/containers/c1/stop", lambda r: httpx.Response(204))
    code, out, _ = run(capsys, ["stop", "-t", "4", "--signal", "SIGINT", "c1"], daemon)
    assert (code, out) == (0, "c1\n")
    assert dict(daemon.requests[-1].url.params) == {"t": "4", "signal": "SIGINT"}


def test_lifecycle_removes_the_container_when_a_step_fails(capsys: pytest.CaptureFixture[str]) -> None:
    daemon = FakeDaemon()
    daemon.route("POST", "/v1.45/containers/create", lambda r: httpx.Response(201, json={"Id": "abc", "Warnings": []}))
    daemon.route("GET", "/v1.45/version", lambda r: httpx.Response(200, json={"Version": "26.1"}))
    daemon.route("POST", "/v1.45/containers/abc/start", lambda r: httpx.Response(500, json={"message": "boom"}))
    daemon.route("DELETE", "/v1.45/containers/abc", lambda r: httpx.Response(204))
    code, out, err = run(capsys, ["lifecycle", "busybox", "true"], daemon)
    assert code == 1
    assert "boom" in err
    assert daemon.paths()[-1] == "/v1.45/containers/abc"
    assert daemon.requests[-1].method == "DELETE"


def test_unusable_config_file_is_one_warning_line_and_the_pull_goes_on(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Read twice (for the context, then for credentials), shown once, as the docker CLI does.
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    (tmp_path / "config.json").write_text('{"auths": {')
    daemon = FakeDaemon(api_version="1.45")
    daemon.route("POST", "/v1.45/images/create", progress({"status": "Status: Image is up to date"}))
    code, out, err = run(capsys, ["pull", "busybox"], daemon)
    assert code == 0 and "Image is up to date" in out
    assert err.splitlines() == [
        f"WARNING: Error loading config file: cannot read {tmp_path}/config.json: not valid JSON"
    ]
    assert daemon.requests[-1].headers["X-Registry-Auth"] == "e30="
