""".dockerignore: parsing, Go filepath.Match + ``**`` + ``!`` matching, and the context walk."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from engine_client import InvalidArgument
from engine_client._body import build_context, context_paths
from engine_client._dockerignore import PatternMatcher, read_dockerignore


def test_read_strips_comments_blanks_bom_and_cleans_paths() -> None:
    text = "\ufeff# comment\n\n  *.log  \n/build/\n!/build/keep\n! spaced\n./a/../b\n#x\n a#b\n"
    assert read_dockerignore(text) == ["*.log", "build", "!build/keep", "!spaced", "b", "a#b"]


def test_only_a_hash_in_the_first_column_starts_a_comment() -> None:
    # Docker checks for "#" before trimming: an indented "#x" is a pattern.
    assert read_dockerignore(" #x\n\t# y\n#z\n") == ["#x", "# y"]
    assert matches(read_dockerignore(" #x\n"), "#x")


def test_lines_end_at_newline_only() -> None:
    # Go's line scanner: "\r\n" ends a line, a form feed or "\x85" does not.
    assert read_dockerignore("a\r\nb\x0cc\nd\x85e\n") == ["a", "b\x0cc", "d\x85e"]


def matches(patterns: list[str], path: str) -> bool:
    return PatternMatcher(patterns).matches(path)


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.log", "a.log", True),
        ("*.log", "dir/a.log", False),  # "*" never crosses "/"
        ("*/*.log", "dir/a.log", True),
        ("**/*.log", "a.log", True),
        ("**/*.log", "x/y/z/a.log", True),
        ("**", "anything/at/all", True),
        ("dir/**", "dir/a/b", True),
        ("dir/**", "dirx/a", False),
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/y/b", True),
        ("a?c", "abc", True),
        ("a?c", "a/c", False),
        ("[a-c]x", "bx", True),
        ("[^a-c]x", "bx", False),
        ("[^a-c]x", "dx", True),
        ("file.txt", "fileXtxt", False),  # "." is literal
        ("a+b(c)", "a+b(c)", True),
        ("\\*lit", "*lit", True),
        ("\\*lit", "xlit", False),
        ("build", "build/deep/file", True),  # a matching parent excludes everything below
        ("build", "src/build", False),
        ("secret", "secret", True),
        # "**" then literal text: a suffix of the whole path (moby/patternmatcher suffixMatch)
        ("**.go", "main.go", True),
        ("**.go", "src/sub/b.go", True),
        ("**.go", "main.got", False),
        ("**go", "src/cargo", True),
        ("**/b.go", "b.go", True),
        ("**/b.go", "src/ab.go", False),
        ("**/*.go", "src/sub/b.go", True),
        ("a**", "ab/c", True),  # a literal prefix, not a suffix
        ("a**", "ba", False),
        # Plain text, a literal prefix or suffix: every character is literal in Docker...
        ("a^b", "a^b", True),
        ("p^q/**", "p^q/in", True),
        ("**x^y", "d/ax^y", True),
        ("a$b", "a$b", True),
        ("a{1}", "a{1}", True),
        ("a{1}", "a", False),
        ("a|b", "a", False),
        ("a-b c", "a-b c", True),
        # ...while a pattern with wildcards is a Go regexp, where "^" is an anchor
        # (docker build 28.2.2 keeps "m^no" and "b^" for these two)
        ("m^n*", "m^no", False),
        ("[^a]^", "b^", False),
        ("m$n*", "m$no", True),
        ("[!a]x", "bx", False),  # Go has no "!" negation: "[!a]" is the set {!, a}
        ("[!a]x", "!x", True),
        ("a*", "ab\n", True),
        ("a?", "ab\n", False),  # "$" would match before the final newline
    ],
)
def test_pattern_semantics(pattern: str, path: str, expected: bool) -> None:
    assert matches([pattern], path) is expected


def test_last_matching_pattern_wins_and_exceptions_reinclude() -> None:
    patterns = ["*.md", "!README.md", "docs", "!docs/keep.md"]
    assert matches(patterns, "notes.md")
    assert not matches(patterns, "README.md")
    assert matches(patterns, "docs/a.txt")
    assert not matches(patterns, "docs/keep.md")
    assert matches(["!README.md", "*.md"], "README.md")  # order matters


def test_exception_then_exclusion_of_parent() -> None:
    assert matches(["!keep", "dir"], "dir/keep")


def test_invalid_patterns_are_refused() -> None:
    for bad in (["!"], ["[a-"], ["trailing\\"]):
        with pytest.raises(InvalidArgument):
            PatternMatcher(bad)


def test_may_include_inside_uses_the_literal_prefix_like_docker() -> None:
    matcher = PatternMatcher(["logs", "!logs/keep.log", "!**/x"])
    assert matcher.may_include_inside("logs")
    assert not matcher.may_include_inside("other")


def _context(root: Path) -> None:
    (root / "Dockerfile").write_text("FROM scratch\n")
    (root / "src").mkdir()
    (root / "src" / "main.py").write_text("print()")
    (root / "src" / "main.pyc").write_text("x")
    (root / "logs").mkdir()
    (root / "logs" / "a.log").write_text("x")
    (root / "logs" / "keep.log").write_text("x")
    (root / "node_modules").mkdir()
    (root / "node_modules" / "dep").mkdir()
    (root / "node_modules" / "dep" / "index.js").write_text("x")
    (root / "secret.env").write_text("x")


def test_context_walk_honours_dockerignore(tmp_path: Path) -> None:
    _context(tmp_path)
    (tmp_path / ".dockerignore").write_text(
        "**/*.pyc\nlogs\n!logs/keep.log\nnode_modules\n*.env\nDockerfile\n.dockerignore\n"
    )
    assert context_paths(tmp_path) == [
        ".dockerignore",  # always sent, like the docker CLI
        "Dockerfile",  # always sent
        "logs/keep.log",  # re-included; the excluded directory itself is not sent
        "src",
        "src/main.py",
    ]


def test_context_walk_without_dockerignore_sends_everything(tmp_path: Path) -> None:
    _context(tmp_path)
    assert "node_modules/dep/index.js" in context_paths(tmp_path)
    assert "secret.env" in context_paths(tmp_path)


@pytest.mark.anyio
async def test_build_context_is_a_tar_with_root_ownership(tmp_path: Path) -> None:
    _context(tmp_path)
    (tmp_path / ".dockerignore").write_text("logs\nnode_modules\n")
    (tmp_path / "link").symlink_to("src/main.py")
    async with build_context(tmp_path) as chunks:
        data = b"".join([chunk async for chunk in chunks])
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert set(members) == {
            ".dockerignore", "Dockerfile", "link", "secret.env", "src", "src/main.py", "src/main.pyc"
        }
        assert all(m.uid == 0 and m.gid == 0 for m in members.values())
        assert members["link"].issym() and members["link"].linkname == "src/main.py"
        assert tar.extractfile("src/main.py").read() == b"print()"  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_build_context_has_whole_second_mtimes_and_no_pax_headers(tmp_path: Path) -> None:
    # BuildKit takes a context starting with a PAX header for a Dockerfile.
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    os.utime(tmp_path / "Dockerfile", (1_700_000_000.75, 1_700_000_000.75))
    async with build_context(tmp_path) as chunks:
        data = b"".join([chunk async for chunk in chunks])
    assert data[:10] == b"Dockerfile"  # the first header is the file's own
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        [member] = tar.getmembers()
    assert member.mtime == 1_700_000_000 and not member.pax_headers


@pytest.mark.anyio
async def test_build_context_refuses_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument):
        async with build_context(tmp_path / "missing"):
            pass
