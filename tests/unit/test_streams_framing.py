"""Framing of the daemon's output streams: multiplexed frames, raw TTY chunks, text decoding."""

from __future__ import annotations

import itertools
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine_client import (
    DaemonStreamError,
    Frame,
    FrameStream,
    StreamError,
    StreamType,
    TextDecoder,
)
from engine_client._streams import FrameDecoder, collect

pytestmark = pytest.mark.anyio

ALL_TYPES = st.sampled_from(list(StreamType))
FRAMES = st.lists(st.builds(Frame, ALL_TYPES, st.binary(max_size=300)), max_size=30)
OUTPUT_TYPES = st.sampled_from([StreamType.STDIN, StreamType.STDOUT, StreamType.STDERR])
OUTPUT_FRAMES = st.lists(st.builds(Frame, OUTPUT_TYPES, st.binary(max_size=300)), max_size=30)


def encode(frames: list[Frame]) -> bytes:
    return b"".join(struct.pack(">BxxxI", f.stream, len(f.data)) + f.data for f in frames)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` cut at the given offsets (any order, duplicates allowed): arbitrary read sizes."""
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


def reader(chunks: list[bytes]):  # type: ignore[no-untyped-def]
    pending = list(chunks)

    async def read() -> bytes:
        return pending.pop(0) if pending else b""

    return read


@settings(max_examples=300, deadline=None)
@given(FRAMES, st.lists(st.integers(min_value=0), max_size=40))
def test_any_split_decodes_to_the_same_frames(frames: list[Frame], cuts: list[int]) -> None:
    decoder = FrameDecoder()
    decoded: list[Frame] = []
    for chunk in split(encode(frames), cuts):
        decoded += decoder.feed(chunk)
    decoder.close()
    assert decoded == frames


@settings(max_examples=100, deadline=None)
@given(OUTPUT_FRAMES, st.lists(st.integers(min_value=0), max_size=40))
async def test_frame_stream_yields_the_same_frames_however_reads_split(
    frames: list[Frame], cuts: list[int]
) -> None:
    stream = FrameStream(reader(split(encode(frames), cuts)), tty=False)
    assert [frame async for frame in stream] == frames


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=50), max_size=20))
async def test_tty_chunks_pass_through_as_they_arrive(chunks: list[bytes]) -> None:
    stream = FrameStream(reader(chunks), tty=True)
    assert [frame async for frame in stream] == [Frame(StreamType.STDOUT, c) for c in chunks]


@given(FRAMES.filter(bool), st.integers(min_value=0))
def test_stream_cut_inside_a_frame_is_an_error(frames: list[Frame], cut: int) -> None:
    data = encode(frames)
    last = len(encode(frames[-1:]))  # cut somewhere inside the last frame
    decoder = FrameDecoder()
    decoder.feed(data[: len(data) - last + 1 + cut % (last - 1)])
    with pytest.raises(StreamError, match="ended inside a frame"):
        decoder.close()


async def test_a_system_frame_raises_the_daemons_error_after_the_frames_before_it() -> None:
    data = encode(
        [
            Frame(StreamType.STDOUT, b"before\n"),
            Frame(StreamType.SYSTEM, b"Error grabbing logs: log message is too large\n"),
            Frame(StreamType.STDOUT, b"after\n"),
        ]
    )
    stream = FrameStream(reader([data]), tty=False)
    assert await stream.__anext__() == Frame(StreamType.STDOUT, b"before\n")
    with pytest.raises(DaemonStreamError) as caught:
        await stream.__anext__()
    assert caught.value.message == "Error grabbing logs: log message is too large"
    assert str(caught.value) == (
        "error from daemon in stream: Error grabbing logs: log message is too large"
    )
    with pytest.raises(StopAsyncIteration):
        await stream.__anext__()


async def test_collect_puts_stdin_frames_on_stdout_as_stdcopy_does() -> None:
    data = encode(
        [
            Frame(StreamType.STDIN, b"in "),
            Frame(StreamType.STDOUT, b"out"),
            Frame(StreamType.STDERR, b"err"),
        ]
    )
    output = await collect(FrameStream(reader([data]), tty=False))
    assert (output.stdout, output.stderr) == (b"in out", b"err")


async def test_collect_raises_the_daemons_error() -> None:
    data = encode([Frame(StreamType.STDERR, b"e"), Frame(StreamType.SYSTEM, b"broken")])
    with pytest.raises(DaemonStreamError, match="broken"):
        await collect(FrameStream(reader([data]), tty=False))


async def test_frame_stream_cut_inside_a_frame_raises_stream_error() -> None:
    data = encode([Frame(StreamType.STDOUT, b"hello")])
    stream = FrameStream(reader([data[:10]]), tty=False)
    with pytest.raises(StreamError):
        [frame async for frame in stream]


def test_frame_size_is_bounded_before_the_payload_arrives() -> None:
    decoder = FrameDecoder(max_size=1024)
    with pytest.raises(StreamError, match="exceeds the limit"):
        decoder.feed(struct.pack(">BxxxI", 1, 1025))


@pytest.mark.parametrize(
    "header", [b"\x04\0\0\0\0\0\0\x01", b"\x01\0\x01\0\0\0\0\x01", b"\x01\0\0\x01\0\0\0\x01"]
)
def test_malformed_header_is_an_error(header: bytes) -> None:
    with pytest.raises(StreamError, match="malformed"):
        FrameDecoder().feed(header + b"x")


def test_large_frame_fed_in_small_pieces() -> None:
    payload = bytes(range(256)) * 4096  # 1 MiB
    data = encode([Frame(StreamType.STDERR, payload)])
    decoder = FrameDecoder()
    frames: list[Frame] = []
    for offset in range(0, len(data), 997):
        frames += decoder.feed(data[offset : offset + 997])
    assert frames == [Frame(StreamType.STDERR, payload)]


@given(st.text(max_size=50), st.lists(st.integers(min_value=0), max_size=20))
def test_text_decoder_keeps_characters_split_across_frames(text: str, cuts: list[int]) -> None:
    decoder = TextDecoder()
    pieces = [
        decoder.decode(Frame(StreamType.STDOUT, chunk))
        for chunk in split(text.encode("utf-8"), cuts)
    ]
    assert "".join(pieces) + decoder.flush() == text


def test_text_decoder_keeps_streams_apart() -> None:
    decoder = TextDecoder()
    euro = "€".encode()
    assert decoder.decode(Frame(StreamType.STDOUT, euro[:1])) == ""
    assert decoder.decode(Frame(StreamType.STDERR, b"e")) == "e"
    assert decoder.decode(Frame(StreamType.STDOUT, euro[1:])) == "€"
    assert decoder.decode(Frame(StreamType.STDERR, euro[:2])) == ""
    assert decoder.flush(StreamType.STDERR) == "\ufffd"
