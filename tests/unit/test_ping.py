import httpx
import pytest

from engine_client import Client, Ping

pytestmark = pytest.mark.anyio


def test_headers_a_daemon_does_not_send_are_none() -> None:
    ping = Ping.from_headers(httpx.Headers({"Api-Version": "1.41", "Ostype": "linux", "Docker-Experimental": "false"}))
    assert ping == Ping(api_version="1.41", os_type="linux", experimental=False, builder_version=None, swarm=None)


def test_all_headers() -> None:
    headers = {"Api-Version": "1.51", "Ostype": "linux", "Docker-Experimental": "true",
               "Builder-Version": "2", "Swarm": "inactive"}
    ping = Ping.from_headers(httpx.Headers(headers))
    assert ping == Ping(api_version="1.51", os_type="linux", experimental=True, builder_version="2", swarm="inactive")


async def test_ping_reads_headers_of_head_response() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.path) == ("HEAD", "/_ping")
        return httpx.Response(200, headers={"Api-Version": "1.45", "Swarm": "inactive"})

    async with Client(transport=httpx.MockTransport(handler)) as docker:
        ping = await docker.system.ping()
    assert (ping.api_version, ping.swarm, ping.experimental) == ("1.45", "inactive", None)
