"""The docker CLI's configuration directory and context store, read-only.

``$DOCKER_CONFIG`` (default ``~/.docker``) holds ``config.json`` (``currentContext``) and
``contexts/``::

    contexts/meta/<sha256 of the name>/meta.json      {"Name", "Metadata", "Endpoints": {"docker": {"Host", "SkipTLSVerify"}}}
    contexts/tls/<sha256 of the name>/docker/         ca.pem, cert.pem, key.pem (when TLS material was given)

The ``default`` context has no files: it means "the environment, else the local socket".
Reading these files is all this module does; nothing here touches the network.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._exceptions import ConfigError, warn_config_file

__all__ = ["DEFAULT_CONTEXT", "Context", "config_dir", "current_context", "list_contexts", "load_context"]

DEFAULT_CONTEXT = "default"


@dataclass(frozen=True, slots=True)
class Context:
    """One context of the store: where its Docker endpoint is and how to reach it."""

    name: str
    host: str | None  # None for ``default``: the environment decides
    description: str = ""
    skip_tls_verify: bool = False
    tls_dir: Path | None = None  # holds ca.pem / cert.pem / key.pem when the context has TLS material


def config_dir(environ: Mapping[str, str]) -> Path | None:
    """``$DOCKER_CONFIG``, else ``$HOME/.docker``; ``None`` when the mapping has neither (so
    that an explicit, empty environment reads no files)."""
    configured = environ.get("DOCKER_CONFIG")
    if configured:
        return Path(configured)
    home = environ.get("HOME")
    return Path(home) / ".docker" if home else None


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc}") from None


def _read_config_file(path: Path) -> Any:
    """config.json's content; ``None`` when it is missing, or unusable: then, as the docker CLI
    does, it is ignored with a warning."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except OSError as exc:
        reason = exc.strerror
    except UnicodeDecodeError:
        reason = "not UTF-8"
    except ValueError:
        reason = "not valid JSON"
    warn_config_file(f"cannot read {path}: {reason}")
    return None


def current_context(environ: Mapping[str, str]) -> str | None:
    """``currentContext`` from ``config.json``, if any."""
    directory = config_dir(environ)
    if directory is None:
        return None
    data = _read_config_file(directory / "config.json")
    name = data.get("currentContext") if isinstance(data, Mapping) else None
    return name if isinstance(name, str) and name else None


def _store_id(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def _from_meta(data: Any, meta_path: Path, store: Path) -> Context:
    if not isinstance(data, Mapping) or not isinstance(data.get("Name"), str):
        raise ConfigError(f"invalid Docker context file {meta_path}: no Name")
    name = data["Name"]
    endpoints = data.get("Endpoints")
    docker = endpoints.get("docker") if isinstance(endpoints, Mapping) else None
    if not isinstance(docker, Mapping) or not isinstance(docker.get("Host"), str):
        raise ConfigError(f"Docker context {name!r} ({meta_path}) has no docker endpoint")
    metadata = data.get("Metadata")
    description = metadata.get("Description") if isinstance(metadata, Mapping) else None
    tls_dir = store / "tls" / _store_id(name) / "docker"
    return Context(
        name=name,
        host=docker["Host"],
        description=description if isinstance(description, str) else "",
        skip_tls_verify=docker.get("SkipTLSVerify") is True,
        tls_dir=tls_dir if tls_dir.is_dir() else None,
    )


def load_context(name: str, environ: Mapping[str, str]) -> Context:
    """The context called ``name``; :class:`ConfigError` when the store has no such context."""
    if name == DEFAULT_CONTEXT:
        return Context(DEFAULT_CONTEXT, None, "Current DOCKER_HOST based configuration")
    directory = config_dir(environ)
    if directory is None:
        raise ConfigError(f"Docker context {name!r} not found: neither DOCKER_CONFIG nor HOME is set")
    store = directory / "contexts"
    meta_path = store / "meta" / _store_id(name) / "meta.json"
    data = _read_json(meta_path, "Docker context")
    if data is None:
        raise ConfigError(f"Docker context {name!r} not found (looked for {meta_path})")
    return _from_meta(data, meta_path, store)


def list_contexts(environ: Mapping[str, str]) -> list[Context]:
    """``default`` followed by every context in the store, sorted by name."""
    directory = config_dir(environ)
    found: list[Context] = []
    store = directory / "contexts" if directory is not None else None
    meta = store / "meta" if store is not None else None
    if store is not None and meta is not None and meta.is_dir():
        for entry in meta.iterdir():
            meta_path = entry / "meta.json"
            data = _read_json(meta_path, "Docker context")
            if data is not None:
                found.append(_from_meta(data, meta_path, store))
    return [load_context(DEFAULT_CONTEXT, environ), *sorted(found, key=lambda c: c.name)]
