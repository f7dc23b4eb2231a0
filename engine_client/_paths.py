"""Values placed into URL paths.

The daemon decodes ``%2F`` before routing and redirects dot segments, and httpx itself
normalises ``../``: percent-encoding alone does not keep a value inside its segment.  So a
value is first checked against what an object id or name can be, then encoded.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from ._exceptions import InvalidArgument

# Separators, escapes, whitespace and control characters: none can occur in an id or name.
_UNSAFE_IN_ID = re.compile(r"[/\\?#%\s\x00-\x1f\x7f-\x9f]")
# Image references keep "/", ":" and "@" but nothing that can leave the path.
_UNSAFE_IN_REFERENCE = re.compile(r"[\\?#%\s\x00-\x1f\x7f-\x9f]")


def segment(value: str, what: str = "id") -> str:
    """One path segment: a container, exec, network or volume id or name."""
    if not isinstance(value, str) or value in ("", ".", "..") or _UNSAFE_IN_ID.search(value):
        raise InvalidArgument(f"invalid {what} {value!r}: not a Docker object id or name")
    return quote(value, safe="")


def reference(value: str, what: str = "image reference") -> str:
    """An image reference, which may span several segments (``host:5000/ns/name:tag``)."""
    if (
        not isinstance(value, str)
        or _UNSAFE_IN_REFERENCE.search(value)
        or any(part in ("", ".", "..") for part in value.split("/"))
    ):
        raise InvalidArgument(f"invalid {what} {value!r}")
    return quote(value, safe="/:@")
