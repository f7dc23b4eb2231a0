"""Registry credentials, found the way the docker CLI finds them, and their wire encoding.

For one registry the sources are tried in the CLI's order: credentials given explicitly; the
``credHelpers`` entry for that registry; the ``credsStore`` helper; the ``auths`` entries of
``$DOCKER_CONFIG/config.json`` (default ``~/.docker/config.json``).  As in the CLI, the first
store that applies decides: a helper that says "credentials not found" means anonymous, it
does not fall through to ``auths``.  A config file that cannot be read or parsed is, as in the
CLI, a warning (:class:`ConfigFileWarning`) and no credentials, unless the store is strict.

Credentials travel to the daemon as ``X-Registry-Auth`` (one registry) or
``X-Registry-Config`` (a map of registries, for build): base64url, with padding, of JSON.
Nothing here puts a password, token or ``auth`` value into a repr, log or error message.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.abc

from ._exceptions import CredentialsError, warn_config_file

__all__ = [
    "ANONYMOUS",
    "DOCKER_HUB_KEY",
    "AuthConfig",
    "CredentialStore",
    "encode_auth",
    "encode_registry_config",
    "registry_key",
]

#: The key of Docker Hub in config.json and in ``X-Registry-Config`` (the legacy index URL).
DOCKER_HUB_KEY = "https://index.docker.io/v1/"
# As the docker CLI: "registry-1.docker.io/x" is a registry of its own, keyed by that name.
_HUB_HOSTS = ("docker.io", "index.docker.io")
_TOKEN_USERNAME = "<token>"  # helper protocol: the secret is an identity token
_NOT_FOUND = "credentials not found"
_HELPER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
HELPER_TIMEOUT = 30.0
_V = TypeVar("_V")


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class AuthConfig:
    """Credentials for one registry.  An empty ``AuthConfig()`` means anonymous.

    Give ``username`` and ``password``, or an ``identity_token`` (OAuth refresh token).  The
    repr shows the username and server only.
    """

    username: str | None = None
    password: str | None = None
    server_address: str | None = None
    identity_token: str | None = None
    registry_token: str | None = None
    email: str | None = None

    def __repr__(self) -> str:
        secrets = [
            name
            for name in ("password", "identity_token", "registry_token")
            if getattr(self, name)
        ]
        shown = ", ".join(f"{name}=<redacted>" for name in secrets)
        parts = [f"username={self.username!r}", f"server_address={self.server_address!r}"]
        return f"AuthConfig({', '.join(parts + ([shown] if shown else []))})"

    __str__ = __repr__

    @property
    def anonymous(self) -> bool:
        return not (self.username or self.password or self.identity_token or self.registry_token)

    def to_api(self) -> dict[str, str]:
        """The Engine's ``AuthConfig`` JSON object (unset fields left out)."""
        fields = {
            "username": self.username,
            "password": self.password,
            "serveraddress": self.server_address,
            "identitytoken": self.identity_token,
            "registrytoken": self.registry_token,
            "email": self.email,
        }
        return {key: value for key, value in fields.items() if value}


#: What the docker CLI sends when it has no credentials: ``{}``.  Engine 20.10 refuses a push
#: without any ``X-Registry-Auth`` header, so this is always sent rather than nothing.
ANONYMOUS = "e30="


def _b64url_json(data: Any) -> str:
    text = json.dumps(data, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode()).decode("ascii")


def encode_auth(auth: AuthConfig | None) -> str:
    """The ``X-Registry-Auth`` header value."""
    if auth is None or auth.anonymous:
        return ANONYMOUS
    return _b64url_json(auth.to_api())


def encode_registry_config(auths: Mapping[str, AuthConfig]) -> str:
    """The ``X-Registry-Config`` header value: registry key → credentials."""
    return _b64url_json({key: auth.to_api() for key, auth in auths.items()})


def _hostname(server: str) -> str:
    """``https://host:5000/v2/`` → ``host:5000`` (the CLI's ConvertToHostname)."""
    for scheme in ("http://", "https://"):
        if server.startswith(scheme):
            server = server[len(scheme):]
            break
    return server.partition("/")[0]


