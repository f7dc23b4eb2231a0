"""Images on every daemon: import, tag, list, inspect, history, remove, prune, save/load, build,
search; and the in-band error path of a failing build step."""

from __future__ import annotations

import functools
import io
import json
import tarfile
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from engine_client import (
    APIError,
    Client,
    Conflict,
    InvalidArgument,
    NotFound,
    ProgressEvent,
    ServerError,
    StreamedError,
)
from tests.integration.conftest import IMAGE, MakeContainer, unique_name
from tests.integration.images_support import (
    ImageTracker,
    exit_code,
    images_fixture,  # noqa: F401 - the "images" fixture
    import_unique_image,
    rootfs,
)

pytestmark = pytest.mark.anyio


async def test_import_from_bytes_applies_repo_tag_changes_and_message(
    docker: Client, images: ImageTracker
) -> None:
    name = images.add(unique_name("ec-import"))
    repo, tag = name, "v1"
    result = await docker.images.import_image(
        rootfs(b"bytes"),
        repo=repo,
        tag=tag,
        changes=['CMD ["/bin/cat", "/marker"]', "LABEL ec.kind=imported"],
        message="imported by a test",
    )
    images.add(f"{repo}:{tag}")
    assert result.image_id and result.image_id.startswith("sha256:")
    inspected = await docker.images.inspect(f"{repo}:{tag}")
    assert inspected.id == result.image_id
    assert inspected.config.cmd == ("/bin/cat", "/marker")
    assert inspected.config.labels["ec.kind"] == "imported"
    assert inspected.comment == "imported by a test"


async def test_import_from_async_iterator_streams_the_body(
    docker: Client, images: ImageTracker
) -> None:
    data = rootfs(b"chunks")

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 64 * 1024):
            yield data[start : start + 64 * 1024]

    name = images.add(unique_name("ec-import") + ":chunks")
    result = await docker.images.import_image(chunks(), repo=name)
    assert (await docker.images.inspect(name)).id == result.image_id


async def test_import_from_a_file_path(docker: Client, images: ImageTracker, tmp_path: Path) -> None:
    archive = tmp_path / "rootfs.tar"
    archive.write_bytes(rootfs(b"file"))
    name = images.add(unique_name("ec-import") + ":file")
    result = await docker.images.import_image(archive, repo=name)
    assert (await docker.images.inspect(name)).id == result.image_id


async def test_import_from_a_file_object(docker: Client, images: ImageTracker, tmp_path: Path) -> None:
    archive = tmp_path / "rootfs.tar"
    archive.write_bytes(rootfs(b"file object"))
    name = images.add(unique_name("ec-import") + ":fileobj")
    with await anyio.to_thread.run_sync(archive.open, "rb") as file:
        result = await docker.images.import_image(file, repo=name)
    assert (await docker.images.inspect(name)).id == result.image_id


async def test_tag_list_inspect_history(docker: Client, images: ImageTracker) -> None:
    source = await import_unique_image(docker, images, message="history comment")
    target = images.add(unique_name("ec-tag") + ":second")
    ref = await docker.images.tag(source, target)
    assert ref.tag == "second"
    listed = await docker.images.list(filters={"reference": target})
    assert [tags for image in listed for tags in image.repo_tags] == [target]
    assert listed[0].id == (await docker.images.inspect(source)).id
    history = await docker.images.history(target)
    assert history[0].id == listed[0].id
    assert history[0].comment == "history comment"
    assert history[0].size > 0


async def test_inspect_missing_image_is_not_found(docker: Client) -> None:
    with pytest.raises(NotFound):
        await docker.images.inspect(unique_name("ec-missing") + ":nope")


async def test_path_injection_is_refused_before_sending(docker: Client) -> None:
    for bad in ("../containers/json", "a/../../b", "x?force=1", ""):
        with pytest.raises(InvalidArgument):
            await docker.images.inspect(bad)


async def test_remove_image_used_by_container_conflicts_without_force(
    docker: Client, images: ImageTracker, make_container: MakeContainer
) -> None:
    name = await import_unique_image(docker, images)
    await make_container(["true"], image=name)
    with pytest.raises(Conflict):
        await docker.images.remove(name)
    removed = await docker.images.remove(name, force=True)
    assert any(item.untagged for item in removed)
    with pytest.raises(NotFound):
        await docker.images.inspect(name)


async def test_prune_with_label_filter_removes_only_matching_unused_images(
    docker: Client, images: ImageTracker
) -> None:
    label = unique_name("prune")
    doomed = await import_unique_image(docker, images, changes=[f"LABEL ec.prune={label}"])
    kept = await import_unique_image(docker, images, changes=["LABEL ec.prune=other"])
    doomed_id = (await docker.images.inspect(doomed)).id
    result = await docker.images.prune(filters={"label": f"ec.prune={label}", "dangling": False})
    assert doomed_id in [item.deleted for item in result.images_deleted]
    assert result.space_reclaimed >= 0
    with pytest.raises(NotFound):
        await docker.images.inspect(doomed)
    await docker.images.inspect(kept)


