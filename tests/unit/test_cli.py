import base64
import io
import json
import os
import signal
import subprocess
import sys
import tarfile
from pathlib import Path

import httpx
import pytest

from engine_client import InvalidArgument, NotFound, ServerError
from engine_client._cli import Signalled, build_parser, main, report
from engine_client._cli._common import environment
from engine_client._cli.streams import console_size, run_failure_status

from tests.docker_contexts import use_context, write_context

from .fakes import Chunks, FakeDaemon
from .test_images_api import progress

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup, ExceptionGroup


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
    code, _, err = run(capsys, ["create", "-e", "=x", "busybox"])
    assert code == 2
    assert "invalid environment variable '=x'" in err


def test_env_without_a_value_passes_ours_through_or_leaves_it_out(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EC_TEST_SET", "from host")
    monkeypatch.delenv("EC_TEST_UNSET", raising=False)
    daemon = FakeDaemon()
    daemon.route("POST", "/v1.45/containers/create", httpx.Response(201, json={"Id": "abc123", "Warnings": []}))
    options = ["-e", "EC_TEST_SET", "-e", "EC_TEST_UNSET", "-e", "A=", "busybox"]
    assert run(capsys, ["create", *options], daemon)[0] == 0
    assert json.loads(daemon.requests[-1].content)["Env"] == ["EC_TEST_SET=from host", "A="]
    args = build_parser().parse_args(["exec", "-e", "EC_TEST_SET", "-e", "EC_TEST_UNSET", "c1", "env"])
    assert environment(args.env) == {"EC_TEST_SET": "from host"}


def test_bad_host_is_a_usage_error_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, ["--host", "ftp://x", "ping"])
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "ftp://x" in err and "Traceback" not in err


def test_unsafe_name_is_refused_before_any_request(capsys: pytest.CaptureFixture[str]) -> None:
    daemon = FakeDaemon()
    code, _, err = run(capsys, ["inspect", "x?force=1"], daemon)
    assert code == 2
    assert "invalid container" in err
    assert daemon.requests == []


def test_rm_tries_each_container_and_exits_1_if_any_failed(capsys: pytest.CaptureFixture[str]) -> None:
    daemon = FakeDaemon()
    daemon.route("DELETE", "/v1.45/containers/a", httpx.Response(204))
    daemon.route("DELETE", "/v1.45/containers/c", httpx.Response(204))
    code, out, err = run(capsys, ["rm", "-f", "a", "x?force=1", "b", "c"], daemon)
    assert (code, out) == (1, "a\nc\n")
    assert err.count("engine-client: error: ") == 2 and "invalid container" in err
    assert daemon.paths() == ["/v1.45/containers/a", "/v1.45/containers/b", "/v1.45/containers/c"]
    assert all(r.url.params["force"] in ("1", "true") for r in daemon.requests if r.method == "DELETE")


def test_arguments_a_subcommand_does_not_take_are_told_with_its_usage(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, ["start", "a", "b"])
    assert code == 2
    assert err.startswith("usage: engine-client start ")
    assert err.endswith("engine-client start: error: unrecognized arguments: b\n")
    code, _, err = run(capsys, ["network", "ls", "x"])
    assert code == 2 and err.startswith("usage: engine-client network ls ")


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
    code, _, err = run(capsys, ["lifecycle", "busybox", "true"], daemon)
    assert code == 1
    assert "boom" in err
    assert daemon.paths()[-1] == "/v1.45/containers/abc"
    assert daemon.requests[-1].method == "DELETE"


def multiplexed(*frames: tuple[int, bytes]) -> bytes:
    return b"".join(bytes([kind, 0, 0, 0]) + len(data).to_bytes(4, "big") + data for kind, data in frames)


def container_with_logs(body: bytes) -> FakeDaemon:
    daemon = FakeDaemon()
    daemon.route("GET", "/v1.45/containers/c1/json", httpx.Response(200, json={"Id": "c1", "Config": {"Tty": False}}))
    daemon.route("GET", "/v1.45/containers/c1/logs", lambda _: httpx.Response(200, stream=Chunks(body)))
    return daemon


