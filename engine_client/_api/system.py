"""System: ``/_ping`` and ``/version``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from .._exceptions import APIError
from .._models import Model, api, boolean, frozen_map, nested_list

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["ComponentVersion", "Ping", "System", "SystemVersion"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Ping:
    """What ``/_ping`` says in its headers.  A header the daemon did not send is ``None``."""

    api_version: str | None = None
    os_type: str | None = None
    experimental: bool | None = None
    builder_version: str | None = None
    swarm: str | None = None

    @classmethod
    def from_headers(cls, headers: httpx.Headers) -> Ping:
        experimental = headers.get("Docker-Experimental")
        return cls(
            api_version=headers.get("Api-Version"),
            os_type=headers.get("Ostype"),
            experimental=None if experimental is None else boolean(experimental),
            builder_version=headers.get("Builder-Version"),
            swarm=headers.get("Swarm"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentVersion(Model):
    name: str | None = api("Name")
    version: str | None = api("Version")
    details: dict[str, str] | None = api("Details", frozen_map)


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemVersion(Model):
    """``GET /version``."""

    version: str | None = api("Version")
    api_version: str | None = api("ApiVersion")
    min_api_version: str | None = api("MinAPIVersion")
    os: str | None = api("Os")
    arch: str | None = api("Arch")
    kernel_version: str | None = api("KernelVersion")
    go_version: str | None = api("GoVersion")
    git_commit: str | None = api("GitCommit")
    build_time: str | None = api("BuildTime")
    platform_name: str | None = api("Platform.Name")
    components: tuple[ComponentVersion, ...] = api("Components", nested_list(ComponentVersion), ())


class System:
    """``docker.system``: the daemon as a whole."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def ping(self) -> Ping:
        """``HEAD /_ping`` (unversioned), falling back to ``GET`` for daemons without HEAD."""
        try:
            response = await self._client.request("HEAD", "/_ping", versioned=False)
        except APIError:
            response = await self._client.request("GET", "/_ping", versioned=False)
        return Ping.from_headers(response.headers)

    async def version(self) -> SystemVersion:
        return SystemVersion.from_api(await self._client.request_json("GET", "/version"))
