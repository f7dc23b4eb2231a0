"""A scriptable stand-in for the daemon's HTTP answers, for unit tests of mapping,
negotiation and error paths (never for daemon behaviour: integration tests use real daemons)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from engine_client import Client, ClientConfig

Handler = Callable[[httpx.Request], httpx.Response]


class Chunks(httpx.AsyncByteStream):
    """A response body that is streamed (as the real transport's is), not preloaded."""

    def __init__(self, *chunks: bytes) -> None:
        self._chunks = chunks

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        for chunk in self._chunks:
            yield chunk


@dataclass
class FakeDaemon:
    api_version: str | None = "1.45"
    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def route(self, method: str, path: str, response: httpx.Response | Handler) -> None:
        handler = response if callable(response) else (lambda request: response)
        self.routes[(method, path)] = handler

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/_ping":
            headers = {"Ostype": "linux", "Docker-Experimental": "false"}
            if self.api_version is not None:
                headers["Api-Version"] = self.api_version
            return httpx.Response(200, headers=headers, content=b"" if request.method == "HEAD" else b"OK")
        handler = self.routes.get((request.method, request.url.path))
        if handler is None:
            return httpx.Response(404, json={"message": "page not found"})
        return handler(request)

    @property
    def pings(self) -> int:
        return sum(1 for r in self.requests if r.url.path == "/_ping")

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests if r.url.path != "/_ping"]

    def client(self, **config: Any) -> Client:
        return Client(ClientConfig(**config), transport=httpx.MockTransport(self.handle))
