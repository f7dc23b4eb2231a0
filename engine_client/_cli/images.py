"""Image subcommands: ``pull``, ``push``, ``images``, ``tag``, ``rmi``, ``build``, ``save``,
``load``, ``import``, ``history``, ``login``.

Pull and push show one line per layer, redrawn in place when stdout is a terminal (as the
docker CLI does) and as plain lines, one per change of status, when it is not.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from typing import IO, Any

import anyio

from .._api.images import ImageDeleteResponseItem, ProgressCall, ProgressEvent, ProgressResult
from .._auth import DOCKER_HUB_KEY, AuthConfig, CredentialStore, registry_key
from .._client import Client
from .._exceptions import EngineError, InvalidArgument, NotFound
from ._common import Subcommands, emit, filters_from, key_value, plain, table, warn


def register(commands: Subcommands) -> None:
    pull = commands.add_parser("pull", help="pull an image from a registry")
    pull.add_argument("image")
    pull.add_argument("--platform", help="os[/arch[/variant]]")
    pull.set_defaults(func=pull_command)

    push = commands.add_parser("push", help="push an image to a registry")
    push.add_argument("image")
    push.add_argument("-a", "--all-tags", action="store_true", help="push every tag of the repository")
    push.add_argument("--platform", help="push one platform's manifest (API 1.46+)")
    push.set_defaults(func=push_command)

    images = commands.add_parser("images", help="list images")
    images.add_argument("reference", nargs="?", help="only images matching this reference (glob)")
    images.add_argument("-a", "--all", action="store_true", help="include intermediate images")
    images.add_argument("-f", "--filter", action="append", type=key_value, metavar="KEY=VALUE")
    images.add_argument("--digests", action="store_true", help="show digests")
    images.add_argument("-q", "--quiet", action="store_true", help="only image ids")
    images.set_defaults(func=images_command)

    tag = commands.add_parser("tag", help="give an image another name")
    tag.add_argument("source")
    tag.add_argument("target")
    tag.set_defaults(func=tag_command)

    rmi = commands.add_parser("rmi", help="remove images")
    rmi.add_argument("images", nargs="+", metavar="IMAGE")
    rmi.add_argument("-f", "--force", action="store_true")
    rmi.add_argument("--no-prune", action="store_true", help="keep untagged parents")
    rmi.set_defaults(func=rmi_command)

    build = commands.add_parser("build", help="build an image from a context directory or tar")
    # Not "context": that is the global --context option's attribute.
    build.add_argument("path", metavar="CONTEXT", help="directory, tar file, or - for a tar on stdin")
    build.add_argument("-t", "--tag", action="append", default=[], dest="tags")
    build.add_argument("-f", "--file", dest="dockerfile", help="Dockerfile path inside the context")
    build.add_argument("--build-arg", action="append", default=[], metavar="KEY[=VALUE]")
    build.add_argument("--label", action="append", default=[], type=key_value, metavar="KEY=VALUE")
    build.add_argument("--target")
    build.add_argument("--platform")
    build.add_argument("--network", help="network mode for RUN steps")
    build.add_argument("--no-cache", action="store_true")
    build.add_argument("--pull", action="store_true", help="always pull newer base images")
    build.add_argument("--builder", choices=("1", "2"), help="1: classic, 2: BuildKit")
    build.add_argument("-q", "--quiet", action="store_true", help="print only the image id")
    build.set_defaults(func=build_command)

    save = commands.add_parser("save", help="write images to a tar archive")
    save.add_argument("images", nargs="+", metavar="IMAGE")
    save.add_argument("-o", "--output", help="file to write (default: stdout, unless a terminal)")
    save.set_defaults(func=save_command)

    load = commands.add_parser("load", help="load images from a tar archive")
    load.add_argument("-i", "--input", help="tar file to read (default: stdin)")
    load.add_argument("-q", "--quiet", action="store_true")
    load.set_defaults(func=load_command)

    import_ = commands.add_parser("import", help="create an image from a root filesystem tar")
    import_.add_argument("source", help="tar file, or - for stdin")
    import_.add_argument("repository", nargs="?", help="REPOSITORY[:TAG]")
    import_.add_argument("-c", "--change", action="append", default=[], help="Dockerfile instruction")
    import_.add_argument("-m", "--message")
    import_.add_argument("--platform")
    import_.set_defaults(func=import_command)

    history = commands.add_parser("history", help="show an image's layers")
    history.add_argument("image")
    history.add_argument("--no-trunc", action="store_true")
    history.set_defaults(func=history_command)

    login = commands.add_parser("login", help="check registry credentials (and store them)")
    login.add_argument("server", nargs="?", help="registry host[:port] (default: Docker Hub)")
    login.add_argument("-u", "--username")
    login.add_argument("-p", "--password", help="insecure: visible to other users; prefer --password-stdin")
    login.add_argument("--password-stdin", action="store_true")
    login.add_argument("--store", action="store_true", help="save them like `docker login` does")
    login.set_defaults(func=login_command)


# -- progress -----------------------------------------------------------------------------------


def human_size(size: float) -> str:
    """Decimal units with three significant digits, as the docker CLI prints sizes."""
    for unit in ("B", "kB", "MB", "GB", "TB", "PB", "EB"):
        if abs(size) < 1000 or unit == "EB":
            return f"{size:.3g}{unit}"
        size /= 1000
    raise AssertionError("unreachable")


def _bar(current: int, total: int, width: int = 30) -> str:
    done = min(width, width * current // total) if total > 0 else 0
    arrow = ">" if done < width else ""
    return f"[{'=' * done}{arrow}{' ' * (width - done - len(arrow))}] {human_size(current)}/{human_size(total)}"


class ProgressDisplay:
    """Renders progress events: one line per layer id, updated in place on a terminal."""

    def __init__(self, out: IO[str], terminal: bool) -> None:
        self._out = out
        self._terminal = terminal
        self._lines: dict[str, int] = {}  # layer id -> line number since the last plain line
        self._last_status: dict[str, str | None] = {}

    def line(self, event: ProgressEvent) -> str:
        text = f"{event.id}: " if event.id else ""
        text += event.status or ""
        if self._terminal and event.current is not None and event.total:
            text += " " + _bar(event.current, event.total)
        return text

    def show(self, event: ProgressEvent) -> None:
        if event.stream:
            self._lines.clear()
            self._out.write(event.stream)
        elif not event.status:
            return
        elif self._terminal and event.id:
            self._update(event.id, self.line(event))
        elif event.id and self._last_status.get(event.id) == event.status:
            return  # plain output: one line per change of a layer's status
        else:
            if not event.id:
                self._lines.clear()
            self._out.write(self.line(event) + "\n")
        if event.id:
            self._last_status[event.id] = event.status
        self._out.flush()

    def _update(self, layer: str, text: str) -> None:
        if layer not in self._lines:
            self._lines[layer] = len(self._lines)
            self._out.write(f"{text}\n")
            return
        up = len(self._lines) - self._lines[layer]
        # Up to the layer's line, rewrite it, and back down to where the cursor was.
        self._out.write(f"\x1b[{up}A\r\x1b[2K{text}\r\x1b[{up}B")


async def _run_progress(call: ProgressCall, args: argparse.Namespace) -> ProgressResult:
    display = ProgressDisplay(sys.stdout, sys.stdout.isatty())
    async with call as events:
        async for event in events:
            if args.json:
                print(json.dumps(dict(event.raw)), flush=True)
            else:
                display.show(event)
    return events.result


def _summary(result: ProgressResult) -> dict[str, Any]:
    return {"image_id": result.image_id, "digest": result.digest, "images": list(result.images)}


# -- commands -----------------------------------------------------------------------------------


async def pull_command(docker: Client, args: argparse.Namespace) -> None:
    await _run_progress(docker.images.pull(args.image, platform=args.platform), args)


async def push_command(docker: Client, args: argparse.Namespace) -> None:
    call = docker.images.push(args.image, all_tags=args.all_tags, platform=args.platform)
    await _run_progress(call, args)


def _ago(timestamp: int | None, now: float) -> str:
    if not timestamp:
        return "N/A"
    seconds = max(0, int(now - timestamp))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return f"{seconds} seconds ago"


def _short_id(image_id: str) -> str:
    return image_id.removeprefix("sha256:")[:12]


async def images_command(docker: Client, args: argparse.Namespace) -> None:
    filters = filters_from(args.filter) or {}
    if args.reference:
        filters.setdefault("reference", []).append(args.reference)
    listed = await docker.images.list(all=args.all, filters=filters or None, digests=args.digests)
    if args.quiet:
        emit(args, listed, "\n".join(dict.fromkeys(_short_id(image.id) for image in listed)))
        return
    now = time.time()
    rows = [["REPOSITORY", "TAG", *(["DIGEST"] if args.digests else []), "IMAGE ID", "CREATED", "SIZE"]]
    for image in listed:
        digest = image.repo_digests[0].partition("@")[2] if image.repo_digests else "<none>"
        for repo_tag in image.repo_tags or ("<none>:<none>",):
            repository, _, tag = repo_tag.rpartition(":")
            rows.append([
                repository, tag, *([digest] if args.digests else []),
                _short_id(image.id), _ago(image.created, now), human_size(image.size or 0),
            ])
    emit(args, listed, table(rows))


async def tag_command(docker: Client, args: argparse.Namespace) -> None:
    ref = await docker.images.tag(args.source, args.target)
    emit(args, {"source": args.source, "target": str(ref)}, "")  # quiet, as docker tag is


async def rmi_command(docker: Client, args: argparse.Namespace) -> int:
    """Like docker: every image is tried and each failure reported; the exit status is 1 if
    one failed, except that ``--force`` lets missing images pass."""
    removed: list[ImageDeleteResponseItem] = []
    missing = failed = False
    for image in args.images:
        try:
            items = await docker.images.remove(image, force=args.force, noprune=args.no_prune)
        except NotFound as exc:
            warn(f"engine-client: error: {exc}")
            missing = True
            continue
        except EngineError as exc:
            warn(f"engine-client: error: {exc}")
            failed = True
            continue
        removed += items
        if not args.json:
            for item in items:
                sys.stdout.write(
                    f"Deleted: {item.deleted}\n" if item.deleted else f"Untagged: {item.untagged}\n"
                )
            sys.stdout.flush()
    if args.json:
        emit(args, removed)
    return 1 if failed or (missing and not args.force) else 0


def _build_args(values: list[str]) -> dict[str, str]:
    result: dict[str, str] = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not key:
            raise InvalidArgument(f"invalid --build-arg {value!r}")
        if sep:
            result[key] = text
        elif key in os.environ:  # like the docker CLI: KEY alone takes the environment's value
            result[key] = os.environ[key]
    return result


async def build_command(docker: Client, args: argparse.Namespace) -> None:
    context: Any = sys.stdin.buffer if args.path == "-" else args.path
    call = docker.images.build(
        context,
        dockerfile=args.dockerfile,
        tags=args.tags,
        build_args=_build_args(args.build_arg) or None,
        labels=dict(args.label) or None,
        target=args.target,
        platform=args.platform,
        network_mode=args.network,
        no_cache=args.no_cache,
        pull=args.pull,
        version=args.builder,
    )
    if args.quiet and not args.json:
        result = await call
    else:
        result = await _run_progress(call, args)
    if args.json:
        print(json.dumps(_summary(result)))
    elif args.quiet or not any(event.stream for event in result.events):
        print(result.image_id)  # BuildKit's progress is encoded; at least say what was built


async def save_command(docker: Client, args: argparse.Namespace) -> None:
    if args.output is None and sys.stdout.isatty():
        raise InvalidArgument("refusing to write a tar archive to a terminal: use -o FILE or redirect")
    async with docker.images.save(args.images) as tar:
        if args.output is None:
            out = sys.stdout.buffer
            async for chunk in tar:
                await anyio.to_thread.run_sync(out.write, chunk)
            out.flush()
            return
        async with await anyio.open_file(args.output, "wb") as file:
            async for chunk in tar:
                await file.write(chunk)


async def load_command(docker: Client, args: argparse.Namespace) -> None:
    source: Any = args.input if args.input is not None else sys.stdin.buffer
    result = await docker.images.load(source, quiet=args.quiet)
    if args.json:
        print(json.dumps(_summary(result)))
        return
    for event in result.events:
        if event.stream:
            sys.stdout.write(event.stream)


async def import_command(docker: Client, args: argparse.Namespace) -> None:
    source: Any = sys.stdin.buffer if args.source == "-" else args.source
    result = await docker.images.import_image(
        source,
        repo=args.repository,
        changes=args.change or None,
        message=args.message,
        platform=args.platform,
    )
    emit(args, _summary(result), result.image_id or "")


async def history_command(docker: Client, args: argparse.Namespace) -> None:
    layers = await docker.images.history(args.image)
    now = time.time()
    rows = [["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"]]
    for layer in layers:
        created_by = layer.created_by.replace("\t", " ")
        if not args.no_trunc and len(created_by) > 45:
            created_by = created_by[:44] + "…"
        image = _short_id(layer.id) if layer.id.startswith("sha256:") else layer.id
        rows.append([image, _ago(layer.created, now), created_by, human_size(layer.size), layer.comment])
    emit(args, [plain(layer) for layer in layers], table(rows))


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        if args.password is not None:
            raise InvalidArgument("--password and --password-stdin cannot be used together")
        return sys.stdin.readline().rstrip("\r\n")
    if args.password is not None:
        warn("WARNING! Using --password via the CLI is insecure. Use --password-stdin.")
        return str(args.password)
    if not sys.stdin.isatty():
        raise InvalidArgument("no password: use --password-stdin, or run in a terminal")
    return getpass.getpass("Password: ")


async def login_command(docker: Client, args: argparse.Namespace) -> None:
    server = registry_key(args.server) if args.server else DOCKER_HUB_KEY
    if not args.username:
        raise InvalidArgument("a username is required (-u)")
    password = _password(args)
    if not password:
        raise InvalidArgument("the password is empty")
    response = await docker.system.login(args.username, password, server_address=server)
    status = response.status or "Login Succeeded"
    stored = None
    if args.store:
        if response.identity_token:
            auth = AuthConfig(username=args.username, identity_token=response.identity_token, server_address=server)
        else:
            auth = AuthConfig(username=args.username, password=password, server_address=server)
        stored = await CredentialStore().store(auth)
    text = status if stored is None else f"{status}\nCredentials stored in {stored}"
    emit(args, {"status": status, "server": server, "stored_in": stored}, text)
