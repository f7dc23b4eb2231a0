"""``logs``, ``exec``, ``run`` and ``attach``: a container's output on the CLI's stdout and stderr.

The container's exit code (or the exec's) becomes the command's (``run -d`` exits 0 once the
container has started).  A ``run`` that fails itself
exits as ``docker run`` does: 125, or 126/127 when the command cannot be invoked or found.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from typing import Any

import anyio

from .._client import Client
from .._exceptions import EngineError, InvalidArgument
from .._streams import Frame, StreamType
from ._common import Subcommands, env_variable, environment, error
from .containers import _add_create_arguments, _create_options, _remove_quietly, show_created

_READ_SIZE = 64 * 1024
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(s|m|h)$")
_SECONDS = {"s": 1, "m": 60, "h": 3600}

#: docker run's statuses for a run that failed itself, and the runtime's words that pick
#: 127 or 126 (docker's runStartContainerErr; the API has no code for them).
RUN_FAILED = 125
_RUNTIME_WORDS = (
    (127, ("executable file not found", "no such file or directory")),
    (126, ("permission denied", "is a directory")),
)


def register(commands: Subcommands) -> None:
    logs_parser = commands.add_parser("logs", help="show a container's logs")
    logs_parser.add_argument("container")
    logs_parser.add_argument("-f", "--follow", action="store_true", help="follow new output")
    logs_parser.add_argument("--since", type=_time, help="Unix time, RFC 3339, or 10s/5m/2h ago")
    logs_parser.add_argument("--until", type=_time, help="Unix time, RFC 3339, or 10s/5m/2h ago")
    logs_parser.add_argument("-n", "--tail", type=_tail, help="lines from the end (or 'all')")
    logs_parser.add_argument("-t", "--timestamps", action="store_true", help="show timestamps")
    logs_parser.set_defaults(func=logs)

    exec_parser = commands.add_parser("exec", help="run a command in a running container")
    exec_parser.add_argument("-i", "--interactive", action="store_true", help="forward stdin")
    exec_parser.add_argument("-t", "--tty", action="store_true", help="allocate a pseudo-TTY")
    exec_parser.add_argument(
        "-e", "--env", action="append", default=[], type=env_variable, metavar="KEY[=VAL]"
    )
    exec_parser.add_argument("-u", "--user")
    exec_parser.add_argument("-w", "--workdir")
    exec_parser.add_argument("container")
    exec_parser.add_argument("cmd", nargs=argparse.REMAINDER, help="command and arguments")
    exec_parser.set_defaults(func=exec_command)

    run_parser = commands.add_parser(
        "run", help="create and start a container, show its output, exit with its exit code"
    )
    run_parser.add_argument("-i", "--interactive", action="store_true", help="forward stdin")
    run_parser.add_argument("-d", "--detach", action="store_true", help="start it, print its id, exit")
    _add_create_arguments(run_parser)
    run_parser.set_defaults(func=run)

    attach_parser = commands.add_parser("attach", help="show a running container's output")
    attach_parser.add_argument("container")
    attach_parser.add_argument("-i", "--interactive", action="store_true", help="forward stdin")
    attach_parser.set_defaults(func=attach)


def _time(text: str) -> float:
    """``--since``/``--until``: Unix seconds, an RFC 3339 time, or a duration before now."""
    with contextlib.suppress(ValueError):
        return float(text)
    duration = _DURATION.match(text)
    if duration:
        return time.time() - float(duration[1]) * _SECONDS[duration[2]]
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid time {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _tail(text: str) -> int | str:
    if text == "all":
        return text
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"invalid tail {text!r}: a number of lines or 'all'")
    return int(text)


async def write_frame(frame: Frame) -> None:
    """A container's stderr to ours, everything else to our stdout, unbuffered."""
    target = sys.stderr if frame.stream == StreamType.STDERR else sys.stdout
    target.buffer.write(frame.data)
    target.buffer.flush()


async def stdin_chunks() -> AsyncIterator[bytes]:
    """Our stdin as it becomes readable, to its EOF, without blocking the event loop."""
    fd = sys.stdin.fileno()
    pollable = True
    while True:
        if pollable:
            try:
                await anyio.wait_readable(fd)
            except OSError:  # a regular file or /dev/null: epoll refuses it, reads never block
                pollable = False
        data = os.read(fd, _READ_SIZE)
        if not data:
            return
        yield data


