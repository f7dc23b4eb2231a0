"""Push and pull against the real local registries (plain on :5000, htpasswd on :5001), with
credentials from the caller, a config file and a credential helper; the in-band error paths."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import logging
import os
import sys
import traceback
from pathlib import Path

import anyio
import pytest

from engine_client import (
    AuthConfig,
    Client,
    CredentialStore,
    NotFound,
    ProgressEvent,
    ServerError,
    StreamedError,
)
from engine_client._auth import encode_auth
from tests.integration.conftest import Daemon, MakeContainer, endpoint, unique_name
from tests.integration.images_support import (
    ImageTracker,
    exit_code,
    images_fixture,  # noqa: F401 - the "images" fixture
    import_unique_image,
)

pytestmark = pytest.mark.anyio

HELPERS = Path(__file__).resolve().parent.parent / "helpers"
DEAD_REGISTRY = "127.0.0.1:1"
NO_CREDENTIALS = "no basic auth credentials"  # what every daemon generation says


@pytest.fixture(scope="module")
def registry() -> dict[str, str]:
    return endpoint("registry")


def _credentials(registry: dict[str, str]) -> AuthConfig:
    return AuthConfig(username=registry["username"], password=registry["password"])


async def _push_unique(
    docker: Client, images: ImageTracker, host: str, **push: object
) -> tuple[str, str]:
    """Import a unique image, tag it into ``host``; returns (registry name, marker)."""
    marker = unique_name("marker")
    local = await import_unique_image(docker, images, marker=marker.encode())
    remote = images.add(f"{host}/ec-test/{unique_name('img')}:latest")
    await docker.images.tag(local, remote)
    await docker.images.remove(local)
    return remote, marker


async def test_push_remove_pull_and_run(
    docker: Client, images: ImageTracker, make_container: MakeContainer, registry: dict[str, str]
) -> None:
    remote, marker = await _push_unique(docker, images, registry["plain"])
    other_tag = images.add(remote.replace(":latest", ":other"))
    await docker.images.tag(remote, other_tag)

    pushed: list[ProgressEvent] = []
    async with docker.images.push(remote) as events:
        async for event in events:
            pushed.append(event)
    digest = events.result.digest
    assert digest and digest.startswith("sha256:")
    assert any(event.id and event.total for event in pushed)  # per-layer byte progress
    await docker.images.push(other_tag)

    await docker.images.remove(remote)
    await docker.images.remove(other_tag)
    with pytest.raises(NotFound):
        await docker.images.inspect(remote)

    # Pulled without a tag: only "latest" comes back, never every tag of the repository.
    untagged = remote.rsplit(":", 1)[0]
    async with docker.images.pull(untagged) as events:
        layers = {event.id async for event in events if event.id and event.total}
    assert layers  # the layer was really downloaded, with progress
    assert events.result.digest == digest
    await docker.images.inspect(remote)
    with pytest.raises(NotFound):
        await docker.images.inspect(other_tag)

    container = await make_container(
        ["sh", "-c", f'test "$(cat /marker)" = "{marker}"'], image=remote
    )
    assert await exit_code(docker, container) == 0


async def test_pull_with_a_platform(docker: Client, images: ImageTracker, registry: dict[str, str]) -> None:
    remote, _ = await _push_unique(docker, images, registry["plain"])
    await docker.images.push(remote)
    await docker.images.remove(remote)
    arch = (await docker.system.version()).arch
    other = "linux/arm64" if arch != "arm64" else "linux/amd64"
    # The registry has the daemon's platform only.  26.1 refuses the other one; 20.10 and
    # 28+ pull what there is and say so in a last status line.
    try:
        result = await docker.images.pull(remote, platform=other)
    except StreamedError as error:
        reason = error.message
    else:
        reason = result.events[-1].status or ""
    assert "does not match the specified platform" in reason and other in reason
    with contextlib.suppress(NotFound):
        await docker.images.remove(remote)

    result = await docker.images.pull(remote, platform=f"linux/{arch}")
    assert not any("does not match" in (event.status or "") for event in result.events)
    inspected = await docker.images.inspect(remote)
    assert (inspected.os, inspected.architecture) == ("linux", arch)


async def test_push_to_auth_registry_without_credentials_raises_streamed_error(
    docker: Client, images: ImageTracker, registry: dict[str, str], tmp_path: Path
) -> None:
    remote, _ = await _push_unique(docker, images, registry["auth"])
    with pytest.raises(StreamedError) as caught:
        await docker.images.push(remote, auth=AuthConfig())  # anonymous: "e30="
    assert caught.value.status_code == 200
    assert caught.value.message == NO_CREDENTIALS  # the daemon's reason, as it said it
    assert NO_CREDENTIALS in str(caught.value)

    docker.images.credentials = CredentialStore(tmp_path)  # an empty config: anonymous too
    with pytest.raises(StreamedError) as caught:
        async with docker.images.push(remote) as events:
            async for _ in events:
                pass
    assert NO_CREDENTIALS in str(caught.value)


async def test_push_and_pull_with_credentials_from_config_file(
    docker: Client,
    images: ImageTracker,
    registry: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pair = f"{registry['username']}:{registry['password']}".encode()
    config = {"auths": {registry["auth"]: {"auth": base64.b64encode(pair).decode()}}}
    (tmp_path / "config.json").write_text(json.dumps(config))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))

    remote, _ = await _push_unique(docker, images, registry["auth"])
    result = await docker.images.push(remote)
    assert result.digest
    await docker.images.remove(remote)
    pulled = await docker.images.pull(remote)
    assert pulled.digest == result.digest


async def test_push_with_credentials_from_a_credential_helper(
    docker: Client,
    images: ImageTracker,
    registry: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secrets = tmp_path / "helper-secrets.json"
    secrets.write_text(
        json.dumps({registry["auth"]: {"Username": registry["username"], "Secret": registry["password"]}})
    )
    (tmp_path / "config.json").write_text(json.dumps({"credHelpers": {registry["auth"]: "ectest"}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setenv("ECTEST_CREDENTIALS", str(secrets))
    monkeypatch.setenv("PATH", f"{HELPERS}{os.pathsep}{os.environ['PATH']}")

    remote, _ = await _push_unique(docker, images, registry["auth"])
    result = await docker.images.push(remote)
    assert result.digest and result.error is None


async def test_wrong_password_fails_without_revealing_it(
    docker: Client,
    images: ImageTracker,
    registry: dict[str, str],
    live_daemon: Daemon,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "wrong-" + unique_name("pw")
    auth = AuthConfig(username=registry["username"], password=secret)
    user_and_secret = f"{registry['username']}:{secret}".encode()
    # Every form the password takes on its way: as given, in config.json, in the header.
    forms = {
        secret,
        base64.b64encode(user_and_secret).decode(),
        encode_auth(dataclasses.replace(auth, server_address=registry["auth"])),
    }
    caplog.set_level(logging.DEBUG)
    remote, _ = await _push_unique(docker, images, registry["auth"])

    with pytest.raises(StreamedError) as caught:
        async with docker.images.push(remote, auth=auth) as events:
            async for _ in events:
                pass
    error = caught.value
    assert error.message == "unauthorized: authentication required"  # a real refusal
    unraised = await docker.images.push(remote, auth=auth, raise_errors=False)
    assert unraised.error is not None
    texts = [
        str(error),
        repr(error),
        repr(error.args),
        "".join(traceback.format_exception(type(error), error, error.__traceback__)),
        repr(events.result),
        repr(unraised),
        repr(auth),
        str(auth),
        caplog.text,
    ]

    # The CLI, with the password in config.json, then given to login on stdin.
    (tmp_path / "config.json").write_text(
        json.dumps({"auths": {registry["auth"]: {"auth": base64.b64encode(user_and_secret).decode()}}})
    )
    cli_env = {**os.environ, "DOCKER_CONFIG": str(tmp_path)}
    for argv, stdin in (
        (["push", remote], None),
        (["--json", "push", remote], None),
        (["login", registry["auth"], "-u", registry["username"], "--password-stdin"], secret),
        (["login", registry["auth"], "-u", registry["username"], "-p", secret], None),
    ):
        ran = await anyio.run_process(
            [sys.executable, "-m", "engine_client", "--host", live_daemon.host, *argv],
            input=None if stdin is None else stdin.encode(),
            env=cli_env,
            check=False,
        )
        assert ran.returncode == 1, ran.stderr
        texts += [ran.stdout.decode(), ran.stderr.decode()]
    assert "unauthorized" in texts[-1].lower()  # login was refused by the registry, through the daemon

    for text in texts:
        for form in forms:
            assert form not in text


async def test_push_to_dead_registry_raises_in_both_forms(
    docker: Client, images: ImageTracker
) -> None:
    remote, _ = await _push_unique(docker, images, DEAD_REGISTRY)
    with pytest.raises(StreamedError):
        await docker.images.push(remote)
    seen: list[ProgressEvent] = []
    with pytest.raises(StreamedError) as caught:
        async with docker.images.push(remote) as events:
            async for event in events:
                seen.append(event)
    assert seen  # "The push refers to repository ..." arrived before the failure
    assert caught.value.message

    result = await docker.images.push(remote, raise_errors=False)
    assert result.error is not None and result.error.error


async def test_pull_from_dead_registry_fails_before_the_stream(docker: Client) -> None:
    with pytest.raises(ServerError):
        await docker.images.pull(f"{DEAD_REGISTRY}/ec-test/nothing:latest")


# Heavy (push, remove, two builds that pull): asyncio only.  X-Registry-Config is plain
# header encoding (unit-tested); the trio paths of build and push run in the other tests.
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_build_pulls_a_private_base_image_with_registry_config(
    docker: Client, images: ImageTracker, registry: dict[str, str], tmp_path: Path
) -> None:
    remote, marker = await _push_unique(docker, images, registry["auth"])
    await docker.images.push(remote, auth=_credentials(registry))
    await docker.images.remove(remote)
    (tmp_path / "Dockerfile").write_text(
        f'FROM {remote}\nRUN test "$(cat /marker)" = "{marker}"\n'
    )
    tag = images.add(unique_name("ec-build-private") + ":v1")
    docker.images.credentials = CredentialStore(tmp_path / "empty")
    with pytest.raises(StreamedError):  # no X-Registry-Config: the base image cannot be pulled
        await docker.images.build(tmp_path, version="1", network_mode="none", force_remove=True)
    result = await docker.images.build(
        tmp_path,
        tags=tag,
        version="1",
        network_mode="none",
        force_remove=True,
        auth={registry["auth"]: _credentials(registry)},
    )
    assert result.image_id == (await docker.images.inspect(tag)).id
