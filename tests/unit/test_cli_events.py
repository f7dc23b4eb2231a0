"""The events subcommand's time parsing and output line, and repeated --filter options."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone

import pytest

from engine_client._api.system import Event
from engine_client._cli._common import filters_from
from engine_client._cli.system import event_line, parse_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1700000000", 1700000000),
        ("1700000000.25", 1700000000.25),
        ("10m", timedelta(minutes=10)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1.5s", timedelta(seconds=1.5)),
        ("250ms", timedelta(milliseconds=250)),
        ("0s", timedelta(0)),
        ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, tzinfo=timezone.utc)),
        ("2024-05-01T14:00:00+02:00", datetime(2024, 5, 1, 12, tzinfo=timezone.utc)),
    ],
)
def test_parse_time(text: str, expected: object) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "10x", "1h-5m", "-5"])
def test_parse_time_refuses(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_time(text)


def test_event_line_keeps_nanoseconds() -> None:
    event = Event.from_api(
        {
            "Type": "container",
            "Action": "die",
            "Actor": {"ID": "abc", "Attributes": {"name": "web", "exitCode": "0"}},
            "time": 1700000000,
            "timeNano": 1700000000000000007,
        }
    )
    assert event_line(event) == "2023-11-14T22:13:20.000000007Z container die abc (exitCode=0, name=web)"


def test_filters_from_repeated_options() -> None:
    assert filters_from(None) is None
    assert filters_from([("label", "a"), ("type", "container"), ("label", "b")]) == {
        "label": ["a", "b"],
        "type": ["container"],
    }
