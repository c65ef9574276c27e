"""dfx's snapshot commands: ``canister snapshot create``, ``load``, ``list``, ``delete``,
``download`` and ``upload``, with dfx's client-side checks, files and output."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

from ..api import Subnet
from ..errors import MAX_SLICE_SIZE_BYTES
from ..ids import Principal
from .calls import canister_id, management, sender, sid_text, snapshot_id
from .exceptions import CliError
from .output import human_bytes, out, utc_time
from .project import Project, Session

SLICE = MAX_SLICE_SIZE_BYTES  # bytes per snapshot read/upload call (the replica's maximum)


async def _ensure_stopped(
    net: Subnet, args: argparse.Namespace, cid: Principal, label: str, phrasing: str
) -> None:
    """dfx's client-side check: create and load refuse a canister that is not stopped."""
    if args.force:
        return
    status = await management(
        net,
        f"Could not retrieve status of canister {args.canister}",
        "canister_status",
        sender(net, args),
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
    cid = canister_id(net, args.canister)
    replace = snapshot_id(args.replace) if args.replace is not None else None
    # dfx names the canister by id in this one message (and by name in load's)
    await _ensure_stopped(net, args, cid, str(cid), "taken of")
    snap = await management(
        net,
        f"Failed to take snapshot of canister {args.canister}",
        "take_canister_snapshot",
        sender(net, args),
        canister_id=cid,
        replace_snapshot=replace,
    )
    out(f"Created a new snapshot of canister {args.canister}. Snapshot ID: {snap.id.hex()}")


async def cmd_snapshot_load(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = canister_id(net, args.canister)
    sid = snapshot_id(args.snapshot)
    await _ensure_stopped(net, args, cid, args.canister, "applied to")
    await management(
        net,
        f"Failed to load snapshot {sid_text(sid)} in canister {args.canister}",
        "load_canister_snapshot",
        sender(net, args),
        canister_id=cid,
        snapshot_id=sid,
    )
    out(f"Loaded snapshot {sid_text(sid)} in canister {args.canister}")


async def cmd_snapshot_delete(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = canister_id(net, args.canister)
    sid = snapshot_id(args.snapshot)
    await management(
        net,
        f"Failed to delete snapshot {sid_text(sid)} in canister {args.canister}",
        "delete_canister_snapshot",
        sender(net, args),
        canister_id=cid,
        snapshot_id=sid,
    )
    out(f"Deleted snapshot {sid_text(sid)} from canister {args.canister}")


async def cmd_snapshot_list(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = canister_id(net, args.canister)
    snapshots = await management(
        net,
        f"Failed to retrieve snapshot list from canister {args.canister}",
        "list_canister_snapshots",
        sender(net, args),
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
    cid = canister_id(net, args.canister)
    sid = snapshot_id(args.snapshot)
    folder = _directory(args.dir)
    if any(folder.iterdir()):
        raise CliError(f"Directory '{folder}' is not empty")
    caller = sender(net, args)
    label = f"snapshot {sid_text(sid)} in canister {args.canister}"
    metadata = await management(
        net,
        f"Failed to read metadata from {label}",
        "read_canister_snapshot_metadata",
        caller,
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
                piece = await management(
                    net,
                    f"Failed to read {what} from {label}",
                    "read_canister_snapshot_data",
                    caller,
                    canister_id=cid,
                    snapshot_id=sid,
                    kind={kind: {"offset": offset, "size": min(SLICE, size - offset)}},
                )
                f.write(piece.chunk)
    out(f"Snapshot {sid_text(sid)} in canister {args.canister} saved to '{folder}'")


def _bytes_field(value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, str):
        return bytes.fromhex(value)
    return bytes(value)


async def cmd_snapshot_upload(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = canister_id(net, args.canister)
    folder = _directory(args.dir)
    replace = snapshot_id(args.replace) if args.replace is not None else None
    caller = sender(net, args)
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
    created = await management(
        net,
        f"Failed to upload snapshot metadata to canister {args.canister}",
        "upload_canister_snapshot_metadata",
        caller,
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
            await management(
                net,
                f"Failed to upload {kind.replace('_', ' ')} to snapshot {sid.hex()} in "
                f"canister {args.canister}",
                "upload_canister_snapshot_data",
                caller,
                canister_id=cid,
                snapshot_id=sid,
                kind={kind: {"offset": offset}},
                chunk=piece,
            )
    out(f"Uploaded a snapshot of canister {args.canister}. Snapshot ID: {sid.hex()}")


__all__ = [
    "SLICE",
    "cmd_snapshot_create",
    "cmd_snapshot_delete",
    "cmd_snapshot_download",
    "cmd_snapshot_list",
    "cmd_snapshot_load",
    "cmd_snapshot_upload",
]