def test_logs_with_an_error_from_the_daemon_exits_1_with_one_line(capfd: pytest.CaptureFixture[str]) -> None:
    daemon = container_with_logs(multiplexed((1, b"line\n"), (3, b"Error grabbing logs: boom\n")))
    code = main(["logs", "c1"], transport=httpx.MockTransport(daemon.handle))
    out, err = capfd.readouterr()
    assert (code, out) == (1, "line\n")
    assert err == "engine-client: error: error from daemon in stream: Error grabbing logs: boom\n"


def test_errors_inside_task_groups_are_one_line_each(capsys: pytest.CaptureFixture[str]) -> None:
    # ``stats --no-stream`` samples containers in a task group: a NotFound comes out of it
    # wrapped in an exception group.
    code, out, err = run(capsys, ["stats", "--no-stream", "nosuchctr"], FakeDaemon())
    assert (code, out) == (1, "")
    assert err == "engine-client: error: page not found (404 on GET /v1.45/containers/nosuchctr/stats)\n"


def test_streaming_stats_of_a_missing_container_prints_only_the_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, ["stats", "nosuchctr"], FakeDaemon())
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and "nosuchctr" in err


def test_streaming_stats_prints_the_header_with_the_first_row(capsys: pytest.CaptureFixture[str]) -> None:
    daemon = FakeDaemon()
    daemon.route("GET", "/v1.45/containers/c1/stats", httpx.Response(200, stream=Chunks(json.dumps({"name": "/one"}).encode() + b"\n")))
    code, out, _ = run(capsys, ["stats", "c1"], daemon)
    assert code == 0
    header, row = out.splitlines()
    assert header.startswith("CONTAINER ID") and row.split()[:2] == ["c1", "one"]
    daemon.route("GET", "/v1.45/containers/json", httpx.Response(200, json=[]))
    assert run(capsys, ["stats"], daemon)[1].startswith("CONTAINER ID")  # nothing running: an empty table


def test_report_unwraps_groups_and_raises_what_is_not_ours(capsys: pytest.CaptureFixture[str]) -> None:
    group = BaseExceptionGroup("", [NotFound(404, "no a", "GET", "/a"), ExceptionGroup("", [InvalidArgument("bad b")])])
    assert report(group) == 1
    assert capsys.readouterr().err == (
        "engine-client: error: no a (404 on GET /a)\nengine-client: error: bad b\n"
    )
    assert report(ExceptionGroup("", [InvalidArgument("bad")])) == 2
    bug = ExceptionGroup("", [NotFound(404, "no a", "GET", "/a"), ZeroDivisionError()])
    with pytest.raises(ExceptionGroup):
        report(bug)


def test_a_cancelling_signal_wins_over_the_errors_it_caused(capsys: pytest.CaptureFixture[str]) -> None:
    group = BaseExceptionGroup("", [Signalled(signal.SIGTERM), NotFound(404, "no a", "GET", "/a")])
    assert report(group) == 143
    assert report(Signalled(signal.SIGINT)) == 130
    assert capsys.readouterr().err == ""


class ClosedPipe:
    """A stdout whose reader has gone (and its ``buffer``)."""

    def __init__(self) -> None:
        self.buffer = self

    def write(self, data: bytes) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        pass


def test_a_closed_stdout_ends_quietly_with_141(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    daemon = container_with_logs(multiplexed((1, b"line\n"), (1, b"more\n")))
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["logs", "c1"], transport=httpx.MockTransport(daemon.handle)) == 141
    assert capsys.readouterr().err == ""


SCRIPT = """
import sys, httpx
from engine_client._cli import main
from tests.unit.fakes import FakeDaemon
from tests.unit.test_cli import container_with_logs, multiplexed
daemon = container_with_logs(multiplexed(*[(1, b"%d\\n" % i) for i in range(200000)]))
sys.exit(main(["logs", "c1"], transport=httpx.MockTransport(daemon.handle)))
"""


