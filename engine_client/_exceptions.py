"""Every error engine_client raises, in one tree.

    EngineError
    ├── ConfigError          bad DOCKER_HOST, DOCKER_API_VERSION, ... (also a ValueError)
    ├── InvalidArgument      a value refused before any request is sent (also a ValueError)
    ├── APIVersionError      the daemon's or the negotiated API version cannot do what was asked
    ├── CredentialsError     registry credentials cannot be read (config file, credential helper)
    ├── DaemonStreamError    the daemon wrote an error into a container's output stream (a
    │                        multiplexed frame of type 3, e.g. ``Error grabbing logs: ...``)
    ├── TransportError       nothing usable came back from the daemon
    │   ├── EngineConnectionError   cannot connect (not running, permission denied, ...)
    │   ├── EngineTimeout           connect, read or write deadline passed
    │   └── StreamError             a stream broke off or carried malformed data
    │       └── MalformedResponse   a success whose body or header cannot be decoded
    └── APIError             the daemon answered with an error status
        ├── BadRequest       400
        ├── Unauthorized     401
        ├── Forbidden        403
        ├── NotFound         404
        ├── Conflict         409
        ├── ServerError      5xx
        └── StreamedError    an error reported inside a 200 progress stream (pull, push, build,
                             load, import): the stream's ``errorDetail`` message and code

Using a closed client is a programming error and raises ``ClientClosedError``, a ``RuntimeError``
outside this tree.  One warning, ``ConfigFileWarning`` (a ``UserWarning``), says that the
docker CLI's config.json is unusable and ignored.  Errors are classified by status code, never by the daemon's wording, which
differs between daemon versions.
"""

from __future__ import annotations

import contextlib
import json
import ssl
import warnings
from collections.abc import Iterator

import httpx

__all__ = [
    "APIError",
    "APIVersionError",
    "BadRequest",
    "ClientClosedError",
    "ConfigError",
    "ConfigFileWarning",
    "Conflict",
    "CredentialsError",
    "DaemonStreamError",
    "EngineConnectionError",
    "EngineError",
    "EngineTimeout",
    "Forbidden",
    "InvalidArgument",
    "MalformedResponse",
    "NotFound",
    "ServerError",
    "StreamError",
    "StreamedError",
    "TransportError",
    "Unauthorized",
]


class EngineError(Exception):
    """Base class of every error engine_client raises on purpose."""


class ConfigError(EngineError, ValueError):
    """The configuration (environment or arguments) cannot be used."""


class InvalidArgument(EngineError, ValueError):
    """An argument was refused before anything was sent to the daemon."""


class APIVersionError(EngineError):
    """The API version in use cannot do what was asked, or the daemon's is out of range."""


class CredentialsError(EngineError):
    """Registry credentials could not be obtained: unreadable config file, missing or failing
    credential helper.  The message never contains a credential."""


class DaemonStreamError(EngineError):
    """The daemon reported an error inside a container's output stream (logs, attach, exec).

    ``message`` is the daemon's text; the output that came before it was delivered first.
    """

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(f"error from daemon in stream: {message}")


class ConfigFileWarning(UserWarning):
    """The docker CLI's ``config.json`` cannot be read or parsed, so it is ignored as the docker
    CLI ignores it: no credentials from it, no ``currentContext``.  ``CredentialStore(
    strict=True)`` raises :class:`CredentialsError` instead.  The message never contains a
    credential."""


def warn_config_file(problem: str) -> None:
    """Warn that config.json is ignored; the same problem gives the same text wherever it is
    found (contexts, credentials), so that it can be shown once."""
    warnings.warn(f"Error loading config file: {problem}", ConfigFileWarning, stacklevel=3)


class TransportError(EngineError):
    """The exchange with the daemon failed below HTTP status level."""


class EngineConnectionError(TransportError):
    """The daemon could not be reached."""


class EngineTimeout(TransportError):
    """A connect, read or write deadline passed."""


class StreamError(TransportError):
    """A response stream ended early or carried data that cannot be decoded."""


class MalformedResponse(StreamError):
    """The daemon answered, but with something that cannot be decoded: a body that is not the
    JSON the endpoint returns, or a malformed header.  ``method`` and ``path`` name the request;
    ``snippet`` is the start of what came back (``None`` where it could hold a secret)."""

    def __init__(self, what: str, method: str, path: str, snippet: str | None) -> None:
        self.method = method
        self.path = path
        self.snippet = snippet
        shown = "" if snippet is None else f" {snippet!r}"
        super().__init__(f"{what} from the Docker daemon{shown} ({method} {path})")


