"""Reaching daemons over TCP with mutual TLS, over ssh, and through docker CLI contexts.

These tests talk to the extra endpoints ``scripts/test-env`` starts (``tls`` and ``ssh`` in
endpoints.json), each in front of one particular daemon, so they are not parametrised over
every daemon.  Missing endpoints skip them locally and fail them when daemons are required.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

import engine_client._config
from engine_client import BadRequest, Client, ClientConfig, EngineConnectionError, TLSConfig
from engine_client._cli import main
from tests.docker_contexts import use_context, write_context
from tests.integration.conftest import IMAGE, LABEL, RUN_ID, endpoint, endpoints, ensure_image

pytestmark = pytest.mark.anyio

DOCKER_VARIABLES = (
    "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_TLS_VERIFY", "DOCKER_TLS",
    "DOCKER_CERT_PATH", "DOCKER_API_VERSION", "ENGINE_CLIENT_SSH_OPTS",
)


def daemon_host(name: str) -> str:
    return next(d["host"] for d in endpoints()["daemons"] if d["name"] == name)


async def version_of(host: str) -> str | None:
    async with Client(ClientConfig(host=host)) as docker:
        return (await docker.system.version()).version


@pytest.fixture
def tls() -> dict[str, Any]:
    return endpoint("tls")


@pytest.fixture
def ssh() -> dict[str, Any]:
    found = endpoint("ssh")
    if shutil.which("ssh") is None:
        pytest.fail("the ssh endpoint is configured but there is no ssh binary")
    return found


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No docker variables from the caller's environment; an empty DOCKER_CONFIG."""
    for name in DOCKER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "docker-config"
    config.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    yield config


def client_tls(tls: dict[str, Any], **changes: Any) -> TLSConfig:
    base = TLSConfig.from_directory(tls["cert_path"])
    values = {"ca_cert": base.ca_cert, "client_cert": base.client_cert, "client_key": base.client_key}
    return TLSConfig(**{**values, **changes})


# -- TLS -----------------------------------------------------------------------------------


async def test_mutual_tls(tls: dict[str, Any]) -> None:
    config = ClientConfig(host=tls["host"], tls=client_tls(tls))
    async with Client(config) as docker:
        ping = await docker.system.ping()
        version = await docker.system.version()
        info = await docker.system.info()
        assert ping.api_version and info.server_version == version.version
    assert version.version == await version_of(daemon_host(tls["daemon"]))


async def test_wrong_ca_fails_verification(tls: dict[str, Any]) -> None:
    config = ClientConfig(host=tls["host"], tls=client_tls(tls, ca_cert=tls["wrong_ca"]))
    async with Client(config) as docker:
        with pytest.raises(EngineConnectionError, match="TLS .* certificate verify failed"):
            await docker.system.ping()


async def test_no_client_certificate_is_refused_by_the_daemon(tls: dict[str, Any]) -> None:
    config = ClientConfig(host=tls["host"], tls=client_tls(tls, client_cert=None, client_key=None))
    async with Client(config) as docker:
        with pytest.raises(EngineConnectionError, match="TLS .* failed: .*certificate"):
            await docker.system.ping()


async def test_plain_http_to_the_tls_port_fails_without_retrying_in_tls(tls: dict[str, Any]) -> None:
    # Without TLS settings the client speaks plain HTTP and never switches to TLS by itself:
    # the daemon's TLS listener answers the plain request with a 400.
    async with Client(ClientConfig(host=tls["host"])) as docker:
        with pytest.raises(BadRequest, match="HTTPS"):
            await docker.system.ping()


