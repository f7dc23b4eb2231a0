import dataclasses

import pytest

from engine_client import ContainerCreateResponse, ContainerInspectResponse, SystemVersion


def test_unknown_fields_are_kept_in_raw() -> None:
    data = {"Id": "abc", "Warnings": [], "FutureField": {"x": 1}}
    created = ContainerCreateResponse.from_api(data)
    assert created.id == "abc"
    assert created.raw["FutureField"] == {"x": 1}


def test_null_and_missing_fields_take_defaults() -> None:
    created = ContainerCreateResponse.from_api({"Id": "abc", "Warnings": None})
    assert created.warnings == ()
    inspected = ContainerInspectResponse.from_api({"Id": "abc", "State": None, "Config": {"Labels": None}})
    assert inspected.state.running is False
    assert inspected.state.exit_code is None
    assert dict(inspected.config.labels) == {}
    assert inspected.config.cmd is None


def test_nested_objects_are_typed() -> None:
    data = {
        "Id": "abc",
        "Name": "/web",
        "State": {"Status": "exited", "ExitCode": 137, "Running": False},
        "Config": {"Cmd": ["sleep", "5"], "Labels": {"a": "b"}, "Tty": True},
    }
    inspected = ContainerInspectResponse.from_api(data)
    assert inspected.state.exit_code == 137
    assert inspected.config.cmd == ("sleep", "5")
    assert inspected.config.labels["a"] == "b"
    assert inspected.config.tty is True


def test_models_are_immutable() -> None:
    created = ContainerCreateResponse.from_api({"Id": "abc"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        created.id = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        created.raw["Id"] = "other"  # type: ignore[index]


def test_version_components_and_dotted_keys() -> None:
    version = SystemVersion.from_api({
        "Version": "26.1.5", "ApiVersion": "1.45", "MinAPIVersion": "1.24",
        "Platform": {"Name": "Docker Engine"},
        "Components": [{"Name": "Engine", "Version": "26.1.5", "Details": {"ApiVersion": "1.45"}}],
    })
    assert version.platform_name == "Docker Engine"
    assert version.min_api_version == "1.24"
    assert version.components[0].details == {"ApiVersion": "1.45"}
