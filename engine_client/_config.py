"""Client configuration: where the daemon is, how to reach it, which API version to speak.

Resolving configuration never touches the network or the socket; it may read the docker CLI's
configuration directory (``config.json``, the context store, certificate files).
"""

from __future__ import annotations

import ipaddress
import os
import re
import shlex
import ssl
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from ._contexts import DEFAULT_CONTEXT, Context, config_dir, current_context, load_context
from ._exceptions import ConfigError

__all__ = [
    "DEFAULT_HOST",
    "MAX_API_VERSION",
    "MIN_API_VERSION",
    "SSH_OPTIONS_VARIABLE",
    "ClientConfig",
    "Endpoint",
    "TLSConfig",
]

DEFAULT_UNIX_SOCKET = "/var/run/docker.sock"
DEFAULT_HOST = f"unix://{DEFAULT_UNIX_SOCKET}"
DEFAULT_TCP_PORT = 2375
#: Where the docker CLI goes when TLS is asked for but no host is given.
DEFAULT_TLS_HOST = "tcp://localhost:2376"
#: Extra arguments for the ssh binary (shell syntax), e.g. ``-F /path/to/ssh_config``.
SSH_OPTIONS_VARIABLE = "ENGINE_CLIENT_SSH_OPTS"

#: Oldest and newest Engine API versions this client implements.
MIN_API_VERSION = "1.41"
MAX_API_VERSION = "1.51"

DEFAULT_TIMEOUT = 60.0
DEFAULT_CONNECT_TIMEOUT = 10.0

_VERSION = re.compile(r"^v?(\d+)\.(\d+)$")


def is_api_version(value: str) -> bool:
    return _VERSION.match(value.strip()) is not None


def parse_api_version(value: str) -> tuple[int, int]:
    """``"1.41"`` (or ``"v1.41"``) as a comparable tuple."""
    match = _VERSION.match(value.strip())
    if not match:
        raise ConfigError(f"invalid API version {value!r}: expected MAJOR.MINOR such as 1.41")
    return int(match[1]), int(match[2])


