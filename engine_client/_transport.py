"""The transport seam: the only place that knows how bytes reach the daemon.

The client speaks to an ``httpx.AsyncBaseTransport`` directly (no ``httpx.AsyncClient``:
no redirects, cookies or auth machinery on the hot path).  Anything implementing that
interface can be injected: ``httpx.MockTransport``, a respx router, a faster transport.
"""

from __future__ import annotations

import httpx

from ._config import ClientConfig

__all__ = ["base_url", "default_transport"]

# Streams hold a connection each; many may be open at once, so the pool has no upper bound.
_LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=32)


def default_transport(config: ClientConfig) -> httpx.AsyncBaseTransport:
    endpoint = config.endpoint
    if endpoint.scheme == "unix":
        return httpx.AsyncHTTPTransport(uds=endpoint.address, limits=_LIMITS)
    return httpx.AsyncHTTPTransport(limits=_LIMITS)


def base_url(config: ClientConfig) -> str:
    """Scheme, authority and base path that every request URL starts with."""
    endpoint = config.endpoint
    if endpoint.scheme == "unix":
        # The daemon ignores Host; any name works.
        return "http://docker"
    return f"http://{endpoint.address}{endpoint.base_path}"
