"""Host-side tar helpers for container archives: safe extraction, and packing a host path.

A tar coming from a daemon is untrusted data.  :func:`extract_archive` refuses what
``tarfile``'s ``"data"`` filter refuses (and a little more): absolute names, ``..`` components,
links whose target is absolute or resolves outside the destination, device files and FIFOs.
It strips set-id bits and ownership.  The checks are our own, so they hold on Python versions
whose ``tarfile`` lacks extraction filters; where ``tarfile`` has them, the ``"data"`` filter is
applied as well.
"""

from __future__ import annotations

import copy
import os
import posixpath
import tarfile
import tempfile
from collections.abc import AsyncIterable
from typing import IO, Any, Union

import anyio

from ._exceptions import EngineError

__all__ = ["UnsafeArchiveError", "extract_archive", "pack_path"]

#: Archives up to this size are spooled in memory; larger ones go to a temporary file.
SPOOL_IN_MEMORY = 16 * 1024 * 1024

StrPath = Union[str, "os.PathLike[str]"]

_HAS_FILTERS = hasattr(tarfile, "data_filter")


class UnsafeArchiveError(EngineError, ValueError):
    """A tar archive holds an entry that would land outside the destination, or a device."""

    def __init__(self, member: str, reason: str) -> None:
        self.member = member
        super().__init__(f"refusing to extract {member!r}: {reason}")


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _rebased(name: str, rebase: tuple[str, str] | None) -> str:
    if rebase is None:
        return name
    old, new = rebase
    if name == old or name.startswith(old + "/"):
        return new + name[len(old):]
    return name


def _checked(member: tarfile.TarInfo, root: str, rebase: tuple[str, str] | None) -> tarfile.TarInfo:
    """A sanitised copy of ``member``, or UnsafeArchiveError.  ``root`` is a real path."""
    name = _rebased(member.name, rebase)
    if name.startswith("/") or os.path.isabs(name):
        raise UnsafeArchiveError(member.name, "absolute path")
    if ".." in name.split("/"):
        raise UnsafeArchiveError(member.name, "'..' in the path")
    target = os.path.realpath(os.path.join(root, name))
    if not _within(target, root):
        raise UnsafeArchiveError(member.name, "it would be written outside the destination")
    if not (member.isreg() or member.isdir() or member.issym() or member.islnk()):
        raise UnsafeArchiveError(member.name, "device files and FIFOs are not extracted")
    if member.issym() or member.islnk():
        link = member.linkname
        if link.startswith("/") or os.path.isabs(link):
            raise UnsafeArchiveError(member.name, f"link to the absolute path {link!r}")
        if member.issym():
            link_path = os.path.join(root, posixpath.dirname(name), link)
        else:
            link = _rebased(link, rebase)
            link_path = os.path.join(root, link)
        if not _within(os.path.realpath(link_path), root):
            raise UnsafeArchiveError(member.name, f"link target {link!r} is outside the destination")
    safe = copy.copy(member)
    safe.name = name
    if member.islnk():
        safe.linkname = _rebased(member.linkname, rebase)
    safe.uid, safe.gid = os.getuid(), os.getgid()
    safe.uname = safe.gname = ""
    if member.isdir():
        safe.mode = 0o755
    else:
        mode = member.mode & 0o755  # no set-id, sticky, or group/other write bits
        safe.mode = mode | 0o600 if mode & 0o100 else (mode & ~0o111) | 0o600
    return safe


def _extract(archive: IO[bytes], destination: str, rebase: tuple[str, str] | None) -> list[str]:
    os.makedirs(destination, exist_ok=True)
    root = os.path.realpath(destination)
    names: list[str] = []
    options: dict[str, Any] = {"filter": "data"} if _HAS_FILTERS else {}
    with tarfile.open(fileobj=archive, mode="r|*") as tar:
        for member in tar:
            safe = _checked(member, root, rebase)
            tar.extract(safe, root, **options)
            names.append(safe.name)
    return names


async def extract_archive(
    archive: bytes | AsyncIterable[bytes],
    destination: StrPath,
    *,
    rebase: tuple[str, str] | None = None,
) -> list[str]:
    """Extract a tar (bytes or chunks, e.g. an :class:`ArchiveStream`) under ``destination``.

    Returns the names extracted.  ``rebase=(old, new)`` renames a leading path component
    (``docker cp`` does this to copy ``/etc/hostname`` to ``./copy``).  The archive is spooled
    (to a temporary file once large) and extracted in a worker thread; an unsafe entry raises
    :class:`UnsafeArchiveError`, leaving the entries before it extracted.
    """
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        if isinstance(archive, (bytes, bytearray, memoryview)):
            spool.write(archive)
        else:
            async for chunk in archive:
                spool.write(chunk)
        spool.seek(0)
        return await anyio.to_thread.run_sync(_extract, spool, os.fspath(destination), rebase)


def _pack(path: str, arcname: str | None) -> IO[bytes]:
    name = arcname if arcname is not None else os.path.basename(os.path.normpath(path))
    if not name or name.startswith("/") or set(name.split("/")) & {"", ".", ".."}:
        raise UnsafeArchiveError(name, "not a usable name inside an archive")
    # Handed to the caller, who closes it.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    try:
        with tarfile.open(fileobj=spool, mode="w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(path, arcname=name, recursive=True)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool


async def pack_path(path: StrPath, *, arcname: str | None = None) -> IO[bytes]:
    """A tar of a host file or directory, as a file object positioned at its start.

    Its one top-level entry is named ``arcname`` (default: the path's base name).  Pass it to
    :meth:`Containers.put_archive`, then close it (it may be a temporary file)::

        with await pack_path("build/out", arcname="out") as tar:
            await docker.containers.put_archive(cid, "/srv", tar)
    """
    return await anyio.to_thread.run_sync(_pack, os.fspath(path), arcname)