def test_logs_into_head_exits_141_without_a_word() -> None:
    # As ``engine-client logs C | head -1``: the reader goes after one line.
    root = Path(__file__).parents[2]
    with subprocess.Popen(
        [sys.executable, "-c", SCRIPT], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline() == b"0\n"
        process.stdout.close()
        err = process.stderr.read()
        assert (process.wait(timeout=60), err) == (141, b"")


@pytest.mark.parametrize("argv", [["run", "--rm", "-i", "-t", "busybox", "cat"], ["exec", "-i", "-t", "c1", "cat"]])
def test_interactive_tty_needs_a_terminal_on_stdin(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("hi\n"))  # as `echo hi | engine-client ...`
    daemon = FakeDaemon()
    code, out, err = run(capsys, argv, daemon)
    assert (code, out, err) == (1, "", "engine-client: error: the input device is not a TTY\n")
    assert daemon.paths() == []  # refused before anything was created


@pytest.mark.parametrize(
    ("message", "status"),
    [
        ('exec: "nope": executable file not found in $PATH: unknown', 127),
        ("exec: /bin/x: no such file or directory", 127),
        ("exec: /etc: is a directory", 126),
        ("exec: /script: permission denied", 126),
        ("No such image: busybox:nope", 125),
    ],
)
def test_run_failure_status_follows_docker_run(message: str, status: int) -> None:
    assert run_failure_status(ServerError(500, message, "POST", "/containers/x/start")) == status


def test_wait_goes_on_past_a_missing_container_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    daemon = FakeDaemon()
    daemon.route("POST", "/v1.45/containers/c1/wait", lambda _: httpx.Response(200, stream=Chunks(b'{"StatusCode": 3}')))
    code, out, err = run(capsys, ["wait", "ghost", "c1"], daemon)
    assert (code, out) == (1, "3\n")
    assert err == "engine-client: error: page not found (404 on POST /v1.45/containers/ghost/wait)\n"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return 99


@pytest.mark.parametrize(("tty", "stdout", "expected"), [(True, Terminal(), (33, 111)), (True, io.StringIO(), None), (False, Terminal(), None)])
def test_console_size_is_our_terminals_for_a_tty_session(
    tty: bool, stdout: io.StringIO, expected: tuple[int, int] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(os, "get_terminal_size", lambda fd: os.terminal_size((111, 33)) if fd == 99 else None)
    assert console_size(tty) == expected


@pytest.mark.anyio
async def test_exec_sends_the_console_size() -> None:
    daemon = FakeDaemon()
    daemon.route("POST", "/v1.45/containers/c1/exec", lambda _: httpx.Response(201, json={"Id": "e1"}))
    async with daemon.client() as docker:
        await docker.exec.create("c1", ["stty", "size"], tty=True, console_size=(33, 111))
    assert json.loads(daemon.requests[-1].content)["ConsoleSize"] == [33, 111]


def test_lifecycle_refuses_keep_with_auto_remove_before_any_request(
    capsys: pytest.CaptureFixture[str],
) -> None:
    daemon = FakeDaemon()
    code, out, err = run(capsys, ["lifecycle", "--rm", "--keep", "busybox", "true"], daemon)
    assert (code, out) == (2, "")
    assert "--keep" in err and "--rm" in err
    assert daemon.requests == []


def test_lifecycle_with_auto_remove_waits_for_the_removal_instead_of_removing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    daemon = FakeDaemon()
    daemon.route("POST", "/v1.45/containers/create", lambda r: httpx.Response(201, json={"Id": "abc", "Warnings": []}))
    daemon.route("GET", "/v1.45/version", lambda r: httpx.Response(200, json={"Version": "26.1"}))
    daemon.route("POST", "/v1.45/containers/abc/start", lambda r: httpx.Response(204))
    daemon.route("POST", "/v1.45/containers/abc/stop", lambda r: httpx.Response(204))
    daemon.route("POST", "/v1.45/containers/abc/wait", lambda r: httpx.Response(200, stream=Chunks(b'{"StatusCode":137}')))
    code, out, err = run(capsys, ["--json", "lifecycle", "--rm", "busybox", "sleep", "9"], daemon)
    assert (code, err) == (0, "")
    assert [json.loads(line)["step"] for line in out.splitlines()][-2:] == ["stop", "remove"]
    assert json.loads(out.splitlines()[-1])["auto_remove"] is True
    # The wait is registered before the stop, and nothing asks for a removal.
    assert daemon.paths()[-2:] == ["/v1.45/containers/abc/wait", "/v1.45/containers/abc/stop"]
    assert daemon.requests[-2].url.params["condition"] == "removed"
    assert all(r.method != "DELETE" for r in daemon.requests)


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
        "engine-client: warning: Error loading config file: "
        f"cannot read {tmp_path}/config.json: not valid JSON"
    ]
    assert daemon.requests[-1].headers["X-Registry-Auth"] == "e30="


def saving_daemon() -> FakeDaemon:
    daemon = FakeDaemon()
    daemon.route("GET", "/v1.45/images/get", httpx.Response(200, content=b"tar"))
    return daemon


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["load", "-i", "/nonexistent/x.tar"], "/nonexistent/x.tar: No such file or directory"),
        (["import", "/nonexistent/x.tar"], "/nonexistent/x.tar: No such file or directory"),
        (["save", "img", "-o", "/nonexistent/dir/x.tar"], "/nonexistent/dir/x.tar: No such file or directory"),
        (["save", "img", "-o", "/"], "/: Is a directory"),
        (["cp", "/nonexistent/x", "ctr:/"], "/nonexistent/x: No such file or directory"),
    ],
)
def test_local_file_errors_exit_1_with_one_line_naming_the_path(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, argv, saving_daemon())
    assert (code, err) == (1, f"engine-client: error: {message}\n")