async def test_save_one_and_many_then_load_round_trip(docker: Client, images: ImageTracker) -> None:
    first = await import_unique_image(docker, images)
    second = await import_unique_image(docker, images)
    async with docker.images.save(first) as tar:
        single = b"".join([chunk async for chunk in tar])
    with tarfile.open(fileobj=io.BytesIO(single)) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert [entry["RepoTags"] for entry in manifest] == [[first]]

    async with docker.images.save([first, second]) as tar:
        both = b"".join([chunk async for chunk in tar])
    with tarfile.open(fileobj=io.BytesIO(both)) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert sorted(tag for entry in manifest for tag in entry["RepoTags"]) == sorted([first, second])

    await docker.images.remove(first)
    await docker.images.remove(second)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(both), 100_000):
            yield both[start : start + 100_000]

    result = await docker.images.load(chunks())
    assert sorted(result.images) == sorted([first, second])
    await docker.images.inspect(first)
    await docker.images.inspect(second)


async def test_load_from_a_file_object(docker: Client, images: ImageTracker, tmp_path: Path) -> None:
    name = await import_unique_image(docker, images)
    image_id = (await docker.images.inspect(name)).id
    archive = tmp_path / "saved.tar"
    async with docker.images.save(name) as tar, await anyio.open_file(archive, "wb") as out:
        async for chunk in tar:
            await out.write(chunk)
    await docker.images.remove(name)
    with await anyio.to_thread.run_sync(archive.open, "rb") as file:
        result = await docker.images.load(file)
    assert result.images == (name,)
    assert (await docker.images.inspect(name)).id == image_id


async def test_load_garbage_raises_streamed_error(docker: Client) -> None:
    with pytest.raises(StreamedError) as caught:
        await docker.images.load(b"this is not a tar archive" * 100)
    assert caught.value.status_code == 200
    assert caught.value.message


async def test_save_unknown_image_is_not_found(docker: Client) -> None:
    with pytest.raises(NotFound):
        async with docker.images.save(unique_name("ec-missing") + ":nope") as tar:
            async for _ in tar:
                pass


async def test_search_offline_raises_the_daemons_error(docker: Client) -> None:
    # The test machines have no route to Docker Hub: the daemon answers 500 with its message.
    with pytest.raises(ServerError) as caught:
        await docker.images.search("busybox", limit=1)
    assert caught.value.message
    assert "Traceback" not in str(caught.value)


def _write_context(directory: Path) -> None:
    (directory / "Dockerfile").write_text(
        f"FROM {IMAGE} AS base\n"
        "ARG EC_ARG\n"
        "COPY . /ctx\n"
        'RUN test "$EC_ARG" = "from-build-args" && echo "$EC_ARG" > /ctx/arg\n'
        "RUN test ! -e /ctx/secret.txt && test ! -e /ctx/logs/app.log"
        " && test -e /ctx/logs/keep.log && test -e /ctx/src/main.txt\n"
        f"FROM {IMAGE} AS final\n"
        "RUN exit 7\n"
    )
    (directory / ".dockerignore").write_text("secret.txt\nlogs\n!logs/keep.log\n# a comment\n")
    (directory / "secret.txt").write_text("must not be sent")
    (directory / "logs").mkdir()
    (directory / "logs" / "app.log").write_text("ignored")
    (directory / "logs" / "keep.log").write_text("kept by an exception")
    (directory / "src").mkdir()
    (directory / "src" / "main.txt").write_text("source")


# Heavy (a multi-step build, then a container): asyncio only.  The client side of a build
# (context tar, streamed upload, progress stream) runs on trio in the other build tests.
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_build_directory_context_with_dockerignore_args_labels_target(
    docker: Client, images: ImageTracker, make_container: MakeContainer, tmp_path: Path
) -> None:
    _write_context(tmp_path)
    tag = images.add(unique_name("ec-build") + ":v1")
    output: list[ProgressEvent] = []
    async with docker.images.build(
        tmp_path,
        tags=[tag],
        build_args={"EC_ARG": "from-build-args"},
        labels={"ec.built": "yes"},
        target="base",  # the "final" stage fails: reaching the end proves target is honoured
        network_mode="none",
        version="1",
        force_remove=True,
    ) as events:
        async for event in events:
            output.append(event)
    assert any(event.stream for event in output)
    image_id = events.result.image_id
    inspected = await docker.images.inspect(tag)
    assert inspected.id == image_id
    assert inspected.config.labels["ec.built"] == "yes"
    # The ignored file is not in the image; the re-included one is.
    check = (
        "test ! -e /ctx/secret.txt && test -e /ctx/logs/keep.log"
        " && test ! -e /ctx/logs/app.log && test -e /ctx/Dockerfile"
    )
    container = await make_container(["sh", "-c", check], image=tag)
    assert await exit_code(docker, container) == 0


