"""Client configuration: where the daemon is and which API version to speak.

Resolving configuration never touches the network or the socket.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ._exceptions import ConfigError

__all__ = ["DEFAULT_HOST", "MAX_API_VERSION", "MIN_API_VERSION", "ClientConfig", "Endpoint"]

DEFAULT_UNIX_SOCKET = "/var/run/docker.sock"
DEFAULT_HOST = f"unix://{DEFAULT_UNIX_SOCKET}"
DEFAULT_TCP_PORT = 2375

#: Oldest and newest Engine API versions this client implements.
MIN_API_VERSION = "1.41"
MAX_API_VERSION = "1.51"

DEFAULT_TIMEOUT = 60.0
DEFAULT_CONNECT_TIMEOUT = 10.0

_VERSION = re.compile(r"^v?(\d+)\.(\d+)$")


def parse_api_version(value: str) -> tuple[int, int]:
    """``"1.41"`` (or ``"v1.41"``) as a comparable tuple."""
    match = _VERSION.match(value.strip())
    if not match:
        raise ConfigError(f"invalid API version {value!r}: expected MAJOR.MINOR such as 1.41")
    return int(match[1]), int(match[2])


def format_api_version(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A parsed ``DOCKER_HOST``: how to reach the daemon."""

    scheme: str  # "unix" or "tcp"
    address: str  # socket path, or "host:port"
    base_path: str = ""  # tcp only: a prefix placed before /vX.Y, never ending in "/"

    @property
    def url(self) -> str:
        if self.scheme == "unix":
            return f"unix://{self.address}"
        return f"tcp://{self.address}{self.base_path}"

    @classmethod
    def parse(cls, host: str) -> Endpoint:
        value = host.strip()
        if not value:
            return cls("unix", DEFAULT_UNIX_SOCKET)
        scheme, sep, rest = value.partition("://")
        if not sep:
            raise ConfigError(f"invalid Docker host {host!r}: expected unix:///path or tcp://host:port")
        scheme = scheme.lower()
        if scheme == "unix":
            path = rest.rstrip("/") or DEFAULT_UNIX_SOCKET
            if not path.startswith("/"):
                raise ConfigError(f"invalid Docker host {host!r}: the socket path must be absolute")
            return cls("unix", path)
        if scheme == "tcp":
            return cls._parse_tcp(host, rest)
        if scheme in ("npipe", "fd"):
            raise ConfigError(f"Docker host {host!r}: {scheme}:// is not supported on this platform")
        raise ConfigError(
            f"unsupported Docker host {host!r}: expected unix:///path or tcp://host:port"
        )

    @classmethod
    def _parse_tcp(cls, host: str, rest: str) -> Endpoint:
        try:
            parts = urlsplit(f"tcp://{rest}")
            port = parts.port or DEFAULT_TCP_PORT
        except ValueError as exc:
            raise ConfigError(f"invalid Docker host {host!r}: {exc}") from None
        if not parts.hostname or parts.query or parts.fragment or parts.username:
            raise ConfigError(f"invalid Docker host {host!r}: expected tcp://host:port[/path]")
        name = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        return cls("tcp", f"{name}:{port}", parts.path.rstrip("/"))


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientConfig:
    """Everything a :class:`Client` needs to know before it talks to a daemon.

    ``api_version`` pins the version and disables negotiation; ``None`` negotiates.
    ``timeout`` is the read/write deadline for ordinary calls (streams, waits and
    attaches have none); ``None`` disables it.
    """

    host: str = DEFAULT_HOST
    api_version: str | None = None
    timeout: float | None = DEFAULT_TIMEOUT
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    endpoint: Endpoint = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "endpoint", Endpoint.parse(self.host))
        object.__setattr__(self, "host", self.endpoint.url)
        if self.api_version is not None:
            version = format_api_version(parse_api_version(self.api_version))
            object.__setattr__(self, "api_version", version)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        host: str | None = None,
        api_version: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> ClientConfig:
        """Explicit arguments first, then ``DOCKER_HOST`` and ``DOCKER_API_VERSION``."""
        env = os.environ if environ is None else environ
        return cls(
            host=host or env.get("DOCKER_HOST") or DEFAULT_HOST,
            api_version=api_version or env.get("DOCKER_API_VERSION") or None,
            timeout=timeout,
        )
