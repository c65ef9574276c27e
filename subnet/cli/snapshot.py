"""The ``subnet`` command: dfx's canister commands against a simulated subnet, and scenarios.

Project commands work in a folder whose ``subnet.toml`` names the canisters (see
:mod:`subnet.project`); the subnet persists in ``.subnet/state.cbor`` between commands, so the
dfx snapshot tutorial runs word for word with ``dfx`` replaced by ``subnet``::

    subnet start --clean
    subnet deploy
    subnet canister call chat append 'Hi there!'
    subnet canister stop chat
    subnet canister snapshot create chat
    ...

Output mirrors dfx (dfinity/sdk ``src/dfx/src/commands/canister/*.rs``): the same lines, and
errors as ``Error: <what failed>`` followed by ``Caused by: <reject>`` with the reject code,
message and ``IC0xxx`` error code. Differences: informational lines go to stdout (dfx logs them
to stderr), there is no replica process (``start`` and ``stop`` only manage ``.subnet/``), and
deploy prints no URLs.

Beyond dfx: ``subnet run SCENARIO`` runs a scenario (a ``.py`` file or a module exposing
``async def scenario(net)``) on a fresh subnet, ``subnet replay TRACE`` re-runs the scenario a
trace names with its recorded decisions and says whether the events match, and ``subnet trace
show TRACE`` prints a trace, one event a line, hazards highlighted when the output is a terminal.

``main(argv)`` returns the exit code: 0, 2 for a command line that does not parse, 1 for a replay
that diverges, 255 for an error (as dfx).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import io
import json
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

import anyio

from .. import candid
from ..api import Subnet, SubnetError
from ..errors import Reject, RejectCode
from ..ids import Principal
from ..persist import CodeChangedError, PersistError
from ..scenario import ScenarioError, load_module
from ..trace import TraceError, decode_trace, load_trace, write_atomic
from .project import CONFIG, Project, ProjectError, Session, resolve_class

ERROR_EXIT = 255  # dfx exits 255 on any error
USAGE_EXIT = 2
SLICE = 2_000_000  # bytes per snapshot read/upload call (the replica's maximum slice)

_REJECT_NAMES = {
    RejectCode.SYS_FATAL: "SysFatal",
    RejectCode.SYS_TRANSIENT: "SysTransient",
    RejectCode.DESTINATION_INVALID: "DestinationInvalid",
    RejectCode.CANISTER_REJECT: "CanisterReject",
    RejectCode.CANISTER_ERROR: "CanisterError",
    RejectCode.SYS_UNKNOWN: "SysUnknown",
}


class CliError(Exception):
    """An error to print as dfx does: ``Error: <message>``, then one ``Caused by:`` line per
    cause."""

    def __init__(self, message: str, *causes: str) -> None:
        super().__init__(message)
        self.message = message
        self.causes = causes


class UsageError(Exception):
    """A command line that does not parse."""

    def __init__(self, message: str, prog: str) -> None:
        super().__init__(message)
        self.message = message
        self.prog = prog


def reject_text(rej: Reject) -> str:
    """A reject as ic-agent prints it (``AgentError::CertifiedReject``)."""
    code = f'Some("{rej.error_code.ic_code}")' if rej.error_code is not None else "None"
    return (
        f"The replica returned a rejection error: reject code "
        f"{_REJECT_NAMES.get(rej.reject_code, rej.reject_code.name)}, reject message "
        f"{rej.reject_message}, error code {code}"
    )


def human_bytes(n: int) -> str:
    """indicatif's ``HumanBytes`` as dfx printed it in the tutorial (``1.61MiB``)."""
    if n < 1024:
        return f"{n}B"
    value = float(n)
    prefixes = ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi")
    index = 0
    while value >= 1024 * 1024 and index < len(prefixes) - 1:
        value /= 1024
        index += 1
    return f"{value / 1024:.2f}{prefixes[index]}B"