def test_an_oserror_without_a_path_is_told_as_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    assert report(ConnectionResetError("reset")) == 1
    assert capsys.readouterr().err == "engine-client: error: reset\n"


def test_the_daemons_warnings_are_one_line_each_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    daemon = FakeDaemon()
    daemon.route(
        "POST", "/v1.45/containers/create",
        httpx.Response(201, json={"Id": "abc123", "Warnings": ["memory limit ignored", "and more"]}),
    )
    code, out, err = run(capsys, ["create", "busybox"], daemon)
    assert (code, out) == (0, "abc123\n")
    assert err == "engine-client: warning: memory limit ignored\nengine-client: warning: and more\n"


@pytest.mark.filterwarnings("default")
def test_python_warnings_are_one_line_on_stderr(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_TLS", "1")  # TLS without verification: the client warns
    monkeypatch.setenv("DOCKER_CERT_PATH", str(tmp_path))
    code, _, err = run(capsys, ["--host", "tcp://127.0.0.1:9", "ping"])
    assert code == 1
    assert err.splitlines()[0] == (
        "engine-client: warning: TLS certificate verification is disabled for tcp://127.0.0.1:9"
    )
    assert len(err.splitlines()) == 2


def listing_daemon(*containers: dict[str, object]) -> FakeDaemon:
    daemon = FakeDaemon()
    daemon.route("GET", "/v1.45/containers/json", httpx.Response(200, json=list(containers)))
    return daemon


def test_ps_cuts_the_command_with_a_real_ellipsis_then_quotes_it(capsys: pytest.CaptureFixture[str]) -> None:
    listed = {"Id": "c" * 64, "Image": "busybox", "Command": "sh -c 'seq 1 200000 | wc -l'",
              "Status": "Up", "Names": ["/web"]}
    code, out, _ = run(capsys, ["ps"], listing_daemon(listed))
    assert code == 0
    assert out.splitlines()[1].split("   ")[2] == '"sh -c \'seq 1 200000…"'


@pytest.mark.parametrize(
    ("argv", "route"),
    [
        (["images", "-q"], ("GET", "/v1.45/images/json", [])),
        (["ps", "-q"], ("GET", "/v1.45/containers/json", [])),
        (["network", "prune"], ("POST", "/v1.45/networks/prune", {"NetworksDeleted": None})),
    ],
)
def test_nothing_listed_prints_nothing(
    capsys: pytest.CaptureFixture[str], argv: list[str], route: tuple[str, str, object]
) -> None:
    daemon = FakeDaemon()
    method, path, body = route
    daemon.route(method, path, httpx.Response(200, json=body))
    assert run(capsys, argv, daemon) == (0, "", "")


def test_tag_prints_nothing_on_success(capsys: pytest.CaptureFixture[str]) -> None:
    daemon = FakeDaemon()
    daemon.route("POST", "/v1.45/images/busybox/tag", httpx.Response(201))
    assert run(capsys, ["tag", "busybox", "web:1"], daemon) == (0, "", "")
    assert daemon.requests[-1].url.params["repo"] == "docker.io/library/web"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("fu%2Fx:1", "invalid image reference 'fu%2Fx:1'"),
        ("Web:1", "invalid image reference 'Web:1': repository name must be lowercase"),
    ],
)
def test_tag_says_why_a_reference_is_invalid(capsys: pytest.CaptureFixture[str], target: str, message: str) -> None:
    assert run(capsys, ["tag", "busybox", target], FakeDaemon()) == (2, "", f"engine-client: error: {message}\n")


