"""Volumes: ``/volumes/...``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._config import parse_api_version
from .._exceptions import Conflict, NotFound
from .._filters import Filters, encode_filters, merge_filters, normalise
from .._models import Model, api, frozen_map, string_map, strings
from .._paths import segment

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["Volume", "VolumePruneResponse", "Volumes"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Volume(Model):
    name: str = api("Name", default="")
    driver: str | None = api("Driver")
    mountpoint: str | None = api("Mountpoint")
    created_at: str | None = api("CreatedAt")
    scope: str | None = api("Scope")
    labels: Mapping[str, str] = api("Labels", string_map, frozen_map({}))
    options: Mapping[str, str] = api("Options", string_map, frozen_map({}))
    status: Mapping[str, Any] = api("Status", frozen_map, frozen_map({}))
    usage_data: Mapping[str, Any] | None = api("UsageData", frozen_map)


@dataclass(frozen=True, slots=True, kw_only=True)
class VolumePruneResponse(Model):
    """``space_reclaimed`` is ``None`` when unknown (see :meth:`Volumes.prune` on API 1.41)."""

    volumes_deleted: tuple[str, ...] = api("VolumesDeleted", strings, ())
    space_reclaimed: int | None = api("SpaceReclaimed")


#: The name the daemon gives a volume created without one (a random 256-bit id).
_ANONYMOUS_NAME = re.compile(r"[0-9a-f]{64}")


def _has_label(volume: Volume, rule: str) -> bool:
    """``key`` or ``key=value``, as the daemon matches ``label`` filters."""
    key, sep, value = rule.partition("=")
    return key in volume.labels and (not sep or volume.labels[key] == value)


def prunable_on_api_1_41(volume: Volume, excluded: Sequence[str] = ()) -> bool:
    """Whether :meth:`Volumes.prune` without ``all`` removes this unused volume on API 1.41:
    its name is one the daemon generates, and no ``label!`` rule in ``excluded`` matches.

    Engine 20.10 records nothing else that tells an anonymous volume from a named one, so a
    volume someone *named* with 64 lowercase hex digits counts as anonymous.
    """
    return _ANONYMOUS_NAME.fullmatch(volume.name) is not None and not any(
        _has_label(volume, rule) for rule in excluded
    )


class Volumes:
    """``docker.volumes``: create, inspect and remove volumes."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def list(self, *, filters: Filters | None = None) -> tuple[Volume, ...]:
        """``GET /volumes``; filters: ``name``, ``label``, ``driver``, ``dangling``."""
        data = await self._client.request_json(
            "GET", "/volumes", params={"filters": encode_filters(filters)}
        )
        return tuple(Volume.from_api(item) for item in (data or {}).get("Volumes") or ())

    async def inspect(self, volume: str) -> Volume:
        path = f"/volumes/{segment(volume, 'volume')}"
        return Volume.from_api(await self._client.request_json("GET", path))

    async def create(
        self,
        name: str | None = None,
        *,
        driver: str | None = None,
        driver_opts: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> Volume:
        """``POST /volumes/create``; without ``name`` the volume is anonymous.  Creating a
        name that exists returns the existing volume (the daemon treats it as idempotent)."""
        body: dict[str, Any] = {}
        if name is not None:
            body["Name"] = name
            segment(name, "volume name")
        if driver is not None:
            body["Driver"] = driver
        if driver_opts is not None:
            body["DriverOpts"] = dict(driver_opts)
        if labels is not None:
            body["Labels"] = dict(labels)
        return Volume.from_api(await self._client.request_json("POST", "/volumes/create", json=body))

    async def remove(self, volume: str, *, force: bool = False) -> None:
        """``DELETE /volumes/{name}``; :class:`Conflict` while a container uses it."""
        path = f"/volumes/{segment(volume, 'volume')}"
        await self._client.request("DELETE", path, params={"force": force or None})

    async def prune(
        self, *, all: bool = False, filters: Filters | None = None
    ) -> VolumePruneResponse:
        """Remove unused volumes: anonymous ones only, or named ones too with ``all=True``.

        Filters: ``label``, ``label!`` (on API 1.41 without ``all``: those and the other
        filters of :meth:`list`).

        * API >= 1.42: the daemon prunes anonymous volumes only unless sent the ``all``
          filter; it knows which volumes are anonymous, so a named volume is never removed
          unless ``all`` is true.
        * API 1.41 (Engine 20.10) prunes named volumes too and knows no ``all`` filter, so
          without ``all`` the client does not call its prune: it lists the unused volumes,
          keeps those with a daemon-generated name (64 lowercase hex digits) and removes them
          one by one, skipping any that went into use or away meanwhile.  The daemon does not
          report the space this frees, so ``space_reclaimed`` is ``None`` then.

          **Limit:** 20.10 records nothing that tells an anonymous volume from a named one,
          only its name.  A volume someone *named* with 64 lowercase hex digits looks
          anonymous and is removed.  To protect such volumes there, label them and exclude
          the label (``filters={"label!": "keep"}``), or prune by a ``label`` of your own.
        """
        version = parse_api_version(await self._client.api_version())
        if version >= (1, 42):
            merged = merge_filters(filters, all="true") if all else filters
            return await self._prune(merged)
        if all:
            return await self._prune(filters)
        return await self._prune_anonymous(filters)

    async def _prune(self, filters: Filters | None) -> VolumePruneResponse:
        data = await self._client.request_json(
            "POST", "/volumes/prune", params={"filters": encode_filters(filters)}
        )
        return VolumePruneResponse.from_api(data)

    async def _prune_anonymous(self, filters: Filters | None) -> VolumePruneResponse:
        listed = normalise(filters)
        excluded = listed.pop("label!", [])  # the volume list knows no label!: applied here
        unused = await self.list(filters=merge_filters(listed, dangling="true"))
        deleted: list[str] = []
        for volume in unused:
            if not prunable_on_api_1_41(volume, excluded):
                continue
            try:
                await self.remove(volume.name)
            except (Conflict, NotFound):
                continue
            deleted.append(volume.name)
        return VolumePruneResponse(volumes_deleted=tuple(deleted), space_reclaimed=None)
