"""Images API mapping with a scripted daemon: request parameters and headers, progress events,
in-band errors in both forms, and refusals before anything is sent."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from engine_client import (
    APIError,
    APIVersionError,
    AuthConfig,
    CredentialStore,
    InvalidArgument,
    ServerError,
    StreamedError,
)
from engine_client._api.images import ProgressEvent
from tests.unit.fakes import FakeDaemon

pytestmark = pytest.mark.anyio

DIGEST = "sha256:" + "c" * 64


def lines(*messages: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(m).encode() + b"\r\n" for m in messages)


def respond(status: int, **response: Any) -> Callable[[httpx.Request], httpx.Response]:
    """A route answering every request with a fresh response (a response streams only once)."""
    return lambda request: httpx.Response(status, **response)


class Chunks(httpx.AsyncByteStream):
    """A response body that arrives in pieces (bytes given as ``content=`` count as read)."""

    def __init__(self, data: bytes, size: int = 7) -> None:
        self._pieces = [data[i : i + size] for i in range(0, len(data), size)]

    def __aiter__(self) -> Chunks:
        return self

    async def __anext__(self) -> bytes:
        if not self._pieces:
            raise StopAsyncIteration
        return self._pieces.pop(0)


def streamed(data: bytes, **response: Any) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(200, stream=Chunks(data), **response)


def progress(*messages: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    return streamed(lines(*messages), headers={"Content-Type": "application/json"})


PUSH_FAILURE = (
    {"status": "The push refers to repository [127.0.0.1:1/demo/imp]"},
    {"errorDetail": {"message": "connection refused"}, "error": "connection refused"},
)


def query(request: httpx.Request) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for key, value in request.url.params.multi_items():
        params.setdefault(key, []).append(value)
    return params


@pytest.fixture
def daemon() -> FakeDaemon:
    return FakeDaemon(api_version="1.45")


@pytest.fixture
def store(tmp_path: Any) -> CredentialStore:
    return CredentialStore(tmp_path)  # empty: anonymous unless a test passes auth


def last(daemon: FakeDaemon) -> httpx.Request:
    return [r for r in daemon.requests if r.url.path != "/_ping"][-1]


async def test_pull_always_sends_a_tag_and_anonymous_auth(daemon: FakeDaemon, store: CredentialStore) -> None:
    daemon.route("POST", "/v1.45/images/create", progress({"status": "Pulling from library/busybox"}))
    async with daemon.client() as docker:
        docker.images.credentials = store
        await docker.images.pull("busybox")
        assert query(last(daemon)) == {"fromImage": ["docker.io/library/busybox"], "tag": ["latest"]}
        assert last(daemon).headers["X-Registry-Auth"] == "e30="
        await docker.images.pull(f"h:5000/app:v1@{DIGEST}", platform="linux/arm64")
        assert query(last(daemon)) == {
            "fromImage": ["h:5000/app"], "tag": [DIGEST], "platform": ["linux/arm64"]
        }


async def test_pull_yields_typed_events_and_a_result(daemon: FakeDaemon, store: CredentialStore) -> None:
    daemon.route(
        "POST",
        "/v1.45/images/create",
        progress(
            {"status": "Pulling fs layer", "id": "abc"},
            {"status": "Downloading", "id": "abc", "progressDetail": {"current": 5, "total": 10}, "progress": "[=>  ]"},
            {"status": f"Digest: {DIGEST}"},
            {"status": "Status: Downloaded newer image for busybox:latest"},
        ),
    )
    async with daemon.client() as docker:
        docker.images.credentials = store
        async with docker.images.pull("busybox:latest") as events:
            seen = [event async for event in events]
        assert seen[1] == ProgressEvent(status="Downloading", id="abc", current=5, total=10, progress="[=>  ]")
        assert events.result.digest == DIGEST
        assert len(events.result.events) == 4


async def test_explicit_auth_is_sent_with_the_registry_key(daemon: FakeDaemon) -> None:
    daemon.route("POST", "/v1.45/images/h:5000/app/push", progress({"aux": {"Tag": "latest", "Digest": DIGEST, "Size": 1}}))
    async with daemon.client() as docker:
        result = await docker.images.push("h:5000/app", auth=AuthConfig(username="u", password="p"))
    request = last(daemon)
    assert query(request) == {"tag": ["latest"]}
    sent = json.loads(base64.urlsafe_b64decode(request.headers["X-Registry-Auth"]))
    assert sent == {"username": "u", "password": "p", "serveraddress": "h:5000"}
    assert result.digest == DIGEST


async def test_push_all_tags_sends_no_tag_and_digests_are_refused(daemon: FakeDaemon, store: CredentialStore) -> None:
    daemon.route("POST", "/v1.45/images/docker.io/team/app/push", progress({"status": "ok"}))
    async with daemon.client() as docker:
        docker.images.credentials = store
        await docker.images.push("team/app", all_tags=True)
        assert query(last(daemon)) == {}
        with pytest.raises(InvalidArgument):
            docker.images.push(f"team/app@{DIGEST}")
        with pytest.raises(InvalidArgument):
            docker.images.push("team/app:v1", all_tags=True)


async def test_push_platform_needs_api_1_46(daemon: FakeDaemon, store: CredentialStore) -> None:
    async with daemon.client() as docker:
        docker.images.credentials = store
        with pytest.raises(APIVersionError):
            await docker.images.push("team/app", platform="linux/amd64")
    assert daemon.paths() == []


async def test_in_band_error_raises_in_the_iterator_and_the_one_call_form(
    daemon: FakeDaemon, store: CredentialStore
) -> None:
    daemon.route("POST", "/v1.45/images/127.0.0.1:1/demo/imp/push", progress(*PUSH_FAILURE))
    async with daemon.client() as docker:
        docker.images.credentials = store
        with pytest.raises(StreamedError) as caught:
            await docker.images.push("127.0.0.1:1/demo/imp")
        error = caught.value
        assert isinstance(error, APIError)
        assert (error.status_code, error.message, error.code) == (200, "connection refused", None)
        assert error.path == "/v1.45/images/127.0.0.1:1/demo/imp/push"

        seen = []
        with pytest.raises(StreamedError):
            async with docker.images.push("127.0.0.1:1/demo/imp") as events:
                async for event in events:
                    seen.append(event.status)
        assert seen == ["The push refers to repository [127.0.0.1:1/demo/imp]"]


async def test_raise_errors_false_yields_the_error_event(daemon: FakeDaemon, store: CredentialStore) -> None:
    daemon.route("POST", "/v1.45/images/127.0.0.1:1/demo/imp/push", progress(*PUSH_FAILURE))
    async with daemon.client() as docker:
        docker.images.credentials = store
        result = await docker.images.push("127.0.0.1:1/demo/imp", raise_errors=False)
    assert result.error is not None
    assert result.error.error == "connection refused"


async def test_build_error_carries_the_step_exit_code(daemon: FakeDaemon) -> None:
    daemon.route(
        "POST",
        "/v1.45/build",
        progress(
            {"stream": "Step 1/2 : FROM bb\n"},
            {"errorDetail": {"code": 3, "message": "The command '/bin/sh -c exit 3' returned a non-zero code: 3"}},
        ),
    )
    async with daemon.client() as docker:
        with pytest.raises(StreamedError) as caught:
            await docker.images.build(b"tar", auth={})
    assert caught.value.code == 3
    assert "non-zero code: 3" in str(caught.value)


async def test_build_parameters_and_registry_config(daemon: FakeDaemon) -> None:
    daemon.route("POST", "/v1.45/build", progress({"stream": "ok\n"}, {"aux": {"ID": "sha256:" + "d" * 64}}))
    chunks_sent: list[bytes] = []

    async def body() -> Any:
        for part in (b"part1", b"part2"):
            chunks_sent.append(part)
            yield part

    async with daemon.client() as docker:
        result = await docker.images.build(
            body(),
            dockerfile="sub/Dockerfile",
            tags=["a:1", "b:2"],
            build_args={"X": "1"},
            labels={"l": "v"},
            target="base",
            platform="linux/amd64",
            network_mode="none",
            no_cache=True,
            pull=True,
            cache_from=["a:0"],
            version="1",
            auth={"h:5000": AuthConfig(username="u", password="p", server_address="h:5000")},
        )
    request = last(daemon)
    assert result.image_id == "sha256:" + "d" * 64
    assert request.content == b"part1part2"
    assert request.headers["Content-Type"] == "application/x-tar"
    assert query(request) == {
        "t": ["a:1", "b:2"],
        "dockerfile": ["sub/Dockerfile"],
        "buildargs": ['{"X":"1"}'],
        "labels": ['{"l":"v"}'],
        "target": ["base"],
        "platform": ["linux/amd64"],
        "networkmode": ["none"],
        "nocache": ["1"],
        "pull": ["1"],
        "rm": ["1"],
        "cachefrom": ['["a:0"]'],
        "version": ["1"],
    }
    config = json.loads(base64.urlsafe_b64decode(request.headers["X-Registry-Config"]))
    assert config == {"h:5000": {"username": "u", "password": "p", "serveraddress": "h:5000"}}


async def test_build_auth_keys_are_normalised_like_the_credential_store(daemon: FakeDaemon) -> None:
    daemon.route("POST", "/v1.45/build", progress({"aux": {"ID": "sha256:" + "d" * 64}}))
    hub = AuthConfig(username="hu", password="hp")
    own = AuthConfig(username="u", password="p", server_address="h:5000")
    async with daemon.client() as docker:
        await docker.images.build(b"tar", auth={"docker.io": hub, "http://h:5000/v2/": own})
        config = json.loads(base64.urlsafe_b64decode(last(daemon).headers["X-Registry-Config"]))
        assert config == {
            "https://index.docker.io/v1/": {
                "username": "hu", "password": "hp", "serveraddress": "https://index.docker.io/v1/"
            },
            "h:5000": {"username": "u", "password": "p", "serveraddress": "h:5000"},
        }
        with pytest.raises(InvalidArgument, match="twice"):
            docker.images.build(b"tar", auth={"docker.io": hub, "index.docker.io": hub})


async def test_build_without_credentials_sends_no_registry_config(daemon: FakeDaemon, store: CredentialStore) -> None:
    daemon.route("POST", "/v1.45/build", progress({"aux": {"ID": "sha256:" + "d" * 64}}))
    async with daemon.client() as docker:
        docker.images.credentials = store
        await docker.images.build(b"tar")
    assert "X-Registry-Config" not in last(daemon).headers


async def test_import_and_load_parameters(daemon: FakeDaemon) -> None:
    image_id = "sha256:" + "e" * 64
    daemon.route("POST", "/v1.45/images/create", progress({"status": image_id}))
    daemon.route("POST", "/v1.45/images/load", progress({"stream": "Loaded image: a:1\n"}, {"stream": f"Loaded image ID: {image_id}\n"}))
    async with daemon.client() as docker:
        result = await docker.images.import_image(
            b"rootfs", repo="app", tag="v1", changes=["CMD x", "ENV A=1"], message="m", platform="linux/amd64"
        )
        assert result.image_id == image_id
        assert query(last(daemon)) == {
            "fromSrc": ["-"], "repo": ["app"], "tag": ["v1"], "changes": ["CMD x", "ENV A=1"],
            "message": ["m"], "platform": ["linux/amd64"],
        }
        assert last(daemon).content == b"rootfs"
        loaded = await docker.images.load(b"tar", quiet=True)
        assert loaded.images == ("a:1", image_id) and loaded.image_id == image_id
        assert query(last(daemon)) == {"quiet": ["1"]}


async def test_errors_before_the_stream_keep_their_status(daemon: FakeDaemon, store: CredentialStore) -> None:
    daemon.route("POST", "/v1.45/images/create", respond(500, json={"message": "dial tcp: refused"}))
    async with daemon.client() as docker:
        docker.images.credentials = store
        with pytest.raises(ServerError) as caught:
            await docker.images.pull("127.0.0.1:1/x")
    assert not isinstance(caught.value, StreamedError)


async def test_references_are_checked_before_sending(daemon: FakeDaemon) -> None:
    async with daemon.client() as docker:
        for bad in ("", "UPPER", "a" * 64, "x:-y"):
            with pytest.raises(InvalidArgument):
                docker.images.pull(bad)
        for bad in ("../x", "a/./b", "x?y", "x#y", "a//b", "x%2F"):
            with pytest.raises(InvalidArgument):
                await docker.images.inspect(bad)
            with pytest.raises(InvalidArgument):
                await docker.images.remove(bad)
        with pytest.raises(InvalidArgument):
            await docker.images.tag("x", f"y@{DIGEST}")
        with pytest.raises(InvalidArgument):
            docker.images.build(b"", tags=["Bad"])
        with pytest.raises(InvalidArgument):
            docker.images.build(b"", version="3")
    assert daemon.paths() == []


async def test_reference_paths_keep_slashes_colons_and_digests(daemon: FakeDaemon) -> None:
    daemon.route("GET", f"/v1.45/images/h:5000/ns/app@{DIGEST}/json", respond(200, json={"Id": "x"}))
    daemon.route("POST", "/v1.45/images/h:5000/ns/app:v1/tag", respond(201))
    async with daemon.client() as docker:
        assert (await docker.images.inspect(f"h:5000/ns/app@{DIGEST}")).id == "x"
        ref = await docker.images.tag("h:5000/ns/app:v1", "team/app")
    assert str(ref) == "docker.io/team/app:latest"
    assert query(last(daemon)) == {"repo": ["docker.io/team/app"], "tag": ["latest"]}


async def test_list_remove_prune_history_mapping(daemon: FakeDaemon) -> None:
    daemon.route("GET", "/v1.45/images/json", respond(200, json=[{"Id": "i", "RepoTags": None, "Containers": -1}]))
    daemon.route("DELETE", "/v1.45/images/app", respond(200, json=[{"Untagged": "app:latest"}, {"Deleted": "i"}]))
    daemon.route("POST", "/v1.45/images/prune", respond(200, json={"ImagesDeleted": None, "SpaceReclaimed": 0}))
    daemon.route("GET", "/v1.45/images/app/history", respond(200, json=[{"Id": "i", "CreatedBy": "x", "Tags": None, "Size": 3}]))
    async with daemon.client() as docker:
        listed = await docker.images.list(all=True, filters={"label": ["a=b"], "dangling": False}, digests=True)
        assert listed[0].repo_tags == () and listed[0].containers == -1
        assert query(last(daemon)) == {
            "all": ["1"], "filters": ['{"label":["a=b"],"dangling":["false"]}'], "digests": ["1"]
        }
        removed = await docker.images.remove("app", force=True, noprune=True)
        assert [(r.untagged, r.deleted) for r in removed] == [("app:latest", None), (None, "i")]
        assert query(last(daemon)) == {"force": ["1"], "noprune": ["1"]}
        pruned = await docker.images.prune(filters={"label": "k=v"})
        assert pruned.images_deleted == () and query(last(daemon)) == {"filters": ['{"label":["k=v"]}']}
        history = await docker.images.history("app")
        assert (history[0].created_by, history[0].tags, history[0].size) == ("x", (), 3)


async def test_save_names_go_in_the_query(daemon: FakeDaemon) -> None:
    daemon.route("GET", "/v1.45/images/get", streamed(b"TAR-ARCHIVE-BYTES"))
    async with daemon.client() as docker:
        async with docker.images.save(["a:1", "h:5000/b@" + DIGEST]) as tar:
            assert b"".join([c async for c in tar]) == b"TAR-ARCHIVE-BYTES"
        assert query(last(daemon)) == {"names": ["a:1", "h:5000/b@" + DIGEST]}
        with pytest.raises(InvalidArgument):
            async with docker.images.save([]):
                pass


async def test_search_error_is_clean(daemon: FakeDaemon) -> None:
    daemon.route("GET", "/v1.45/images/search", respond(500, json={"message": "lookup index.docker.io: no such host"}))
    async with daemon.client() as docker:
        with pytest.raises(ServerError) as caught:
            await docker.images.search("busybox", limit=5)
    assert caught.value.message == "lookup index.docker.io: no such host"
    assert query(last(daemon)) == {"term": ["busybox"], "limit": ["5"]}


async def test_a_progress_call_is_single_use_while_open(daemon: FakeDaemon, store: CredentialStore) -> None:
    daemon.route("POST", "/v1.45/images/create", progress({"status": "x"}))
    async with daemon.client() as docker:
        docker.images.credentials = store
        call = docker.images.pull("busybox")
        async with call as events:
            with pytest.raises(RuntimeError):
                await call.__aenter__()
            assert [e.status async for e in events] == ["x"]
        assert (await call).events[0].status == "x"  # may be run again once closed



async def test_a_progress_call_that_failed_to_start_can_be_entered_again(
    daemon: FakeDaemon, store: CredentialStore
) -> None:
    answers = [httpx.Response(500, json={"message": "try again"})]
    daemon.route(
        "POST",
        "/v1.45/images/create",
        lambda request: answers.pop() if answers else progress({"status": "x"})(request),
    )
    async with daemon.client() as docker:
        docker.images.credentials = store
        call = docker.images.pull("busybox")
        with pytest.raises(ServerError):
            async with call:
                pass
        async with call as events:
            assert [e.status async for e in events] == ["x"]


class BreaksAfter(httpx.AsyncByteStream):
    """A response body that sends ``data``, then fails like a dropped connection."""

    def __init__(self, data: bytes) -> None:
        self._data: bytes | None = data

    def __aiter__(self) -> BreaksAfter:
        return self

    async def __anext__(self) -> bytes:
        if self._data is None:
            raise httpx.ReadError("connection reset by peer")
        data, self._data = self._data, None
        return data


async def test_a_read_error_after_an_error_line_does_not_hide_it(daemon: FakeDaemon) -> None:
    failure = lines(
        {"stream": "Step 1/2 : FROM bb\n"},
        {"errorDetail": {"code": 3, "message": "returned a non-zero code: 3"}},
    )
    daemon.route("POST", "/v1.45/build", lambda request: httpx.Response(200, stream=BreaksAfter(failure)))
    async with daemon.client() as docker:
        with pytest.raises(StreamedError) as caught:
            await docker.images.build(b"tar", auth={})
        assert (caught.value.code, caught.value.message) == (3, "returned a non-zero code: 3")
        with pytest.raises(StreamedError):
            async with docker.images.build(b"tar", auth={}) as events:
                async for _ in events:
                    pass
