""".dockerignore: which files of a build context are left out, decided as Docker decides.

Each line is a Go ``filepath.Match`` pattern over slash-separated paths relative to the
context, plus ``**`` (any number of directories); ``!`` re-includes.  The last pattern that
matches a path, or any of its parent directories, decides.  A line whose first character is
``#`` is a comment (`` #x`` is the pattern ``#x``); patterns are trimmed, cleaned like Go's
``filepath.Clean`` and a leading ``/`` is dropped.  As in moby/patternmatcher, a pattern
that is ``**`` followed by plain text matches any path ending in that text (``**.go`` matches
``main.go`` and ``src/sub/b.go``).
"""

from __future__ import annotations

import posixpath
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ._exceptions import InvalidArgument

__all__ = ["PatternMatcher", "read_dockerignore"]

_GO_ESCAPED = set(".+()|{}$")  # the rest of a pattern passes into the regex as is


def _clean(path: str) -> str:
    """Go's ``filepath.Clean`` for slash paths (``normpath`` keeps a leading ``//``)."""
    cleaned = posixpath.normpath(path) if path else "."
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def read_dockerignore(text: str) -> list[str]:
    """The patterns of a .dockerignore file, normalised (``!`` kept as a prefix)."""
    patterns: list[str] = []
    for number, line in enumerate(text.split("\n")):
        line = line.removesuffix("\r")
        if number == 0:
            line = line.removeprefix("\ufeff")
        if line.startswith("#"):  # before trimming, as Docker does: " #x" is a pattern
            continue
        pattern = line.strip()
        if not pattern:
            continue
        exclusion = pattern.startswith("!")
        if exclusion:
            pattern = pattern[1:].strip()
        if pattern:
            pattern = _clean(pattern)
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern[1:]
        patterns.append(f"!{pattern}" if exclusion else pattern)
    return patterns


def _go_regex(pattern: str) -> tuple[str, str]:
    """Docker's translation of a pattern, and its kind: ``exact`` (plain text), ``prefix``
    (text then ``**``), ``suffix`` (``**`` then text) or ``regex`` (anything else)."""
    out = ["^"]
    kind = "exact"
    position, end = 0, len(pattern)
    while position < end:
        first = position == 0
        char = pattern[position]
        position += 1
        if char == "*":
            if position < end and pattern[position] == "*":
                position += 1
                if position < end and pattern[position] == "/":
                    position += 1
                if position < end:
                    out.append("(.*/)?")
                    kind = "regex"
                elif kind == "exact":
                    kind = "prefix"
                else:
                    out.append(".*")
                    kind = "regex"
                if first:
                    kind = "suffix"
            else:
                out.append("[^/]*")
                kind = "regex"
        elif char == "?":
            out.append("[^/]")
            kind = "regex"
        elif char in _GO_ESCAPED:
            out.append("\\" + char)
        elif char == "\\":
            if position >= end:
                raise InvalidArgument(f"invalid .dockerignore pattern {pattern!r}: trailing \\")
            out.append(re.escape(pattern[position]))
            position += 1
            kind = "regex"
        elif char in "[]":
            out.append(char)
            kind = "regex"
        else:
            out.append(char)  # "^" too: an anchor, in Go's regexp as in Python's
    out.append(r"\Z")
    return "".join(out), kind


def _regex(pattern: str) -> re.Pattern[str]:
    """A regex for ``match`` deciding as Docker does.  Only the ``regex`` kind is matched as
    a regular expression: in the others every character is literal (``a^b`` names a file)."""
    translated, kind = _go_regex(pattern)
    if kind == "exact":
        translated = re.escape(pattern) + r"\Z"
    elif kind == "prefix":
        translated = re.escape(pattern[:-2])
    elif kind == "suffix":
        suffix = pattern[2:]
        translated = (
            "(?s:.*/)?" + re.escape(suffix[1:]) if suffix.startswith("/")
            else "(?s:.*)" + re.escape(suffix)
        ) + r"\Z"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # "possible nested set" in [[...]
            return re.compile(translated)
    except re.error:
        raise InvalidArgument(f"invalid .dockerignore pattern {pattern!r}") from None


@dataclass(frozen=True, slots=True)
class _Pattern:
    text: str
    exclusion: bool
    regex: re.Pattern[str]


class PatternMatcher:
    """Decides, for a path relative to the context, whether a pattern list excludes it."""

    __slots__ = ("_patterns",)

    def __init__(self, patterns: Iterable[str]) -> None:
        self._patterns: list[_Pattern] = []
        for raw in patterns:
            text = raw.strip()
            if not text:
                continue
            exclusion = text.startswith("!")
            if exclusion:
                text = text[1:]
                if not text:
                    raise InvalidArgument('illegal exclusion pattern: "!"')
            text = _clean(text)
            self._patterns.append(_Pattern(text, exclusion, _regex(text)))

    @property
    def has_exclusions(self) -> bool:
        return any(p.exclusion for p in self._patterns)

    @property
    def exclusions(self) -> Sequence[str]:
        return [p.text for p in self._patterns if p.exclusion]

    def matches(self, path: str) -> bool:
        """True when ``path`` (slash-separated, relative) is excluded from the context."""
        path = _clean(path)
        parent = posixpath.dirname(path) or "."
        parents = parent.split("/")
        matched = False
        for pattern in self._patterns:
            if pattern.exclusion != matched:
                continue  # only a later exception can undo a match, and vice versa
            hit = bool(pattern.regex.match(path))
            if not hit and parent != ".":
                hit = any(
                    pattern.regex.match("/".join(parents[: i + 1])) for i in range(len(parents))
                )
            if hit:
                matched = not pattern.exclusion
        return matched

    def may_include_inside(self, directory: str) -> bool:
        """Whether an excluded ``directory`` must still be walked, because an exception names
        a path under it (Docker checks the exception's literal prefix only)."""
        prefix = _clean(directory) + "/"
        return any((text + "/").startswith(prefix) for text in self.exclusions)
