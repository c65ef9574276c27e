"""The ``subnet`` command line: its commands, options and help, in dfx's words where dfx has
the command. Each command names its handler: ``plain`` (a :data:`PlainCommand`, called with the
parsed arguments) or ``project`` (a :data:`ProjectCommand`, called inside a project session)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn

from .calls import identity_name
from .canister import (
    cmd_call,
    cmd_delete,
    cmd_deploy,
    cmd_info,
    cmd_metadata,
    cmd_start,
    cmd_status,
    cmd_stop,
)
from .exceptions import CliError, UsageError
from .project import Project, Session
from .replica import cmd_start_project, cmd_stop_project, version
from .runs import cmd_explore, cmd_replay, cmd_run, cmd_trace_show
from .snapshot import (
    cmd_snapshot_create,
    cmd_snapshot_delete,
    cmd_snapshot_download,
    cmd_snapshot_list,
    cmd_snapshot_load,
    cmd_snapshot_upload,
)

PlainCommand = Callable[[argparse.Namespace], int]
ProjectCommand = Callable[[argparse.Namespace, Project, Session], Coroutine[Any, Any, None]]


class _Parser(argparse.ArgumentParser):
    """An argparse parser that raises :class:`UsageError` instead of printing and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self.prog)


def _identity(text: str) -> str:
    """``--identity``'s value, checked as it is parsed: an empty name is a usage error, not
    the default identity."""
    try:
        return identity_name(text)
    except CliError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def build_parser() -> argparse.ArgumentParser:
    """The ``subnet`` command line; a command's handler is ``plain`` or ``project``."""
    identity = _Parser(add_help=False)
    identity.add_argument(
        "--identity",
        type=_identity,
        default=argparse.SUPPRESS,
        metavar="NAME",
        help="the user identity to run this command as (default: 'default')",
    )
    parser = _Parser(
        prog="subnet",
        description="A simulated Internet Computer subnet, driven like dfx.",
        parents=[identity],
    )
    parser.add_argument("--version", action="version", version=f"subnet {version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    start = commands.add_parser(
        "start", parents=[identity], help="prepare the project's subnet (.subnet/)"
    )
    start.add_argument("--clean", action="store_true", help="forget the subnet's state")
    start.add_argument("--background", action="store_true", help="accepted, as dfx's")
    start.set_defaults(plain=cmd_start_project)
    stop = commands.add_parser(
        "stop", parents=[identity], help="does nothing (as dfx's, no replica runs)"
    )
    stop.set_defaults(plain=cmd_stop_project)

    deploy = commands.add_parser(
        "deploy", parents=[identity], help="create and install the canisters of subnet.toml"
    )
    deploy.add_argument("name", nargs="?", help="one canister (default: all)")
    deploy.add_argument("--argument", help="Candid arguments for init (or post_upgrade)")
    deploy.set_defaults(project=cmd_deploy, accept_code_changes=True)

    canister = commands.add_parser("canister", parents=[identity], help="canister commands")
    sub = canister.add_subparsers(dest="canister_command", metavar="COMMAND", required=True)

    call = sub.add_parser("call", parents=[identity], help="call a canister method")
    call.add_argument("canister")
    call.add_argument("method")
    call.add_argument("argument", nargs="?", help="Candid arguments, e.g. '(42 : nat64)'")
    kind = call.add_mutually_exclusive_group()
    kind.add_argument("--query", action="store_true", help="send a query call")
    kind.add_argument("--update", action="store_true", help="send an update call")
    call.set_defaults(project=cmd_call)

    for name, fn, text in (
        ("stop", cmd_stop, "stop a canister"),
        ("start", cmd_start, "start a canister"),
        ("status", cmd_status, "print a canister's status"),
        ("info", cmd_info, "print a canister's controllers and module hash"),
        ("delete", cmd_delete, "delete a (stopped) canister"),
    ):
        p = sub.add_parser(name, parents=[identity], help=text)
        p.add_argument("canister")
        p.set_defaults(project=fn)

    metadata = sub.add_parser("metadata", parents=[identity], help="print canister metadata")
    metadata.add_argument("canister")
    metadata.add_argument("metadata", help="the section, e.g. candid:service")
    metadata.set_defaults(project=cmd_metadata)

    snapshot = sub.add_parser("snapshot", parents=[identity], help="canister snapshots")
    snap = snapshot.add_subparsers(dest="snapshot_command", metavar="COMMAND", required=True)
    create = snap.add_parser("create", parents=[identity], help="take a snapshot")
    create.add_argument("canister")
    create.add_argument("--replace", metavar="ID", help="the snapshot to replace")
    create.add_argument(
        "--force", "-f", action="store_true", help="even if the canister is not stopped"
    )
    create.set_defaults(project=cmd_snapshot_create)
    load = snap.add_parser("load", parents=[identity], help="load a snapshot")
    load.add_argument("canister")
    load.add_argument("snapshot")
    load.add_argument(
        "--force", "-f", action="store_true", help="even if the canister is not stopped"
    )
    load.set_defaults(project=cmd_snapshot_load)
    delete = snap.add_parser("delete", parents=[identity], help="delete a snapshot")
    delete.add_argument("canister")
    delete.add_argument("snapshot")
    delete.add_argument(
        "--force",
        "-f",
        action="store_true",
        help="accepted and ignored: deleting never checks the status",
    )
    delete.set_defaults(project=cmd_snapshot_delete)
    listing = snap.add_parser("list", parents=[identity], help="list a canister's snapshots")
    listing.add_argument("canister")
    listing.set_defaults(project=cmd_snapshot_list)
    download = snap.add_parser(
        "download", parents=[identity], help="download a snapshot into an empty directory"
    )
    download.add_argument("canister")
    download.add_argument("snapshot")
    download.add_argument("--dir", required=True)
    download.set_defaults(project=cmd_snapshot_download)
    upload = snap.add_parser(
        "upload", parents=[identity], help="upload a downloaded snapshot as a new snapshot"
    )
    upload.add_argument("canister")
    upload.add_argument("--dir", required=True)
    upload.add_argument("--replace", metavar="ID", help="the snapshot to replace")
    upload.set_defaults(project=cmd_snapshot_upload)

    run = commands.add_parser(
        "run", help="run a scenario (a file or module with `async def scenario(net)`)"
    )
    run.add_argument("scenario")
    run.add_argument(
        "--strategy",
        choices=("round_robin", "random"),
        default="round_robin",
        help="who runs next (default round_robin, the IC's fair order)",
    )
    run.add_argument("--seed", type=int, default=0, help="seeds the random strategy and raw_rand")
    run.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    run.add_argument("--trace", metavar="FILE", help="write the trace (CBOR) to FILE")
    run.add_argument(
        "--states",
        action="store_true",
        help="record each step's canister states in the trace (for `trace show --format html`)",
    )
    run.set_defaults(plain=cmd_run)

    exp = commands.add_parser(
        "explore", help="run a scenario many times under varying schedules and snapshot faults"
    )
    exp.add_argument("scenario")
    exp.add_argument("--strategy", choices=["random", "pct", "dfs"], default="random")
    exp.add_argument("--runs", type=int, default=100)
    exp.add_argument("--seed", type=int, default=0)
    exp.add_argument("--depth", type=int, default=3, help="PCT bug depth (default 3)")
    exp.add_argument(
        "--max-steps", type=int, default=10_000, help="steps before a run is a livelock"
    )
    exp.add_argument(
        "--faults",
        type=float,
        default=None,
        help="probability per step (0 to 1) of injecting a fault (see --fault-kinds)",
    )
    exp.add_argument("--canister", action="append", help="canister (name or id) to inject into")
    exp.add_argument(
        "--fault-kinds",
        metavar="KIND,...",
        help="what --faults injects: take, load, upgrade, stop, trap (default: take,load)",
    )
    exp.add_argument(
        "--execution-limit",
        type=float,
        metavar="SECONDS",
        help="seconds an execution may run before it traps with IC0522 (default 2)",
    )
    exp.add_argument(
        "--fail-on",
        metavar="HAZARD,...",
        help="hazard kinds that count as failures (e.g. orphaned_response,leaked_continuation)",
    )
    exp.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes to run on (at most one per run and one per CPU: more would only cost; "
        "the result is the same with any number)",
    )
    exp.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786), the "
        "scenario shipped by content; needs pip install 'subnet-sim[dask]'",
    )
    exp.add_argument("--keep-going", action="store_true", help="do not stop at the first failure")
    exp.add_argument("--no-shrink", action="store_true")
    exp.add_argument("--trace", help="where to write the failing run's trace")
    exp.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    exp.add_argument("--verbose", "-v", action="store_true", help="show the scenario's output")
    exp.set_defaults(plain=cmd_explore)
    rep = commands.add_parser("replay", help="re-run a trace's scenario with its decisions")
    rep.add_argument("trace")
    rep.add_argument(
        "--scenario",
        metavar="SCENARIO",
        help="the scenario to run (a file or module; default: the one the trace names, which "
        "must be a file in this directory's tree)",
    )
    rep.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    rep.add_argument("--verbose", "-v", action="store_true", help="show the scenario's output")
    rep.set_defaults(plain=cmd_replay)

    trace = commands.add_parser("trace", help="inspect trace files")
    tsub = trace.add_subparsers(dest="trace_command", metavar="COMMAND", required=True)
    show = tsub.add_parser("show", help="print a trace, one event a line")
    show.add_argument("trace")
    show.add_argument(
        "--format",
        choices=("text", "svg", "html"),
        default="text",
        help="html: a page to step through the trace in a browser",
    )
    show.add_argument("-o", "--output", metavar="FILE", help="write to FILE, not to stdout")
    show.set_defaults(plain=cmd_trace_show)
    return parser


__all__ = ["PlainCommand", "ProjectCommand", "build_parser"]
