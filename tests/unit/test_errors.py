import socket
from pathlib import Path

import httpx
import pytest

from engine_client import (
    APIError,
    BadRequest,
    Client,
    ClientClosedError,
    ClientConfig,
    Conflict,
    EngineConnectionError,
    EngineError,
    EngineTimeout,
    Forbidden,
    InvalidArgument,
    MalformedResponse,
    NotFound,
    ServerError,
    StreamError,
    Unauthorized,
)
from engine_client._cli import main

from .fakes import FakeDaemon

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("status", "kind"),
    [(400, BadRequest), (401, Unauthorized), (403, Forbidden), (404, NotFound), (409, Conflict),
     (500, ServerError), (503, ServerError), (418, APIError)],
)
async def test_status_selects_the_error_class(status: int, kind: type[APIError]) -> None:
    daemon = FakeDaemon()
    daemon.route("GET", "/v1.45/containers/x/json", lambda r: httpx.Response(status, json={"message": "nope"}))
    async with daemon.client() as docker:
        with pytest.raises(kind) as caught:
            await docker.containers.inspect("x")
    assert type(caught.value) is kind
    assert caught.value.status_code == status
    assert caught.value.message == "nope"
    assert (caught.value.method, caught.value.path) == ("GET", "/v1.45/containers/x/json")


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(404, json={"message": "No such container: x"}), "No such container: x"),
        (httpx.Response(404, content=b"No such container: x\n", headers={"Content-Type": "text/plain"}),
         "No such container: x"),
        (httpx.Response(404), "404 Not Found"),
        (httpx.Response(500, content=b"{not json"), "{not json"),
    ],
    ids=["json", "text", "empty", "broken-json"],
)
async def test_daemon_message_from_any_body(response: httpx.Response, message: str) -> None:
    daemon = FakeDaemon()
    daemon.route("GET", "/v1.45/containers/x/json", lambda r: response)
    async with daemon.client() as docker:
        with pytest.raises(APIError) as caught:
            await docker.containers.inspect("x")
    assert caught.value.message == message
    assert message in str(caught.value)


async def test_redirects_are_never_followed() -> None:
    daemon = FakeDaemon()
    daemon.route(
        "DELETE", "/v1.45/containers/x",
        lambda r: httpx.Response(301, headers={"Location": "/v1.45/networks/x"}),
    )
    async with daemon.client() as docker:
        with pytest.raises(APIError) as caught:
            await docker.containers.remove("x")
    assert caught.value.status_code == 301
    assert daemon.paths() == ["/v1.45/containers/x"]


async def test_missing_socket_is_a_connection_error(tmp_path: Path) -> None:
    host = f"unix://{tmp_path}/nothing.sock"
    async with Client(ClientConfig(host=host)) as docker:
        with pytest.raises(EngineConnectionError) as caught:
            await docker.system.ping()
    assert str(caught.value) == f"cannot connect to the Docker daemon at {host}; is it running?"


async def test_socket_without_listener_is_a_connection_error(tmp_path: Path) -> None:
    path = tmp_path / "dead.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))  # bound but never listening: connections are refused
        async with Client(ClientConfig(host=f"unix://{path}")) as docker:
            with pytest.raises(EngineConnectionError, match="is it running"):
                await docker.system.ping()


def _raising(exc: Exception) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc
    return httpx.MockTransport(handler)


async def test_permission_denied_has_its_own_message() -> None:
    error = httpx.ConnectError("[Errno 13] Permission denied")
    error.__cause__ = PermissionError(13, "Permission denied")
    async with Client(transport=_raising(error)) as docker:
        with pytest.raises(EngineConnectionError, match="permission denied .*unix:///var/run/docker.sock"):
            await docker.system.ping()


async def test_timeouts_are_engine_timeouts() -> None:
    async with Client(transport=_raising(httpx.ReadTimeout("slow"))) as docker:
        with pytest.raises(EngineTimeout):
            await docker.system.ping()


async def test_httpx_errors_never_escape_raw() -> None:
    for exc in [httpx.RemoteProtocolError("x"), httpx.ReadError("x"), httpx.WriteError("x"),
                httpx.ConnectTimeout("x"), httpx.ProxyError("x")]:
        async with Client(transport=_raising(exc)) as docker:
            with pytest.raises(EngineError) as caught:
                await docker.system.ping()
            assert not isinstance(caught.value, httpx.HTTPError)


async def test_an_argument_that_makes_the_url_unusable_is_an_invalid_argument() -> None:
    daemon = FakeDaemon()
    async with daemon.client() as docker:
        with pytest.raises(InvalidArgument, match="URL too long") as caught:
            await docker.containers.inspect("a" * 100_000)
    assert isinstance(caught.value.__cause__, httpx.InvalidURL)
    assert daemon.paths() == []


async def test_closed_client_is_a_usage_error_and_aclose_is_idempotent() -> None:
    daemon = FakeDaemon()
    docker = daemon.client()
    await docker.aclose()
    await docker.aclose()
    assert docker.closed
    with pytest.raises(ClientClosedError):
        await docker.system.ping()
    with pytest.raises(ClientClosedError):
        async with docker:
            pass
    assert isinstance(ClientClosedError("x"), RuntimeError)
    assert daemon.requests == []


async def test_a_success_that_is_not_json_is_a_malformed_response() -> None:
    daemon = FakeDaemon()
    page = b"<html><body>502 from a proxy in between</body></html>" + b"x" * 500
    daemon.route("GET", "/v1.45/version", lambda r: httpx.Response(200, content=page))
    async with daemon.client() as docker:
        with pytest.raises(MalformedResponse) as caught:
            await docker.system.version()
    error = caught.value
    assert isinstance(error, StreamError) and isinstance(error, EngineError)
    assert not isinstance(error, ValueError)  # not json.JSONDecodeError's family
    assert (error.method, error.path) == ("GET", "/v1.45/version")
    assert error.snippet is not None and error.snippet.startswith("<html><body>502")
    assert len(error.snippet) <= 201
    assert "GET /v1.45/version" in str(error) and "<html>" in str(error)


async def test_a_malformed_login_answer_is_not_quoted() -> None:
    daemon = FakeDaemon()
    truncated = b'{"Status":"Login Succeeded","IdentityToken":"s3cret-tok'
    daemon.route("POST", "/v1.45/auth", lambda r: httpx.Response(200, content=truncated))
    async with daemon.client() as docker:
        with pytest.raises(MalformedResponse) as caught:
            await docker.system.login("me", "pw", server_address="registry.example")
    assert caught.value.snippet is None
    assert "s3cret" not in str(caught.value) and "POST /v1.45/auth" in str(caught.value)


@pytest.mark.parametrize("header", ["1.4x", "latest", "", "1.41.0"])
async def test_a_malformed_api_version_header_is_the_daemons_fault(header: str) -> None:
    daemon = FakeDaemon(api_version=header)
    async with daemon.client() as docker:
        with pytest.raises(MalformedResponse) as caught:
            await docker.containers.inspect("x")  # negotiation pings first
    assert (caught.value.method, caught.value.path, caught.value.snippet) == ("HEAD", "/_ping", header)


def test_cli_reports_a_malformed_api_version_header_as_a_daemon_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["version"], transport=httpx.MockTransport(FakeDaemon(api_version="one.four").handle))
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and "Api-Version" in err and "'one.four'" in err