async def test_build_failing_step_raises_streamed_error_with_exit_code(
    docker: Client, images: ImageTracker
) -> None:
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        dockerfile = f"FROM {IMAGE}\nRUN exit 3\n".encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
    tag = images.add(unique_name("ec-build-fail") + ":v1")
    seen: list[ProgressEvent] = []
    with pytest.raises(StreamedError) as caught:
        async with docker.images.build(
            context.getvalue(), tags=tag, network_mode="none", version="1", force_remove=True
        ) as events:
            async for event in events:
                seen.append(event)
    assert caught.value.code == 3
    assert isinstance(caught.value, APIError)
    assert any(event.stream for event in seen)  # the steps before the failure were yielded
    with pytest.raises(NotFound):
        await docker.images.inspect(tag)


async def test_build_missing_dockerfile_is_an_api_error(docker: Client, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM {IMAGE}\n")
    with pytest.raises(APIError) as caught:
        await docker.images.build(tmp_path, dockerfile="Nope", version="1")
    assert not isinstance(caught.value, StreamedError)


def _context(dockerfile: str, **files: str) -> bytes:
    """A build context tar: ``Dockerfile`` plus ``files`` (``name=text``, ``__`` for ``/``)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, text in {"Dockerfile": dockerfile, **files}.items():
            data = text.encode()
            info = tarfile.TarInfo(name.replace("__", "/"))
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


async def test_buildkit_build_reports_the_image_id(docker: Client, images: ImageTracker) -> None:
    tag = images.add(unique_name("ec-buildkit") + ":v1")
    seen: list[ProgressEvent] = []
    async with docker.images.build(
        _context(f"FROM {IMAGE}\nRUN echo {tag} > /built-by\n"), tags=tag, version="2"
    ) as events:
        async for event in events:
            seen.append(event)
    assert events.result.image_id == (await docker.images.inspect(tag)).id
    assert any(event.id == "moby.buildkit.trace" for event in seen)  # BuildKit answered


async def test_buildkit_failing_step_raises_streamed_error(
    docker: Client, images: ImageTracker
) -> None:
    tag = images.add(unique_name("ec-buildkit-fail") + ":v1")
    with pytest.raises(StreamedError) as caught:
        await docker.images.build(_context(f"FROM {IMAGE}\nRUN exit 3\n"), tags=tag, version="2")
    # 20.10: "executor failed running [/bin/sh -c exit 3]: exit code: 3"; later: "process ...
    # did not complete successfully: exit code: 3".  BuildKit sends no errorDetail code.
    assert caught.value.message.endswith("exit code: 3")
    with pytest.raises(NotFound):
        await docker.images.inspect(tag)


@pytest.mark.parametrize("version", ["1", "2"])
async def test_build_with_a_dockerfile_elsewhere_in_the_context(
    docker: Client, images: ImageTracker, tmp_path: Path, version: str
) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM {IMAGE}\nRUN exit 9\n")  # not this one
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "App.dockerfile").write_text(f"FROM {IMAGE}\nLABEL ec.dockerfile=app\n")
    (tmp_path / ".dockerignore").write_text("build\n")  # docker sends the Dockerfile anyway
    tag = images.add(unique_name("ec-build-file") + ":v1")
    result = await docker.images.build(
        tmp_path, dockerfile="build/App.dockerfile", tags=tag, version=version
    )
    inspected = await docker.images.inspect(tag)
    assert inspected.id == result.image_id
    assert inspected.config.labels["ec.dockerfile"] == "app"


async def test_build_for_a_platform(docker: Client, images: ImageTracker) -> None:
    arch = (await docker.system.version()).arch
    context = _context(f"FROM {IMAGE}\nRUN true\n")
    tag = images.add(unique_name("ec-build-platform") + ":v1")
    await docker.images.build(context, tags=tag, platform=f"linux/{arch}", version="2")
    assert (await docker.images.inspect(tag)).architecture == arch
    # The base image exists for the daemon's platform only: BuildKit looks for the other one
    # in the registry (offline here) rather than use it.
    other = "linux/arm64" if arch != "arm64" else "linux/amd64"
    with pytest.raises(StreamedError):
        await docker.images.build(context, platform=other, version="2")


async def test_build_pull_and_no_cache(docker: Client, images: ImageTracker) -> None:
    context = _context(f"FROM {IMAGE}\nRUN cat /proc/sys/kernel/random/uuid > /id\n")
    first, cached, fresh = (images.add(unique_name("ec-build-cache") + f":{n}") for n in "abc")
    build = functools.partial(docker.images.build, context, version="1", network_mode="none")
    built = await build(tags=first)  # pull=False: the local base image is used as it is
    again = await build(tags=cached)
    assert again.image_id == built.image_id
    assert any("Using cache" in (event.stream or "") for event in again.events)
    rebuilt = await build(tags=fresh, no_cache=True)
    assert rebuilt.image_id != built.image_id
    assert not any("Using cache" in (event.stream or "") for event in rebuilt.events)
    # pull=True asks the base image's registry (Docker Hub, unreachable here) for a newer one.
    with pytest.raises(StreamedError):
        await build(pull=True)
