"""The image commands of the CLI, run as a user runs them, against every daemon and the
local registries."""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine_client._cli import main
from tests.integration.conftest import IMAGE, Daemon, endpoint, unique_name
from tests.integration.images_support import rootfs


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


CLI = Callable[..., Result]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CLI:
    """Run the CLI in this process (as ``engine-client --host ... ARGS``); stdout is not a
    terminal.  In-process rather than a subprocess: the same code path, without a Python
    start-up per command."""

    def run(
        daemon: Daemon, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> Result:
        with monkeypatch.context() as patch:
            for key, value in (env or {}).items():
                patch.setenv(key, value)
            patch.setattr(sys, "stdin", io.StringIO(stdin or ""))
            code = main(["--host", daemon.host, *args])
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


@pytest.fixture
def registry() -> dict[str, str]:
    return endpoint("registry")


@pytest.fixture
def names(live_daemon: Daemon, cli: CLI) -> Iterator[list[str]]:
    """Image names a test makes; all force-removed afterwards."""
    made: list[str] = []
    yield made
    if made:
        cli(live_daemon, "rmi", "-f", *made)


def test_push_rmi_pull_with_plain_progress_lines(
    live_daemon: Daemon, cli: CLI, names: list[str], registry: dict[str, str]
) -> None:
    remote = f"{registry['plain']}/ec-cli/{unique_name('img')}:v1"
    names.append(remote)
    assert cli(live_daemon, "tag", IMAGE, remote).returncode == 0
    pushed = cli(live_daemon, "push", remote)
    assert pushed.returncode == 0, pushed.stderr
    assert "\x1b[" not in pushed.stdout  # not a terminal: no cursor movement
    layer_lines = [line for line in pushed.stdout.splitlines() if re.match(r"[0-9a-f]{12}: ", line)]
    assert layer_lines  # "Pushed", "Layer already exists" or "Mounted from ..."
    assert cli(live_daemon, "rmi", remote).returncode == 0
    pulled = cli(live_daemon, "pull", remote)
    assert pulled.returncode == 0, pulled.stderr
    assert pulled.stdout.splitlines()[-1].startswith("Status: ")
    listed = cli(live_daemon, "--json", "images", remote)
    assert [tag for image in json.loads(listed.stdout) for tag in image["repo_tags"]] == [remote]


def test_push_to_dead_registry_exits_1_with_one_line(live_daemon: Daemon, cli: CLI, names: list[str]) -> None:
    remote = f"127.0.0.1:1/ec-cli/{unique_name('img')}:v1"
    names.append(remote)
    cli(live_daemon, "tag", IMAGE, remote)
    result = cli(live_daemon, "push", remote)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "The push refers to repository" in result.stdout


def test_build_streams_output_then_history_and_rmi(
    live_daemon: Daemon, cli: CLI, names: list[str], tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM {IMAGE}\nARG WHO\nRUN echo \"built by $WHO\"\n")
    tag = f"{unique_name('ec-cli-build')}:v1"
    names.append(tag)
    built = cli(
        live_daemon, "build", str(tmp_path), "-t", tag, "--build-arg", "WHO=cli",
        "--label", "ec.cli=1", "--network", "none", "--builder", "1",
    )
    assert built.returncode == 0, built.stderr
    assert "built by cli" in built.stdout
    history = cli(live_daemon, "history", tag)
    assert history.returncode == 0 and history.stdout.startswith("IMAGE")
    assert "echo" in history.stdout
    removed = cli(live_daemon, "rmi", tag)
    assert removed.returncode == 0 and f"Untagged: {tag}" in removed.stdout


def test_rmi_tries_every_image_and_reports_each_failure(
    live_daemon: Daemon, cli: CLI, names: list[str]
) -> None:
    first, second = (f"{unique_name('ec-cli-rmi')}:v{n}" for n in (1, 2))
    missing = f"{unique_name('ec-cli-rmi-missing')}:v1"
    names += [first, second]
    for name in (first, second):
        assert cli(live_daemon, "tag", IMAGE, name).returncode == 0
    removed = cli(live_daemon, "rmi", first, missing, second)
    assert removed.returncode == 1
    assert removed.stdout.splitlines() == [f"Untagged: {first}", f"Untagged: {second}"]
    [error] = removed.stderr.strip().splitlines()
    assert missing in error
    assert cli(live_daemon, "images", "-q", first).stdout.strip() == ""
    assert cli(live_daemon, "images", "-q", second).stdout.strip() == ""
    # As docker: with --force a missing image is reported but does not fail the command.
    forced = cli(live_daemon, "rmi", "-f", missing)
    assert forced.returncode == 0 and missing in forced.stderr


def test_import_save_load_round_trip(live_daemon: Daemon, cli: CLI, names: list[str], tmp_path: Path) -> None:
    source = tmp_path / "rootfs.tar"
    source.write_bytes(rootfs(b"cli"))
    repo = f"{unique_name('ec-cli-import')}:v1"
    names.append(repo)
    imported = cli(live_daemon, "import", str(source), repo, "-c", "LABEL ec.cli=import", "-m", "via cli")
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith("sha256:")
    archive = tmp_path / "saved.tar"
    assert cli(live_daemon, "save", repo, "-o", str(archive)).returncode == 0
    assert archive.stat().st_size > 1_000_000
    assert cli(live_daemon, "rmi", repo).returncode == 0
    loaded = cli(live_daemon, "load", "-i", str(archive))
    assert loaded.returncode == 0, loaded.stderr
    assert f"Loaded image: {repo}" in loaded.stdout


def test_login_checks_and_stores_without_printing_the_password(
    live_daemon: Daemon, cli: CLI, names: list[str], registry: dict[str, str], tmp_path: Path
) -> None:
    env = {"DOCKER_CONFIG": str(tmp_path)}
    wrong = cli(live_daemon, "login", registry["auth"], "-u", registry["username"],
                "--password-stdin", stdin="not-the-password\n", env=env)
    assert wrong.returncode == 1
    assert "not-the-password" not in wrong.stdout + wrong.stderr
    assert not (tmp_path / "config.json").exists()

    unstored = cli(live_daemon, "login", registry["auth"], "-u", registry["username"],
                   "--password-stdin", stdin=registry["password"] + "\n", env=env)
    assert unstored.returncode == 0 and "Login Succeeded" in unstored.stdout
    assert not (tmp_path / "config.json").exists()  # stored only when asked

    stored = cli(live_daemon, "login", registry["auth"], "-u", registry["username"],
                 "--password-stdin", "--store", stdin=registry["password"] + "\n", env=env)
    assert stored.returncode == 0, stored.stderr
    assert registry["password"] not in stored.stdout + stored.stderr
    assert registry["auth"] in json.loads((tmp_path / "config.json").read_text())["auths"]

    remote = f"{registry['auth']}/ec-cli/{unique_name('img')}:v1"
    names.append(remote)
    cli(live_daemon, "tag", IMAGE, remote)
    pushed = cli(live_daemon, "push", remote, env=env)  # with the stored credentials
    assert pushed.returncode == 0, pushed.stderr
    assert registry["password"] not in pushed.stdout + pushed.stderr
