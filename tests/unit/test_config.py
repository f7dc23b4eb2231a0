import pytest

from engine_client import DEFAULT_HOST, Client, ClientConfig, ConfigError, Endpoint
from engine_client._cli import main


@pytest.mark.parametrize(
    ("host", "scheme", "address", "base_path"),
    [
        ("", "unix", "/var/run/docker.sock", ""),
        ("unix://", "unix", "/var/run/docker.sock", ""),
        ("unix:///var/run/docker.sock", "unix", "/var/run/docker.sock", ""),
        ("unix:///run/other.sock/", "unix", "/run/other.sock", ""),
        ("tcp://127.0.0.1:2376", "tcp", "127.0.0.1:2376", ""),
        ("tcp://docker.example", "tcp", "docker.example:2375", ""),
        ("tcp://127.0.0.1:2375/", "tcp", "127.0.0.1:2375", ""),
        ("tcp://127.0.0.1:2375/prefix/", "tcp", "127.0.0.1:2375", "/prefix"),
        ("TCP://[::1]:2375", "tcp", "[::1]:2375", ""),
    ],
)
def test_docker_host_forms(host: str, scheme: str, address: str, base_path: str) -> None:
    assert Endpoint.parse(host) == Endpoint(scheme, address, base_path)


@pytest.mark.parametrize("host", ["http://127.0.0.1:2375", "foo://bar", "127.0.0.1:2375", "unix://relative.sock"])
def test_unsupported_host_is_a_clear_error_naming_the_value(host: str) -> None:
    with pytest.raises(ConfigError, match=host.replace(".", r"\.")):
        ClientConfig(host=host)


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("tcp://256.1.1.1", "Invalid IPv4 address"),
        ("tcp://[::zz]:2375", "does not appear to be an IPv4 or IPv6 address"),
        (f"tcp://{'a' * 70_000}", "URL too long"),
    ],
)
def test_a_host_no_request_could_reach_is_refused_when_configured(host: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason) as caught:
        ClientConfig.from_env({"DOCKER_HOST": host})
    assert host[:30] in str(caught.value)
    assert main(["--host", host, "ping"]) == 2


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("tcp://user:hunter2@docker.example:2376", "tcp://user:***@docker.example:2376"),
        ("ssh://me:hunter2@docker.example", "ssh://me:***@docker.example"),
        ("ssh://me:hunter2@docker.example:notaport", "ssh://me:***@docker.example:notaport"),
        ("tcp://:hunter2@docker.example", "tcp://:***@docker.example"),
        ("tcp://user:hun/ter2@docker.example", "tcp://user:***@docker.example"),  # "/" in it
        ("tcp://user:hun@ter2@docker.example", "tcp://user:***@docker.example"),  # "@" in it
        ("tcp://user:hunter2@docker.example:99999", "tcp://user:***@docker.example:99999"),
        ("user:hunter2@docker.example:2375", "user:***@docker.example:2375"),
        ("http://user:hunter2@docker.example", "http://user:***@docker.example"),
    ],
)
def test_errors_never_show_a_password_from_the_host(
    host: str, shown: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ConfigError) as caught:
        ClientConfig.from_env({"DOCKER_HOST": host})
    assert "hunter2" not in str(caught.value) and "hun" not in str(caught.value)
    assert repr(shown) in str(caught.value)
    assert main(["--host", host, "ping"]) == 2
    assert "hun" not in capsys.readouterr().err


@pytest.mark.parametrize("host", ["npipe:////./pipe/docker_engine", "fd://"])
def test_windows_and_socket_activation_hosts_are_refused(host: str) -> None:
    with pytest.raises(ConfigError, match="not supported on this platform"):
        ClientConfig(host=host)


def test_environment_is_read() -> None:
    config = ClientConfig.from_env({"DOCKER_HOST": "tcp://10.0.0.1:2375", "DOCKER_API_VERSION": "v1.43"})
    assert config.host == "tcp://10.0.0.1:2375"
    assert config.api_version == "1.43"


def test_explicit_arguments_win_over_environment() -> None:
    env = {"DOCKER_HOST": "tcp://10.0.0.1:2375", "DOCKER_API_VERSION": "1.43"}
    config = ClientConfig.from_env(env, host="unix:///tmp/x.sock", api_version="1.44")
    assert (config.host, config.api_version) == ("unix:///tmp/x.sock", "1.44")


def test_defaults_without_environment() -> None:
    config = ClientConfig.from_env({})
    assert config.host == DEFAULT_HOST
    assert config.api_version is None


@pytest.mark.parametrize("value", ["1", "latest", "1.4x", "v"])
def test_invalid_api_version_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="invalid API version"):
        ClientConfig(api_version=value)


def test_constructing_a_client_does_no_io(tmp_path: object) -> None:
    # No daemon and no socket file: nothing may be attempted before the first call.
    client = Client(ClientConfig(host="unix:///nonexistent/engine-client.sock"))
    assert not client.closed
    assert "unix:///nonexistent/engine-client.sock" in repr(client)
