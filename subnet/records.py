"""Results of management-canister calls, as frozen dataclasses with the Candid field names.

Inside the simulated world a management call replies with plain data (dicts keyed by the
Candid field names, bytes for blobs), exactly what crosses a canister boundary. The scenario
API (``net.management``) turns those into the dataclasses below, which read like the Candid:
``snapshot.taken_at_timestamp``, ``status.settings.controllers``. Variants are one-key dicts
(``{"from_user": {"user_id": ...}}``) except the plain enumerations, which are strings
(``status.status == "stopped"``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from .ids import Principal, SnapshotId


@dataclass(frozen=True)
class CreateCanisterResult:
    canister_id: Principal


@dataclass(frozen=True)
class DefiniteCanisterSettings:
    controllers: tuple[Principal, ...]
    compute_allocation: int = 0
    memory_allocation: int = 0
    freezing_threshold: int = 2_592_000
    reserved_cycles_limit: int = 5_000_000_000_000
    log_visibility: str = "controllers"
    wasm_memory_limit: int = 3_221_225_472
    wasm_memory_threshold: int = 0
    # "controllers" | "public" | {"allowed_viewers": [principal, ...]} (interface spec 0.57)
    snapshot_visibility: Any = "controllers"


@dataclass(frozen=True)
class CanisterStatusResult:
    """``canister_status``: the fields of ic.did's ``canister_status_result`` the simulator
    reports, in its order (``version`` since interface spec 0.46)."""

    status: str  # "running" | "stopping" | "stopped"
    version: int  # the canister version (nat64)
    settings: DefiniteCanisterSettings
    module_hash: bytes | None
    memory_size: int
    cycles: int
    idle_cycles_burned_per_day: int = 0
    reserved_cycles: int = 0


@dataclass(frozen=True)
class Change:
    """One entry of a canister's history (``canister_info``)."""

    timestamp_nanos: int
    canister_version: int
    origin: dict[str, Any]  # {"from_user": {"user_id": p}} | {"from_canister": {...}}
    details: dict[str, Any]  # {"creation": {...}} | {"code_deployment": {...}} | ...


@dataclass(frozen=True)
class CanisterInfoResult:
    total_num_changes: int
    recent_changes: tuple[Change, ...]
    module_hash: bytes | None
    controllers: tuple[Principal, ...]


@dataclass(frozen=True)
class ChunkHash:
    """``chunk_hash``: what ``upload_chunk`` answers, ``stored_chunks`` lists and a snapshot's
    metadata lists as its ``wasm_chunk_store`` (the SHA-256 of a chunk)."""

    hash: bytes


@dataclass(frozen=True)
class Snapshot:
    """A snapshot as ``take_canister_snapshot`` and ``list_canister_snapshots`` describe it."""

    id: SnapshotId
    taken_at_timestamp: int
    total_size: int


@dataclass(frozen=True)
class SnapshotMetadata:
    """``read_canister_snapshot_metadata``: everything but the bytes."""

    source: str  # "taken_from_canister" | "metadata_upload"
    taken_at_timestamp: int
    wasm_module_size: int
    globals: tuple[Any, ...]
    wasm_memory_size: int
    stable_memory_size: int
    wasm_chunk_store: tuple[ChunkHash, ...]
    canister_version: int
    certified_data: bytes
    global_timer: dict[str, Any] | None  # None: an upload that left it out
    on_low_wasm_memory_hook_status: str | None  # None: an upload that left it out
    checksum: bytes = field(default=b"", compare=False)  # an extension: the content's SHA-256


@dataclass(frozen=True)
class UploadSnapshotMetadataResult:
    snapshot_id: SnapshotId


@dataclass(frozen=True)
class ReadSnapshotDataResult:
    chunk: bytes


def _build(cls: type, data: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def to_snapshot(data: dict[str, Any]) -> Snapshot:
    return Snapshot(
        SnapshotId.from_bytes(data["id"]), data["taken_at_timestamp"], data["total_size"]
    )


def to_status(data: dict[str, Any]) -> CanisterStatusResult:
    settings = dict(data["settings"])
    settings["controllers"] = tuple(settings["controllers"])
    status: CanisterStatusResult = _build(
        CanisterStatusResult, {**data, "settings": _build(DefiniteCanisterSettings, settings)}
    )
    return status


def to_info(data: dict[str, Any]) -> CanisterInfoResult:
    changes = tuple(_build(Change, c) for c in data["recent_changes"])
    return CanisterInfoResult(
        data["total_num_changes"], changes, data["module_hash"], tuple(data["controllers"])
    )


def to_metadata(data: dict[str, Any]) -> SnapshotMetadata:
    values = dict(data)
    values["globals"] = tuple(values.get("globals", ()))
    values["wasm_chunk_store"] = tuple(
        ChunkHash(c["hash"]) for c in values.get("wasm_chunk_store", ())
    )
    metadata: SnapshotMetadata = _build(SnapshotMetadata, values)
    return metadata


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "create_canister": lambda d: CreateCanisterResult(d["canister_id"]),
    "provisional_create_canister_with_cycles": lambda d: CreateCanisterResult(d["canister_id"]),
    "canister_status": to_status,
    "canister_info": to_info,
    "take_canister_snapshot": to_snapshot,
    "list_canister_snapshots": lambda d: [to_snapshot(s) for s in d],
    "read_canister_snapshot_metadata": to_metadata,
    "read_canister_snapshot_data": lambda d: ReadSnapshotDataResult(d["chunk"]),
    "upload_chunk": lambda d: ChunkHash(d["hash"]),
    "stored_chunks": lambda d: [ChunkHash(c["hash"]) for c in d],
    "upload_canister_snapshot_metadata": lambda d: UploadSnapshotMetadataResult(
        SnapshotId.from_bytes(d["snapshot_id"])
    ),
}
