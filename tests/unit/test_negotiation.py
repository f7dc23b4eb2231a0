import anyio
import httpx
import pytest

from engine_client import MAX_API_VERSION, APIVersionError, BadRequest, Client

from .fakes import FakeDaemon

pytestmark = pytest.mark.anyio


def _version_body(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"Version": "x", "ApiVersion": "1.45"})


async def test_twenty_concurrent_first_calls_ping_exactly_once() -> None:
    daemon = FakeDaemon(api_version="1.45")
    daemon.route("GET", "/v1.45/version", _version_body)

    async def slow_ping(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/_ping":
            await anyio.sleep(0.05)  # every other call arrives while this ping is in flight
        return daemon.handle(request)

    transport = httpx.MockTransport(slow_ping)
    async with Client(transport=transport) as docker, anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(docker.system.version)
    assert daemon.pings == 1
    assert daemon.paths() == ["/v1.45/version"] * 20


async def test_ping_is_unversioned_head() -> None:
    daemon = FakeDaemon(api_version="1.45")
    daemon.route("GET", "/v1.45/version", _version_body)
    async with daemon.client() as docker:
        await docker.system.version()
    ping = daemon.requests[0]
    assert (ping.method, ping.url.path) == ("HEAD", "/_ping")


async def test_newer_daemon_gets_the_clients_newest_version() -> None:
    daemon = FakeDaemon(api_version="1.99")
    async with daemon.client() as docker:
        assert await docker.api_version() == MAX_API_VERSION


async def test_head_not_supported_falls_back_to_get() -> None:
    daemon = FakeDaemon(api_version="1.41")
    handle = daemon.handle

    def no_head(request: httpx.Request) -> httpx.Response:
        if request.method == "HEAD":
            daemon.requests.append(request)
            return httpx.Response(404, json={"message": "page not found"})
        return handle(request)

    async with Client(transport=httpx.MockTransport(no_head)) as docker:
        assert await docker.api_version() == "1.41"
    assert [r.method for r in daemon.requests] == ["HEAD", "GET"]


@pytest.mark.parametrize("pinned", ["1.43", "v1.43"])
async def test_pinned_version_disables_negotiation(pinned: str) -> None:
    daemon = FakeDaemon(api_version="1.45")
    daemon.route("GET", "/v1.43/version", _version_body)
    async with daemon.client(api_version=pinned) as docker:
        await docker.system.version()
    assert daemon.pings == 0
    assert daemon.paths() == ["/v1.43/version"]


async def test_daemon_below_the_floor_is_a_clear_error_naming_both_versions() -> None:
    daemon = FakeDaemon(api_version="1.40")
    async with daemon.client() as docker:
        with pytest.raises(APIVersionError, match=r"1\.40.*1\.41"):
            await docker.system.version()
    assert daemon.paths() == []


@pytest.mark.parametrize(
    "body",
    [
        {"json": {"message": "client version 1.45 is too new. Maximum supported API version is 1.41"}},
        {
            "content": b"client version 1.45 is too old. Minimum supported API version is 1.44\n",
            "headers": {"Content-Type": "text/plain; charset=utf-8"},
        },
    ],
    ids=["json", "plain-text"],
)
async def test_daemon_replaced_underneath_renegotiates_and_retries_once(body: dict) -> None:
    daemon = FakeDaemon(api_version="1.45")
    daemon.route("GET", "/v1.45/version", lambda r: httpx.Response(400, **body))
    daemon.route("GET", "/v1.41/version", _version_body)
    async with daemon.client() as docker:
        await docker.api_version()
        daemon.api_version = "1.41"  # the daemon was downgraded under a running process
        version = await docker.system.version()
        assert version.version == "x"
        assert await docker.api_version() == "1.41"
    assert daemon.pings == 2
    assert daemon.paths() == ["/v1.45/version", "/v1.41/version"]


async def test_plain_bad_request_is_not_retried() -> None:
    daemon = FakeDaemon(api_version="1.45")
    daemon.route("GET", "/v1.45/version", lambda r: httpx.Response(400, json={"message": "bad"}))
    async with daemon.client() as docker:
        with pytest.raises(BadRequest, match="bad"):
            await docker.system.version()
    assert daemon.paths() == ["/v1.45/version"]
    assert daemon.pings == 2  # the re-ping showed the version was not the problem


async def test_gives_up_after_one_retry() -> None:
    daemon = FakeDaemon(api_version="1.45")
    too_new = httpx.Response(400, json={"message": "client version is too new"})
    daemon.route("GET", "/v1.45/version", lambda r: too_new)
    daemon.route("GET", "/v1.44/version", lambda r: too_new)
    async with daemon.client() as docker:
        await docker.api_version()
        daemon.api_version = "1.44"
        with pytest.raises(BadRequest, match="too new"):
            await docker.system.version()
    assert daemon.paths() == ["/v1.45/version", "/v1.44/version"]


async def test_pinned_version_is_never_renegotiated() -> None:
    daemon = FakeDaemon(api_version="1.41")
    daemon.route("GET", "/v1.99/version", lambda r: httpx.Response(400, json={"message": "too new"}))
    async with daemon.client(api_version="1.99") as docker:
        with pytest.raises(BadRequest, match="too new"):
            await docker.system.version()
    assert daemon.pings == 0


async def test_stop_signal_refused_below_1_42_without_any_request() -> None:
    daemon = FakeDaemon(api_version="1.41")
    async with daemon.client() as docker:
        with pytest.raises(APIVersionError, match=r"1\.42"):
            await docker.containers.stop("abc", signal="SIGKILL")
    assert daemon.paths() == []


async def test_stop_signal_sent_from_1_42() -> None:
    daemon = FakeDaemon(api_version="1.42")
    daemon.route("POST", "/v1.42/containers/abc/stop", lambda r: httpx.Response(204))
    async with daemon.client() as docker:
        assert await docker.containers.stop("abc", t=3, signal="SIGKILL") is True
    assert dict(daemon.requests[-1].url.params) == {"t": "3", "signal": "SIGKILL"}


async def test_stop_without_t_sends_none_and_has_no_read_deadline() -> None:
    daemon = FakeDaemon(api_version="1.45")
    daemon.route("POST", "/v1.45/containers/abc/stop", lambda r: httpx.Response(304))
    async with daemon.client(timeout=5) as docker:
        assert await docker.containers.stop("abc") is False
        await docker.containers.stop("abc", t=30)
    without_t, with_t = daemon.requests[-2:]
    assert "t" not in without_t.url.params
    assert without_t.extensions["timeout"]["read"] is None
    assert with_t.extensions["timeout"]["read"] == 35
