"""The client: one pooled transport, API version negotiation, and the request choke points.

Every call of every API area goes through :meth:`Client.request` (a whole response) or
:meth:`Client.stream` (a response read as it arrives).  Both prefix ``/vX.Y``, translate
transport errors, turn error statuses into typed errors, and re-negotiate once when a
daemon was replaced underneath a long-running process.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Final, Union, cast
from urllib.parse import urlencode

import anyio
import httpx

from ._api.containers import Containers
from ._api.exec import Exec
from ._api.images import Images
from ._api.networks import Networks
from ._api.system import Ping, System
from ._api.volumes import Volumes
from ._config import (
    DEFAULT_TIMEOUT,
    MAX_API_VERSION,
    MIN_API_VERSION,
    ClientConfig,
    TLSConfig,
    format_api_version,
    parse_api_version,
)
from ._exceptions import (
    APIVersionError,
    ClientClosedError,
    MalformedResponse,
    StreamError,
    api_error,
    snippet,
    transport_errors,
)
from ._hijack import NetworkStream, refused_upgrade
from ._transport import base_url, default_transport

__all__ = ["Client", "ResponseStream"]


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT"


#: "Use the client's configured timeout."
DEFAULT: Final = _Default()

Timeout = Union[float, None, _Default]
#: Every status: an upgrade request handles its own errors (``refused_upgrade``).
_ANY_STATUS = range(100, 600)
QueryValue = Union[str, int, float, bool, Sequence[str], None]
Query = Mapping[str, QueryValue]
Content = Union[bytes, AsyncIterator[bytes], None]


def _query(params: Query | None) -> dict[str, Any] | None:
    """Drop unset (``None``) parameters; send booleans as the daemon parses them."""
    if not params:
        return None
    query: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        query[key] = ("1" if value else "0") if isinstance(value, bool) else value
    return query


def _target(version: str | None, path: str, params: Query | None) -> str:
    """Path and query string, encoded as httpx would encode ``params``."""
    target = f"/v{version}{path}" if version else path
    query = _query(params)
    return f"{target}?{urlencode(query, doseq=True)}" if query else target


#: Parsed URLs kept per client: parsing costs more than the rest of building a request.
_URL_CACHE_SIZE = 512


class ResponseStream:
    """A response whose body is read as it arrives; iterate it for raw byte chunks."""

    __slots__ = ("_chunks", "_host", "response")

    def __init__(self, response: httpx.Response, host: str) -> None:
        self.response = response
        self._host = host
        self._chunks: AsyncGenerator[bytes, None] | None = None

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers

    @property
    def status_code(self) -> int:
        return self.response.status_code

    # An iterator rather than an async generator: a consumer that stops early (a break, an
    # error, a cancellation) leaves nothing for the garbage collector to finalise (trio warns
    # about that); aclose() closes httpx's own chunk generator.
    def __aiter__(self) -> ResponseStream:
        return self

    async def __anext__(self) -> bytes:
        if self._chunks is None:
            # httpx implements aiter_raw as an async generator; it is typed as an iterator.
            self._chunks = cast(AsyncGenerator[bytes, None], self.response.aiter_raw())
        with transport_errors(self._host):
            return await self._chunks.__anext__()

    async def aclose(self) -> None:
        with anyio.CancelScope(shield=True):
            if self._chunks is not None:
                await self._chunks.aclose()
            await self.response.aclose()


class Client:
    """An async client for one Docker daemon.

    ::

        async with Client.from_env() as docker:
            print((await docker.system.version()).version)

    The constructor does no I/O; the API version is negotiated on first use, once.  A client
    may be shared by any number of concurrent tasks.
    """

    def __init__(
        self,
        config: ClientConfig | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config or ClientConfig()
        self._transport = transport or default_transport(self.config)
        self._base_url = base_url(self.config)
        self._urls: dict[str, httpx.URL] = {}
        self._default_extensions = {"timeout": self._timeouts(DEFAULT)}
        self._api_version: str | None = self.config.api_version
        self._negotiation = anyio.Lock()
        self._closed = False
        self.system = System(self)
        self.containers = Containers(self)
        self.exec = Exec(self)
        self.images = Images(self)
        self.networks = Networks(self)
        self.volumes = Volumes(self)

    @classmethod
    def from_env(
        cls,
        *,
        host: str | None = None,
        context: str | None = None,
        api_version: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        tls: TLSConfig | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> Client:
        """A client configured like the docker CLI: arguments, then the environment, then
        the docker CLI's contexts (see :meth:`ClientConfig.from_env`)."""
        config = ClientConfig.from_env(
            host=host, context=context, api_version=api_version, timeout=timeout, tls=tls
        )
        return cls(config, transport=transport)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<Client {self.config.host} api={self._api_version or 'auto'} {state}>"

    async def __aenter__(self) -> Client:
        self._check_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every pooled connection.  Calling it again does nothing."""
        if self._closed:
            return
        self._closed = True
        with anyio.CancelScope(shield=True):
            await self._transport.aclose()

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise ClientClosedError("this engine_client.Client has been closed")

    # -- API version ---------------------------------------------------------------------

    async def api_version(self) -> str:
        """The API version in use, negotiated with the daemon on first call."""
        if self._api_version is None:
            async with self._negotiation:
                if self._api_version is None:
                    self._api_version = _choose_version(await self.system.ping())
        return self._api_version

    async def _renegotiate(self, used: str) -> str:
        async with self._negotiation:
            if self._api_version == used:
                self._api_version = _choose_version(await self.system.ping())
            return self._api_version or used

    async def require_api_version(self, minimum: str, feature: str) -> None:
        """Raise :class:`APIVersionError` unless the version in use is at least ``minimum``."""
        version = await self.api_version()
        if parse_api_version(version) < parse_api_version(minimum):
            raise APIVersionError(
                f"{feature} needs API {minimum} or newer; this client is using API {version}"
            )

    # -- requests ------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Query | None = None,
        json: Any = None,
        content: Content = None,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout = DEFAULT,
        accept: Sequence[int] = (),
        versioned: bool = True,
    ) -> httpx.Response:
        """Send a request and read the whole response.

        ``path`` is relative to ``/vX.Y`` (unless ``versioned`` is false) and must already be
        encoded (see ``engine_client._paths``).  A status of 300 or more raises the typed
        :class:`APIError`, except the statuses listed in ``accept``.
        """
        response = await self._send(
            method, path, params, json, content, headers, timeout, accept, versioned, stream=False
        )
        return response

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Query | None = None,
        json: Any = None,
        content: Content = None,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout = DEFAULT,
        sensitive: bool = False,
    ) -> Any:
        """Like :meth:`request`, decoding the JSON body (``None`` for an empty body).

        A body that is not JSON raises :class:`MalformedResponse`, quoting its start unless
        ``sensitive`` (it may hold a credential).
        """
        response = await self.request(
            method, path, params=params, json=json, content=content, headers=headers, timeout=timeout
        )
        body = response.content
        if not body or body.isspace():
            return None
        try:
            return jsonlib.loads(body)
        except ValueError as exc:
            quoted = None if sensitive else snippet(body)
            path = response.request.url.path
            raise MalformedResponse("a body that is not JSON", method, path, quoted) from exc

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        params: Query | None = None,
        json: Any = None,
        content: Content = None,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout = None,
        accept: Sequence[int] = (),
    ) -> AsyncIterator[ResponseStream]:
        """Send a request and yield the response before its body is read.

        Streams have no read deadline unless ``timeout`` is given.  Leaving the block, by any
        route, closes the response and its connection.
        """
        response = await self._send(
            method, path, params, json, content, headers, timeout, accept, True, stream=True
        )
        stream = ResponseStream(response, self.config.host)
        try:
            yield stream
        finally:
            await stream.aclose()

    @asynccontextmanager
    async def upgrade(
        self,
        method: str,
        path: str,
        *,
        params: Query | None = None,
        json: Any = None,
    ) -> AsyncIterator[NetworkStream]:
        """Send a request that hijacks the connection (attach, exec start); yield the connection.

        The request carries ``Upgrade: tcp``; the daemon answers ``101`` and the connection
        becomes a raw pipe, with no read deadline.  Any other answer raises the
        :class:`APIError` for its status, quoting the daemon's text.  Leaving the block, by any
        route, closes the connection.
        """
        headers = {"Upgrade": "tcp", "Connection": "Upgrade"}
        response = await self._send(
            method, path, params, json, None, headers, None, _ANY_STATUS, True, stream=True
        )
        try:
            if response.status_code != 101:
                raise await refused_upgrade(
                    response, method, response.request.url.path, self.config.timeout
                )
            network = response.extensions.get("network_stream")
            if network is None:
                raise StreamError("the transport did not hand over the upgraded connection")
            try:
                yield network
            finally:
                with anyio.CancelScope(shield=True):
                    await network.aclose()
        finally:
            with anyio.CancelScope(shield=True):
                await response.aclose()

    async def _send(
        self,
        method: str,
        path: str,
        params: Query | None,
        json: Any,
        content: Content,
        headers: Mapping[str, str] | None,
        timeout: Timeout,
        accept: Sequence[int],
        versioned: bool,
        *,
        stream: bool,
    ) -> httpx.Response:
        self._check_open()
        version = (self._api_version or await self.api_version()) if versioned else None
        response = await self._send_once(
            method, version, path, params, json, content, headers, timeout, stream
        )
        if response.status_code < 300 or response.status_code in accept:
            return response
        await self._finish(response)
        if (
            response.status_code == 400
            and version is not None
            and self.config.api_version is None
            and not isinstance(content, AsyncIterator)
        ):
            # A daemon replaced underneath us rejects the version we negotiated with a 400;
            # a fresh ping tells whether the version is the problem.
            newer = await self._renegotiate(version)
            if newer != version:
                response = await self._send_once(
                    method, newer, path, params, json, content, headers, timeout, stream
                )
                if response.status_code < 300 or response.status_code in accept:
                    return response
                await self._finish(response)
        raise api_error(response, method, response.request.url.path)

    async def _send_once(
        self,
        method: str,
        version: str | None,
        path: str,
        params: Query | None,
        json: Any,
        content: Content,
        headers: Mapping[str, str] | None,
        timeout: Timeout,
        stream: bool,
    ) -> httpx.Response:
        try:
            request = _request(
                method,
                self._url(_target(version, path, params)),
                json,
                content,
                headers,
                self._default_extensions
                if timeout is DEFAULT
                else {"timeout": self._timeouts(timeout)},
            )
            response = await self._transport.handle_async_request(request)
        except (httpx.TransportError, httpx.InvalidURL):
            # Entered only on failure: the context manager costs a generator per call.
            with transport_errors(self.config.host):
                raise
        response.request = request
        if not stream:
            await self._finish(response)
        return response

    def _url(self, target: str) -> httpx.URL:
        url = self._urls.get(target)
        if url is None:
            if len(self._urls) >= _URL_CACHE_SIZE:
                del self._urls[next(iter(self._urls))]
            url = self._urls[target] = httpx.URL(self._base_url + target)
        return url

    async def _finish(self, response: httpx.Response) -> None:
        """Read the rest of the body and release the connection, even when cancelled."""
        try:
            await response.aread()
        except BaseException as exc:
            with anyio.CancelScope(shield=True):
                await response.aclose()
            if isinstance(exc, httpx.TransportError):
                with transport_errors(self.config.host):
                    raise
            raise
        if isinstance(response.stream, httpx.ByteStream):
            response.is_closed = True  # a body in memory has nothing to release
        elif not response.is_closed:
            # Reading to the end released the connection (httpx closes on the last chunk):
            # this cannot block, so no shield.
            await response.aclose()

    def _timeouts(self, read: Timeout) -> dict[str, float | None]:
        configured = self.config.timeout
        read_timeout = configured if isinstance(read, _Default) else read
        connect = self.config.connect_timeout
        return {"connect": connect, "read": read_timeout, "write": configured, "pool": connect}


def _request(
    method: str,
    url: httpx.URL,
    json: Any,
    content: Content,
    headers: Mapping[str, str] | None,
    extensions: dict[str, Any],
) -> httpx.Request:
    """The request ``httpx.Request(json=..., content=...)`` makes, with the same headers,
    built in one pass (httpx rebuilds and re-checks its header list twice)."""
    if isinstance(content, AsyncIterator):  # httpx frames a stream (chunked)
        return httpx.Request(method, url, content=content, headers=headers, extensions=extensions)
    raw = [(b"Host", url.netloc)]
    given: frozenset[str] = frozenset()
    if headers:
        raw += [(name.encode("ascii"), value.encode("ascii")) for name, value in headers.items()]
        given = frozenset(name.lower() for name in headers)
    if json is not None:
        body = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        content = body.encode()
        if "content-type" not in given:
            raw.append((b"Content-Type", b"application/json"))
    if (content or method in _BODY_METHODS) and not given & _FRAMING:
        raw.append((b"Content-Length", b"%d" % len(content or b"")))
    request = httpx.Request(
        method, url, headers=raw, stream=httpx.ByteStream(content or b""), extensions=extensions
    )
    request.read()
    return request


#: Methods whose requests carry a Content-Length even without a body (as httpx sends them).
_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})
_FRAMING: Final = frozenset({"content-length", "transfer-encoding"})


def _choose_version(ping: Ping) -> str:
    """min(newest we implement, daemon's newest), refusing daemons older than our floor."""
    if ping.api_version is None:
        return MIN_API_VERSION
    daemon = parse_api_version(ping.api_version)
    if daemon < parse_api_version(MIN_API_VERSION):
        raise APIVersionError(
            f"the Docker daemon supports API {ping.api_version} at most; "
            f"engine_client needs API {MIN_API_VERSION} or newer"
        )
    return format_api_version(min(daemon, parse_api_version(MAX_API_VERSION)))

