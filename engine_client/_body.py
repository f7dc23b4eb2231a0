"""Request bodies for uploads (build, load, import): bytes, files, async iterators, and the
tar of a build-context directory.

File reads run in worker threads; a directory's tar is written to a spooled temporary file
first (memory up to a limit, then disk), so its size is known and memory stays bounded.
"""

from __future__ import annotations

import os
import tarfile
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Union

import anyio

from ._dockerignore import PatternMatcher, read_dockerignore
from ._exceptions import InvalidArgument

__all__ = ["Body", "build_context", "open_body"]

#: What an upload accepts: the bytes, a path to a file, a binary file object, or chunks.
Body = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]", IO[bytes], AsyncIterable[bytes]]

CHUNK_SIZE = 256 * 1024
_SPOOL_IN_MEMORY = 16 * 1024 * 1024


async def _file_chunks(file: IO[bytes]) -> AsyncIterator[bytes]:
    while chunk := await anyio.to_thread.run_sync(file.read, CHUNK_SIZE):
        yield chunk


async def _iterate(chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        yield bytes(chunk)


@asynccontextmanager
async def open_body(source: Body, what: str = "body") -> AsyncIterator[bytes | AsyncIterator[bytes]]:
    """The request content for ``source``; a file opened here is closed on leaving.

    A path that cannot be opened raises the OSError, which names it.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        yield bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        file = await anyio.to_thread.run_sync(Path(source).open, "rb")  # OSError names the path
        try:
            yield _file_chunks(file)
        finally:
            file.close()
    elif isinstance(source, AsyncIterable):
        yield _iterate(source)
    elif hasattr(source, "read"):
        yield _file_chunks(source)
    else:
        raise InvalidArgument(f"unsupported {what} of type {type(source).__name__}")


def _context_matcher(root: Path, dockerfile: str) -> PatternMatcher:
    ignore = root / ".dockerignore"
    patterns = read_dockerignore(ignore.read_text("utf-8")) if ignore.is_file() else []
    matcher = PatternMatcher(patterns)
    # Like the docker CLI, always send the Dockerfile and .dockerignore themselves.
    for keep in (".dockerignore", dockerfile):
        if matcher.matches(keep):
            patterns.append(f"!{keep}")
    return PatternMatcher(patterns)


def _context_entries(root: Path, matcher: PatternMatcher) -> list[str]:
    """Relative paths to send, walking as Docker does: an excluded directory is not descended
    unless an exception names something under it."""
    entries: list[str] = []
    pending = [""]
    while pending:
        directory = pending.pop()
        with os.scandir(root / directory) as scan:
            children = sorted(scan, key=lambda e: e.name)
        for child in children:
            relative = f"{directory}/{child.name}" if directory else child.name
            is_dir = child.is_dir(follow_symlinks=False)
            if not matcher.matches(relative):
                entries.append(relative)
            elif not (is_dir and matcher.may_include_inside(relative)):
                continue
            if is_dir:
                pending.append(relative)
    return sorted(entries)


def _write_context(root: Path, dockerfile: str, out: IO[bytes]) -> None:
    matcher = _context_matcher(root, dockerfile)
    with tarfile.open(fileobj=out, mode="w") as tar:
        for relative in _context_entries(root, matcher):
            path = root / relative
            info = tar.gettarinfo(str(path), arcname=relative)
            if info is None:  # sockets and the like have no place in a context
                continue
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            # Whole seconds, as the docker CLI sends: a fractional mtime takes a PAX header
            # first, and BuildKit then reads the tar as a Dockerfile ("././@PaxHeader").
            info.mtime = int(info.mtime)
            if info.isreg():
                with path.open("rb") as content:
                    tar.addfile(info, content)
            else:
                tar.addfile(info)


def _spool_context(root: Path, dockerfile: str) -> IO[bytes]:
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115
    try:
        _write_context(root, dockerfile, spool)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool


@asynccontextmanager
async def build_context(
    directory: str | os.PathLike[str], dockerfile: str = "Dockerfile"
) -> AsyncIterator[AsyncIterator[bytes]]:
    """The tar of a build-context directory, honouring its .dockerignore."""
    root = Path(directory)
    if not await anyio.Path(root).is_dir():
        raise InvalidArgument(f"build context {str(root)!r} is not a directory")
    spool = await anyio.to_thread.run_sync(_spool_context, root, dockerfile)
    try:
        yield _file_chunks(spool)
    finally:
        spool.close()


def context_paths(directory: str | os.PathLike[str], dockerfile: str = "Dockerfile") -> Sequence[str]:
    """The paths :func:`build_context` would send (for tests and dry runs)."""
    root = Path(directory)
    return _context_entries(root, _context_matcher(root, dockerfile))