@contextlib.contextmanager
def raw_terminal(enabled: bool) -> Iterator[None]:
    """Put our terminal in raw mode for a TTY session, restoring it afterwards."""
    if not (enabled and sys.stdin.isatty()):
        yield
        return
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setraw(fd)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _terminal_missing(args: argparse.Namespace) -> bool:
    """``-i -t`` needs our stdin to be a terminal: refused before anything is created, as
    docker does (a TTY session fed from a pipe would wait for the terminal's EOF forever)."""
    if args.interactive and args.tty and not sys.stdin.isatty():
        error("the input device is not a TTY")
        return True
    return False


def console_size(tty: bool) -> tuple[int, int] | None:
    """The TTY's initial (rows, columns): our terminal's, when our stdout is one.

    Sent at creation (honoured from API 1.42), as the docker CLI does; it is not followed
    when our terminal is resized later.
    """
    if not (tty and sys.stdout.isatty()):
        return None
    size = os.get_terminal_size(sys.stdout.fileno())
    return size.lines, size.columns


async def logs(docker: Client, args: argparse.Namespace) -> None:
    async with docker.containers.stream_logs(
        args.container,
        follow=args.follow,
        since=args.since,
        until=args.until,
        tail=args.tail,
        timestamps=args.timestamps,
    ) as frames:
        async for frame in frames:
            await write_frame(frame)


async def exec_command(docker: Client, args: argparse.Namespace) -> int:
    if not args.cmd:
        raise InvalidArgument("exec needs a command")
    if _terminal_missing(args):
        return 1
    with raw_terminal(args.tty and args.interactive):
        result = await docker.exec.run(
            args.container,
            args.cmd,
            stdin=stdin_chunks() if args.interactive else None,
            tty=args.tty,
            env=environment(args.env),
            user=args.user,
            working_dir=args.workdir,
            output=write_frame,
            console_size=console_size(args.tty),
        )
    return result.exit_code


async def run(docker: Client, args: argparse.Namespace) -> int:
    if args.detach:
        return await _run_detached(docker, args)
    if _terminal_missing(args):
        return 1
    options: dict[str, Any] = {k: v for k, v in _create_options(args).items() if v is not None}
    options.pop("auto_remove", None)
    options["tty"] = bool(args.tty)
    options["console_size"] = console_size(args.tty)
    try:
        with raw_terminal(args.tty and args.interactive):
            result = await docker.containers.run(
                args.image,
                args.cmd or None,
                stdin=stdin_chunks() if args.interactive else None,
                remove=args.rm,
                remove_on_failure=args.rm,
                output=write_frame,
                **options,
            )
    except EngineError as exc:
        error(str(exc))
        return run_failure_status(exc)
    return result.exit_code


async def _run_detached(docker: Client, args: argparse.Namespace) -> int:
    """``run -d``: create and start, print the id.  As ``docker run -d``, a container that
    fails to start (or whose start is cancelled) is left in place, unless ``--rm`` asks for
    its removal."""
    try:
        with anyio.CancelScope(shield=True):  # a create cancelled in flight would lose the id
            created = await docker.containers.create(
                args.image, args.cmd or None, **_create_options(args), open_stdin=args.interactive or None
            )
        try:
            await docker.containers.start(created.id)
        except BaseException:
            if args.rm:
                with anyio.CancelScope(shield=True):
                    await _remove_quietly(docker, created.id)
            raise
    except EngineError as exc:
        error(str(exc))
        return run_failure_status(exc)
    show_created(args, created)
    return 0


def run_failure_status(exc: EngineError) -> int:
    """The exit status of a ``run`` that failed itself: 127 command not found, 126 command
    not invocable, else 125, told from the runtime's message as the docker CLI does."""
    message = str(exc)
    for status, words in _RUNTIME_WORDS:
        if any(word in message for word in words):
            return status
    return RUN_FAILED


async def attach(docker: Client, args: argparse.Namespace) -> int:
    """Output until the container stops; its exit code then."""
    state = (await docker.containers.inspect(args.container)).state
    if not state.running:  # attaching would wait for a start that may never come
        error("You cannot attach to a stopped container, start it first")
        return 1
    if state.paused:
        error("You cannot attach to a paused container, unpause it first")
        return 1
    async with (
        docker.containers.attach(args.container, stdin=args.interactive) as attached,
        docker.containers.waiting(args.container, condition="next-exit") as exited,
    ):
        await attached.collect(stdin_chunks() if args.interactive else None, write_frame)
        return (await exited.result()).status_code
