"""Images: ``/images/...`` and ``/build``.

Pull, push, build, load and import answer 200 at once and report progress, and failures, as
JSON lines.  They return a :class:`ProgressCall`: ``await`` it for the :class:`ProgressResult`,
or enter it (``async with``) for a :class:`ProgressStream` of :class:`ProgressEvent`.  Either
way an ``errorDetail`` line raises :class:`StreamedError` unless ``raise_errors=False``.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import json
import os
import re
from collections import deque
from collections.abc import AsyncIterator, Callable, Generator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio

from .._auth import AuthConfig, CredentialStore, encode_auth, encode_registry_config, registry_key
from .._body import Body, build_context, open_body
from .._exceptions import EngineError, InvalidArgument, StreamedError
from .._filters import Filters, encode_filters
from .._models import Model, api, frozen_map, nested, nested_list, string_map, strings
from .._paths import reference as reference_path
from .._reference import ImageReference, parse_reference
from .._streams import JSONLinesDecoder
from .containers import ContainerConfig

if TYPE_CHECKING:
    from .._client import Client, ResponseStream

__all__ = [
    "ImageDeleteResponseItem",
    "ImageHistoryItem",
    "ImageInspectResponse",
    "ImagePruneResponse",
    "ImageSearchResult",
    "ImageSummary",
    "Images",
    "ProgressCall",
    "ProgressEvent",
    "ProgressResult",
    "ProgressStream",
]


# -- models -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageSummary(Model):
    """One entry of ``GET /images/json``."""

    id: str = api("Id", default="")
    parent_id: str | None = api("ParentId")
    repo_tags: tuple[str, ...] = api("RepoTags", strings, ())
    repo_digests: tuple[str, ...] = api("RepoDigests", strings, ())
    created: int | None = api("Created")
    size: int | None = api("Size")
    shared_size: int | None = api("SharedSize")
    labels: Mapping[str, str] = api("Labels", string_map, frozen_map({}))
    containers: int | None = api("Containers")  # -1 (unknown) on API 1.41


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageInspectResponse(Model):
    """``GET /images/{name}/json``."""

    id: str = api("Id", default="")
    repo_tags: tuple[str, ...] = api("RepoTags", strings, ())
    repo_digests: tuple[str, ...] = api("RepoDigests", strings, ())
    parent: str | None = api("Parent")
    comment: str | None = api("Comment")
    created: str | None = api("Created")
    author: str | None = api("Author")
    architecture: str | None = api("Architecture")
    variant: str | None = api("Variant")
    os: str | None = api("Os")
    size: int | None = api("Size")
    config: ContainerConfig = api("Config", nested(ContainerConfig), ContainerConfig())
    root_fs: Mapping[str, Any] = api("RootFS", frozen_map, frozen_map({}))


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageHistoryItem(Model):
    """One layer of ``GET /images/{name}/history``, newest first."""

    id: str = api("Id", default="")
    created: int | None = api("Created")
    created_by: str = api("CreatedBy", default="")
    tags: tuple[str, ...] = api("Tags", strings, ())
    size: int = api("Size", default=0)
    comment: str = api("Comment", default="")


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageDeleteResponseItem(Model):
    """One line of ``DELETE /images/{name}``: a tag removed or an image deleted."""

    untagged: str | None = api("Untagged")
    deleted: str | None = api("Deleted")


@dataclass(frozen=True, slots=True, kw_only=True)
class ImagePruneResponse(Model):
    images_deleted: tuple[ImageDeleteResponseItem, ...] = api(
        "ImagesDeleted", nested_list(ImageDeleteResponseItem), ()
    )
    space_reclaimed: int = api("SpaceReclaimed", default=0)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageSearchResult(Model):
    name: str = api("name", default="")
    description: str = api("description", default="")
    star_count: int = api("star_count", default=0)
    is_official: bool = api("is_official", default=False)
    is_automated: bool = api("is_automated", default=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgressEvent(Model):
    """One JSON line of a pull, push, build, load or import stream.

    ``id`` is the layer (pull, push) or the BuildKit message kind; ``current``/``total`` are
    bytes done and expected; ``stream`` is build or load output; ``aux`` carries results (the
    built image's ``{"ID": ...}``, a push's ``{"Tag", "Digest", "Size"}``); ``error`` and
    ``error_code`` are set on a failure line.
    """

    status: str | None = api("status")
    id: str | None = api("id")
    current: int | None = api("progressDetail.current")
    total: int | None = api("progressDetail.total")
    progress: str | None = api("progress")
    stream: str | None = api("stream")
    aux: Any = api("aux")
    error: str | None = dataclasses.field(default=None)
    error_code: int | None = dataclasses.field(default=None)

    @classmethod
    def from_message(cls, data: Any) -> ProgressEvent:
        event = cls.from_api(data if isinstance(data, Mapping) else {})
        if not isinstance(data, Mapping) or not (data.get("errorDetail") or data.get("error")):
            return event
        detail = data.get("errorDetail")
        detail = detail if isinstance(detail, Mapping) else {}
        message = detail.get("message") or data.get("error") or "unknown error"
        code = detail.get("code")
        return dataclasses.replace(
            event, error=str(message), error_code=code if isinstance(code, int) else None
        )


#: How long to keep reading after an error line for the end of the stream.
_DRAIN_TIMEOUT = 5.0
_IMAGE_ID = re.compile(r"sha256:[0-9a-f]{64}")
_LOADED = ("Loaded image: ", "Loaded image ID: ")
_PULLED_DIGEST = "Digest: "


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgressResult:
    """What a finished pull, push, build, load or import reported.

    ``image_id``: the built (``aux.ID``), imported or loaded image; ``digest``: the pushed
    (``aux.Digest``) or pulled manifest digest; ``images``: names (or ids) a load reported;
    ``error``: the failure line when errors were not raised.
    """

    events: tuple[ProgressEvent, ...] = ()
    image_id: str | None = None
    digest: str | None = None
    images: tuple[str, ...] = ()
    error: ProgressEvent | None = None


class _Collector:
    """Accumulates a :class:`ProgressResult` from events as they pass."""

    __slots__ = ("digest", "error", "events", "image_id", "images")

    def __init__(self) -> None:
        self.events: list[ProgressEvent] = []
        self.image_id: str | None = None
        self.digest: str | None = None
        self.images: list[str] = []
        self.error: ProgressEvent | None = None

    def add(self, event: ProgressEvent) -> None:
        self.events.append(event)
        if event.error is not None:
            self.error = self.error or event
        aux = event.aux if isinstance(event.aux, Mapping) else {}
        if isinstance(aux.get("ID"), str):
            self.image_id = aux["ID"]
        if isinstance(aux.get("Digest"), str):
            self.digest = aux["Digest"]
        status = event.status or ""
        if _IMAGE_ID.fullmatch(status):  # import reports the new image's id as its status
            self.image_id = status
        elif status.startswith(_PULLED_DIGEST):
            self.digest = status[len(_PULLED_DIGEST):].strip()
        text = (event.stream or "").strip()
        for prefix in _LOADED:
            if text.startswith(prefix):
                loaded = text[len(prefix):].strip()
                self.images.append(loaded)
                if _IMAGE_ID.fullmatch(loaded):
                    self.image_id = loaded

    def result(self) -> ProgressResult:
        return ProgressResult(
            events=tuple(self.events),
            image_id=self.image_id,
            digest=self.digest,
            images=tuple(self.images),
            error=self.error,
        )


class ProgressStream:
    """The events of one progress stream, as they arrive: ``async for event in stream``.

    ``result`` is what has been reported so far (complete once iteration ends).
    """

    __slots__ = ("_chunks", "_collector", "_decoder", "_done", "_method", "_path", "_pending",
                 "_raise_errors", "_status")

    def __init__(
        self, response: ResponseStream, method: str, path: str, raise_errors: bool
    ) -> None:
        self._chunks = response.__aiter__()
        self._decoder = JSONLinesDecoder()
        self._pending: deque[Any] = deque()
        self._done = False
        self._collector = _Collector()
        self._method, self._path, self._status = method, path, response.status_code
        self._raise_errors = raise_errors

    def __aiter__(self) -> ProgressStream:
        return self

    async def __anext__(self) -> ProgressEvent:
        while not self._pending:
            if self._done:
                raise StopAsyncIteration
            try:
                chunk = await self._chunks.__anext__()
            except StopAsyncIteration:
                self._done = True
                self._pending.extend(self._decoder.close())
            else:
                self._pending.extend(self._decoder.feed(chunk))
        event = ProgressEvent.from_message(self._pending.popleft())
        self._collector.add(event)
        if event.error is not None and self._raise_errors:
            await self._drain()
            raise StreamedError(
                self._status, event.error, self._method, self._path, code=event.error_code
            )
        return event

    async def _drain(self) -> None:
        """Read to the end: the daemon ends the stream after an error line, and a stream read
        to its end releases its connection (and every generator reading it) at once."""
        self._done = True
        self._pending.clear()
        # The error line says what failed; a read failing after it must not hide it.
        with anyio.move_on_after(_DRAIN_TIMEOUT), contextlib.suppress(EngineError):
            async for _ in self._chunks:
                pass

    @property
    def result(self) -> ProgressResult:
        return self._collector.result()

    async def aclose(self) -> None:
        with anyio.CancelScope(shield=True):
            aclose = getattr(self._chunks, "aclose", None)
            if aclose is not None:
                await aclose()


class ProgressCall:
    """A pull, push, build, load or import, not yet started.

    ``await call`` runs it to the end and returns the :class:`ProgressResult`;
    ``async with call as events`` yields a :class:`ProgressStream`.  Leaving the block early
    closes the connection, which cancels a build or push on the daemon.
    """

    __slots__ = ("_context", "_open")

    def __init__(self, open_stream: Callable[[], AbstractAsyncContextManager[ProgressStream]]) -> None:
        self._open = open_stream
        self._context: AbstractAsyncContextManager[ProgressStream] | None = None

    def __await__(self) -> Generator[Any, None, ProgressResult]:
        return self._run().__await__()

    async def _run(self) -> ProgressResult:
        async with self._open() as events:
            async for _ in events:
                pass
        return events.result

    async def __aenter__(self) -> ProgressStream:
        if self._context is not None:
            raise RuntimeError("this ProgressCall is already in use")
        self._context = self._open()
        try:
            return await self._context.__aenter__()
        except BaseException:
            self._context = None  # nothing was started: the call may be tried again
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        context, self._context = self._context, None
        assert context is not None
        return await context.__aexit__(exc_type, exc, tb)


# -- parameters ---------------------------------------------------------------------------------

_TAR = {"Content-Type": "application/x-tar"}


def _json_map(value: Mapping[str, str] | None, what: str) -> str | None:
    if value is None:
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise InvalidArgument(f"{what} must map strings to strings")
    return json.dumps(dict(value), separators=(",", ":"))


def _names(value: str | Sequence[str], what: str) -> builtins.list[str]:
    names = [value] if isinstance(value, str) else builtins.list(value)
    if not names:
        raise InvalidArgument(f"at least one {what} is required")
    for name in names:
        reference_path(name, what)
    return names


def _registry_config(auth: Mapping[str, AuthConfig]) -> dict[str, AuthConfig]:
    """Explicit build credentials under the keys the daemon looks up, as a
    :class:`CredentialStore` keys them (Docker Hub: its legacy URL)."""
    auths: dict[str, AuthConfig] = {}
    for server, config in auth.items():
        key = registry_key(server)
        if key in auths:
            raise InvalidArgument(f"auth names registry {key!r} twice")
        auths[key] = config if config.server_address else dataclasses.replace(config, server_address=key)
    return auths


def _pull_params(ref: ImageReference, platform: str | None) -> dict[str, str | None]:
    # The daemon pulls every tag when none is given, so a tag (or digest) is always sent.
    tag = ref.digest or ref.tag or "latest"
    return {"fromImage": ref.name, "tag": tag, "platform": platform}


class Images:
    """``docker.images``: pull, push, build, list and manage images.

    Registry credentials come from ``credentials`` (a :class:`CredentialStore`, by default the
    docker CLI's config) unless a call passes ``auth`` explicitly; ``AuthConfig()`` is anonymous.
    """

    def __init__(self, client: Client, credentials: CredentialStore | None = None) -> None:
        self._client = client
        self.credentials = credentials or CredentialStore()

    # -- progress streams ---------------------------------------------------------------------

    @asynccontextmanager
    async def _progress(
        self,
        path: str,
        *,
        params: Mapping[str, Any],
        headers: Mapping[str, str],
        content: Any = None,
        raise_errors: bool,
    ) -> AsyncIterator[ProgressStream]:
        async with self._client.stream(
            "POST", path, params=params, headers=headers, content=content
        ) as response:
            events = ProgressStream(response, "POST", response.response.request.url.path, raise_errors)
            try:
                yield events
            finally:
                await events.aclose()

    async def _auth_header(self, registry: str, auth: AuthConfig | None) -> dict[str, str]:
        key = registry_key(registry)
        if auth is None:
            auth = await self.credentials.get(key)
        elif not auth.server_address:
            auth = dataclasses.replace(auth, server_address=key)
        return {"X-Registry-Auth": encode_auth(auth)}

    def pull(
        self,
        reference: str,
        *,
        platform: str | None = None,
        auth: AuthConfig | None = None,
        raise_errors: bool = True,
    ) -> ProgressCall:
        """``POST /images/create?fromImage=``: pull one image (``latest`` when no tag is given).

        ``platform`` is ``os[/arch[/variant]]``.  Failures before the stream starts (unknown
        registry host, refused connection) raise the status's :class:`APIError`; failures
        after it raise :class:`StreamedError`.
        """
        ref = parse_reference(reference)
        params = _pull_params(ref, platform)

        @asynccontextmanager
        async def open_stream() -> AsyncIterator[ProgressStream]:
            headers = await self._auth_header(ref.registry, auth)
            async with self._progress(
                "/images/create", params=params, headers=headers, raise_errors=raise_errors
            ) as events:
                yield events

        return ProgressCall(open_stream)

    def push(
        self,
        reference: str,
        *,
        all_tags: bool = False,
        platform: str | None = None,
        auth: AuthConfig | None = None,
        raise_errors: bool = True,
    ) -> ProgressCall:
        """``POST /images/{name}/push``: push one tag (``latest`` when none is given), or every
        tag of the repository with ``all_tags``.  ``platform`` needs API 1.46."""
        ref = parse_reference(reference)
        if ref.digest:
            raise InvalidArgument(f"cannot push {reference!r}: push a tag, not a digest")
        if all_tags and ref.tag:
            raise InvalidArgument(f"all_tags pushes every tag: give {ref.familiar_name!r} untagged")
        tag = None if all_tags else ref.tag or "latest"
        path = f"/images/{reference_path(ref.name)}/push"

        @asynccontextmanager
        async def open_stream() -> AsyncIterator[ProgressStream]:
            if platform is not None:
                await self._client.require_api_version("1.46", "push with a platform")
            headers = await self._auth_header(ref.registry, auth)
            async with self._progress(
                path,
                params={"tag": tag, "platform": platform},
                headers=headers,
                raise_errors=raise_errors,
            ) as events:
                yield events

        return ProgressCall(open_stream)

    def import_image(
        self,
        source: Body,
        *,
        repo: str | None = None,
        tag: str | None = None,
        changes: Sequence[str] | None = None,
        message: str | None = None,
        platform: str | None = None,
        raise_errors: bool = True,
    ) -> ProgressCall:
        """``POST /images/create?fromSrc=-``: an image from a root filesystem tar.

        ``source`` is the tar as bytes, a path, a binary file or an async iterator of chunks;
        ``changes`` are Dockerfile instructions (``CMD``, ``ENV``, ``LABEL``, ...) to apply.
        The new image's id is ``result.image_id``.
        """
        if repo is not None:
            parse_reference(repo)
        if isinstance(changes, str):
            changes = [changes]
        params = {
            "fromSrc": "-",
            "repo": repo,
            "tag": tag,
            "changes": None if changes is None else builtins.list(changes),
            "message": message,
            "platform": platform,
        }

        @asynccontextmanager
        async def open_stream() -> AsyncIterator[ProgressStream]:
            async with open_body(source, "import source") as content, self._progress(
                "/images/create",
                params=params,
                headers=_TAR,
                content=content,
                raise_errors=raise_errors,
            ) as events:
                yield events

        return ProgressCall(open_stream)

    def load(self, source: Body, *, quiet: bool = False, raise_errors: bool = True) -> ProgressCall:
        """``POST /images/load``: images from a tar made by :meth:`save` (or ``docker save``).

        The loaded names are ``result.images``.
        """

        @asynccontextmanager
        async def open_stream() -> AsyncIterator[ProgressStream]:
            async with open_body(source, "image archive") as content, self._progress(
                "/images/load",
                params={"quiet": quiet},
                headers=_TAR,
                content=content,
                raise_errors=raise_errors,
            ) as events:
                yield events

        return ProgressCall(open_stream)

    def build(
        self,
        context: Body,
        *,
        dockerfile: str | None = None,
        tags: str | Sequence[str] = (),
        build_args: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        target: str | None = None,
        platform: str | None = None,
        network_mode: str | None = None,
        no_cache: bool = False,
        pull: bool = False,
        remove: bool = True,
        force_remove: bool = False,
        cache_from: Sequence[str] | None = None,
        version: str | None = None,
        auth: Mapping[str, AuthConfig] | None = None,
        raise_errors: bool = True,
    ) -> ProgressCall:
        """``POST /build``: build an image; the new image's id is ``result.image_id``.

        ``context`` is a directory (sent as a tar honouring its ``.dockerignore``; the
        Dockerfile and ``.dockerignore`` are always sent) or a ready tar (bytes, a path to a
        tar file, a binary file, or an async iterator of chunks).  ``dockerfile`` is a path
        inside the context.  ``version`` picks the builder: ``"1"`` classic, ``"2"`` BuildKit
        (its progress arrives as encoded ``aux`` traces); the daemon's default when omitted.
        Credentials for base images (``X-Registry-Config``) come from ``auth`` or, like the
        docker CLI, from every registry in the credential store (best effort).
        """
        tag_list = [tags] if isinstance(tags, str) else builtins.list(tags)
        for tag in tag_list:
            parse_reference(tag)
        if version not in (None, "1", "2"):
            raise InvalidArgument(f"invalid builder version {version!r}: expected '1' or '2'")
        explicit = None if auth is None else _registry_config(auth)
        params = {
            "t": tag_list or None,
            "dockerfile": dockerfile,
            "buildargs": _json_map(build_args, "build_args"),
            "labels": _json_map(labels, "labels"),
            "target": target,
            "platform": platform,
            "networkmode": network_mode,
            "nocache": no_cache or None,
            "pull": pull or None,
            "rm": remove,
            "forcerm": force_remove or None,
            "cachefrom": None if cache_from is None else json.dumps(builtins.list(cache_from)),
            "version": version,
        }

        @asynccontextmanager
        async def open_stream() -> AsyncIterator[ProgressStream]:
            auths = explicit if explicit is not None else await self.credentials.all()
            headers = dict(_TAR)
            if auths:
                headers["X-Registry-Config"] = encode_registry_config(auths)
            async with AsyncExitStack() as stack:
                if isinstance(context, (str, os.PathLike)) and await anyio.Path(context).is_dir():
                    body: Any = await stack.enter_async_context(
                        build_context(context, dockerfile or "Dockerfile")
                    )
                else:
                    body = await stack.enter_async_context(open_body(context, "build context"))
                events = await stack.enter_async_context(
                    self._progress(
                        "/build", params=params, headers=headers, content=body,
                        raise_errors=raise_errors,
                    )
                )
                yield events

        return ProgressCall(open_stream)

    # -- whole responses ----------------------------------------------------------------------

    async def tag(self, image: str, target: str) -> ImageReference:
        """``POST /images/{name}/tag``: give ``image`` (a name or id) the name ``target``
        (tagged ``latest`` when it has no tag).  Returns the new, normalised reference."""
        ref = parse_reference(target).with_default_tag()
        if ref.digest:
            raise InvalidArgument(f"cannot tag with {target!r}: a digest is not a tag")
        path = f"/images/{reference_path(image)}/tag"
        await self._client.request("POST", path, params={"repo": ref.name, "tag": ref.tag})
        return ref

    async def list(
        self,
        *,
        all: bool = False,
        filters: Filters | None = None,
        digests: bool = False,
        shared_size: bool = False,
    ) -> builtins.list[ImageSummary]:
        """``GET /images/json``; ``filters`` keys: ``reference``, ``dangling``, ``label``,
        ``before``, ``since``, ``until``."""
        params = {
            "all": all or None,
            "filters": encode_filters(filters),
            "digests": digests or None,
            "shared-size": shared_size or None,
        }
        data = await self._client.request_json("GET", "/images/json", params=params)
        return [ImageSummary.from_api(item) for item in data or ()]

    async def inspect(self, image: str) -> ImageInspectResponse:
        data = await self._client.request_json("GET", f"/images/{reference_path(image)}/json")
        return ImageInspectResponse.from_api(data)

    async def history(self, image: str) -> builtins.list[ImageHistoryItem]:
        path = f"/images/{reference_path(image)}/history"
        data = await self._client.request_json("GET", path)
        return [ImageHistoryItem.from_api(item) for item in data or ()]

    async def remove(
        self, image: str, *, force: bool = False, noprune: bool = False
    ) -> builtins.list[ImageDeleteResponseItem]:
        """``DELETE /images/{name}``.  An image used by a container raises :class:`Conflict`
        unless ``force``; ``noprune`` keeps untagged parents."""
        path = f"/images/{reference_path(image)}"
        params = {"force": force or None, "noprune": noprune or None}
        data = await self._client.request_json("DELETE", path, params=params)
        return [ImageDeleteResponseItem.from_api(item) for item in data or ()]

    async def prune(self, *, filters: Filters | None = None) -> ImagePruneResponse:
        """``POST /images/prune``: dangling images, or every unused one with
        ``{"dangling": False}``; also ``until``, ``label``, ``label!``."""
        data = await self._client.request_json(
            "POST", "/images/prune", params={"filters": encode_filters(filters)}
        )
        return ImagePruneResponse.from_api(data)

    async def search(
        self, term: str, *, limit: int | None = None, filters: Filters | None = None
    ) -> builtins.list[ImageSearchResult]:
        """``GET /images/search`` (the daemon asks Docker Hub; offline it answers 500, raised
        as :class:`ServerError`)."""
        if not term:
            raise InvalidArgument("a search term is required")
        params = {"term": term, "limit": limit, "filters": encode_filters(filters)}
        data = await self._client.request_json("GET", "/images/search", params=params)
        return [ImageSearchResult.from_api(item) for item in data or ()]

    @asynccontextmanager
    async def save(self, images: str | Sequence[str]) -> AsyncIterator[AsyncIterator[bytes]]:
        """``GET /images/get``: one tar of one or several images, streamed as it is made::

            async with docker.images.save(["app:1", "app:2"]) as tar:
                async for chunk in tar:
                    out.write(chunk)
        """
        names = _names(images, "image")
        async with self._client.stream("GET", "/images/get", params={"names": names}) as response:
            chunks = response.__aiter__()
            try:
                yield chunks
            finally:
                with anyio.CancelScope(shield=True):
                    await chunks.aclose()