def registry_key(server: str) -> str:
    """The config.json key of a registry: Docker Hub's legacy URL, else ``host[:port]``."""
    host = _hostname(server.strip())
    return DOCKER_HUB_KEY if host in _HUB_HOSTS else host


# -- config.json ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class _ConfigFile:
    auths: Mapping[str, AuthConfig]
    creds_store: str | None
    cred_helpers: Mapping[str, str]


def _decode_entry(key: str, entry: Any, where: str) -> AuthConfig:
    if not isinstance(entry, Mapping):
        raise CredentialsError(f"invalid auths entry for {key!r} in {where}")
    username, password = entry.get("username"), entry.get("password")
    encoded = entry.get("auth")
    if encoded:
        try:
            decoded = base64.b64decode(str(encoded), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise CredentialsError(f"invalid auth value for {key!r} in {where}") from None
        username, sep, password = decoded.partition(":")
        if not sep:
            raise CredentialsError(f"invalid auth value for {key!r} in {where}")
    return AuthConfig(
        username=username or None,
        password=password or None,
        server_address=key,
        identity_token=entry.get("identitytoken") or None,
        registry_token=entry.get("registrytoken") or None,
        email=entry.get("email") or None,
    )


def parse_config(text: str, where: str = "config.json") -> _ConfigFile:
    """The credential parts of a docker CLI config file; an empty text is an empty config."""
    if not text.strip():
        return _ConfigFile({}, None, {})
    try:
        data = json.loads(text)
    except ValueError:
        raise CredentialsError(f"cannot read {where}: not valid JSON") from None
    if not isinstance(data, Mapping):
        raise CredentialsError(f"cannot read {where}: not a JSON object")
    auths = {} if data.get("auths") is None else data["auths"]
    helpers = {} if data.get("credHelpers") is None else data["credHelpers"]
    if not isinstance(auths, Mapping) or not isinstance(helpers, Mapping):
        raise CredentialsError(f"cannot read {where}: auths and credHelpers must be objects")
    return _ConfigFile(
        auths=_by_registry_key({k: _decode_entry(k, v, where) for k, v in auths.items()}),
        creds_store=data.get("credsStore") or None,
        cred_helpers=_by_registry_key({k: str(v) for k, v in helpers.items() if v}),
    )


def _by_registry_key(entries: Mapping[str, _V]) -> dict[str, _V]:
    """``entries`` under their registry keys.  As in the docker CLI's lookup, an entry under
    the exact key wins over one under an alias (``http://h:5000/v2/``, ``docker.io``)."""
    found: dict[str, _V] = {}
    for server, value in entries.items():
        key = registry_key(server)
        if server == key or key not in found:
            found[key] = value
    return found


# -- credential helpers -----------------------------------------------------------------------


async def _run_helper(
    name: str, action: str, data: bytes, environ: Mapping[str, str] | None
) -> tuple[int, bytes]:
    program = f"docker-credential-{name}"
    if not _HELPER_NAME.fullmatch(name):
        raise CredentialsError(f"invalid credential helper name {name!r}")
    path = (environ or os.environ).get("PATH")
    executable = shutil.which(program, path=path)
    if executable is None:
        raise CredentialsError(f"credential helper {program} not found on PATH")
    try:
        with anyio.fail_after(HELPER_TIMEOUT):
            returncode, stdout, stderr = await _communicate([executable, action], data, environ)
    except TimeoutError:
        raise CredentialsError(f"credential helper {program} did not answer {action!r}") from None
    except OSError as exc:
        raise CredentialsError(f"cannot run credential helper {program}: {exc.strerror}") from None
    if returncode != 0:
        said = (stdout or stderr).decode("utf-8", "replace").strip()
        if _NOT_FOUND in said.lower():
            return returncode, b""
        first_line = said.splitlines()[0][:200] if said else "no message"
        raise CredentialsError(
            f"credential helper {program} {action} failed (exit {returncode}): {first_line}"
        )
    return 0, stdout


async def _communicate(
    argv: list[str], data: bytes, environ: Mapping[str, str] | None
) -> tuple[int, bytes, bytes]:
    """Run ``argv`` with ``data`` on stdin; a helper that exits without reading it is fine."""
    env = dict(environ) if environ is not None else None
    output: dict[str, bytearray] = {"stdout": bytearray(), "stderr": bytearray()}
    async with await anyio.open_process(argv, env=env) as process:
        assert process.stdin and process.stdout and process.stderr

        async def feed(stdin: anyio.abc.ByteSendStream) -> None:
            try:
                await stdin.send(data)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
                pass  # it exited or closed stdin early: its exit status tells the rest
            finally:
                await stdin.aclose()

        async def collect(stream: anyio.abc.ByteReceiveStream, into: bytearray) -> None:
            async for chunk in stream:
                into += chunk

        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(feed, process.stdin)
                tasks.start_soon(collect, process.stdout, output["stdout"])
                tasks.start_soon(collect, process.stderr, output["stderr"])
            returncode = await process.wait()
        except BaseException:
            with anyio.CancelScope(shield=True):
                if process.returncode is None:
                    process.kill()
                    await process.wait()
            raise
    return returncode, bytes(output["stdout"]), bytes(output["stderr"])


async def helper_get(
    name: str, server: str, environ: Mapping[str, str] | None = None
) -> AuthConfig | None:
    """``docker-credential-NAME get``; ``None`` when the helper has nothing for ``server``."""
    status, output = await _run_helper(name, "get", server.encode(), environ)
    if status != 0:
        return None
    try:
        data = json.loads(output)
        username, secret = data.get("Username") or None, data.get("Secret") or None
    except (ValueError, AttributeError):
        raise CredentialsError(
            f"credential helper docker-credential-{name} get: malformed answer"
        ) from None
    if username == _TOKEN_USERNAME:
        return AuthConfig(server_address=server, identity_token=secret)
    return AuthConfig(username=username, password=secret, server_address=server)


async def helper_list(name: str, environ: Mapping[str, str] | None = None) -> list[str]:
    """``docker-credential-NAME list``: the servers the helper has credentials for."""
    _, output = await _run_helper(name, "list", b"", environ)
    try:
        data = json.loads(output or b"{}")
    except ValueError:
        raise CredentialsError(
            f"credential helper docker-credential-{name} list: malformed answer"
        ) from None
    return [str(server) for server in data] if isinstance(data, Mapping) else []


async def helper_store(name: str, auth: AuthConfig, environ: Mapping[str, str] | None = None) -> None:
    """``docker-credential-NAME store``."""
    if auth.identity_token:
        username, secret = _TOKEN_USERNAME, auth.identity_token
    else:
        username, secret = auth.username or "", auth.password or ""
    payload = {"ServerURL": auth.server_address or "", "Username": username, "Secret": secret}
    await _run_helper(name, "store", json.dumps(payload).encode(), environ)


# -- the store --------------------------------------------------------------------------------


class CredentialStore:
    """Registry credentials: explicit ones first, then the docker CLI's configuration.

    ``config_dir`` defaults to ``$DOCKER_CONFIG``, else ``~/.docker``; the file is read on
    every lookup, so changes (``docker login``) are seen without a new client.  A file that
    cannot be read or parsed warns (:class:`ConfigFileWarning`) and counts as empty, as in the
    docker CLI; with ``strict`` it raises :class:`CredentialsError`, as :meth:`store` always does.
    """

    def __init__(
        self,
        config_dir: str | os.PathLike[str] | None = None,
        *,
        credentials: Mapping[str, AuthConfig] | None = None,
        environ: Mapping[str, str] | None = None,
        strict: bool = False,
    ) -> None:
        self._config_dir = Path(config_dir) if config_dir is not None else None
        self._explicit = {registry_key(k): v for k, v in (credentials or {}).items()}
        self._environ = environ
        self.strict = strict

    def __repr__(self) -> str:
        return f"<CredentialStore {self.config_path} explicit={sorted(self._explicit)}>"

    @property
    def config_path(self) -> Path:
        if self._config_dir is not None:
            return self._config_dir / "config.json"
        env = os.environ if self._environ is None else self._environ
        directory = env.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
        return Path(directory) / "config.json"

    async def _config(self, strict: bool) -> _ConfigFile:
        try:
            return await self._read_config()
        except CredentialsError as exc:
            if strict:
                raise
            warn_config_file(str(exc))
            return _ConfigFile({}, None, {})

    async def _read_config(self) -> _ConfigFile:
        path = self.config_path
        try:
            text = await anyio.Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            return _ConfigFile({}, None, {})
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
            raise CredentialsError(f"cannot read {path}: {reason}") from None
        return parse_config(text, str(path))

    async def get(self, registry: str) -> AuthConfig:
        """Credentials for ``registry`` (a host, ``host:port``, URL or Hub alias); anonymous
        (an empty :class:`AuthConfig` naming the server) when there are none."""
        key = registry_key(registry)
        if key in self._explicit:
            return self._explicit[key]
        config = await self._config(self.strict)
        helper = config.cred_helpers.get(key) or config.creds_store
        if helper:
            found = await helper_get(helper, key, self._environ)
        else:
            found = config.auths.get(key)
        return found or AuthConfig(server_address=key)

    async def all(self) -> dict[str, AuthConfig]:
        """Every registry's credentials, for ``X-Registry-Config`` (build).

        Like the docker CLI's build, best effort: a registry whose helper fails is left out.
        """
        config = await self._config(self.strict)
        found: dict[str, AuthConfig] = {
            k: v for k, v in config.auths.items() if not config.creds_store
        }
        servers: dict[str, str] = {}
        if config.creds_store:
            try:
                servers.update(
                    (registry_key(s), config.creds_store)
                    for s in await helper_list(config.creds_store, self._environ)
                )
            except CredentialsError:
                pass
        servers.update(config.cred_helpers)
        for key, helper in servers.items():
            try:
                auth = await helper_get(helper, key, self._environ)
            except CredentialsError:
                continue
            if auth is not None:
                found[key] = auth
        found.update(self._explicit)
        return found

    async def store(self, auth: AuthConfig) -> str:
        """Save ``auth`` where the CLI would (helper, else config.json); returns where."""
        if not auth.server_address:
            raise CredentialsError("cannot store credentials without a server address")
        key = registry_key(auth.server_address)
        auth = _with_server(auth, key)
        config = await self._config(strict=True)  # never overwrite a file we cannot read
        helper = config.cred_helpers.get(key) or config.creds_store
        if helper:
            await helper_store(helper, auth, self._environ)
            return f"docker-credential-{helper}"
        path = self.config_path
        await anyio.to_thread.run_sync(_write_auth_entry, path, key, auth)
        return str(path)


def _with_server(auth: AuthConfig, key: str) -> AuthConfig:
    return AuthConfig(
        username=auth.username,
        password=auth.password,
        server_address=key,
        identity_token=auth.identity_token,
        registry_token=auth.registry_token,
        email=auth.email,
    )


def _write_auth_entry(path: Path, key: str, auth: AuthConfig) -> None:
    """Set ``auths[key]`` in config.json, keeping every other setting; atomic, mode 0600."""
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, ValueError, UnicodeDecodeError):
        raise CredentialsError(f"cannot update {path}: unreadable") from None
    if not isinstance(data, dict):
        raise CredentialsError(f"cannot update {path}: not a JSON object")
    pair = f"{auth.username or ''}:{'' if auth.identity_token else auth.password or ''}"
    entry: dict[str, str] = {"auth": base64.b64encode(pair.encode()).decode("ascii")}
    if auth.identity_token:
        entry["identitytoken"] = auth.identity_token
    auths = data.get("auths")
    data["auths"] = {**(auths if isinstance(auths, dict) else {}), key: entry}
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".config.json.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent="\t")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
