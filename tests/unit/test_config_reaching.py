"""Reaching a daemon: resolution order, TLS settings, ssh endpoints, the context store."""

from __future__ import annotations

import os
import ssl
import warnings
from pathlib import Path

import anyio
import pytest

from engine_client import (
    DEFAULT_HOST,
    Client,
    ClientConfig,
    ConfigError,
    ConfigFileWarning,
    EngineConnectionError,
    TLSConfig,
)
from engine_client._config import Endpoint, warn_if_insecure
from engine_client._connectors import StderrTail, ssh_command, ssh_connector
from engine_client._contexts import list_contexts
from tests.docker_contexts import use_context, write_context

CTX_HOST = "unix:///run/ctx.sock"


@pytest.fixture
def docker_config(tmp_path: Path) -> Path:
    directory = tmp_path / "docker-config"
    write_context(directory, "ctx", CTX_HOST, description="a context")
    write_context(directory, "other", "unix:///run/other.sock")
    return directory


def env(docker_config: Path, **values: str) -> dict[str, str]:
    return {"DOCKER_CONFIG": str(docker_config), **values}


# -- resolution order ----------------------------------------------------------------------


def test_default_is_the_local_socket() -> None:
    config = ClientConfig.from_env({})
    assert config.host == "unix:///var/run/docker.sock"
    assert config.context is None and config.tls is None


def test_explicit_host_beats_everything(docker_config: Path) -> None:
    use_context(docker_config, "other")
    environ = env(docker_config, DOCKER_HOST="unix:///env.sock", DOCKER_CONTEXT="ctx")
    assert ClientConfig.from_env(environ, host="unix:///arg.sock").host == "unix:///arg.sock"


def test_explicit_context_beats_docker_host(docker_config: Path) -> None:
    environ = env(docker_config, DOCKER_HOST="unix:///env.sock")
    config = ClientConfig.from_env(environ, context="ctx")
    assert (config.host, config.context) == (CTX_HOST, "ctx")


def test_docker_host_beats_docker_context(docker_config: Path) -> None:
    environ = env(docker_config, DOCKER_HOST="unix:///env.sock", DOCKER_CONTEXT="ctx")
    config = ClientConfig.from_env(environ)
    assert (config.host, config.context) == ("unix:///env.sock", None)


def test_docker_context_beats_current_context(docker_config: Path) -> None:
    use_context(docker_config, "other")
    assert ClientConfig.from_env(env(docker_config, DOCKER_CONTEXT="ctx")).host == CTX_HOST
    assert ClientConfig.from_env(env(docker_config)).host == "unix:///run/other.sock"


def test_default_context_means_the_environment(docker_config: Path) -> None:
    use_context(docker_config, "ctx")
    assert ClientConfig.from_env(env(docker_config, DOCKER_CONTEXT="default")).host == (
        "unix:///var/run/docker.sock"
    )


def test_config_dir_defaults_to_home(tmp_path: Path) -> None:
    write_context(tmp_path / ".docker", "ctx", CTX_HOST)
    use_context(tmp_path / ".docker", "ctx")
    assert ClientConfig.from_env({"HOME": str(tmp_path)}).host == CTX_HOST


def test_host_and_context_together_are_refused(docker_config: Path) -> None:
    with pytest.raises(ConfigError):
        ClientConfig.from_env(env(docker_config), host="unix:///a.sock", context="ctx")


def test_unknown_context_is_a_config_error(docker_config: Path) -> None:
    with pytest.raises(ConfigError, match="nope"):
        ClientConfig.from_env(env(docker_config, DOCKER_CONTEXT="nope"))


def test_malformed_context_file_is_a_config_error(docker_config: Path) -> None:
    write_context(docker_config, "broken", "unix:///x.sock")
    meta = next(p for p in (docker_config / "contexts" / "meta").glob("*/meta.json") if "broken" in p.read_text())
    meta.write_text("{not json")
    with pytest.raises(ConfigError):
        ClientConfig.from_env(env(docker_config, DOCKER_CONTEXT="broken"))


