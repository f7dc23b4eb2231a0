"""Image reference parsing and Docker Hub normalisation."""

from __future__ import annotations

import pytest

from engine_client import ImageReference, InvalidArgument, parse_reference

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("busybox", "docker.io", "library/busybox", None, None),
        ("busybox:1.36", "docker.io", "library/busybox", "1.36", None),
        ("library/busybox", "docker.io", "library/busybox", None, None),
        ("team/app:v1", "docker.io", "team/app", "v1", None),
        ("docker.io/busybox", "docker.io", "library/busybox", None, None),
        ("index.docker.io/team/app", "docker.io", "team/app", None, None),
        ("127.0.0.1:5000/ec/bb:t", "127.0.0.1:5000", "ec/bb", "t", None),
        ("localhost/app", "localhost", "app", None, None),
        ("localhost:5000/a/b/c", "localhost:5000", "a/b/c", None, None),
        ("registry.example.com/app", "registry.example.com", "app", None, None),
        ("Registry/app", "Registry", "app", None, None),  # upper case: a host, as in Docker
        ("[::1]:5000/app:x", "[::1]:5000", "app", "x", None),
        (f"app@{DIGEST}", "docker.io", "library/app", None, DIGEST),
        (f"host:5000/app:v2@{DIGEST}", "host:5000", "app", "v2", DIGEST),
        ("app:Tag_1.2-rc", "docker.io", "library/app", "Tag_1.2-rc", None),
        ("a__b/c-d.e", "docker.io", "a__b/c-d.e", None, None),
    ],
)
def test_parses_and_normalises(
    text: str, registry: str, repository: str, tag: str | None, digest: str | None
) -> None:
    assert parse_reference(text) == ImageReference(registry, repository, tag, digest)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Busybox",
        "team/App",
        "host:5000/App",
        "a" * 64,  # an image id, not a name
        "app:",
        "app:-tag",
        "app:" + "t" * 129,
        "app@sha256:abc",
        "app@",
        "/app",
        "app/",
        "a//b",
        "-app",
        "app_",
        "a___b",
        "host:port/app",
        "app name",
        "audit5:lätest",  # the docker CLI: "invalid reference format"
        "app:v١",  # an Arabic-Indic digit
        "app:ｔag",  # fullwidth
        "x/" + "a" * 260,
    ],
)
def test_refuses_invalid_references(text: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_reference(text)


def test_string_forms() -> None:
    ref = parse_reference("busybox")
    assert str(ref) == "docker.io/library/busybox"
    assert ref.familiar_name == "busybox"
    assert str(ref.with_default_tag()) == "docker.io/library/busybox:latest"
    assert parse_reference("team/app").familiar_name == "team/app"
    assert parse_reference("docker.io/library/a/b").familiar_name == "library/a/b"
    private = parse_reference(f"host:5000/app:v1@{DIGEST}")
    assert str(private) == f"host:5000/app:v1@{DIGEST}"
    assert private.familiar_name == "host:5000/app"
    assert private.with_default_tag() is private
    assert parse_reference(f"app@{DIGEST}").with_default_tag().tag is None
