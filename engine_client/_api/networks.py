"""Networks: ``/networks/...``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._config import parse_api_version
from .._filters import Filters, encode_filters
from .._models import Model, api, boolean, frozen_map, string_map, strings
from .._paths import segment

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["Network", "NetworkCreateResponse", "NetworkPruneResponse", "Networks"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Network(Model):
    """``GET /networks/{id}`` (and each item of ``GET /networks``).

    ``containers`` maps container ids to their endpoint (``Name``, ``IPv4Address``, ...); list
    results leave it empty on most daemons.
    """

    id: str = api("Id", default="")
    name: str = api("Name", default="")
    driver: str | None = api("Driver")
    scope: str | None = api("Scope")
    created: str | None = api("Created")
    internal: bool = api("Internal", boolean, False)
    attachable: bool = api("Attachable", boolean, False)
    ingress: bool = api("Ingress", boolean, False)
    enable_ipv6: bool = api("EnableIPv6", boolean, False)
    ipam: Mapping[str, Any] = api("IPAM", frozen_map, frozen_map({}))
    options: Mapping[str, str] = api("Options", string_map, frozen_map({}))
    labels: Mapping[str, str] = api("Labels", string_map, frozen_map({}))
    containers: Mapping[str, Any] = api("Containers", frozen_map, frozen_map({}))


@dataclass(frozen=True, slots=True, kw_only=True)
class NetworkCreateResponse(Model):
    id: str = api("Id", default="")
    warning: str | None = api("Warning")


@dataclass(frozen=True, slots=True, kw_only=True)
class NetworkPruneResponse(Model):
    networks_deleted: tuple[str, ...] = api("NetworksDeleted", strings, ())


#: The last API version with ``CheckDuplicate``; later daemons always refuse a duplicate name.
_CHECK_DUPLICATE_UNTIL = (1, 43)


def ipam_body(
    ipam: Mapping[str, Any] | None,
    subnet: str | None,
    gateway: str | None,
    ip_range: str | None,
) -> dict[str, Any] | None:
    """Engine ``IPAM``: ``ipam`` as given, plus one pool from the CLI-style shorthands."""
    body: dict[str, Any] = dict(ipam) if ipam else {}
    pool = {
        key: value
        for key, value in (("Subnet", subnet), ("Gateway", gateway), ("IPRange", ip_range))
        if value is not None
    }
    if pool:
        body["Config"] = [*body.get("Config", ()), pool]
    return body or None


class Networks:
    """``docker.networks``: create, inspect, connect containers to and remove networks."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def list(self, *, filters: Filters | None = None) -> tuple[Network, ...]:
        """``GET /networks``; filters: ``name``, ``id``, ``label``, ``driver``, ``scope``,
        ``type`` (``custom``/``builtin``), ``dangling``."""
        data = await self._client.request_json(
            "GET", "/networks", params={"filters": encode_filters(filters)}
        )
        return tuple(Network.from_api(item) for item in data or ())

    async def inspect(
        self, network: str, *, verbose: bool = False, scope: str | None = None
    ) -> Network:
        path = f"/networks/{segment(network, 'network')}"
        data = await self._client.request_json(
            "GET", path, params={"verbose": verbose or None, "scope": scope}
        )
        return Network.from_api(data)

    async def create(
        self,
        name: str,
        *,
        driver: str | None = None,
        internal: bool | None = None,
        attachable: bool | None = None,
        enable_ipv6: bool | None = None,
        ipam: Mapping[str, Any] | None = None,
        subnet: str | None = None,
        gateway: str | None = None,
        ip_range: str | None = None,
        options: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> NetworkCreateResponse:
        """``POST /networks/create``.

        ``ipam`` is the Engine ``IPAM`` object (``Driver``, ``Config``, ``Options``);
        ``subnet``/``gateway``/``ip_range`` add one pool to it, like ``docker network create``.
        ``extra`` holds any other Engine field, sent unchanged.

        A name that is already taken raises :class:`Conflict` on every daemon.  Daemons since
        Engine 25 always refuse it; older ones (API <= 1.43, e.g. 20.10) would create a second
        network of the same name unless asked to check, so the client sends
        ``CheckDuplicate`` whenever the API version in use still has that field.
        """
        segment(name, "network name")
        body: dict[str, Any] = {"Name": name}
        fields = {
            "Driver": driver,
            "Internal": internal,
            "Attachable": attachable,
            "EnableIPv6": enable_ipv6,
            "IPAM": ipam_body(ipam, subnet, gateway, ip_range),
            "Options": None if options is None else dict(options),
            "Labels": None if labels is None else dict(labels),
        }
        body.update({key: value for key, value in fields.items() if value is not None})
        version = parse_api_version(await self._client.api_version())
        if version <= _CHECK_DUPLICATE_UNTIL:
            body["CheckDuplicate"] = True
        body.update(extra or {})
        data = await self._client.request_json("POST", "/networks/create", json=body)
        return NetworkCreateResponse.from_api(data)

    async def remove(self, network: str) -> None:
        """``DELETE /networks/{id}``: :class:`Forbidden` while containers are connected or
        for the predefined networks."""
        await self._client.request("DELETE", f"/networks/{segment(network, 'network')}")

    async def connect(
        self,
        network: str,
        container: str,
        *,
        aliases: Sequence[str] | None = None,
        ipv4_address: str | None = None,
        ipv6_address: str | None = None,
        links: Sequence[str] | None = None,
        endpoint_config: Mapping[str, Any] | None = None,
    ) -> None:
        """``POST /networks/{id}/connect``; ``endpoint_config`` is the Engine
        ``EndpointConfig``, overlaid by the named arguments."""
        segment(container, "container")
        endpoint: dict[str, Any] = dict(endpoint_config or {})
        ipam = {
            key: value
            for key, value in (("IPv4Address", ipv4_address), ("IPv6Address", ipv6_address))
            if value is not None
        }
        if ipam:
            endpoint["IPAMConfig"] = {**endpoint.get("IPAMConfig", {}), **ipam}
        if aliases is not None:
            endpoint["Aliases"] = list(aliases)
        if links is not None:
            endpoint["Links"] = list(links)
        body: dict[str, Any] = {"Container": container}
        if endpoint:
            body["EndpointConfig"] = endpoint
        path = f"/networks/{segment(network, 'network')}/connect"
        await self._client.request("POST", path, json=body)

    async def disconnect(self, network: str, container: str, *, force: bool = False) -> None:
        """``POST /networks/{id}/disconnect``; a container that is not connected gives a
        :class:`ServerError` (the daemon answers 500)."""
        segment(container, "container")
        path = f"/networks/{segment(network, 'network')}/disconnect"
        await self._client.request("POST", path, json={"Container": container, "Force": force})

    async def prune(self, *, filters: Filters | None = None) -> NetworkPruneResponse:
        """``POST /networks/prune``: remove unused networks; filters ``until``, ``label``,
        ``label!``."""
        data = await self._client.request_json(
            "POST", "/networks/prune", params={"filters": encode_filters(filters)}
        )
        return NetworkPruneResponse.from_api(data)