async def test_tls_from_the_environment(tls: dict[str, Any], clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", tls["host"])
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    monkeypatch.setenv("DOCKER_CERT_PATH", tls["cert_path"])
    async with Client.from_env() as docker:
        assert docker.config.tls is not None and docker.config.tls.verify
        assert (await docker.system.version()).version == await version_of(daemon_host(tls["daemon"]))


async def test_cert_path_defaults_to_docker_config(tls: dict[str, Any], clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ca.pem", "cert.pem", "key.pem"):
        shutil.copy(Path(tls["cert_path"]) / name, clean_env / name)
    monkeypatch.setenv("DOCKER_HOST", tls["host"])
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    async with Client.from_env() as docker:
        assert (await docker.system.ping()).api_version


async def stdin_round_trip(docker: Client) -> None:
    """Exec and run with stdin: the half-close must reach the process (``wc``, ``cat`` end)."""
    await ensure_image(docker)
    payload = bytes(range(256)) * 400
    created = await docker.containers.create(IMAGE, ["sleep", "60"], labels={LABEL: RUN_ID})
    try:
        await docker.containers.start(created.id)
        with anyio.fail_after(30):
            counted = await docker.exec.run(created.id, ["wc", "-c"], stdin=payload)
            ran = await docker.containers.run(
                IMAGE, ["cat"], stdin=payload, remove=True, labels={LABEL: RUN_ID}
            )
    finally:
        await docker.containers.remove(created.id, force=True)
    assert (counted.exit_code, counted.stdout.strip(), counted.stderr) == (0, b"102400", b"")
    assert (ran.exit_code, ran.stdout == payload) == (0, True)


async def test_tls_stdin_half_close(tls: dict[str, Any]) -> None:
    async with Client(ClientConfig(host=tls["host"], tls=client_tls(tls))) as docker:
        await stdin_round_trip(docker)


# -- ssh -----------------------------------------------------------------------------------


def ssh_children() -> list[int]:
    """Our child processes running ``docker system dial-stdio`` (zombies included)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and b"dial-stdio" in cmdline:
            found.append(int(entry.name))
    return found


def ssh_config(ssh: dict[str, Any]) -> ClientConfig:
    return ClientConfig(host=ssh["host"], ssh_options=("-F", ssh["config"]))


async def test_ssh_reaches_the_daemon_and_reuses_one_process(ssh: dict[str, Any]) -> None:
    async with Client(ssh_config(ssh)) as docker:
        ping = await docker.system.ping()
        version = await docker.system.version()
        for _ in range(3):
            await docker.system.ping()
        assert len(ssh_children()) == 1  # sequential requests share one pooled connection
        assert ping.api_version
    assert ssh_children() == []  # terminated and reaped on close
    assert version.version == await version_of(daemon_host(ssh["daemon"]))


async def test_ssh_container_round_trip(ssh: dict[str, Any]) -> None:
    async with Client(ssh_config(ssh)) as docker:
        await ensure_image(docker)
        created = await docker.containers.create(IMAGE, ["sh", "-c", "exit 5"], labels={LABEL: RUN_ID})
        try:
            await docker.containers.start(created.id)
            assert (await docker.containers.wait(created.id)).status_code == 5
        finally:
            await docker.containers.remove(created.id, force=True)


async def test_ssh_stdin_half_close(ssh: dict[str, Any]) -> None:
    async with Client(ssh_config(ssh)) as docker:
        await stdin_round_trip(docker)
    assert ssh_children() == []


async def test_ssh_concurrent_requests_use_one_process_each(ssh: dict[str, Any]) -> None:
    async with Client(ssh_config(ssh)) as docker:
        await docker.system.ping()
        async with anyio.create_task_group() as tasks:
            for _ in range(3):
                tasks.start_soon(docker.system.info)
        assert 1 <= len(ssh_children()) <= 3
    assert ssh_children() == []


async def test_ssh_failures_are_clear(ssh: dict[str, Any]) -> None:
    refused = ClientConfig(host=ssh["host"].replace("root@", "nobody@"), ssh_options=("-F", ssh["config"]))
    async with Client(refused) as docker:
        with pytest.raises(EngineConnectionError, match=r"ssh to .* failed \(exit status 255\).*Permission denied"):
            await docker.system.ping()
    # The remote docker cannot reach the socket named in the URL.
    no_socket = ClientConfig(host=ssh["host"] + "/run/no-such-docker.sock", ssh_options=("-F", ssh["config"]))
    async with Client(no_socket) as docker:
        with pytest.raises(EngineConnectionError, match="no-such-docker.sock"):
            await docker.system.ping()
    assert ssh_children() == []


async def test_ssh_options_from_the_environment(ssh: dict[str, Any], clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", ssh["host"])
    monkeypatch.setenv("ENGINE_CLIENT_SSH_OPTS", f"-F {ssh['config']}")
    async with Client.from_env() as docker:
        assert (await docker.system.ping()).api_version


# -- contexts ------------------------------------------------------------------------------


@pytest.fixture
def contexts(tls: dict[str, Any], clean_env: Path) -> dict[str, str]:
    """A context store with a unix context, a TLS context and the CLI's current context."""
    daemons = endpoints()["daemons"]
    unix_daemon = daemons[-1]
    write_context(clean_env, "ec-unix", unix_daemon["host"], description="unix")
    files = {name: Path(tls["cert_path"]) / name for name in ("ca.pem", "cert.pem", "key.pem")}
    write_context(clean_env, "ec-tls", tls["host"], tls_files=files, description="mutual TLS")
    write_context(clean_env, "ec-wrong-ca", tls["host"], tls_files={**files, "ca.pem": Path(tls["wrong_ca"])})
    write_context(
        clean_env, "ec-skip", tls["host"], skip_tls_verify=True,
        tls_files={"cert.pem": files["cert.pem"], "key.pem": files["key.pem"]},
    )
    use_context(clean_env, "ec-unix")
    return {"ec-unix": unix_daemon["host"], "ec-tls": daemon_host(tls["daemon"])}


async def test_current_context_and_docker_context(contexts: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    async with Client.from_env() as docker:  # currentContext in config.json
        assert docker.config.context == "ec-unix"
        assert (await docker.system.version()).version == await version_of(contexts["ec-unix"])
    monkeypatch.setenv("DOCKER_CONTEXT", "ec-tls")
    async with Client.from_env() as docker:
        assert docker.config.context == "ec-tls" and docker.config.tls is not None
        assert (await docker.system.version()).version == await version_of(contexts["ec-tls"])


async def test_context_tls_verification(contexts: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_client._config, "_warned", set())  # it warns once per process
    async with Client.from_env(context="ec-wrong-ca") as docker:
        with pytest.raises(EngineConnectionError, match="certificate verify failed"):
            await docker.system.ping()
    with pytest.warns(UserWarning, match="verification is disabled"):
        docker = Client.from_env(context="ec-skip")
    async with docker:
        assert (await docker.system.ping()).api_version


async def test_docker_host_wins_over_docker_context(
    contexts: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = endpoints()["daemons"][0]["host"]
    monkeypatch.setenv("DOCKER_CONTEXT", "ec-tls")
    monkeypatch.setenv("DOCKER_HOST", first)
    async with Client.from_env() as docker:
        assert docker.config.context is None and docker.config.host == first
        assert (await docker.system.version()).version == await version_of(first)


def test_cli_context_ls_and_global_flag(
    contexts: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["context", "ls"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[1:]] == ["default", "ec-skip", "ec-tls", "ec-unix", "ec-wrong-ca"]
    assert next(line for line in lines if line.startswith("ec-unix")).split()[1] == "*"

    assert main(["--json", "--context", "ec-tls", "version"]) == 0
    tls_version = capsys.readouterr().out
    assert main(["--json", "context", "ls"]) == 0
    assert '"current": true, "description": "unix"' in capsys.readouterr().out

    monkeypatch.setenv("DOCKER_HOST", contexts["ec-unix"])
    assert main(["--context", "ec-tls", "--json", "version"]) == 0  # the flag beats DOCKER_HOST
    assert capsys.readouterr().out == tls_version
    assert main(["--context", "nope", "ping"]) == 2
    assert "nope" in capsys.readouterr().err
    assert main(["--context", "ec-tls", "--host", contexts["ec-unix"], "ping"]) == 2
