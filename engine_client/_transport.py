"""The transport seam: the only place that knows how bytes reach the daemon.

The client speaks to an ``httpx.AsyncBaseTransport`` directly (no ``httpx.AsyncClient``:
no redirects, cookies or auth machinery on the hot path).  Anything implementing that
interface can be injected: ``httpx.MockTransport``, a respx router, another transport.

The default is engine_client's own HTTP/1.1 transport (``_http.py``) over a *connector*, an
async callable returning a connected byte stream; ``connector`` picks it from the endpoint.
Setting ``ENGINE_CLIENT_TRANSPORT=httpx`` selects httpx's own transport instead (to compare
the two, or to rule ours out when something looks wrong), for every endpoint but ``ssh://``.
"""

from __future__ import annotations

import os

import httpx

from ._config import ClientConfig, warn_if_insecure
from ._connectors import ssh_connector, tls_connector
from ._exceptions import ConfigError
from ._http import Connector, HTTPTransport, tcp_connector, unix_connector

__all__ = ["TRANSPORTS", "base_url", "connector", "default_transport"]

#: Values of ``ENGINE_CLIENT_TRANSPORT``.
TRANSPORTS = ("engine_client", "httpx")

# Streams hold a connection each; many may be open at once, so the pool has no upper bound.
_MAX_IDLE = 32
_LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=_MAX_IDLE)


def default_transport(config: ClientConfig) -> httpx.AsyncBaseTransport:
    choice = os.environ.get("ENGINE_CLIENT_TRANSPORT") or TRANSPORTS[0]
    if choice == "httpx" and config.endpoint.scheme != "ssh":  # httpx cannot reach ssh://
        return _httpx_transport(config)
    if choice not in TRANSPORTS:
        raise ConfigError(
            f"invalid ENGINE_CLIENT_TRANSPORT {choice!r}: expected one of {', '.join(TRANSPORTS)}"
        )
    return HTTPTransport(connector(config), max_idle=_MAX_IDLE)


def connector(config: ClientConfig) -> Connector:
    """How to open a connection to the daemon: one branch per kind of endpoint."""
    endpoint = config.endpoint
    if endpoint.scheme == "unix":
        return unix_connector(endpoint.address)
    if endpoint.scheme == "ssh":
        return ssh_connector(endpoint, config.ssh_options)
    warn_if_insecure(config)
    host, _, port = endpoint.address.rpartition(":")
    if config.tls is not None:
        return tls_connector(endpoint.host_name, int(port), config.tls.ssl_context())
    return tcp_connector(host.strip("[]"), int(port))


def _httpx_transport(config: ClientConfig) -> httpx.AsyncBaseTransport:
    endpoint = config.endpoint
    if endpoint.scheme == "unix":
        return httpx.AsyncHTTPTransport(uds=endpoint.address, limits=_LIMITS)
    warn_if_insecure(config)
    if config.tls is not None:
        return httpx.AsyncHTTPTransport(verify=config.tls.ssl_context(), limits=_LIMITS)
    return httpx.AsyncHTTPTransport(limits=_LIMITS)


def base_url(config: ClientConfig) -> str:
    """Scheme, authority and base path that every request URL starts with."""
    endpoint = config.endpoint
    if endpoint.scheme in ("unix", "ssh"):
        # The daemon ignores Host; any name works.
        return "http://docker"
    scheme = "https" if config.tls is not None else "http"
    return f"{scheme}://{endpoint.address}{endpoint.base_path}"
