"""Container archives (``/containers/{id}/archive``): the path-stat header and tar streams."""

from __future__ import annotations

import base64
import binascii
import json
import stat as statmodule
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._exceptions import StreamError
from .._models import Model, api

if TYPE_CHECKING:
    from .._client import ResponseStream

__all__ = ["ArchiveStream", "FileMode", "PathStat", "decode_path_stat"]

PATH_STAT_HEADER = "X-Docker-Container-Path-Stat"


class FileMode(int):
    """A Go ``os.FileMode``: permission bits plus type bits at the top, not POSIX ``st_mode``."""

    DIR = 1 << 31
    APPEND = 1 << 30
    EXCLUSIVE = 1 << 29
    TEMPORARY = 1 << 28
    SYMLINK = 1 << 27
    DEVICE = 1 << 26
    NAMED_PIPE = 1 << 25
    SOCKET = 1 << 24
    SETUID = 1 << 23
    SETGID = 1 << 22
    CHAR_DEVICE = 1 << 21
    STICKY = 1 << 20
    IRREGULAR = 1 << 19
    TYPE_MASK = DIR | SYMLINK | NAMED_PIPE | SOCKET | DEVICE | CHAR_DEVICE | IRREGULAR

    @property
    def permissions(self) -> int:
        return self & 0o777

    @property
    def is_dir(self) -> bool:
        return bool(self & self.DIR)

    @property
    def is_symlink(self) -> bool:
        return bool(self & self.SYMLINK)

    @property
    def is_regular(self) -> bool:
        return not self & self.TYPE_MASK

    def to_posix(self) -> int:
        """The same mode as a POSIX ``st_mode`` (usable with the ``stat`` module)."""
        if self & self.DIR:
            kind = statmodule.S_IFDIR
        elif self & self.SYMLINK:
            kind = statmodule.S_IFLNK
        elif self & self.NAMED_PIPE:
            kind = statmodule.S_IFIFO
        elif self & self.SOCKET:
            kind = statmodule.S_IFSOCK
        elif self & self.DEVICE:
            kind = statmodule.S_IFCHR if self & self.CHAR_DEVICE else statmodule.S_IFBLK
        else:
            kind = statmodule.S_IFREG
        special = (
            (statmodule.S_ISUID if self & self.SETUID else 0)
            | (statmodule.S_ISGID if self & self.SETGID else 0)
            | (statmodule.S_ISVTX if self & self.STICKY else 0)
        )
        return kind | special | self.permissions

    def __repr__(self) -> str:
        return f"FileMode({statmodule.filemode(self.to_posix())!r})"


@dataclass(frozen=True, slots=True, kw_only=True)
class PathStat(Model):
    """What ``HEAD /containers/{id}/archive?path=`` says about a path in the container."""

    name: str = api("name", default="")
    size: int = api("size", default=0)
    mode: FileMode = api("mode", FileMode, FileMode(0))
    mtime: str | None = api("mtime")
    link_target: str | None = api("linkTarget", lambda target: str(target) or None)


def decode_path_stat(header: str | None) -> PathStat:
    """The ``X-Docker-Container-Path-Stat`` header: standard base64 of a JSON object."""
    if not header:
        raise StreamError(f"the daemon sent no {PATH_STAT_HEADER} header")
    try:
        data = json.loads(base64.b64decode(header.strip(), validate=True))
    except (binascii.Error, ValueError) as exc:
        raise StreamError(f"malformed {PATH_STAT_HEADER} header {header[:200]!r}") from exc
    if not isinstance(data, dict):
        raise StreamError(f"malformed {PATH_STAT_HEADER} header {header[:200]!r}")
    return PathStat.from_api(data)


class ArchiveStream:
    """A tar archive read from a container as it arrives; iterate it for byte chunks."""

    __slots__ = ("_response", "stat")

    def __init__(self, response: ResponseStream) -> None:
        self._response = response
        #: The archived path, from the response header.
        self.stat = decode_path_stat(response.headers.get(PATH_STAT_HEADER))

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._response.__aiter__()