def test_unusable_config_json_is_ignored_with_a_warning_like_the_cli(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"currentContext": ')
    with pytest.warns(ConfigFileWarning, match="config.json: not valid JSON"):
        config = ClientConfig.from_env({"DOCKER_CONFIG": str(tmp_path)})
    assert config.host == DEFAULT_HOST  # no currentContext: the default context


def test_list_contexts(docker_config: Path) -> None:
    contexts = list_contexts(env(docker_config))
    assert [c.name for c in contexts] == ["default", "ctx", "other"]
    assert contexts[1].host == CTX_HOST and contexts[1].description == "a context"
    assert [c.name for c in list_contexts({})] == ["default"]


# -- TLS -----------------------------------------------------------------------------------


@pytest.fixture
def certs(tmp_path: Path) -> Path:
    directory = tmp_path / "certs"
    directory.mkdir()
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (directory / name).write_text("not really PEM")
    return directory


@pytest.mark.parametrize("value", ["1", "0", "false", "yes"])
def test_docker_tls_verify_any_non_empty_value_verifies(certs: Path, value: str) -> None:
    environ = {"DOCKER_HOST": "tcp://example.com:2376", "DOCKER_TLS_VERIFY": value, "DOCKER_CERT_PATH": str(certs)}
    tls = ClientConfig.from_env(environ).tls
    assert tls == TLSConfig(
        ca_cert=str(certs / "ca.pem"),
        client_cert=str(certs / "cert.pem"),
        client_key=str(certs / "key.pem"),
        verify=True,
    )


def test_empty_docker_tls_verify_is_unset() -> None:
    config = ClientConfig.from_env({"DOCKER_HOST": "tcp://127.0.0.1:2375", "DOCKER_TLS_VERIFY": ""})
    assert config.tls is None


def test_cert_path_defaults_to_the_config_dir(certs: Path) -> None:
    environ = {"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS_VERIFY": "1", "DOCKER_CONFIG": str(certs)}
    tls = ClientConfig.from_env(environ).tls
    assert tls is not None and tls.ca_cert == str(certs / "ca.pem") and tls.verify


def test_cert_path_alone_turns_tls_on_with_verification(certs: Path) -> None:
    tls = ClientConfig.from_env({"DOCKER_HOST": "tcp://h:2376", "DOCKER_CERT_PATH": str(certs)}).tls
    assert tls is not None and tls.verify


def test_docker_tls_without_verify_is_the_insecure_opt_in(certs: Path) -> None:
    environ = {"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS": "1", "DOCKER_CERT_PATH": str(certs)}
    tls = ClientConfig.from_env(environ).tls
    assert tls is not None and not tls.verify
    both = ClientConfig.from_env({**environ, "DOCKER_TLS_VERIFY": "1"}).tls
    assert both is not None and both.verify


def test_tls_without_host_goes_to_localhost_2376(certs: Path) -> None:
    config = ClientConfig.from_env({"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(certs)})
    assert config.host == "tcp://localhost:2376" and config.tls is not None


def test_tls_environment_does_not_apply_to_unix_sockets(certs: Path) -> None:
    environ = {"DOCKER_HOST": "unix:///x.sock", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(certs)}
    assert ClientConfig.from_env(environ).tls is None
    with pytest.raises(ConfigError):
        ClientConfig(host="unix:///x.sock", tls=TLSConfig())


def test_explicit_tls_beats_the_environment(certs: Path) -> None:
    explicit = TLSConfig(ca_cert="/explicit/ca.pem")
    environ = {"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(certs)}
    assert ClientConfig.from_env(environ, tls=explicit).tls == explicit


def test_context_tls_material_and_skip_verify(docker_config: Path, certs: Path) -> None:
    files = {name: certs / name for name in ("ca.pem", "cert.pem", "key.pem")}
    write_context(docker_config, "secure", "tcp://h:2376", tls_files=files)
    write_context(docker_config, "skip", "tcp://h:2376", tls_files=files, skip_tls_verify=True)
    write_context(docker_config, "skip-bare", "tcp://h:2376", skip_tls_verify=True)
    write_context(docker_config, "plain", "tcp://127.0.0.1:2375")
    secure = ClientConfig.from_env(env(docker_config, DOCKER_CONTEXT="secure")).tls
    assert secure is not None and secure.verify and secure.client_key and secure.client_key.endswith("/docker/key.pem")
    skip = ClientConfig.from_env(env(docker_config, DOCKER_CONTEXT="skip")).tls
    assert skip is not None and not skip.verify and skip.ca_cert
    assert ClientConfig.from_env(env(docker_config, DOCKER_CONTEXT="skip-bare")).tls == TLSConfig(verify=False)
    # The environment's TLS settings belong to DOCKER_HOST, not to a context.
    plain = env(docker_config, DOCKER_CONTEXT="plain", DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=str(certs))
    assert ClientConfig.from_env(plain).tls is None


def test_tls_config_needs_cert_and_key_together(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        TLSConfig(client_cert="/c.pem")
    (tmp_path / "cert.pem").write_text("x")
    with pytest.raises(ConfigError):
        TLSConfig.from_directory(tmp_path)


def test_unreadable_tls_material_is_a_config_error(certs: Path) -> None:
    with pytest.raises(ConfigError):
        TLSConfig(ca_cert=str(certs / "missing.pem")).ssl_context()
    with pytest.raises(ConfigError):
        TLSConfig.from_directory(certs).ssl_context()  # files that are not PEM


def test_ssl_context_defaults() -> None:
    context = TLSConfig().ssl_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    insecure = TLSConfig(verify=False).ssl_context()
    assert insecure.verify_mode == ssl.CERT_NONE and not insecure.check_hostname


def test_plain_tcp_beyond_loopback_warns_once() -> None:
    remote = ClientConfig(host="tcp://192.0.2.7:2375")
    with pytest.warns(UserWarning, match="plain, unauthenticated TCP"):
        warn_if_insecure(remote)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_if_insecure(remote)  # once
        warn_if_insecure(ClientConfig(host="tcp://127.0.0.1:2375"))
        warn_if_insecure(ClientConfig(host="tcp://localhost:2375"))
        warn_if_insecure(ClientConfig(host="tcp://[::1]:2375"))
        warn_if_insecure(ClientConfig(host="tcp://192.0.2.8:2376", tls=TLSConfig()))


def test_unverified_tls_warns() -> None:
    with pytest.warns(UserWarning, match="verification is disabled"):
        warn_if_insecure(ClientConfig(host="tcp://192.0.2.9:2376", tls=TLSConfig(verify=False)))


# -- ssh -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "user", "name", "port", "path", "url"),
    [
        ("ssh://example.com", None, "example.com", None, "", "ssh://example.com"),
        ("ssh://me@example.com:2222", "me", "example.com", 2222, "", "ssh://me@example.com:2222"),
        ("ssh://me@h/run/d.sock", "me", "h", None, "/run/d.sock", "ssh://me@h/run/d.sock"),
        ("ssh://[::1]:22", None, "::1", 22, "", "ssh://[::1]:22"),
    ],
)
def test_ssh_endpoint(host: str, user: str | None, name: str, port: int | None, path: str, url: str) -> None:
    endpoint = Endpoint.parse(host)
    assert (endpoint.scheme, endpoint.user, endpoint.address, endpoint.port, endpoint.base_path) == (
        "ssh", user, name, port, path,
    )
    assert endpoint.url == url


@pytest.mark.parametrize(
    "host",
    ["ssh://", "ssh://me:pw@h", "ssh://-oProxyCommand=x", "ssh://-x@h", "ssh://h?x=1", "ssh://h/a b", "ssh://h:99999"],
)
def test_ssh_endpoint_refused(host: str) -> None:
    with pytest.raises(ConfigError):
        Endpoint.parse(host)


def test_ssh_command_like_the_docker_cli() -> None:
    assert ssh_command(Endpoint.parse("ssh://me@h:2222"), ["-F", "/cfg"]) == [
        "ssh", "-F", "/cfg", "-o", "ConnectTimeout=30", "-T", "-l", "me", "-p", "2222",
        "--", "h", "docker", "system", "dial-stdio",
    ]
    assert ssh_command(Endpoint.parse("ssh://h/run/my;sock")) == [
        "ssh", "-o", "ConnectTimeout=30", "-T", "--", "h", "docker",
        "'--host=unix:///run/my;sock'", "system", "dial-stdio",
    ]


def test_ssh_options_from_the_environment() -> None:
    config = ClientConfig.from_env({"DOCKER_HOST": "ssh://h", "ENGINE_CLIENT_SSH_OPTS": "-F '/a b/cfg' -v"})
    assert config.ssh_options == ("-F", "/a b/cfg", "-v")
    assert ClientConfig.from_env({"DOCKER_HOST": "ssh://h"}, ssh_options=["-4"]).ssh_options == ("-4",)
    with pytest.raises(ConfigError):
        ClientConfig.from_env({"DOCKER_HOST": "ssh://h", "ENGINE_CLIENT_SSH_OPTS": "-F 'unclosed"})


@pytest.mark.anyio
async def test_missing_ssh_binary_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    connect = ssh_connector(Endpoint.parse("ssh://me@h"))
    with pytest.raises(EngineConnectionError, match="no ssh binary"):
        await connect()


def fake_ssh(directory: Path, script: str) -> None:
    ssh = directory / "ssh"
    ssh.write_text("#!/bin/sh\n" + script)
    ssh.chmod(0o755)


@pytest.mark.anyio
async def test_missing_remote_docker_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What a remote shell does without docker: a message on stderr, status 127, no output.
    fake_ssh(tmp_path, 'cat >/dev/null & echo "sh: 1: docker: not found" >&2; exit 127\n')
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ.get('PATH', '')}")
    async with Client(ClientConfig(host="ssh://me@example.invalid")) as docker:
        with pytest.raises(EngineConnectionError, match=r"exit status 127\): sh: 1: docker: not found"):
            await docker.system.ping()


@pytest.mark.anyio
async def test_ssh_process_is_reaped_on_close(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A "remote docker" that answers one ping per connection and then idles like dial-stdio.
    fake_ssh(
        tmp_path,
        'echo "$$" >"$(dirname "$0")/pid"\n'
        "printf 'HTTP/1.1 200 OK\\r\\nApi-Version: 1.45\\r\\nContent-Length: 0\\r\\n\\r\\n'\n"
        "exec sleep 60\n",
    )
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ.get('PATH', '')}")
    async with Client(ClientConfig(host="ssh://h", api_version="1.45")) as docker:
        assert (await docker.system.ping()).api_version == "1.45"
        pid = int((tmp_path / "pid").read_text())
        assert Path(f"/proc/{pid}").exists()
    assert not Path(f"/proc/{pid}").exists()  # terminated and waited for: not even a zombie


@pytest.mark.anyio
async def test_chatty_ssh_never_blocks_on_its_stderr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Like ``ssh -vvv``: far more on stderr than a pipe holds, before and between answers.
    fake_ssh(
        tmp_path,
        "chatter() { i=0; while [ $i -lt 10000 ]; do echo \"debug3: line $i of chatter\" >&2; i=$((i+1)); done; }\n"
        "chatter\n"
        "printf 'HTTP/1.1 200 OK\\r\\nApi-Version: 1.45\\r\\nContent-Length: 0\\r\\n\\r\\n'\n"
        "chatter\n"
        "exec sleep 60\n",
    )
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ.get('PATH', '')}")
    config = ClientConfig(host="ssh://h", api_version="1.45", timeout=10)
    async with Client(config) as docker:
        with anyio.fail_after(20):
            assert (await docker.system.ping()).api_version == "1.45"


@pytest.mark.anyio
async def test_ssh_failure_is_one_line_from_the_end_of_its_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_ssh(
        tmp_path,
        "cat >/dev/null &\n"
        "echo 'OpenSSH_9.2p1 Debian-2, OpenSSL 3.0.11 19 Sep 2023' >&2\n"
        "i=0; while [ $i -lt 3000 ]; do echo \"debug1: chatter $i\" >&2; i=$((i+1)); done\n"
        "echo 'debug1: connect to address 192.0.2.1 port 22: Connection refused' >&2\n"
        "echo 'ssh: connect to host example.invalid port 22: Connection refused' >&2\n"
        "echo 'debug1: Exit status 255' >&2\n"
        "exit 255\n",
    )
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ.get('PATH', '')}")
    async with Client(ClientConfig(host="ssh://me@example.invalid", api_version="1.45")) as docker:
        with anyio.fail_after(20), pytest.raises(EngineConnectionError) as caught:
            await docker.system.ping()
    message = str(caught.value)
    assert "\n" not in message and "debug" not in message
    assert message == (
        "ssh to ssh://me@example.invalid failed (exit status 255): "
        "ssh: connect to host example.invalid port 22: Connection refused"
    )


def test_stderr_tail_keeps_the_end_and_the_last_meaningful_lines() -> None:
    read_end, write_end = os.pipe()
    tail = StderrTail(read_end, limit=100)
    os.write(write_end, b"early line that is cut away\n" * 50 + b"Warning: added host key\n")
    os.write(write_end, b"debug1: noise\nfirst\n\nsecond\n  third  \ndebug2: more noise\n")
    os.close(write_end)
    assert tail.ended.wait(5)
    assert tail.summary() == "first | second | third"
