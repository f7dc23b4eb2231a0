"""The one mechanism that maps the daemon's JSON onto typed, immutable objects.

A model is a frozen dataclass whose fields name the JSON key they come from::

    @dataclass(frozen=True, slots=True, kw_only=True)
    class ContainerState(Model):
        status: str | None = api("Status")
        exit_code: int | None = api("ExitCode")

``Model.from_api(data)`` fills every field from its key (absent or ``null`` gives the
default), applies the field's converter, and keeps the whole object in ``raw`` so that fields
a newer daemon adds are never lost.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeVar

__all__ = ["Model"]

M = TypeVar("M", bound="Model")

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def api(
    key: str,
    convert: Callable[[Any], Any] | None = None,
    default: Any = None,
) -> Any:
    """A model field read from JSON key ``key`` (dotted for nested keys: ``"Platform.Name"``)."""
    metadata = {"key": key, "convert": convert}
    if isinstance(default, Mapping):  # read-only, so one shared instance is safe
        return dataclasses.field(default_factory=lambda: default, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def _lookup(data: Mapping[str, Any], key: str) -> Any:
    value: Any = data
    for part in key.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Model:
    """Base of every response object: typed fields plus the daemon's ``raw`` JSON."""

    raw: Mapping[str, Any] = dataclasses.field(
        default_factory=lambda: _EMPTY, repr=False, compare=False
    )

    @classmethod
    def from_api(cls: type[M], data: Mapping[str, Any] | None) -> M:
        data = data if isinstance(data, Mapping) else {}
        values: dict[str, Any] = {"raw": MappingProxyType(dict(data))}
        specs = _SPECS.get(cls) or _specs(cls)
        for name, key, dotted, convert in specs:
            value = _lookup(data, key) if dotted else data.get(key)
            if value is None:
                continue
            values[name] = convert(value) if convert else value
        return cls(**values)


#: Per model: (field name, JSON key, whether the key is dotted, converter), read once.
_SPECS: dict[type, tuple[tuple[str, str, bool, Callable[[Any], Any] | None], ...]] = {}


def _specs(cls: type) -> tuple[tuple[str, str, bool, Callable[[Any], Any] | None], ...]:
    specs = tuple(
        (spec.name, key, "." in key, spec.metadata.get("convert"))
        for spec in dataclasses.fields(cls)
        if (key := spec.metadata.get("key")) is not None
    )
    _SPECS[cls] = specs
    return specs


# Converters shared by the models of several API areas.


def nested(model: type[M]) -> Callable[[Any], M]:
    return model.from_api


def nested_list(model: type[M]) -> Callable[[Any], tuple[M, ...]]:
    return lambda items: tuple(model.from_api(item) for item in items or ())


def strings(value: Sequence[Any]) -> tuple[str, ...]:
    return tuple(str(item) for item in value)


def string_map(value: Mapping[str, Any]) -> Mapping[str, str]:
    return MappingProxyType({str(k): str(v) for k, v in value.items()})


def frozen_map(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


def boolean(value: Any) -> bool:
    """Docker sends some booleans as strings ("true"/"false")."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)
