"""The ``filters`` query parameter that list, prune and events endpoints share.

The daemon wants URL-encoded JSON ``{"key": ["value", ...]}``.  Callers give a mapping whose
values are a string, a boolean (``dangling=True``) or a sequence of strings (several values of
one key are ORed by the daemon).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from ._exceptions import InvalidArgument

__all__ = ["FilterValue", "Filters", "encode_filters", "merge_filters", "normalise"]

FilterValue = str | bool | int | Sequence[str]
Filters = Mapping[str, FilterValue]


def _values(key: str, value: FilterValue) -> list[str]:
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, (str, int)):
        return [str(value)]
    if isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
        return list(value)
    raise InvalidArgument(
        f"invalid filter {key!r}: expected a string, a boolean or a sequence of strings"
    )


def normalise(filters: Filters | None) -> dict[str, list[str]]:
    """``filters`` as the daemon's ``map[string][]string``; empty value lists are dropped."""
    result: dict[str, list[str]] = {}
    for key, value in (filters or {}).items():
        if not isinstance(key, str) or not key:
            raise InvalidArgument(f"invalid filter name {key!r}")
        values = _values(key, value)
        if values:
            result[key] = values
    return result


def encode_filters(filters: Filters | None) -> str | None:
    """The ``filters`` query value, or ``None`` (not sent) when there is nothing to filter."""
    normalised = normalise(filters)
    return json.dumps(normalised, separators=(",", ":")) if normalised else None


def merge_filters(filters: Filters | None, **extra: FilterValue) -> dict[str, list[str]]:
    """``filters`` with more values added (``extra`` values are appended, not replacing)."""
    merged = normalise(filters)
    for key, values in normalise(extra).items():
        merged[key] = [*merged.get(key, []), *values]
    return merged
