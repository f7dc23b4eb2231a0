"""Host-side tar helpers for container archives: safe extraction, and packing a host path.

A tar coming from a daemon is untrusted data.  :func:`extract_archive` has ``docker cp``'s
safety: nothing is written outside the destination, or through a symbolic link.  It refuses
absolute names, ``..`` components, a member whose directory is a symlink (one it extracts
earlier, or one already there), a hard link to a file outside the destination or through a
symlink of the archive.  Every member is checked before anything is written.  FIFOs are
created; device nodes are skipped with a warning (``docker cp`` creates them, as root).
Symlinks are created as they are, whatever their target (``etc/mtab -> /proc/mounts``): they
are never followed when writing.  A link or file already at a member's path is replaced,
not written through.  Set-id bits and ownership are stripped.  The checks are our own, so they
hold on Python versions whose ``tarfile`` lacks extraction filters; where it has them, the
``"tar"`` filter is applied as well (``"data"`` would refuse absolute symlinks).
"""

from __future__ import annotations

import copy
import os
import posixpath
import tarfile
import tempfile
import warnings
from collections.abc import AsyncIterable
from typing import IO, Any, Union

import anyio

from ._exceptions import EngineError

__all__ = ["DeviceSkippedWarning", "UnsafeArchiveError", "extract_archive", "pack_path"]

#: Archives up to this size are spooled in memory; larger ones go to a temporary file.
SPOOL_IN_MEMORY = 16 * 1024 * 1024

StrPath = Union[str, "os.PathLike[str]"]

_HAS_FILTERS = hasattr(tarfile, "data_filter")


class UnsafeArchiveError(EngineError, ValueError):
    """A tar archive holds an entry that would land outside the destination, or through a symlink."""

    def __init__(self, member: str, reason: str) -> None:
        self.member = member
        super().__init__(f"refusing to extract {member!r}: {reason}")


class DeviceSkippedWarning(UserWarning):
    """:func:`extract_archive` skipped a device node: it never creates one on the host."""


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _rebased(name: str, rebase: tuple[str, str] | None) -> str:
    if rebase is None:
        return name
    old, new = rebase
    if name == old or name.startswith(old + "/"):
        return new + name[len(old):]
    return name


def _checked(
    member: tarfile.TarInfo, root: str, rebase: tuple[str, str] | None, seen: dict[str, bool]
) -> tarfile.TarInfo | None:
    """A sanitised copy of ``member``; None for a device node (skipped); or UnsafeArchiveError.

    ``root`` is a real path.  ``seen`` maps the names of the members checked so far to whether
    each is a symlink: it stands for what extracting them leaves on disk, so that the whole
    archive can be checked before anything is written.
    """
    name = _rebased(member.name, rebase)
    _check_name(member.name, name)
    if member.ischr() or member.isblk():
        return None
    if not (member.isreg() or member.isdir() or member.issym() or member.islnk() or member.isfifo()):
        raise UnsafeArchiveError(member.name, "unsupported member type")
    link_on_the_way = _first_link(root, posixpath.dirname(name), seen)
    if link_on_the_way is not None:
        raise UnsafeArchiveError(member.name, f"it would be written through the symlink {link_on_the_way!r}")
    safe = copy.copy(member)
    safe.name = name
    if member.islnk():
        safe.linkname = _rebased(member.linkname, rebase)
        _check_hard_link(member, safe.linkname, root, seen)
    seen[posixpath.normpath(name)] = member.issym()
    safe.uid, safe.gid = os.getuid(), os.getgid()
    safe.uname = safe.gname = ""
    if member.isdir():
        safe.mode = 0o755
    else:
        mode = member.mode & 0o755  # no set-id, sticky, or group/other write bits
        safe.mode = mode | 0o600 if mode & 0o100 else (mode & ~0o111) | 0o600
    return safe


