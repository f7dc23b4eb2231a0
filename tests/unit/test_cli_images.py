"""The CLI's progress display: per-layer lines redrawn in place on a terminal, deduplicated
plain lines otherwise; and size formatting."""

from __future__ import annotations

import io

import pytest

from engine_client._api.images import ProgressEvent
from engine_client._cli.images import ProgressDisplay, human_size

EVENTS = [
    ProgressEvent(status="Pulling from ec/bb", id="t"),
    ProgressEvent(status="Pulling fs layer", id="aaa"),
    ProgressEvent(status="Pulling fs layer", id="bbb"),
    ProgressEvent(status="Downloading", id="aaa", current=500, total=1000),
    ProgressEvent(status="Downloading", id="aaa", current=1000, total=1000),
    ProgressEvent(status="Download complete", id="aaa"),
    ProgressEvent(status="Digest: sha256:abc"),
]


def render(terminal: bool) -> str:
    out = io.StringIO()
    display = ProgressDisplay(out, terminal)
    for event in EVENTS:
        display.show(event)
    return out.getvalue()


def test_plain_output_has_one_line_per_status_change_and_no_escapes() -> None:
    assert render(terminal=False).splitlines() == [
        "t: Pulling from ec/bb",
        "aaa: Pulling fs layer",
        "bbb: Pulling fs layer",
        "aaa: Downloading",
        "aaa: Download complete",
        "Digest: sha256:abc",
    ]


def test_terminal_output_redraws_the_layer_line_in_place() -> None:
    text = render(terminal=True)
    # "aaa" is the second of three layer lines: updates move up two lines and back down.
    assert "\x1b[2A\r\x1b[2Kaaa: Downloading [===============>" in text
    assert "500B/1kB\r\x1b[2B" in text
    assert "\x1b[2A\r\x1b[2Kaaa: Download complete\r\x1b[2B" in text
    assert text.endswith("Digest: sha256:abc\n")
    # Three new lines for the three ids, one for the digest: updates add none.
    assert text.count("\n") == 4


def test_a_line_without_id_starts_a_new_group_of_layers() -> None:
    out = io.StringIO()
    display = ProgressDisplay(out, terminal=True)
    display.show(ProgressEvent(status="Preparing", id="aaa"))
    display.show(ProgressEvent(status="The push refers to repository [x]"))
    display.show(ProgressEvent(status="Preparing", id="bbb"))
    display.show(ProgressEvent(status="Pushed", id="bbb"))
    assert out.getvalue().endswith("bbb: Preparing\n\x1b[1A\r\x1b[2Kbbb: Pushed\r\x1b[1B")


def test_build_stream_text_is_written_as_is() -> None:
    out = io.StringIO()
    ProgressDisplay(out, terminal=False).show(ProgressEvent(stream="Step 1/2 : FROM x\n"))
    assert out.getvalue() == "Step 1/2 : FROM x\n"


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0B"), (999, "999B"), (1000, "1kB"), (1_984_132, "1.98MB"), (5 * 10**9, "5GB"), (3 * 10**15, "3PB")],
)
def test_human_size_uses_decimal_units_like_the_docker_cli(size: int, text: str) -> None:
    assert human_size(size) == text
