"""Saving an idle subnet to a file and loading it back: what keeps ``subnet`` commands'
state in ``.subnet/state.cbor`` between one command and the next.

The file is CBOR (the heap encoding of :mod:`subnet.heap`, so principals and tuples survive),
one map tagged with a format name and a version number::

    {"format": "subnet-state", "version": 1, "subnet": {...}, "chunks": [...], "canisters": [...]}

What is saved is everything a later command can observe: per canister its id, controllers,
status, version, history, code (as :func:`subnet.snapshots.module_bytes`: a reference to the
class and its hash), committed heap image, continuation table, stable memory, certified data,
global timer, settings and cycles, snapshots (every field) and snapshot counter; per subnet the
seed, time, step count, id counters, canister names, the strategy's and ``raw_rand``'s random
state, and the configuration (snapshot limit, guards, orphan policy).

Not saved: the trace and the decision list (each command starts a fresh trace), and anything in
flight. Python frames cannot be written to a file, so :func:`save` refuses a subnet with queued
messages, open call contexts or outstanding callbacks. Between CLI commands the subnet is always
idle: every command runs until its calls are answered.

Stable memory is written sparsely: only the 4 KiB chunks that hold data, each distinct chunk
object once, so a 1 GiB memory with one written page costs a few KiB, and chunks that the
canister shares with its snapshots (copy-on-write) are still shared after loading (so
``canister_status``'s memory size is the same).

Writes are atomic (:func:`subnet.codec.write_atomic`: temporary file, fsync, rename), so a crash
leaves either the old state or the new one. Locking against concurrent commands is the caller's
job (:mod:`subnet.cli.project` holds an ``fcntl`` lock around load-run-save).
"""

from __future__ import annotations

import dataclasses
import importlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actors.canister import Canister

from .api import Subnet
from .codec import DocumentError, decode_document, encode_document, write_atomic
from .errors import SimulatorError
from .heap import HeapError
from .ids import Principal, SnapshotId
from .management.context import NotSavable
from .management.lifecycle import load_image
from .management.store import MODULE_MAGIC, StoredSnapshot, code_from_module, module_bytes
from .memory import CHUNK_SIZE, MemoryImage, StableMemory
from .messages import INGRESS, REQUEST
from .strategies import RandomStrategy, Replay, RoundRobin
from .system import CanisterState

FORMAT = "subnet-state"
VERSION = 1


class PersistError(Exception):
    """A state that cannot be saved or loaded; the message says why, in one line."""


class CodeChangedError(PersistError):
    """The class of a saved canister is not the one that was installed (its source changed)."""

    def __init__(self, message: str, changed: list[str]) -> None:
        super().__init__(message)
        self.changed = changed


@dataclass
class LoadedState:
    """What :func:`load_state` returns: the subnet, and the canisters whose code was replaced by
    a changed class (only with ``accept_code_changes=True``)."""

    net: Subnet
    changed_code: list[Principal] = field(default_factory=list)


# -- stable memory, sparsely ----------------------------------------------------------------------