def _check_hard_link(member: tarfile.TarInfo, linkname: str, root: str, seen: dict[str, bool]) -> None:
    _check_name(member.name, linkname)
    # A symlink from the archive is not on disk yet while checking: refuse any on the way.
    if _first_link(root, linkname, seen, only_seen=True) is not None:
        raise UnsafeArchiveError(member.name, f"hard link to {member.linkname!r}, through a symlink")
    if not _within(os.path.realpath(os.path.join(root, linkname)), root):
        raise UnsafeArchiveError(member.name, f"hard link to {member.linkname!r}, outside the destination")


def _check_name(member: str, name: str) -> None:
    """A name inside the destination: relative, without ``..``."""
    if name.startswith("/") or os.path.isabs(name):
        raise UnsafeArchiveError(member, f"absolute path {name!r}")
    if ".." in name.split("/"):
        raise UnsafeArchiveError(member, f"'..' in the path {name!r}")


def _first_link(root: str, path: str, seen: dict[str, bool], *, only_seen: bool = False) -> str | None:
    """The first component of ``path`` (relative to ``root``) that is a symlink, if any: one
    from the archive (``seen``), or one already on disk unless a member has replaced it."""
    parts = [part for part in path.split("/") if part not in ("", ".")]
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        if prefix in seen:
            is_link = seen[prefix]
        else:
            is_link = not only_seen and os.path.islink(os.path.join(root, prefix))
        if is_link:
            return prefix
    return None


def _clear(path: str) -> None:
    """Remove a link or file at ``path``, so that extracting there replaces it instead of
    writing through it (tarfile opens a regular file's path, following a symlink there)."""
    if os.path.islink(path) or (os.path.lexists(path) and not os.path.isdir(path)):
        os.unlink(path)


def _check_all(archive: IO[bytes], root: str, rebase: tuple[str, str] | None) -> list[str]:
    """Check every member before anything is written; the names of the device nodes to skip."""
    seen: dict[str, bool] = {}
    with tarfile.open(fileobj=archive, mode="r|*") as tar:
        return [member.name for member in tar if _checked(member, root, rebase, seen) is None]


def _extract(archive: IO[bytes], destination: str, rebase: tuple[str, str] | None) -> tuple[list[str], list[str]]:
    root = os.path.realpath(destination)
    skipped = _check_all(archive, root, rebase)
    archive.seek(0)
    os.makedirs(destination, exist_ok=True)
    names: list[str] = []
    options: dict[str, Any] = {"filter": "tar"} if _HAS_FILTERS else {}
    seen: dict[str, bool] = {}
    with tarfile.open(fileobj=archive, mode="r|*") as tar:
        for member in tar:
            safe = _checked(member, root, rebase, seen)  # again: the disk may have changed since
            if safe is None:
                continue
            _clear(os.path.join(root, safe.name))
            tar.extract(safe, root, **options)
            names.append(safe.name)
    return names, skipped


async def extract_archive(
    archive: bytes | AsyncIterable[bytes],
    destination: StrPath,
    *,
    rebase: tuple[str, str] | None = None,
) -> list[str]:
    """Extract a tar (bytes or chunks, e.g. an :class:`ArchiveStream`) under ``destination``.

    Returns the names extracted.  ``rebase=(old, new)`` renames a leading path component
    (``docker cp`` does this to copy ``/etc/hostname`` to ``./copy``).  The archive is spooled
    (to a temporary file once large), checked whole, then extracted in a worker thread: an
    unsafe entry anywhere raises :class:`UnsafeArchiveError` with nothing written.  Device
    nodes are skipped, each with a warning.
    """
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        if isinstance(archive, (bytes, bytearray, memoryview)):
            spool.write(archive)
        else:
            async for chunk in archive:
                spool.write(chunk)
        spool.seek(0)
        names, skipped = await anyio.to_thread.run_sync(_extract, spool, os.fspath(destination), rebase)
    for name in skipped:
        warnings.warn(f"not extracting {name!r}: device nodes are not created on the host", DeviceSkippedWarning, stacklevel=2)
    return names


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
