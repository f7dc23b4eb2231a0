import httpx
import pytest

from engine_client import InvalidArgument
from engine_client._paths import reference, segment

from .fakes import FakeDaemon

pytestmark = pytest.mark.anyio

UNSAFE = ["", ".", "..", "../networks/x", "a/b", "a\\b", "victim?force=1", "a#b", "a%2Fb",
          "a b", "a\tb", "a\nb", "a\x00b", "a\x7fb", "%2E%2E"]


@pytest.mark.parametrize("name", UNSAFE)
async def test_unsafe_container_names_never_reach_the_daemon(name: str) -> None:
    daemon = FakeDaemon()
    async with daemon.client() as docker:
        for call in (docker.containers.remove, docker.containers.inspect, docker.containers.start,
                     docker.containers.stop):
            with pytest.raises(InvalidArgument):
                await call(name)
        with pytest.raises(InvalidArgument):
            await docker.containers.create("busybox", name=name)
    assert daemon.requests == []


@pytest.mark.parametrize("name", ["web", "my_app.1", "0123456789ab", "a-b"])
def test_ordinary_names_pass_unchanged(name: str) -> None:
    assert segment(name) == name


def test_non_ascii_names_are_percent_encoded() -> None:
    assert segment("café") == "caf%C3%A9"


async def test_encoded_name_stays_one_segment() -> None:
    daemon = FakeDaemon()
    daemon.route("DELETE", "/v1.45/containers/café", lambda r: httpx.Response(204))
    async with daemon.client() as docker:
        await docker.containers.remove("café")
    assert daemon.requests[-1].url.raw_path == b"/v1.45/containers/caf%C3%A9"


@pytest.mark.parametrize("ref", ["busybox:latest", "127.0.0.1:5000/ns/app:v1", "app@sha256:" + "a" * 64])
def test_image_references_keep_their_separators(ref: str) -> None:
    assert reference(ref) == ref


@pytest.mark.parametrize("ref", ["", "a//b", "../x", "a/./b", "a/..", "a?x=1", "a#b", "a%2Fb", "a b"])
def test_unsafe_image_references_are_refused(ref: str) -> None:
    with pytest.raises(InvalidArgument):
        reference(ref)