def utc_time(ns: int) -> str:
    """A subnet timestamp as dfx prints snapshot times: ``2024-08-27 18:19:20 UTC``."""
    moment = datetime.datetime.fromtimestamp(ns // 1_000_000_000, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def nat_text(n: int) -> str:
    """A Candid ``nat`` as Rust's ``candid::Nat`` displays it: ``2_592_000``."""
    return f"{n:_}"


def _colour(stream: TextIO, code: str, text: str) -> str:
    if os.environ.get("NO_COLOR") is None and getattr(stream, "isatty", lambda: False)():
        return f"\x1b[{code}m{text}\x1b[0m"
    return text


def out(line: str = "") -> None:
    print(line, file=sys.stdout)


# -- helpers shared by the canister commands ------------------------------------------------------


def _sender(net: Subnet, args: argparse.Namespace) -> Principal:
    name = getattr(args, "identity", None)
    return net.identity(name) if name else net.default_identity


def _canister_id(net: Subnet, name: str) -> Principal:
    """A canister name of this project (as deployed) or a canister id in textual form."""
    cid = net.names.get(name)
    if cid is not None:
        return cid
    try:
        return Principal.from_text(name)
    except ValueError:
        raise CliError(f"Cannot find canister id. Please issue 'subnet deploy {name}'.") from None


def _snapshot_id(text: str) -> bytes:
    """The bytes of a hex snapshot id, checked only as hex (as dfx does); the management
    canister decides whether they are a snapshot id."""
    digits = text.strip()
    bad = next((i for i, c in enumerate(digits) if c not in "0123456789abcdefABCDEF"), None)
    if bad is not None:
        raise CliError(
            f"invalid value '{text}' for '<SNAPSHOT>': Invalid character "
            f"'{digits[bad]}' at position {bad}"
        )
    if len(digits) % 2:
        raise CliError(f"invalid value '{text}' for '<SNAPSHOT>': Odd number of digits")
    return bytes.fromhex(digits)


def _sid_text(raw: bytes) -> str:
    return raw.hex()


async def _management(
    net: Subnet, failed: str, method: str, sender: Principal, **fields: Any
) -> Any:
    """A management call; a reject becomes ``Error: <failed>`` / ``Caused by: <reject>``."""
    try:
        return await getattr(net.management, method)(sender=sender, **fields)
    except Reject as rej:
        raise CliError(failed, reject_text(rej)) from None


def _code(net: Subnet, cid: Principal) -> Any:
    cs = net.engine.get(cid)
    return cs.code if cs is not None else None


def _parse_candid(text: str | None, types: Sequence[Any] | None, what: str) -> tuple:
    if text is None:
        return ()
    try:
        return candid.parse_args(text, types)
    except candid.CandidError as exc:
        raise CliError(f"Invalid argument for {what}: {exc}") from None


# -- deploy -------------------------------------------------------------------------------------


def _hook_types(cls: type, hook: str) -> Sequence[Any] | None:
    fn = getattr(cls, hook, None)
    if fn is None:
        return ()
    try:
        return candid.method_signature(fn)[0]
    except TypeError:
        return None


async def cmd_deploy(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    sender = _sender(net, args)
    if args.name is not None and args.name not in project.canisters:
        raise CliError(f"Cannot find canister '{args.name}' in {CONFIG}.")
    names = [args.name] if args.name is not None else list(project.canisters)
    if not names:
        raise CliError(f"There are no canisters to deploy: {CONFIG} has no [canisters.<name>].")
    classes = {}
    for name in names:
        try:
            classes[name] = resolve_class(project.canisters[name].class_ref)
        except ProjectError as exc:
            raise CliError(f"Failed to load canister '{name}'.", str(exc)) from None
    out("Deploying all canisters." if args.name is None else f"Deploying: {args.name}")
    missing = [n for n in names if n not in net.names]
    if missing:
        out("Creating canisters...")
        for name in missing:
            out(f"Creating canister {name}...")
            created = await _management(
                net, f"Failed to create canister '{name}'.", "create_canister", sender
            )
            net.register_name(name, created.canister_id)
            out(f"{name} canister created with canister id: {created.canister_id}")
    out("Installing canisters...")
    for name in names:
        cls = classes[name]
        cid = net.names[name]
        text = args.argument if args.argument is not None else project.canisters[name].init_arg
        current = _code(net, cid)
        if current is None:
            init_args = _parse_candid(text, _hook_types(cls, "init"), f"{name}'s init")
            out(f"Installing code for canister {name}, with canister ID {cid}")
            mode = "install"
        elif current is not cls or cid in session.changed_code:
            init_args = _parse_candid(text, _hook_types(cls, "post_upgrade"), f"{name}'s upgrade")
            out(f"Upgrading code for canister {name}, with canister ID {cid}")
            mode = "upgrade"
        else:
            out(f"Module hash {cls.module_hash().hex()} is already installed.")
            continue
        await _management(
            net,
            f"Failed to install wasm module to canister '{name}'.",
            "install_code",
            sender,
            mode=mode,
            canister_id=cid,
            wasm_module=cls,
            arg=init_args,
        )
    out("Deployed canisters.")


# -- canister call ---------------------------------------------------------------------------------


async def cmd_call(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    sender = _sender(net, args)
    cid = _canister_id(net, args.canister)
    code = _code(net, cid)
    info = code.__canister_methods__.get(args.method) if code is not None else None
    if info is not None:
        arg_types, ret_types = info.signature
        if args.query and info.kind != "query":
            raise CliError(f"Invalid method call: {args.method} is not a query method.")
        is_query = info.kind == "query" and not args.update
    else:  # not in the interface: send it as typed, the canister answers (as dfx without .did)
        arg_types, ret_types = None, None
        is_query = bool(args.query)
    values = _parse_candid(args.argument, arg_types, f"{args.canister}.{args.method}")
    handle = net.handle(cid)
    try:
        if is_query:
            result = await handle.query(args.method, *values, sender=sender)
        else:
            result = await handle.call(args.method, *values, sender=sender)
    except Reject as rej:
        raise CliError(
            "Failed query call." if is_query else "Failed update call.", reject_text(rej)
        ) from None
    try:
        if ret_types is None:
            text = candid.format_reply(result, (candid.ANY,))
        else:
            text = candid.format_reply(result, ret_types)
    except candid.CandidError as exc:
        raise CliError("Failed to decode the reply.", str(exc)) from None
    out(text)


# -- lifecycle -----------------------------------------------------------------------------------


async def cmd_stop(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = _canister_id(net, args.canister)
    out(f"Stopping code for canister {args.canister}, with canister_id {cid}")
    await _management(
        net, f"Failed to stop canister {cid}.", "stop_canister", _sender(net, args), canister_id=cid
    )


async def cmd_start(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = _canister_id(net, args.canister)
    out(f"Starting code for canister {args.canister}, with canister_id {cid}")
    await _management(
        net,
        f"Failed to start canister {cid}.",
        "start_canister",
        _sender(net, args),
        canister_id=cid,
    )


async def cmd_status(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = _canister_id(net, args.canister)
    status = await _management(
        net,
        f"Failed to get canister status for '{args.canister}'.",
        "canister_status",
        _sender(net, args),
        canister_id=cid,
    )
    settings = status.settings
    controllers = " ".join(sorted(str(c) for c in settings.controllers))
    module_hash = f"0x{status.module_hash.hex()}" if status.module_hash is not None else "None"
    out(f"Canister status call result for {args.canister}.")
    out(f"Status: {status.status.capitalize()}")
    out(f"Controllers: {controllers}")
    out(f"Memory allocation: {nat_text(settings.memory_allocation)}")
    out(f"Compute allocation: {nat_text(settings.compute_allocation)}")
    out(f"Freezing threshold: {nat_text(settings.freezing_threshold)}")
    out(f"Memory Size: Nat({status.memory_size})")
    out(f"Balance: {nat_text(status.cycles)} Cycles")
    out(f"Reserved: {nat_text(status.reserved_cycles)} Cycles")
    out(f"Reserved Cycles Limit: {nat_text(settings.reserved_cycles_limit)} Cycles")
    out(f"Module hash: {module_hash}")
    out("Number of queries: 0")
    out("Instructions spent in queries: 0")
    out("Total query request payload size (bytes): 0")
    out("Total query response payload size (bytes): 0")


async def cmd_info(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = _canister_id(net, args.canister)
    info = await _management(
        net,
        f"Failed to read the info of canister {args.canister}.",
        "canister_info",
        _sender(net, args),
        canister_id=cid,
    )
    module_hash = f"0x{info.module_hash.hex()}" if info.module_hash is not None else "None"
    out(f"Controllers: {' '.join(sorted(str(c) for c in info.controllers))}")
    out(f"Module hash: {module_hash}")


async def cmd_delete(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = _canister_id(net, args.canister)
    out(f"Deleting canister {args.canister}, with canister_id {cid}")
    await _management(
        net,
        f"Failed to delete canister {args.canister}.",
        "delete_canister",
        _sender(net, args),
        canister_id=cid,
    )
    for name, known in list(net.names.items()):
        if known == cid:
            net.forget_name(name)


async def cmd_metadata(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = _canister_id(net, args.canister)
    cs = net.engine.get(cid)
    if cs is None:
        raise CliError(
            f"Failed to read `{args.metadata}` metadata from canister {args.canister}.",
            f"Canister {cid} not found.",
        )
    if args.metadata != "candid:service" or cs.code is None:
        raise CliError(
            f"Failed to read `{args.metadata}` metadata from canister {args.canister}.",
            f"The canister has no public metadata section named `{args.metadata}`.",
        )
    methods = {
        name: (info.kind, *info.signature) for name, info in cs.code.__canister_methods__.items()
    }
    out(candid.format_service(methods))


# -- snapshots ---------------------------------------------------------------------------------


async def _ensure_stopped(
    net: Subnet, args: argparse.Namespace, cid: Principal, label: str, phrasing: str
) -> None:
    """dfx's client-side check: create and load refuse a canister that is not stopped."""
    if args.force:
        return
    status = await _management(
        net,
        f"Could not retrieve status of canister {args.canister}",
        "canister_status",
        _sender(net, args),
        canister_id=cid,
    )
    if status.status == "running":
        raise CliError(
            f"Canister {label} is running and snapshots should not be {phrasing} running "
            f"canisters. Run `subnet canister stop` first (or override with `--force`)"
        )
    if status.status == "stopping":
        raise CliError(
            f"Canister {label} is stopping but is not yet stopped. Wait a few seconds and try again"
        )


async def cmd_snapshot_create(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = _canister_id(net, args.canister)
    replace = _snapshot_id(args.replace) if args.replace is not None else None
    # dfx names the canister by id in this one message (and by name in load's)
    await _ensure_stopped(net, args, cid, str(cid), "taken of")
    snap = await _management(
        net,
        f"Failed to take snapshot of canister {args.canister}",
        "take_canister_snapshot",
        _sender(net, args),
        canister_id=cid,
        replace_snapshot=replace,
    )
    out(f"Created a new snapshot of canister {args.canister}. Snapshot ID: {snap.id.hex()}")


async def cmd_snapshot_load(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = _canister_id(net, args.canister)
    sid = _snapshot_id(args.snapshot)
    await _ensure_stopped(net, args, cid, args.canister, "applied to")
    await _management(
        net,
        f"Failed to load snapshot {_sid_text(sid)} in canister {args.canister}",
        "load_canister_snapshot",
        _sender(net, args),
        canister_id=cid,
        snapshot_id=sid,
    )
    out(f"Loaded snapshot {_sid_text(sid)} in canister {args.canister}")


async def cmd_snapshot_delete(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = _canister_id(net, args.canister)
    sid = _snapshot_id(args.snapshot)
    await _management(
        net,
        f"Failed to delete snapshot {_sid_text(sid)} in canister {args.canister}",
        "delete_canister_snapshot",
        _sender(net, args),
        canister_id=cid,
        snapshot_id=sid,
    )
    out(f"Deleted snapshot {_sid_text(sid)} from canister {args.canister}")


async def cmd_snapshot_list(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = _canister_id(net, args.canister)
    snapshots = await _management(
        net,
        f"Failed to retrieve snapshot list from canister {args.canister}",
        "list_canister_snapshots",
        _sender(net, args),
        canister_id=cid,
    )
    if not snapshots:
        out(f"No snapshots found in canister {args.canister}")
    for s in snapshots:
        out(f"{s.id.hex()}: {human_bytes(s.total_size)}, taken at {utc_time(s.taken_at_timestamp)}")


_BLOBS = (  # (kind in the management API, file, metadata size field)
    ("wasm_module", "wasm_module.bin", "wasm_module_size"),
    ("main_memory", "wasm_memory.bin", "wasm_memory_size"),
    ("stable_memory", "stable_memory.bin", "stable_memory_size"),
)


def _json_value(value: Any) -> Any:
    """Metadata as serde_json writes the Rust record: blobs as arrays of numbers."""
    if isinstance(value, bytes | bytearray):
        return list(value)
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def _directory(path: str) -> Path:
    folder = Path(path)
    if not folder.is_dir():
        raise CliError(
            f"invalid value '{path}' for '--dir <DIR>': Path does not exist or is not a directory."
        )
    return folder


async def cmd_snapshot_download(
    args: argparse.Namespace, project: Project, session: Session
) -> None:
    net = session.net
    cid = _canister_id(net, args.canister)
    sid = _snapshot_id(args.snapshot)
    folder = _directory(args.dir)
    if any(folder.iterdir()):
        raise CliError(f"Directory '{folder}' is not empty")
    sender = _sender(net, args)
    label = f"snapshot {_sid_text(sid)} in canister {args.canister}"
    metadata = await _management(
        net,
        f"Failed to read metadata from {label}",
        "read_canister_snapshot_metadata",
        sender,
        canister_id=cid,
        snapshot_id=sid,
    )
    fields = dataclasses.asdict(metadata)
    (folder / "metadata.json").write_text(json.dumps(_json_value(fields), indent=2))
    for kind, filename, size_field in _BLOBS:
        size = fields[size_field]
        if kind == "stable_memory" and size == 0:
            continue  # dfx writes no stable_memory.bin for an empty stable memory
        what = {"wasm_module": "Wasm module", "main_memory": "Wasm memory"}.get(
            kind, "stable memory"
        )
        with open(folder / filename, "wb") as f:
            for offset in range(0, size, SLICE):
                piece = await _management(
                    net,
                    f"Failed to read {what} from {label}",
                    "read_canister_snapshot_data",
                    sender,
                    canister_id=cid,
                    snapshot_id=sid,
                    kind={kind: {"offset": offset, "size": min(SLICE, size - offset)}},
                )
                f.write(piece.chunk)
    out(f"Snapshot {_sid_text(sid)} in canister {args.canister} saved to '{folder}'")


def _bytes_field(value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, str):
        return bytes.fromhex(value)
    return bytes(value)


async def cmd_snapshot_upload(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = _canister_id(net, args.canister)
    folder = _directory(args.dir)
    replace = _snapshot_id(args.replace) if args.replace is not None else None
    sender = _sender(net, args)
    metadata_file = folder / "metadata.json"
    try:
        metadata = json.loads(metadata_file.read_text())
        sizes = {field: int(metadata[field]) for _, _, field in _BLOBS}
        timer = metadata.get("global_timer")
        if timer == "inactive":
            timer = {"inactive": None}
        certified = _bytes_field(metadata.get("certified_data"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CliError(
            f"Failed to read snapshot metadata from '{metadata_file}'", str(exc)
        ) from None
    blobs: dict[str, bytes] = {}
    for kind, filename, field in _BLOBS:
        if kind == "stable_memory" and sizes[field] == 0:
            blobs[kind] = b""
            continue
        try:
            blobs[kind] = (folder / filename).read_bytes()
        except OSError as exc:
            raise CliError(
                f"Failed to read {filename} from '{folder}'", exc.strerror or str(exc)
            ) from None
    created = await _management(
        net,
        f"Failed to upload snapshot metadata to canister {args.canister}",
        "upload_canister_snapshot_metadata",
        sender,
        canister_id=cid,
        replace_snapshot=replace,
        wasm_module_size=sizes["wasm_module_size"],
        wasm_memory_size=sizes["wasm_memory_size"],
        stable_memory_size=sizes["stable_memory_size"],
        certified_data=certified,
        global_timer=timer,
    )
    sid = created.snapshot_id
    # in dfx's order; the buffers start zeroed, so all-zero stable memory slices are skipped
    for kind, _, _ in _BLOBS:
        data = blobs[kind]
        for offset in range(0, len(data), SLICE):
            piece = data[offset : offset + SLICE]
            if kind == "stable_memory" and not any(piece):
                continue
            await _management(
                net,
                f"Failed to upload {kind.replace('_', ' ')} to snapshot {sid.hex()} in "
                f"canister {args.canister}",
                "upload_canister_snapshot_data",
                sender,
                canister_id=cid,
                snapshot_id=sid,
                kind={kind: {"offset": offset}},
                chunk=piece,
            )
    out(f"Uploaded a snapshot of canister {args.canister}. Snapshot ID: {sid.hex()}")


# -- project-less commands -------------------------------------------------------------------------


def cmd_start_project(args: argparse.Namespace) -> int:
    project = Project.find()
    out(f"Running subnet start for version {_version()}")
    if args.clean:
        project.reset()
        out(f"Subnet state in {project.state_dir.name}/ reset: the subnet starts clean.")
    else:
        with project.locked():
            pass
        out(f"Subnet state in {project.state_dir.name}/ (no replica process is needed).")
    return 0


def cmd_stop_project(args: argparse.Namespace) -> int:
    Project.find()
    return 0


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("subnet-sim")
    except Exception:
        return "0.1.0"


def load_scenario(spec: str) -> Callable[[Subnet], Coroutine[Any, Any, Any]]:
    """The ``scenario(net)`` coroutine function of a scenario file or module."""
    try:
        module = load_module(spec)
    except ScenarioError as exc:
        raise CliError(str(exc)) from None
    fn = getattr(module, "scenario", None)
    if fn is None or not callable(fn):
        raise CliError(
            f"Scenario '{spec}' has no `async def scenario(net)` for `subnet run` to call."
        )
    return fn


def cmd_run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)

    async def go() -> Subnet:
        async with Subnet(seed=args.seed, scenario=args.scenario) as net:
            await scenario(net)
            return net

    net = anyio.run(go, backend=args.backend)
    if args.trace:
        net.save_trace(args.trace)
        print(
            f"Trace written to {args.trace}: {len(net.trace)} events, "
            f"{len(net.hazards)} hazard(s).",
            file=sys.stderr,
        )
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from ..strategies import ReplayDivergence, replay

    try:
        recorded = load_trace(args.trace)
    except (OSError, TraceError) as exc:
        raise CliError(f"Cannot read trace '{args.trace}'.", str(exc)) from None
    spec = recorded.meta.get("scenario")
    if not spec:
        raise CliError(f"Trace '{args.trace}' does not name the scenario it recorded.")
    if not Path(spec).exists() and (Path(args.trace).parent / spec).exists():
        spec = str(Path(args.trace).parent / spec)
    if "choices" in recorded.meta:  # written by `subnet explore`: replay its choices
        return _replay_exploration(args, spec, recorded)
    scenario = load_scenario(spec)
    seed = recorded.meta.get("seed", 0)

    async def go() -> Subnet:
        async with Subnet(
            seed=seed, strategy=replay(recorded.decisions), scenario=recorded.meta.get("scenario")
        ) as net:
            sink = (
                contextlib.nullcontext()
                if args.verbose
                else contextlib.redirect_stdout(io.StringIO())
            )
            with sink:
                await scenario(net)
            return net

    try:
        net = anyio.run(go, backend=args.backend)
    except ReplayDivergence as exc:
        out(f"Replay of {args.trace} diverged: {exc}")
        return 1
    replayed = decode_trace(net.trace_bytes()).events
    if replayed == recorded.events:
        out(
            f"Replayed {args.trace}: {len(replayed)} events, identical "
            f"({sum(e.kind == 'hazard' for e in replayed)} hazard(s))."
        )
        return 0
    index = next(
        (i for i, (a, b) in enumerate(zip(recorded.events, replayed, strict=False)) if a != b),
        min(len(recorded.events), len(replayed)),
    )
    out(f"Replay of {args.trace} diverged at event {index}:")
    for label, events in (("recorded", recorded.events), ("replayed", replayed)):
        out(f"  {label}: {events[index] if index < len(events) else '(no more events)'}")
    return 1


def _replay_exploration(args: argparse.Namespace, spec: str, recorded: Any) -> int:
    from ..explore import replay_failure

    sink = contextlib.nullcontext() if args.verbose else contextlib.redirect_stdout(io.StringIO())
    try:
        with sink:
            result = replay_failure(spec, recorded.meta)
    except (ScenarioError, ValueError) as exc:
        raise CliError(f"Cannot replay '{args.trace}'.", str(exc)) from None
    replayed = decode_trace(result.trace).events if result.trace else []
    expected = recorded.meta.get("failure", {})
    if result.failure is None:
        out(f"Replay of {args.trace}: the failure did not happen again.")
        return 1
    same = replayed == recorded.events
    out(
        f"Replayed {args.trace}: {result.failure} "
        f"({'events identical' if same else 'events differ'}; recorded: "
        f"{expected.get('kind')} at step {expected.get('step')})."
    )
    return 0 if same else 1


def cmd_explore(args: argparse.Namespace) -> int:
    from ..explore import Scenario, SnapshotFaults, explore

    try:
        scenario = Scenario.load(args.scenario)
    except (ScenarioError, ValueError) as exc:
        raise CliError(str(exc)) from None
    faults = None
    if args.faults:
        faults = SnapshotFaults(
            canisters=tuple(args.canister) if args.canister else None,
            probability=args.faults,
        )
    workers = args.workers if args.workers and args.workers > 1 else None
    sink = contextlib.nullcontext() if args.verbose else contextlib.redirect_stdout(io.StringIO())
    progress = _progress_line(args.runs) if sys.stderr.isatty() else None
    with sink:
        result = explore(
            args.scenario if workers else scenario,
            runs=args.runs,
            strategy=args.strategy,
            seed=args.seed,
            depth=args.depth,
            max_steps=args.max_steps,
            faults=faults,
            stop_at_first=not args.keep_going,
            do_shrink=not args.no_shrink,
            workers=workers,
            backend=args.backend,
            progress=progress,
        )
    if progress is not None:
        sys.stderr.write("\r\033[K")
    out(
        f"Explored {args.scenario}: {result.runs} run(s), {result.steps:,} steps, "
        f"strategy {args.strategy}, {len(result.failures)} failure(s)."
    )
    if result.ok:
        return 0
    first = result.failures[0]
    out(f"First failure: {first} ({len(first.choices)} choices).")
    shrunk = result.shrunk
    if shrunk is not None:
        out(f"Shrunk to {len(shrunk.choices)} choices: {shrunk}")
        for line in shrunk.injections:
            out(f"  injected: {line}")
    path = args.trace or "failure.trace"
    write_atomic(path, result.trace)
    out(f"Trace written to {path}: `subnet replay {path}` reproduces it.")
    return 1


def _progress_line(total: int) -> Callable[[int, int], None]:
    """A one-line progress report on a terminal (long campaigns), redrawn in place."""

    def report(done: int, failures: int) -> None:
        if done == total or done % max(1, total // 100) == 0:
            bar = "#" * (30 * done // max(1, total))
            line = f"\r[{bar:<30}] {done}/{total} runs, {failures} failure(s)"
            sys.stderr.write(_colour(sys.stderr, "1;31", line) if failures else line)
            sys.stderr.flush()

    return report


def cmd_trace_show(args: argparse.Namespace) -> int:
    try:
        recorded = load_trace(args.trace)
    except (OSError, TraceError) as exc:
        raise CliError(f"Cannot read trace '{args.trace}'.", str(exc)) from None
    meta = recorded.meta
    if args.format in ("svg", "html"):
        from ..picture import html_page, sequence_svg

        title = f"{meta.get('scenario') or args.trace} (seed {meta.get('seed')})"
        names = {cid: name for name, cid in (meta.get("names") or {}).items()}
        svg = sequence_svg(recorded.events, names=names, title=title)
        sys.stdout.write(svg if args.format == "svg" else html_page(svg, title))
        return 0
    hazards = [e for e in recorded.events if e.kind == "hazard"]
    out(
        f"Trace {args.trace}: scenario {meta.get('scenario')}, seed {meta.get('seed')}, "
        f"strategy {meta.get('strategy')}"
    )
    out(
        f"{len(recorded.events)} events, {len(recorded.decisions)} decisions, "
        f"{len(hazards)} hazard(s)"
    )
    for event in recorded.events:
        if event.kind == "hazard":
            explanation = event.data[0] if event.data else ""
            line = f"{event.step:>6} HAZARD {event.method} {event.canister}: {explanation}"
            out(_colour(sys.stdout, "1;31", line))
        else:
            out(str(event))
    return 0


# -- the command line --------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self.prog)


ProjectCommand = Callable[[argparse.Namespace, Project, Session], Coroutine[Any, Any, None]]


def build_parser() -> argparse.ArgumentParser:
    identity = _Parser(add_help=False)
    identity.add_argument(
        "--identity",
        default=argparse.SUPPRESS,
        metavar="NAME",
        help="the user identity to run this command as (default: 'default')",
    )
    parser = _Parser(
        prog="subnet",
        description="A simulated Internet Computer subnet, driven like dfx.",
        parents=[identity],
    )
    parser.add_argument("--version", action="version", version=f"subnet {_version()}")
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
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    run.add_argument("--trace", metavar="FILE", help="write the trace (CBOR) to FILE")
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
        default=0.0,
        help="probability per step of injecting a snapshot take or load",
    )
    exp.add_argument("--canister", action="append", help="canister (name or id) to inject into")
    exp.add_argument("--workers", type=int, default=1, help="processes to run on")
    exp.add_argument("--keep-going", action="store_true", help="do not stop at the first failure")
    exp.add_argument("--no-shrink", action="store_true")
    exp.add_argument("--trace", help="where to write the failing run's trace")
    exp.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    exp.add_argument("--verbose", "-v", action="store_true", help="show the scenario's output")
    exp.set_defaults(plain=cmd_explore)
    rep = commands.add_parser("replay", help="re-run a trace's scenario with its decisions")
    rep.add_argument("trace")
    rep.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    rep.add_argument("--verbose", "-v", action="store_true", help="show the scenario's output")
    rep.set_defaults(plain=cmd_replay)

    trace = commands.add_parser("trace", help="inspect trace files")
    tsub = trace.add_subparsers(dest="trace_command", metavar="COMMAND", required=True)
    show = tsub.add_parser("show", help="print a trace, one event a line")
    show.add_argument("trace")
    show.add_argument("--format", choices=("text", "svg", "html"), default="text")
    show.set_defaults(plain=cmd_trace_show)
    return parser


def _printable(text: str, keep: str = "") -> str:
    """``text`` with control characters (user input may hold any) shown as escapes, so that an
    error is exactly the lines it means to be."""
    return "".join(
        c if c.isprintable() or c in keep else c.encode("unicode_escape").decode() for c in text
    )


def _print_error(message: str, causes: Sequence[str] = ()) -> None:
    err = sys.stderr
    print(f"{_colour(err, '31', 'Error')}: {_printable(message)}", file=err)
    for cause in causes:  # a reject's message may span lines (the replica's help line)
        print(f"{_colour(err, '33', 'Caused by')}: {_printable(cause, keep=chr(10))}", file=err)


def _run_project_command(args: argparse.Namespace) -> int:
    project = Project.find()
    fn: ProjectCommand = args.project
    accept = getattr(args, "accept_code_changes", False)
    with project.session(accept_code_changes=accept) as session:

        async def go() -> None:
            await fn(args, project, session)

        anyio.run(go)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``subnet`` command; returns the exit code (errors are printed, not raised)."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except UsageError as exc:
        _print_error(f"{exc.message} (see '{exc.prog} --help')")
        return USAGE_EXIT
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    try:
        if hasattr(args, "plain"):
            return args.plain(args)
        return _run_project_command(args)
    except CliError as exc:
        _print_error(exc.message, exc.causes)
    except CodeChangedError as exc:
        _print_error(
            f"{exc}: run `subnet deploy` to upgrade it, or `subnet start --clean` to start over."
        )
    except (PersistError, ProjectError, SubnetError, TraceError) as exc:
        _print_error(str(exc))
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly
        with contextlib.suppress(OSError, ValueError):  # as the Python docs recommend
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:
        _print_error(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
    except KeyboardInterrupt:
        _print_error("interrupted")
    return ERROR_EXIT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = ["CliError", "build_parser", "human_bytes", "main", "reject_text", "utc_time"]