class _ChunkPool:
    """Distinct chunk objects, numbered in order of first appearance."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self._index: dict[int, int] = {}

    def ref(self, chunk: bytes) -> int:
        key = id(chunk)
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self.chunks)
            self.chunks.append(chunk)
        return index

    def memory(self, memory: StableMemory | MemoryImage) -> dict[str, Any]:
        return {
            "pages": memory.size(),
            "chunks": [[i, self.ref(c)] for i, c in memory.stored_chunks()],
        }


def _restore_memory(doc: dict[str, Any], pool: list[bytes]) -> StableMemory:
    memory = StableMemory()
    pages = doc["pages"]
    if memory.grow(pages) < 0:
        raise PersistError(f"a stable memory of {pages} pages is larger than the maximum")
    for index, ref in doc["chunks"]:
        chunk = pool[ref]
        if len(chunk) != CHUNK_SIZE:
            raise PersistError("a stable memory chunk has the wrong size")
        memory.write(index * CHUNK_SIZE, chunk)  # the chunk object itself is stored: shared
    return memory


def _sparse_buffer(data: bytearray) -> dict[str, Any]:
    """An upload buffer (a bytearray of the declared size) without its zero chunks."""
    zero = bytes(CHUNK_SIZE)
    chunks = []
    for offset in range(0, len(data), CHUNK_SIZE):
        piece = bytes(data[offset : offset + CHUNK_SIZE])
        if piece != zero[: len(piece)]:
            chunks.append([offset, piece])
    return {"size": len(data), "chunks": chunks}


def _restore_buffer(doc: dict[str, Any]) -> bytearray:
    buffer = bytearray(doc["size"])
    for offset, piece in doc["chunks"]:
        buffer[offset : offset + len(piece)] = piece
    return buffer


# -- code ---------------------------------------------------------------------------------------


def _module_ref(module: bytes) -> str:
    """``module:qualname`` of a module stand-in (see :func:`subnet.snapshots.module_bytes`)."""
    return module[len(MODULE_MAGIC) :].split(b"\n", 1)[0].decode(errors="replace")


def _import_class(ref: str) -> type | None:
    module_name, _, qualname = ref.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError, ValueError):
        return None
    return obj if isinstance(obj, type) and issubclass(obj, Canister) else None


def _resolve_code(module: bytes, owner: str, accept_changes: bool) -> tuple[type, bool]:
    """The class a saved module refers to, and whether its source changed since."""
    try:
        return code_from_module(module), False
    except ValueError as exc:
        reason = str(exc)
    ref = _module_ref(module)
    cls = _import_class(ref) if module.startswith(MODULE_MAGIC) else None
    if cls is None:
        raise PersistError(
            f"the code of {owner} ({ref}) cannot be loaded: {reason}; restore that class, or "
            f"run `subnet start --clean` to start over"
        )
    if not accept_changes:
        raise CodeChangedError(
            f"the code of {owner} ({ref}) changed since it was installed", [owner]
        )
    return cls, True


# -- save -----------------------------------------------------------------------------------------


def _check_idle(net: Subnet) -> None:
    engine = net.engine
    busy: list[str] = []
    if engine.has_work():
        busy.append("messages are queued")
    for cs in engine.canisters.values():
        if cs.call_contexts or cs.callbacks:
            busy.append(
                f"canister {cs.id} has {len(cs.call_contexts)} open call context(s) and "
                f"{len(cs.callbacks)} outstanding callback(s)"
            )
        elif cs.status == "stopping" or cs.stop_waiters:
            busy.append(f"canister {cs.id} is stopping")
    if busy:
        raise PersistError(
            "cannot save a subnet with messages in flight (" + "; ".join(busy) + "): run it until "
            "it is idle first (await net.run_until_idle())"
        )


def _strategy(net: Subnet) -> dict[str, Any]:
    strategy = net.engine.strategy
    if isinstance(strategy, RoundRobin | RandomStrategy) and type(strategy) is not Replay:
        return strategy.state()
    raise PersistError(
        f"cannot save a subnet whose strategy is {getattr(strategy, 'name', strategy)!r} "
        f"(only round_robin and random are saved)"
    )


def _encode_field(value: Any, pool: _ChunkPool) -> Any:
    """A snapshot field as plain data; ids, code, memories and buffers are marked."""
    if isinstance(value, SnapshotId):
        return {"$snapshot_id": bytes(value)}
    if isinstance(value, type) and issubclass(value, Canister):
        return {"$code": module_bytes(value)}
    if isinstance(value, MemoryImage | StableMemory):
        return {"$memory": pool.memory(value)}
    if isinstance(value, bytearray):
        return {"$bytearray": _sparse_buffer(value)}
    if isinstance(value, dict):
        return {k: _encode_field(v, pool) for k, v in value.items()}
    return value


def _snapshot_doc(snap: StoredSnapshot, pool: _ChunkPool) -> dict[str, Any]:
    """Every field of the snapshot (whatever :class:`StoredSnapshot` holds)."""
    return {f.name: _encode_field(getattr(snap, f.name), pool) for f in dataclasses.fields(snap)}


def _canister_doc(cs: CanisterState, pool: _ChunkPool) -> dict[str, Any]:
    return {
        "id": cs.id,
        "controllers": list(cs.controllers),
        "status": cs.status,
        "version": cs.version,
        "module": module_bytes(cs.code) if cs.code is not None else None,
        "heap": cs.heap.image() if cs.code is not None else None,
        "continuations": dict(cs.continuations),
        "stable": pool.memory(cs.stable),
        "certified_data": cs.certified_data,
        "global_timer": cs.global_timer,
        "history": list(cs.history),
        "total_num_changes": cs.total_num_changes,
        "extra": dict(cs.extra),
        "next_snapshot_id": cs.next_snapshot_id,
        "snapshots": [_snapshot_doc(s, pool) for s in cs.snapshots.values()],
        # the (empty) input queues keep their source ids, which order the scheduler's choices
        "ingress_source": cs.ingress.id if cs.ingress is not None else None,
        "queue_sources": [[sender, src.id] for sender, src in cs.queues.items()],
    }


# The fields of the file's "subnet" map, in the order they are written (CBOR maps keep their
# order, so this order is part of the format): the subnet's own, its engine's and its management
# canister's (Subnet.state), and the strategy's.
_SUBNET_FIELDS = (
    "seed",
    "scenario",
    "time",
    "step_ns",
    "steps",
    "orphan_policy",
    "max_snapshots_per_canister",
    "snapshot_guard",
    "guard_overrides",
    "next_canister_index",
    "names",
    "next_id",
    "next_source",
    "strategy",
    "raw_rand",
)


def _subnet_doc(net: Subnet) -> dict[str, Any]:
    try:
        fields = net.state()
    except NotSavable as exc:
        raise PersistError(str(exc)) from None
    fields["strategy"] = _strategy(net)
    doc = {name: fields.pop(name) for name in _SUBNET_FIELDS}
    if fields:
        raise SimulatorError(f"subnet state fields missing from the state format: {sorted(fields)}")
    return doc


def dumps(net: Subnet) -> bytes:
    """The saved form of an idle subnet (see the module docstring)."""
    _check_idle(net)
    pool = _ChunkPool()
    canisters = [_canister_doc(cs, pool) for cs in net.engine.canisters.values()]
    doc = {"subnet": _subnet_doc(net), "chunks": pool.chunks, "canisters": canisters}
    try:
        return encode_document(FORMAT, VERSION, doc)
    except HeapError as exc:
        raise PersistError(f"cannot save the subnet: {exc}") from None


def save(net: Subnet, path: str | os.PathLike[str]) -> None:
    """Write ``net`` (which must be idle) to ``path`` atomically."""
    write_atomic(path, dumps(net))


# -- load -----------------------------------------------------------------------------------------


def _restore_canister(
    net: Subnet, doc: dict[str, Any], pool: list[bytes], accept_changes: bool
) -> tuple[CanisterState, bool]:
    engine = net.engine
    cs = engine.add_canister(doc["id"], list(doc["controllers"]))
    owner = f"canister {cs.id}"
    cs.status = doc["status"]
    cs.version = doc["version"]
    cs.history = list(doc["history"])
    cs.total_num_changes = doc["total_num_changes"]
    cs.extra = dict(doc["extra"])
    cs.certified_data = doc["certified_data"]
    engine.arm_timer(cs, doc["global_timer"])
    cs.next_snapshot_id = doc["next_snapshot_id"]
    cs.stable.restore(_restore_memory(doc["stable"], pool).fork())
    if doc["ingress_source"] is not None:
        cs.ingress = engine.restore_source(doc["ingress_source"], INGRESS, cs, None)
    for sender, sid in doc["queue_sources"]:
        cs.queues[sender] = engine.restore_source(sid, REQUEST, cs, sender)
    if doc["module"] is not None:
        code, changed = _resolve_code(doc["module"], owner, accept_changes)
        load_image(cs, code, doc["heap"])
    else:
        changed = False
    cs.continuations = {int(k): int(v) for k, v in doc["continuations"].items()}
    for sdoc in doc["snapshots"]:
        changes: list[bool] = []

        def decode(value: Any, sdoc: dict[str, Any] = sdoc, changes: list[bool] = changes) -> Any:
            if isinstance(value, dict) and len(value) == 1:
                ((key, inner),) = value.items()
                if key == "$snapshot_id":
                    return SnapshotId.from_bytes(inner)
                if key == "$code":
                    what = f"snapshot {bytes(sdoc['id']['$snapshot_id']).hex()} of {owner}"
                    code, code_changed = _resolve_code(inner, what, accept_changes)
                    changes.append(code_changed)
                    return code
                if key == "$memory":
                    return _restore_memory(inner, pool).fork()
                if key == "$bytearray":
                    return _restore_buffer(inner)
            if isinstance(value, dict):
                return {k: decode(v) for k, v in value.items()}
            return value

        snap = StoredSnapshot(**{name: decode(value) for name, value in sdoc.items()})
        if any(changes) and snap.checksum:
            # the snapshot now refers to the class as it is: its checksum follows
            snap.checksum = snap.compute_checksum()
        cs.snapshots[snap.id] = snap
    return cs, changed


def loads(data: bytes, *, accept_code_changes: bool = False, source: str = "state") -> LoadedState:
    """The subnet saved in ``data`` (by :func:`dumps`).

    A canister class whose source changed since it was saved raises :class:`CodeChangedError`,
    unless ``accept_code_changes``: then the canister (and its snapshots) get the class as it is
    now, and :attr:`LoadedState.changed_code` lists those canisters."""
    try:
        doc = decode_document(data, FORMAT, VERSION)
    except DocumentError as exc:
        if exc.problem == "damaged":
            raise PersistError(
                f"{source} is damaged (CBOR decoding failed: {exc.detail}); run `subnet start "
                f"--clean` to start over"
            ) from None
        if exc.problem == "format":
            raise PersistError(f"{source} is not a subnet state file") from None
        raise PersistError(
            f"{source} has state format version {exc.detail!r}, and this subnet reads version "
            f"{VERSION}; run `subnet start --clean` to start over"
        ) from None
    net: Subnet | None = None
    try:
        meta = doc["subnet"]
        net = Subnet(seed=meta["seed"], scenario=meta["scenario"])
        net.restore(meta)
        engine = net.engine
        strategy = meta["strategy"]
        if strategy["name"] == "round_robin":
            restored: RoundRobin | RandomStrategy = RoundRobin()
        else:
            restored = RandomStrategy(strategy["seed"])
        restored.restore(strategy)
        engine.use_strategy(restored)
        pool = doc["chunks"]
        changed = [
            cs.id
            for cs, code_changed in (
                _restore_canister(net, c, pool, accept_code_changes) for c in doc["canisters"]
            )
            if code_changed
        ]
    except PersistError:
        if net is not None:
            net.close()
        raise
    except (KeyError, TypeError, ValueError, IndexError, HeapError, AttributeError) as exc:
        if net is not None:
            net.close()
        raise PersistError(
            f"{source} is damaged ({type(exc).__name__}: {exc}); run `subnet start --clean` "
            f"to start over"
        ) from None
    return LoadedState(net, changed)


def load_state(path: str | os.PathLike[str], *, accept_code_changes: bool = False) -> LoadedState:
    """Read a state file written by :func:`save` (see :func:`loads`)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise PersistError(f"cannot read {path}: {exc.strerror or exc}") from None
    return loads(data, accept_code_changes=accept_code_changes, source=str(path))


def load(path: str | os.PathLike[str]) -> Subnet:
    """The subnet saved in ``path`` by :func:`save`."""
    return load_state(path).net


__all__ = [
    "FORMAT",
    "VERSION",
    "CodeChangedError",
    "LoadedState",
    "PersistError",
    "dumps",
    "load",
    "load_state",
    "loads",
    "save",
]
