"""Image references: ``[registry[:port]/]path[:tag][@digest]``, normalised as Docker does.

``busybox`` is ``docker.io/library/busybox``; the first component names a registry only
when it contains ``.`` or ``:``, is ``localhost``, or has upper-case letters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._exceptions import InvalidArgument

__all__ = ["DOCKER_HUB", "ImageReference", "parse_reference"]

DOCKER_HUB = "docker.io"
_HUB_ALIASES = ("index.docker.io",)
_OFFICIAL_NAMESPACE = "library"
_MAX_NAME_LENGTH = 255

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_HOST_LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_HOST_LABEL}(?:\.{_HOST_LABEL})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"  # ASCII only: Python's \w is Unicode
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(
    rf"(?P<domain>{_DOMAIN})/(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)"
    rf"(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?"
)
_IMAGE_ID = re.compile(r"[a-f0-9]{64}")


@dataclass(frozen=True, slots=True)
class ImageReference:
    """A parsed, normalised image reference."""

    registry: str  # "docker.io" for Docker Hub, else host[:port]
    repository: str  # path inside the registry: "library/busybox", "team/app"
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """The full repository name, registry included: ``docker.io/library/busybox``."""
        return f"{self.registry}/{self.repository}"

    @property
    def familiar_name(self) -> str:
        """The short form the docker CLI shows: ``busybox``, ``team/app``, ``host:5000/app``."""
        if self.registry != DOCKER_HUB:
            return self.name
        namespace, _, rest = self.repository.partition("/")
        return rest if namespace == _OFFICIAL_NAMESPACE and "/" not in rest else self.repository

    def with_default_tag(self, tag: str = "latest") -> ImageReference:
        """This reference, tagged ``latest`` when it names neither a tag nor a digest."""
        if self.tag or self.digest:
            return self
        return ImageReference(self.registry, self.repository, tag, None)

    def __str__(self) -> str:
        text = self.name
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def _split_registry(value: str) -> tuple[str, str]:
    first, slash, rest = value.partition("/")
    if not slash or (
        not any(c in first for c in ".:") and first != "localhost" and first == first.lower()
    ):
        return DOCKER_HUB, value
    return first, rest


def parse_reference(value: str) -> ImageReference:
    """Parse and normalise ``value``; raises :class:`InvalidArgument` when it is not a reference."""
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"invalid image reference {value!r}: empty")
    if _IMAGE_ID.fullmatch(value):
        raise InvalidArgument(
            f"invalid image reference {value!r}: a 64-character hexadecimal string is an image id"
        )
    registry, remainder = _split_registry(value)
    if registry in _HUB_ALIASES:
        registry = DOCKER_HUB
    # With the registry split off, a ":" can only introduce the tag.
    path = remainder.partition("@")[0].partition(":")[0]
    if registry == DOCKER_HUB and "/" not in path:
        remainder = f"{_OFFICIAL_NAMESPACE}/{remainder}"
    if path != path.lower() and _REFERENCE.fullmatch(f"{registry}/{remainder.lower()}"):
        raise InvalidArgument(f"invalid image reference {value!r}: repository name must be lowercase")
    match = _REFERENCE.fullmatch(f"{registry}/{remainder}")
    if match is None:
        raise InvalidArgument(f"invalid image reference {value!r}")
    if len(match["domain"]) + 1 + len(match["path"]) > _MAX_NAME_LENGTH:
        raise InvalidArgument(
            f"invalid image reference {value!r}: name longer than {_MAX_NAME_LENGTH} characters"
        )
    return ImageReference(match["domain"], match["path"], match["tag"], match["digest"])
