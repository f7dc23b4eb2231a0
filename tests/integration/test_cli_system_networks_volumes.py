"""``info``, ``system df``, ``events``, ``network`` and ``volume`` subcommands against every daemon."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from engine_client._cli import main

from .conftest import LABEL, RUN_ID, Daemon, unique_name

Run = Callable[..., "tuple[int, str, str]"]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Run:
    """The CLI run in-process (a subprocess costs ~0.6 s of interpreter start per call)."""

    def run(daemon: Daemon, *args: str) -> tuple[int, str, str]:
        code = main(["--host", daemon.host, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def ok(cli: Run) -> Callable[..., str]:
    def run(daemon: Daemon, *args: str) -> str:
        code, out, err = cli(daemon, *args)
        assert code == 0, err
        return out

    return run


def test_info_and_df(live_daemon: Daemon, ok: Callable[..., str]) -> None:
    info = json.loads(ok(live_daemon, "--json", "info"))
    assert info["os_type"] == "linux" and info["server_version"]
    usage = json.loads(ok(live_daemon, "--json", "system", "df", "--type", "volume"))
    assert usage["volumes"] is not None and usage["images"] is None
    assert ok(live_daemon, "system", "df").splitlines()[0].split() == ["TYPE", "TOTAL", "ACTIVE", "SIZE"]


def test_network_and_volume_commands_and_their_events(
    live_daemon: Daemon, cli: Run, ok: Callable[..., str]
) -> None:
    marker = unique_name("cli")
    label = f"ec-cli={marker}"
    network, volume = unique_name("net"), unique_name("vol")
    network_id = ok(live_daemon, "network", "create", network, "--label", label, "--label", f"{LABEL}={RUN_ID}").strip()
    try:
        listed = json.loads(ok(live_daemon, "--json", "network", "ls", "-f", f"label={label}"))
        assert [n["id"] for n in listed] == [network_id]
        code, _, err = cli(live_daemon, "network", "create", network)
        assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
        assert json.loads(ok(live_daemon, "--json", "network", "inspect", network))["Id"] == network_id
    finally:
        ok(live_daemon, "network", "rm", network)

    ok(live_daemon, "volume", "create", volume, "--label", label, "--label", f"{LABEL}={RUN_ID}")
    assert ok(live_daemon, "volume", "ls", "-f", f"label={label}").split()[-1] == volume
    pruned = json.loads(ok(live_daemon, "--json", "volume", "prune", "--filter", f"label={label}"))
    assert pruned["volumes_deleted"] == []  # named: kept without --all
    pruned = json.loads(ok(live_daemon, "--json", "volume", "prune", "--all", "--filter", f"label={label}"))
    assert pruned["volumes_deleted"] == [volume]

    lines = ok(live_daemon, "events", "--since", "30s", "--until", "0s", "--filter", "type=network",
               "--filter", f"network={network_id}").splitlines()
    assert [line.split()[1:3] for line in lines][:1] == [["network", "create"]]
    assert lines[0].split()[3] == network_id and f"name={network}" in lines[0]
    events = [json.loads(line) for line in ok(
        live_daemon, "--json", "events", "--since", "30s", "--until", "0s",
        "--filter", "type=volume", "--filter", f"volume={volume}",
    ).splitlines()]
    assert [e["action"] for e in events][:1] == ["create"]  # 20.10's prune sends no destroy
    assert all(isinstance(e["time_nano"], int) for e in events)