def snippet(data: bytes | str, size: int = 200) -> str:
    """The start of what the daemon sent, for an error message."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return text[:size] + ("…" if len(text) > size else "")


class ClientClosedError(RuntimeError):
    """The client was used after ``aclose()``."""


class APIError(EngineError):
    """The daemon answered with an error status.

    ``message`` is the daemon's own text (from a JSON body, a plain-text body, or the status
    line when the body was empty).
    """

    def __init__(self, status_code: int, message: str, method: str, path: str) -> None:
        self.status_code = status_code
        self.message = message
        self.method = method
        self.path = path
        super().__init__(f"{message} ({status_code} on {method} {path})")


class BadRequest(APIError):
    """400: the daemon refused the parameters."""


class Unauthorized(APIError):
    """401: the daemon (or a registry behind it) wants credentials."""


class Forbidden(APIError):
    """403: the operation is not allowed on this object."""


class NotFound(APIError):
    """404: no such object (or no such endpoint)."""


class Conflict(APIError):
    """409: the object's state or name conflicts with the request."""


class ServerError(APIError):
    """5xx: the daemon failed."""


class StreamedError(APIError):
    """The daemon answered 200 and then reported a failure inside the progress stream.

    ``message`` and ``code`` come from the stream's ``errorDetail`` (``code`` is ``None`` when
    the daemon sent none; a failed build step gives its exit status).  ``status_code`` is the
    HTTP status of the stream, normally 200.
    """

    def __init__(
        self, status_code: int, message: str, method: str, path: str, code: int | None = None
    ) -> None:
        self.code = code
        APIError.__init__(self, status_code, message, method, path)
        self.args = (f"{message} (reported in the response stream of {method} {path})",)


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
}


def error_class(status_code: int) -> type[APIError]:
    if status_code >= 500:
        return ServerError
    return _BY_STATUS.get(status_code, APIError)


def daemon_message(status_code: int, reason: str, body: bytes) -> str:
    """The daemon's message from a JSON, plain-text or empty error body."""
    text = body.decode("utf-8", "replace").strip()
    if text.startswith("{"):
        with contextlib.suppress(ValueError):
            data = json.loads(text)
            if isinstance(data, dict) and isinstance(data.get("message"), str):
                return str(data["message"]).strip()
    return text or f"{status_code} {reason}".strip()


def api_error(response: httpx.Response, method: str, path: str) -> APIError:
    """The typed error for a response that has been read."""
    status = response.status_code
    message = daemon_message(status, response.reason_phrase, response.content)
    return error_class(status)(status, message, method, path)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _raise_if_tls(exc: BaseException, host: str) -> None:
    """A TLS failure (bad certificate, refused client certificate) is a connection error."""
    seen: BaseException | None = exc
    while seen is not None and not isinstance(seen, ssl.SSLError):
        seen = seen.__cause__ or seen.__context__
    if seen is None:
        return
    detail = getattr(seen, "verify_message", None)
    reason = (seen.reason or "").lower().replace("_", " ")
    text = f"{reason}: {detail}" if detail else reason or str(seen)
    raise EngineConnectionError(f"TLS with the Docker daemon at {host} failed: {text}") from exc


@contextlib.contextmanager
def transport_errors(host: str) -> Iterator[None]:
    """Translate httpx's errors into ours at the single boundary where they can occur."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise EngineTimeout(f"timed out talking to the Docker daemon at {host}") from exc
    except httpx.ConnectError as exc:
        _raise_if_tls(exc, host)
        if _caused_by(exc, PermissionError):
            raise EngineConnectionError(
                f"permission denied connecting to the Docker daemon at {host}; "
                "is your user allowed to use the socket?"
            ) from exc
        raise EngineConnectionError(
            f"cannot connect to the Docker daemon at {host}; is it running?"
        ) from exc
    except httpx.UnsupportedProtocol as exc:
        raise EngineConnectionError(f"cannot talk to {host}: {exc}") from exc
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        _raise_if_tls(exc, host)
        raise StreamError(f"the connection to the Docker daemon at {host} broke: {exc}") from exc
    except httpx.TransportError as exc:
        raise TransportError(f"error talking to the Docker daemon at {host}: {exc}") from exc
    except httpx.InvalidURL as exc:  # an argument made the URL unusable (e.g. too long)
        raise InvalidArgument(f"cannot make a request URL: {exc}") from exc
    except ssl.SSLError as exc:  # httpcore lets a TLS alert received while reading escape raw
        _raise_if_tls(exc, host)
        raise