def format_api_version(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


_UNSAFE_IN_SSH = re.compile(r"[\s\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A parsed ``DOCKER_HOST``: how to reach the daemon."""

    scheme: str  # "unix", "tcp" or "ssh"
    address: str  # socket path, "host:port" (tcp) or the host name (ssh)
    base_path: str = ""  # tcp: a prefix placed before /vX.Y; ssh: the remote socket path
    user: str | None = None  # ssh only
    port: int | None = None  # ssh only (None: ssh's own default or configuration)

    @property
    def url(self) -> str:
        if self.scheme == "unix":
            return f"unix://{self.address}"
        if self.scheme == "ssh":
            user = f"{self.user}@" if self.user else ""
            host = f"[{self.address}]" if ":" in self.address else self.address
            port = f":{self.port}" if self.port else ""
            return f"ssh://{user}{host}{port}{self.base_path}"
        return f"tcp://{self.address}{self.base_path}"

    @property
    def host_name(self) -> str:
        """tcp and ssh: the host part, without port or brackets."""
        if self.scheme == "tcp":
            return self.address.rpartition(":")[0].strip("[]")
        return self.address

    @property
    def is_loopback(self) -> bool:
        """True for a Unix socket and for tcp/ssh to this machine (``localhost``, 127/8, ::1)."""
        if self.scheme == "unix":
            return True
        name = self.host_name
        if name.lower() == "localhost":
            return True
        try:
            return ipaddress.ip_address(name).is_loopback
        except ValueError:
            return False

    @classmethod
    def parse(cls, host: str) -> Endpoint:
        value = host.strip()
        if not value:
            return cls("unix", DEFAULT_UNIX_SOCKET)
        scheme, sep, rest = value.partition("://")
        if not sep:
            raise _invalid(host, "expected unix:///path or tcp://host:port")
        scheme = scheme.lower()
        if scheme == "unix":
            path = rest.rstrip("/") or DEFAULT_UNIX_SOCKET
            if not path.startswith("/"):
                raise _invalid(host, "the socket path must be absolute")
            return cls("unix", path)
        if scheme == "tcp":
            return cls._parse_tcp(host, rest)
        if scheme == "ssh":
            return cls._parse_ssh(host, rest)
        if scheme in ("npipe", "fd"):
            raise _invalid(host, f"{scheme}:// is not supported on this platform")
        raise _invalid(host, "expected unix:///path, tcp://host:port or ssh://[user@]host[:port]")

    @classmethod
    def _parse_ssh(cls, host: str, rest: str) -> Endpoint:
        expected = "expected ssh://[user@]host[:port][/socket-path]"
        try:
            parts = urlsplit(f"ssh://{rest}")
            port = parts.port
        except ValueError as exc:
            raise _invalid(host, expected, exc) from None
        name, user, path = parts.hostname, parts.username, parts.path.rstrip("/")
        if (
            not name
            or parts.password is not None
            or parts.query
            or parts.fragment
            or name.startswith("-")
            or (user is not None and (not user or user.startswith("-")))
            or _UNSAFE_IN_SSH.search(rest)
        ):
            raise _invalid(host, expected)
        return cls("ssh", name, path, user=user, port=port)

    @classmethod
    def _parse_tcp(cls, host: str, rest: str) -> Endpoint:
        expected = "expected tcp://host:port[/path]"
        try:
            parts = urlsplit(f"tcp://{rest}")
            port = parts.port or DEFAULT_TCP_PORT
        except ValueError as exc:
            raise _invalid(host, expected, exc) from None
        if not parts.hostname or parts.query or parts.fragment or "@" in parts.netloc:
            raise _invalid(host, expected)
        name = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        endpoint = cls("tcp", f"{name}:{port}", parts.path.rstrip("/"))
        try:  # what httpx would refuse on the first request (256.1.1.1, a bad IDNA name)
            httpx.URL(f"http://{endpoint.address}{endpoint.base_path}")
        except httpx.InvalidURL as exc:
            raise _invalid(host, expected, ValueError(str(exc))) from None
        return endpoint


#: ``[scheme://]user:password@``.  Everything up to the last ``@`` is masked: a password may
#: itself hold ``/`` or ``@``, so parsers disagree on where it ends.
_PASSWORD = re.compile(r"^((?:[^:/]*://)?[^:@/]*:).*@", re.DOTALL)


def _invalid(host: str, expected: str, error: ValueError | None = None) -> ConfigError:
    """The error for an unusable host, which never shows a password: it is masked, and a
    parser's own message (which may quote part of it) is left out when there is one."""
    shown = _PASSWORD.sub(r"\1***@", host, count=1)
    detail = str(error) if error is not None and shown == host else expected
    return ConfigError(f"invalid Docker host {shown!r}: {detail}")


@dataclass(frozen=True, slots=True, kw_only=True)
class TLSConfig:
    """TLS for a ``tcp://`` daemon: the CA to trust and the client certificate to present.

    Verification of the daemon's certificate (chain and host name) is on unless ``verify`` is
    false, an explicit opt-in that warns when a client is made with it.  ``ca_cert=None``
    trusts the system's CAs.  TLS 1.2 at least.
    """

    ca_cert: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    verify: bool = True

    def __post_init__(self) -> None:
        if (self.client_cert is None) != (self.client_key is None):
            raise ConfigError("a TLS client certificate needs its key, and a key its certificate")

    @classmethod
    def from_directory(cls, directory: str | os.PathLike[str], *, verify: bool = True) -> TLSConfig:
        """``ca.pem``, ``cert.pem`` and ``key.pem`` from ``directory``, each used when present."""
        path = Path(directory)

        def present(name: str) -> str | None:
            return str(path / name) if (path / name).is_file() else None

        cert, key = present("cert.pem"), present("key.pem")
        if (cert is None) != (key is None):
            raise ConfigError(f"{path} has one of cert.pem and key.pem but not the other")
        return cls(ca_cert=present("ca.pem"), client_cert=cert, client_key=key, verify=verify)

    def ssl_context(self) -> ssl.SSLContext:
        """A client context with this material loaded (reads the files)."""
        try:
            context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=self.ca_cert)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            if not self.verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            if self.client_cert is not None:
                context.load_cert_chain(self.client_cert, self.client_key)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"cannot load the TLS certificates ({self}): {exc}") from None
        return context


_warned: set[str] = set()


