"""The client builds its requests itself: the same headers and body as ``httpx.Request``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from engine_client._client import _request

URL = httpx.URL("http://docker/v1.41/containers/create?name=x")


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "DELETE"])
@pytest.mark.parametrize(
    ("json", "content"),
    [(None, None), (None, b""), (None, b"tar bytes"), ({"Image": "é", "Cmd": ["a"]}, None)],
)
@pytest.mark.parametrize(
    "headers",
    [None, {"X-Registry-Auth": "e30="}, {"Content-Type": "application/x-tar"}],
)
def test_same_request_as_httpx(
    method: str, json: Any, content: bytes | None, headers: dict[str, str] | None
) -> None:
    ours = _request(method, URL, json, content, headers, {"timeout": {}})
    theirs = httpx.Request(method, URL, json=json, content=content, headers=headers)
    assert sorted(ours.headers.multi_items()) == sorted(theirs.headers.multi_items())
    assert ours.content == theirs.content
    assert ours.method == theirs.method and ours.url == theirs.url
    assert ours.extensions == {"timeout": {}}


def test_a_stream_body_is_left_to_httpx() -> None:
    async def chunks() -> Any:
        yield b"x"

    request = _request("POST", URL, None, chunks(), None, {})
    assert request.headers["Transfer-Encoding"] == "chunked"
