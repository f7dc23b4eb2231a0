"""Registry credentials: header encoding, config.json, the credential-helper protocol (with
fake helper executables), the CLI's lookup order, and that secrets never show."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from engine_client import AuthConfig, ConfigFileWarning, CredentialsError, CredentialStore
from engine_client._auth import (
    ANONYMOUS,
    DOCKER_HUB_KEY,
    encode_auth,
    encode_registry_config,
    parse_config,
    registry_key,
)

pytestmark = pytest.mark.anyio

SECRET = "s3cr3t-p4ss"


def decode(header: str) -> object:
    assert "+" not in header and "/" not in header  # URL-safe alphabet
    return json.loads(base64.urlsafe_b64decode(header))


def test_encode_auth_is_padded_base64url_json() -> None:
    header = encode_auth(AuthConfig(username="u", password="p>?~", server_address="h:5000"))
    assert len(header) % 4 == 0
    assert decode(header) == {"username": "u", "password": "p>?~", "serveraddress": "h:5000"}


def test_identity_token_and_anonymous() -> None:
    token = AuthConfig(identity_token="tok", server_address="h")
    assert decode(encode_auth(token)) == {"identitytoken": "tok", "serveraddress": "h"}
    assert encode_auth(None) == ANONYMOUS == "e30="
    assert encode_auth(AuthConfig(server_address="h")) == "e30="
    assert decode("e30=") == {}


def test_registry_config_header_maps_registries() -> None:
    header = encode_registry_config(
        {"h:5000": AuthConfig(username="u", password="p", server_address="h:5000")}
    )
    assert decode(header) == {"h:5000": {"username": "u", "password": "p", "serveraddress": "h:5000"}}


@pytest.mark.parametrize(
    ("server", "key"),
    [
        ("docker.io", DOCKER_HUB_KEY),
        ("index.docker.io", DOCKER_HUB_KEY),
        # docker pull registry-1.docker.io/x asks its helper for "registry-1.docker.io"
        ("registry-1.docker.io", "registry-1.docker.io"),
        ("https://registry-1.docker.io/v2/", "registry-1.docker.io"),
        ("https://index.docker.io/v1/", DOCKER_HUB_KEY),
        ("127.0.0.1:5000", "127.0.0.1:5000"),
        ("http://127.0.0.1:5000/v2/", "127.0.0.1:5000"),
        ("https://registry.example.com", "registry.example.com"),
    ],
)
def test_registry_key_normalisation(server: str, key: str) -> None:
    assert registry_key(server) == key


def test_repr_and_str_redact_secrets() -> None:
    auth = AuthConfig(username="user", password=SECRET, identity_token=SECRET + "t", server_address="h")
    for text in (repr(auth), str(auth), f"{auth}", repr([auth])):
        assert SECRET not in text
        assert "user" in text and "<redacted>" in text


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_parse_config_auths_helpers_and_store() -> None:
    config = parse_config(
        json.dumps(
            {
                "auths": {
                    "https://index.docker.io/v1/": {"auth": b64("hub:pw:with:colons")},
                    "http://h:5000/v2/": {"auth": b64("u:p"), "email": "e@x"},
                    "tok.example": {"identitytoken": "T", "auth": b64("u:")},
                    "legacy": {"username": "lu", "password": "lp"},
                },
                "credsStore": "desktop",
                "credHelpers": {"gcr.io": "gcloud"},
                "currentContext": "x",
            }
        )
    )
    hub = config.auths[DOCKER_HUB_KEY]
    assert (hub.username, hub.password) == ("hub", "pw:with:colons")
    assert config.auths["h:5000"].password == "p"
    assert config.auths["tok.example"].identity_token == "T"
    assert config.auths["legacy"].password == "lp"
    assert config.creds_store == "desktop"
    assert dict(config.cred_helpers) == {"gcr.io": "gcloud"}


@pytest.mark.parametrize("exact_first", [True, False])
def test_an_exact_auths_key_wins_over_an_alias(exact_first: bool) -> None:
    entries = [
        ("h:5000", {"auth": b64("exact:pw")}),
        ("http://h:5000/v2/", {"auth": b64("alias:pw")}),
        (DOCKER_HUB_KEY, {"auth": b64("hub:pw")}),
        ("docker.io", {"auth": b64("hub-alias:pw")}),
    ]
    config = parse_config(json.dumps({"auths": dict(entries if exact_first else entries[::-1])}))
    assert config.auths["h:5000"].username == "exact"
    assert config.auths[DOCKER_HUB_KEY].username == "hub"
    helpers = {"credHelpers": {"http://h:5000": "alias", "h:5000": "exact"}}
    assert parse_config(json.dumps(helpers)).cred_helpers["h:5000"] == "exact"


def test_an_alias_key_still_serves_its_registry() -> None:
    config = parse_config(json.dumps({"auths": {"https://h:5000/v2/": {"auth": b64("u:p")}}}))
    assert config.auths["h:5000"].username == "u"
    hub = parse_config(json.dumps({"auths": {"docker.io": {"auth": b64("u:p")}}}))
    assert hub.auths[DOCKER_HUB_KEY].username == "u"
    not_hub = parse_config(json.dumps({"auths": {"registry-1.docker.io": {"auth": b64("u:p")}}}))
    assert set(not_hub.auths) == {"registry-1.docker.io"}


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[]",
        json.dumps({"auths": []}),
        json.dumps({"auths": {"h": {"auth": "!!!"}}}),
        json.dumps({"auths": {"h": {"auth": b64("no-colon")}}}),
    ],
)
def test_bad_config_is_a_credentials_error_without_content(text: str) -> None:
    with pytest.raises(CredentialsError) as caught:
        parse_config(text, "/x/config.json")
    assert "!!!" not in str(caught.value) and "no-colon" not in str(caught.value)


def test_empty_config_text_is_empty() -> None:
    assert parse_config("").auths == {}


# -- fake helpers -------------------------------------------------------------------------------


def make_helper(directory: Path, name: str, script: str) -> None:
    path = directory / f"docker-credential-{name}"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls"
    make_helper(
        bin_dir,
        "good",
        f'read -r server\necho "$1 $server" >> {log}\n'
        'if [ "$1" = get ] && [ "$server" = "h:5000" ]; then\n'
        f'  echo \'{{"ServerURL":"h:5000","Username":"hu","Secret":"{SECRET}"}}\'; exit 0; fi\n'
        'if [ "$1" = get ] && [ "$server" = "tok" ]; then\n'
        '  echo \'{"ServerURL":"tok","Username":"<token>","Secret":"T0K"}\'; exit 0; fi\n'
        'if [ "$1" = list ]; then echo \'{"h:5000":"hu","tok":"<token>"}\'; exit 0; fi\n'
        'if [ "$1" = store ]; then printf %s "$server" > ' + str(tmp_path / "stored") + "; exit 0; fi\n"
        'echo "credentials not found in native keychain"; exit 1\n',
    )
    make_helper(bin_dir, "broken", 'echo "keychain locked" >&2\nexit 3\n')
    make_helper(bin_dir, "garbled", "echo 'not json'\n")
    make_helper(bin_dir, "slow", "sleep 30\n")
    return {"PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin", "HOME": str(tmp_path)}


def write_config(directory: Path, config: dict[str, object]) -> Path:
    directory.mkdir(exist_ok=True)
    (directory / "config.json").write_text(json.dumps(config))
    return directory


async def test_cred_helper_for_the_registry_wins(tmp_path: Path, env: dict[str, str]) -> None:
    config = write_config(
        tmp_path / "cfg",
        {
            "auths": {"h:5000": {"auth": b64("file:pw")}},
            "credsStore": "broken",
            "credHelpers": {"h:5000": "good"},
        },
    )
    auth = await CredentialStore(config, environ=env).get("h:5000")
    assert (auth.username, auth.password, auth.server_address) == ("hu", SECRET, "h:5000")
    assert (tmp_path / "calls").read_text() == "get h:5000\n"  # the server on stdin


async def test_creds_store_then_auths(tmp_path: Path, env: dict[str, str]) -> None:
    with_store = write_config(tmp_path / "a", {"credsStore": "good", "auths": {"h:5000": {"auth": b64("f:p")}}})
    assert (await CredentialStore(with_store, environ=env).get("http://h:5000/")).username == "hu"
    only_file = write_config(tmp_path / "b", {"auths": {"h:5000": {"auth": b64("f:p")}}})
    assert (await CredentialStore(only_file, environ=env).get("h:5000")).username == "f"


async def test_explicit_credentials_come_first(tmp_path: Path, env: dict[str, str]) -> None:
    config = write_config(tmp_path / "cfg", {"credsStore": "broken"})
    store = CredentialStore(
        config, environ=env, credentials={"h:5000": AuthConfig(username="x", password="y")}
    )
    assert (await store.get("h:5000")).username == "x"


async def test_helper_not_found_means_anonymous_not_the_file(tmp_path: Path, env: dict[str, str]) -> None:
    config = write_config(
        tmp_path / "cfg", {"credsStore": "good", "auths": {"other:1": {"auth": b64("f:p")}}}
    )
    auth = await CredentialStore(config, environ=env).get("other:1")
    assert auth.anonymous and encode_auth(auth) == "e30="


async def test_identity_token_from_helper(tmp_path: Path, env: dict[str, str]) -> None:
    config = write_config(tmp_path / "cfg", {"credHelpers": {"tok": "good"}})
    auth = await CredentialStore(config, environ=env).get("tok")
    assert auth.identity_token == "T0K" and auth.username is None


async def test_missing_config_and_hub_key(tmp_path: Path, env: dict[str, str]) -> None:
    assert (await CredentialStore(tmp_path / "none", environ=env).get("docker.io")).anonymous
    config = write_config(tmp_path / "hub", {"auths": {DOCKER_HUB_KEY: {"auth": b64("hub:pw")}}})
    assert (await CredentialStore(config, environ=env).get("docker.io")).username == "hub"


async def test_docker_config_variable_and_home_default(tmp_path: Path, env: dict[str, str]) -> None:
    config = write_config(tmp_path / "viaenv", {"auths": {"h": {"auth": b64("e:p")}}})
    assert CredentialStore(environ={"DOCKER_CONFIG": str(config)}).config_path == config / "config.json"
    assert (await CredentialStore(environ={**env, "DOCKER_CONFIG": str(config)}).get("h")).username == "e"
    default = CredentialStore(environ={}).config_path
    assert default.parts[-2:] == (".docker", "config.json")


@pytest.mark.parametrize(
    ("helper", "fragment"),
    [("missing", "not found on PATH"), ("broken", "exit 3"), ("garbled", "malformed"), ("../x", "invalid")],
)
async def test_missing_or_failing_helper_is_a_clear_error(
    tmp_path: Path, env: dict[str, str], helper: str, fragment: str
) -> None:
    config = write_config(tmp_path / "cfg", {"credsStore": helper})
    with pytest.raises(CredentialsError) as caught:
        await CredentialStore(config, environ=env).get("h:5000")
    assert fragment in str(caught.value)
    assert SECRET not in str(caught.value)


async def test_slow_helper_times_out(
    tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("engine_client._auth.HELPER_TIMEOUT", 0.2)
    config = write_config(tmp_path / "cfg", {"credsStore": "slow"})
    with pytest.raises(CredentialsError, match="did not answer"):
        await CredentialStore(config, environ=env).get("h:5000")


async def test_all_gathers_every_registry_best_effort(tmp_path: Path, env: dict[str, str]) -> None:
    config = write_config(
        tmp_path / "cfg",
        {"credsStore": "good", "credHelpers": {"bad.example": "broken"}, "auths": {"f": {"auth": b64("f:p")}}},
    )
    found = await CredentialStore(config, environ=env).all()
    assert set(found) == {"h:5000", "tok"}  # the failing helper is skipped, the file unused
    assert found["h:5000"].password == SECRET
    only_file = write_config(tmp_path / "b", {"auths": {"f": {"auth": b64("f:p")}}})
    assert set(await CredentialStore(only_file, environ=env).all()) == {"f"}


async def test_store_writes_config_json_keeping_other_settings(tmp_path: Path, env: dict[str, str]) -> None:
    config = write_config(tmp_path / "cfg", {"auths": {"other": {"auth": b64("o:p")}}, "detachKeys": "ctrl-x"})
    where = await CredentialStore(config, environ=env).store(
        AuthConfig(username="u", password=SECRET, server_address="http://h:5000/v2/")
    )
    assert where == str(config / "config.json")
    data = json.loads((config / "config.json").read_text())
    assert data["detachKeys"] == "ctrl-x" and "other" in data["auths"]
    assert base64.b64decode(data["auths"]["h:5000"]["auth"]).decode() == f"u:{SECRET}"
    assert stat.S_IMODE((config / "config.json").stat().st_mode) == 0o600
    assert (await CredentialStore(config, environ=env).get("h:5000")).password == SECRET


async def test_store_uses_the_helper_when_configured(tmp_path: Path, env: dict[str, str]) -> None:
    config = write_config(tmp_path / "cfg", {"credsStore": "good"})
    where = await CredentialStore(config, environ=env).store(
        AuthConfig(username="u", password=SECRET, server_address="h:5000")
    )
    assert where == "docker-credential-good"
    assert json.loads((tmp_path / "stored").read_text()) == {
        "ServerURL": "h:5000", "Username": "u", "Secret": SECRET
    }
    assert "auths" not in json.loads((config / "config.json").read_text())


def test_store_repr_shows_no_secrets(tmp_path: Path) -> None:
    store = CredentialStore(tmp_path, credentials={"h": AuthConfig(username="u", password=SECRET)})
    assert SECRET not in repr(store)


# -- an unusable config file --------------------------------------------------------------------

BROKEN_CONFIGS = [
    '{"auths": {',  # truncated, as the docker CLI's own test case
    json.dumps({"auths": {"h:5000": {"auth": b64(f"u{SECRET}")}}}),  # no ":" in the pair
]


@pytest.mark.parametrize("text", BROKEN_CONFIGS)
async def test_unusable_config_warns_and_goes_on_anonymously(
    tmp_path: Path, env: dict[str, str], text: str
) -> None:
    (tmp_path / "config.json").write_text(text)
    store = CredentialStore(tmp_path, environ=env)
    with pytest.warns(ConfigFileWarning) as caught:
        auth = await store.get("h:5000")
    assert auth.anonymous and auth.server_address == "h:5000"
    [warning] = caught
    message = str(warning.message)
    assert message.startswith("Error loading config file: ") and str(tmp_path) in message
    assert SECRET not in message
    with pytest.warns(ConfigFileWarning):
        assert await store.all() == {}


async def test_unusable_config_keeps_explicit_credentials(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "config.json").write_text("{")
    explicit = AuthConfig(username="x", password="y")
    store = CredentialStore(tmp_path, environ=env, credentials={"h:5000": explicit})
    assert await store.get("h:5000") is explicit  # the file is not even read
    with pytest.warns(ConfigFileWarning):
        assert await store.all() == {"h:5000": explicit}


async def test_unusable_config_is_an_error_when_credentials_are_required(
    tmp_path: Path, env: dict[str, str]
) -> None:
    (tmp_path / "config.json").write_text("{")
    with pytest.raises(CredentialsError, match="not valid JSON"):
        await CredentialStore(tmp_path, environ=env, strict=True).get("h:5000")
    # Storing is strict always: an unreadable file is never overwritten.
    with pytest.raises(CredentialsError):
        await CredentialStore(tmp_path, environ=env).store(
            AuthConfig(username="u", password=SECRET, server_address="h:5000")
        )
    assert (tmp_path / "config.json").read_text() == "{"