def warn_if_insecure(config: ClientConfig) -> None:
    """Warn (once per host) about plain tcp beyond this machine and about unverified TLS."""
    endpoint = config.endpoint
    if endpoint.scheme != "tcp":
        return
    if config.tls is None:
        message = (
            f"{config.host} is reached over plain, unauthenticated TCP: anyone on the network "
            "path can control this Docker daemon; configure TLS (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH)"
        )
        if endpoint.is_loopback:
            return
    elif not config.tls.verify:
        message = f"TLS certificate verification is disabled for {config.host}"
    else:
        return
    if message not in _warned:
        _warned.add(message)
        warnings.warn(message, stacklevel=4)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientConfig:
    """Everything a :class:`Client` needs to know before it talks to a daemon.

    ``api_version`` pins the version and disables negotiation; ``None`` negotiates.
    ``timeout`` is the read/write deadline for ordinary calls (streams, waits and
    attaches have none); ``None`` disables it.  ``tls`` applies to ``tcp://`` hosts only.
    ``ssh_options`` are extra arguments for the ssh binary (``ssh://`` hosts).  ``context``
    names the docker CLI context the host came from, if any.
    """

    host: str = DEFAULT_HOST
    api_version: str | None = None
    timeout: float | None = DEFAULT_TIMEOUT
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    tls: TLSConfig | None = None
    ssh_options: tuple[str, ...] = ()
    context: str | None = None
    endpoint: Endpoint = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "endpoint", Endpoint.parse(self.host))
        object.__setattr__(self, "host", self.endpoint.url)
        if self.api_version is not None:
            version = format_api_version(parse_api_version(self.api_version))
            object.__setattr__(self, "api_version", version)
        if self.tls is not None and self.endpoint.scheme != "tcp":
            raise ConfigError(f"TLS settings apply to tcp:// hosts only, not to {self.host}")
        object.__setattr__(self, "ssh_options", tuple(self.ssh_options))

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        host: str | None = None,
        context: str | None = None,
        api_version: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        tls: TLSConfig | None = None,
        ssh_options: Sequence[str] | None = None,
    ) -> ClientConfig:
        """Configured like the docker CLI.

        The daemon: ``host`` or ``context`` (not both) → ``DOCKER_HOST`` → ``DOCKER_CONTEXT``
        → ``currentContext`` in ``$DOCKER_CONFIG/config.json`` → the local socket.  The
        ``default`` context means "no context".

        TLS for a ``tcp://`` host: ``tls`` when given; else the context's TLS material and
        ``SkipTLSVerify`` when the host came from a context; else the environment:
        ``DOCKER_TLS_VERIFY`` (any non-empty value: TLS with verification), ``DOCKER_TLS``
        (TLS without verification, unless ``DOCKER_TLS_VERIFY`` is set too) and
        ``DOCKER_CERT_PATH`` (``ca.pem``, ``cert.pem``, ``key.pem``; default the docker config
        directory; setting it turns TLS on, with verification).

        ``ssh_options``: else ``ENGINE_CLIENT_SSH_OPTS`` (shell syntax).
        """
        env = os.environ if environ is None else environ
        if host and context:
            raise ConfigError("give either a host or a context, not both")
        name = None if host else context or (None if env.get("DOCKER_HOST") else _env_context(env))
        chosen = load_context(name, env) if name and name != DEFAULT_CONTEXT else None
        if chosen is not None and chosen.host is not None:
            resolved = chosen.host
            default_tls = _context_tls(chosen)
        else:
            default_tls = _env_tls(env)
            fallback = DEFAULT_HOST if default_tls is None else DEFAULT_TLS_HOST
            resolved = host or env.get("DOCKER_HOST") or fallback
        endpoint = Endpoint.parse(resolved)
        if ssh_options is None:
            ssh_options = _split_options(env.get(SSH_OPTIONS_VARIABLE, ""))
        return cls(
            host=resolved,
            api_version=api_version or env.get("DOCKER_API_VERSION") or None,
            timeout=timeout,
            tls=tls or (default_tls if endpoint.scheme == "tcp" else None),
            ssh_options=tuple(ssh_options),
            context=chosen.name if chosen is not None else None,
        )


def _env_context(env: Mapping[str, str]) -> str | None:
    return env.get("DOCKER_CONTEXT") or current_context(env)


def _env_tls(env: Mapping[str, str]) -> TLSConfig | None:
    verify, insecure, cert_path = (
        env.get("DOCKER_TLS_VERIFY"), env.get("DOCKER_TLS"), env.get("DOCKER_CERT_PATH")
    )
    if not (verify or insecure or cert_path):
        return None
    directory = cert_path or config_dir(env)
    if directory is None:
        return TLSConfig(verify=bool(verify) or not insecure)
    return TLSConfig.from_directory(directory, verify=bool(verify) or not insecure)


def _context_tls(context: Context) -> TLSConfig | None:
    if context.tls_dir is not None:
        return TLSConfig.from_directory(context.tls_dir, verify=not context.skip_tls_verify)
    return TLSConfig(verify=False) if context.skip_tls_verify else None


def _split_options(value: str) -> list[str]:
    try:
        return shlex.split(value)
    except ValueError as exc:
        raise ConfigError(f"invalid {SSH_OPTIONS_VARIABLE} {value!r}: {exc}") from None