def detaching_daemon(start: httpx.Response) -> FakeDaemon:
    daemon = FakeDaemon()
    created = {"Id": "abc123", "Warnings": ["careful"]}
    daemon.route("POST", "/v1.45/containers/create", httpx.Response(201, json=created))
    daemon.route("POST", "/v1.45/containers/abc123/start", start)
    daemon.route("DELETE", "/v1.45/containers/abc123", httpx.Response(204))
    return daemon


def test_run_detached_starts_and_prints_the_id(capsys: pytest.CaptureFixture[str]) -> None:
    daemon = detaching_daemon(httpx.Response(204))
    code, out, err = run(capsys, ["run", "-d", "--rm", "busybox", "sleep", "9"], daemon)
    assert (code, out, err) == (0, "abc123\n", "engine-client: warning: careful\n")
    assert daemon.paths() == ["/v1.45/containers/create", "/v1.45/containers/abc123/start"]
    assert json.loads(daemon.requests[1].content)["HostConfig"] == {"AutoRemove": True}


@pytest.mark.parametrize("rm", [True, False])
def test_run_detached_removes_a_container_that_does_not_start_only_with_rm(
    capsys: pytest.CaptureFixture[str], rm: bool
) -> None:
    refused = httpx.Response(400, json={"message": 'exec: "nope": executable file not found in $PATH'})
    daemon = detaching_daemon(refused)
    code, out, err = run(capsys, ["run", "-d", *(["--rm"] if rm else []), "busybox", "nope"], daemon)
    assert (code, out) == (127, "")
    assert "executable file not found" in err and err.count("\n") == 1
    assert ("DELETE" in [r.method for r in daemon.requests]) is rm


def test_cp_out_tells_a_refused_member_in_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, kind, link in (("d", tarfile.DIRTYPE, ""), ("d/up", tarfile.SYMTYPE, "..")):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, link
            tar.addfile(info)
        planted = tarfile.TarInfo("d/up/planted")
        tar.addfile(planted, io.BytesIO(b""))
    stat = base64.b64encode(json.dumps({"name": "d", "size": 0, "mode": 2147484141}).encode()).decode()
    daemon = FakeDaemon()
    daemon.route("GET", "/v1.45/containers/c1/archive", httpx.Response(
        200, headers={"X-Docker-Container-Path-Stat": stat}, stream=Chunks(buffer.getvalue())
    ))
    code, out, err = run(capsys, ["cp", "c1:/d", str(tmp_path)], daemon)
    assert (code, out) == (1, "")
    assert err == "engine-client: error: refusing to extract 'd/up/planted': it would be written through the symlink 'd/up'\n"
    assert not (tmp_path / "planted").exists()


def test_context_ls_default_endpoint_is_not_the_current_contexts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    long_host = "unix:///run/a-socket-path-longer-than-forty-five-characters.sock"
    write_context(tmp_path, "other", long_host, description="the other")
    use_context(tmp_path, "other")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    code, out, _ = run(capsys, ["context", "ls"])
    assert code == 0
    header, default, other = out.splitlines()
    assert default.split()[:2] == ["default", "unix:///var/run/docker.sock"]
    assert other == f"other *   {long_host}   the other"  # columns three spaces apart, as docker's
    assert header.index("DESCRIPTION") == other.index("the other")
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.0.0.1:2375")
    assert run(capsys, ["context", "ls"])[1].splitlines()[1].split()[:3] == ["default", "*", "tcp://10.0.0.1:2375"]
    assert run(capsys, ["--host", "unix:///x.sock", "context", "ls"])[1].splitlines()[1].split()[:3] == ["default", "*", "unix:///x.sock"]
