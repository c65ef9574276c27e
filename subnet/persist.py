"""Saving an idle subnet to a file and loading it back: what keeps ``subnet`` commands'
state in ``.subnet/state.cbor`` between one command and the next.

The file is a sealed CBOR document (:mod:`subnet.codec`): a header with a format name and a
version number, the body's CBOR bytes (the heap encoding of :mod:`subnet.heap`, so principals
and tuples survive) and their SHA-256::

    {"format": "subnet-state", "version": 2, "sha256": DIGEST, "body": BYTES}
    BYTES = {"subnet": {...}, "chunks": [...], "canisters": [...]}

Version 1 files (the same map, unsealed, without a checksum) are still read, and are written
back as version 2 by the next command that changes the subnet.

What is saved is everything a later command can observe: per canister its id, controllers,
status, version, history, code (as :func:`subnet.snapshots.module_bytes`: a reference to the
class and its hash), committed heap image, continuation table, stable memory, certified data,
global timer, settings and cycles, snapshots (every field) and snapshot counter; per subnet the
seed, time, step count, id counters, canister names, the strategy's and ``raw_rand``'s random
state, and the configuration (snapshot limit, guards, orphan policy).

A state file is input like any other: loading checks its checksum, then every field (type,
range, and what the fields say of each other) before anything is built, and answers a file that
does not hold what :func:`dumps` writes with one :class:`PersistError`. The classes it names are
found by a :data:`ClassResolver`, which never imports a module: by default only classes already
imported; the command line's knows the classes of ``subnet.toml``.

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

import contextlib
import dataclasses
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actors.canister import Canister

from .api import Subnet
from .codec import (
    DocumentError,
    decode,
    decode_document,
    describe,
    encode_document,
    write_atomic,
)
from .errors import Reject, SimulatorError
from .guards import POLICIES
from .heap import HeapError
from .ids import MANAGEMENT, Principal, SnapshotId
from .management.args import HOOK_STATUSES, SETTINGS_FIELDS, BadArgument, exported_globals
from .management.context import MAX_HISTORY, NotSavable
from .management.lifecycle import load_image
from .management.snapshots import (
    MAX_GLOBALS,
    MAX_MODULE_SIZE,
    MAX_STABLE_MEMORY_SIZE,
    MAX_WASM_MEMORY_SIZE,
)
from .management.store import MODULE_MAGIC, StoredSnapshot, module_bytes
from .memory import (
    CHUNK_SIZE,
    DEFAULT_MAX_PAGES,
    PAGE_SIZE,
    MemoryImage,
    SparseBuffer,
    StableMemory,
    StableMemoryError,
)
from .messages import INGRESS, REQUEST
from .strategies import RandomStrategy, Replay, RoundRobin
from .system import CanisterState
from .wasm.module import IMAGE_MAGIC, InvalidWasm, WasmModule
from .wasm.pages import WasmImage

FORMAT = "subnet-state"
VERSION = 2  # 2: sealed (the body's SHA-256 is checked before it is read)
READ_VERSIONS = (1, 2)


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


def _sparse_buffer(data: SparseBuffer) -> dict[str, Any]:
    """An upload buffer (of the declared size): only the chunks it holds."""
    chunks = [[offset, piece] for offset, piece in data.stored_chunks()]
    return {"size": len(data), "chunks": chunks}


def _restore_buffer(doc: dict[str, Any]) -> SparseBuffer:
    buffer = SparseBuffer(doc["size"])
    for offset, piece in doc["chunks"]:
        buffer.write(offset, piece)
    return buffer


# -- code ---------------------------------------------------------------------------------------

#: Resolves a class reference ``module:qualname`` to the canister class it names, or None to
#: refuse it. It never imports anything the reference names: a state file is untrusted input.
ClassResolver = Callable[[str], "type[Canister] | None"]


def class_ref(cls: type) -> str:
    """``module:qualname`` of a class, as :func:`subnet.snapshots.module_bytes` writes it."""
    return f"{cls.__module__}:{cls.__qualname__}"


def module_reference(module: bytes) -> tuple[str, str] | None:
    """``(module:qualname, hash)`` of module bytes (see
    :func:`subnet.snapshots.module_bytes`), or None if they are no such reference."""
    if not module.startswith(MODULE_MAGIC):
        return None
    try:
        ref, digest = module[len(MODULE_MAGIC) :].decode().splitlines()[:2]
    except (UnicodeDecodeError, ValueError):
        return None
    module_name, sep, qualname = ref.partition(":")
    if not sep or not module_name or not qualname:
        return None
    return ref, digest


def imported_class(ref: str) -> type[Canister] | None:
    """The canister class ``module:qualname`` if its module is already imported (the default
    :data:`ClassResolver`: a state file names classes, it never makes anything be imported)."""
    module_name, _, qualname = ref.partition(":")
    obj: Any = sys.modules.get(module_name)
    parts = qualname.split(".")
    if obj is None or not all(p.isidentifier() and not p.startswith("__") for p in parts):
        return None
    for part in parts:
        obj = getattr(obj, part, None)
    return obj if isinstance(obj, type) and issubclass(obj, Canister) else None


def class_resolver(classes: Iterable[type[Canister]]) -> ClassResolver:
    """A :data:`ClassResolver` that knows ``classes`` and nothing else."""
    table = {class_ref(cls): cls for cls in classes}
    return table.get


def _resolve_code(
    module: bytes, owner: str, accept_changes: bool, resolve: ClassResolver
) -> tuple[type[Canister], bool]:
    """The class a saved module refers to, and whether its source changed since. A Wasm
    module is its own code: its bytes are saved, and it runs in wasmtime's sandbox, so
    nothing is imported or resolved for it."""
    if module.startswith(b"\0asm"):
        try:
            return WasmModule(module).canister_class(), False
        except InvalidWasm as exc:
            raise PersistError(f"the Wasm module of {owner} is not valid: {exc}") from None
    found = module_reference(module)
    if found is None:
        raise PersistError(
            f"the code of {owner} is not a subnet canister reference; run `subnet start "
            f"--clean` to start over"
        )
    ref, digest = found
    cls = resolve(ref)
    if cls is None:
        raise PersistError(
            f"the code of {owner} is the class {_short(ref)}, which this subnet "
            f"does not know (a state file may only name the canister classes of the project, "
            f"and nothing it names is imported); declare that class, or run `subnet start "
            f"--clean` to start over"
        )
    if cls.module_hash().hex() == digest:
        return cls, False
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
    if isinstance(value, WasmImage):  # a Wasm module's memory: saved as its bytes
        return value.to_bytes()
    if isinstance(value, SparseBuffer):  # (marked as when buffers were bytearrays)
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
        "heap": cs.heap_image() if cs.code is not None else None,
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
        return encode_document(FORMAT, VERSION, doc, sealed=True)
    except HeapError as exc:
        raise PersistError(f"cannot save the subnet: {exc}") from None


def save(net: Subnet, path: str | os.PathLike[str]) -> None:
    """Write ``net`` (which must be idle) to ``path`` atomically."""
    write_atomic(path, dumps(net))


# -- load: every field checked before anything is built -----------------------------------------

U64_MAX = (1 << 64) - 1
# counters that commands advance (time, steps, ids, versions) leave room to grow, so that what a
# command saves from a loaded state loads again: at most 2**63 - 1 (the year 2262, for time)
_COUNTER_MAX = (1 << 63) - 1
_STEP_NS_MAX = 1 << 40  # nanoseconds a step advances time by: up to 18 minutes
_CANISTER_INDEX_MAX = U64_MAX - (1 << 32)  # room for 2**32 more canisters
_SEED_BITS = 256  # a subnet's seed: any integer a project or a scenario gives, within reason
_MAX_CONTROLLERS = 10
_MAX_CERTIFIED_DATA = 32
_CHANGE_KINDS = ("creation", "code_uninstall", "code_deployment", "controllers_change",
                 "load_snapshot")  # fmt: skip
_SNAPSHOT_SOURCES = ("taken_from_canister", "metadata_upload")
_MAX_STORED_CHUNKS = 100  # a Wasm chunk store: at most 100 chunks of at most 1 MiB
_MAX_WASM_CHUNK = 1 << 20
_BUFFERS = ("wasm_module", "main_memory", "stable_memory")
_CANISTER_FIELDS = (
    "id", "controllers", "status", "version", "module", "heap", "continuations", "stable",
    "certified_data", "global_timer", "history", "total_num_changes", "extra",
    "next_snapshot_id", "snapshots", "ingress_source", "queue_sources",
)  # fmt: skip
_SNAPSHOT_FIELDS = tuple(f.name for f in dataclasses.fields(StoredSnapshot))
# a field with a default may be missing (a file written before the field was added)
_SNAPSHOT_REQUIRED = tuple(
    f.name
    for f in dataclasses.fields(StoredSnapshot)
    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
)
# fields that may be None (their annotation says so)
_SNAPSHOT_NULLABLE = frozenset(
    f.name for f in dataclasses.fields(StoredSnapshot) if "None" in str(f.type)
)


def _snapshot_defaults() -> dict[str, Any]:
    """What a snapshot field that a file leaves out is (its dataclass default)."""
    defaults: dict[str, Any] = {}
    for f in dataclasses.fields(StoredSnapshot):
        if f.default is not dataclasses.MISSING:
            defaults[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            defaults[f.name] = f.default_factory()
    return defaults


class _Damaged(Exception):
    """A field of a state file that does not hold what it must (the message says which)."""


def _short(value: Any) -> str:
    """A value, briefly, for a message (never a huge int's digits or a whole blob)."""
    return describe(value)


def _int(value: Any, what: str, lo: int = 0, hi: int = U64_MAX) -> int:
    if type(value) is not int or not lo <= value <= hi:
        raise _Damaged(f"{what} must be an integer from {lo} to {hi}, not {_short(value)}")
    return value


def _bits(value: Any, what: str, bits: int = _SEED_BITS) -> int:
    if type(value) is not int or value.bit_length() > bits:
        raise _Damaged(f"{what} must be an integer of at most {bits} bits, not {_short(value)}")
    return value


def _bytes(value: Any, what: str, max_len: int | None = None, sizes: tuple[int, ...] = ()) -> bytes:
    if type(value) is not bytes:
        raise _Damaged(f"{what} must be bytes, not {_short(value)}")
    if (max_len is not None and len(value) > max_len) or (sizes and len(value) not in sizes):
        raise _Damaged(f"{what} has the wrong length ({len(value)} bytes)")
    return value


def _str(value: Any, what: str, choices: tuple[str, ...] | None = None) -> str:
    if type(value) is not str or (choices is not None and value not in choices):
        expected = f"one of {', '.join(choices)}" if choices else "a string"
        raise _Damaged(f"{what} must be {expected}, not {_short(value)}")
    return value


def _bool(value: Any, what: str) -> bool:
    if type(value) is not bool:
        raise _Damaged(f"{what} must be true or false, not {_short(value)}")
    return value


def _principal(value: Any, what: str) -> Principal:
    if type(value) is not Principal:
        raise _Damaged(f"{what} must be a principal, not {_short(value)}")
    return value


def _seq(value: Any, what: str, length: int | None = None, max_len: int | None = None) -> list[Any]:
    if type(value) not in (list, tuple):
        raise _Damaged(f"{what} must be a list, not {_short(value)}")
    if (length is not None and len(value) != length) or (
        max_len is not None and len(value) > max_len
    ):
        raise _Damaged(f"{what} has the wrong number of items ({len(value)})")
    return list(value)


def _map(value: Any, what: str, keys: tuple[str, ...] | None = None) -> dict[Any, Any]:
    if type(value) is not dict:
        raise _Damaged(f"{what} must be a map, not {_short(value)}")
    if keys is not None and set(value) != set(keys):
        unknown = sorted(_short(k) for k in value if k not in keys)
        missing = [k for k in keys if k not in value]
        raise _Damaged(
            f"{what} has "
            + "; ".join(
                part
                for part in (
                    f"unknown field(s) {', '.join(unknown)}" if unknown else "",
                    f"no {', '.join(missing)}" if missing else "",
                )
                if part
            )
        )
    return value


def _variant(value: Any, what: str, cases: tuple[str, ...]) -> tuple[str, Any]:
    """A one-key map (a Candid variant) whose key is one of ``cases``."""
    doc = _map(value, what)
    if len(doc) != 1:
        raise _Damaged(f"{what} must be a map of one field, not {_short(doc)}")
    ((case, inner),) = doc.items()
    return _str(case, f"{what}'s case", cases), inner


def _nat_map(value: Any, what: str) -> dict[int, int]:
    """A map of u64 to u64 (a continuation table)."""
    return {
        _int(k, f"a key of {what}"): _int(v, f"a value of {what}")
        for k, v in _map(value, what).items()
    }


def _rng_state(value: Any, what: str) -> tuple[int, tuple[int, ...], float | None]:
    """A ``random.Random`` state (``getstate()``: version 3, 624 words and a position)."""
    version, internal, gauss = _seq(value, what, 3)
    _int(version, f"{what}'s version", 3, 3)
    words = _seq(internal, f"{what}'s words", 625)
    for word in words[:-1]:
        _int(word, f"a word of {what}", 0, 2**32 - 1)
    _int(words[-1], f"{what}'s position", 0, 624)
    if gauss is not None and type(gauss) is not float:
        raise _Damaged(f"{what}'s gauss must be a float or null, not {_short(gauss)}")
    return version, tuple(words), gauss


def _guard(value: Any, what: str) -> list[str]:
    return [_str(p, f"{what}'s policy", POLICIES) for p in _seq(value, what, 2)]


def _check_subnet(meta: Any) -> dict[str, Any]:
    doc = _map(meta, "the subnet", _SUBNET_FIELDS)
    _bits(doc["seed"], "the seed")
    if doc["scenario"] is not None:
        _str(doc["scenario"], "the scenario")
    for name in ("time", "steps", "next_id", "next_source"):
        _int(doc[name], f"the subnet's {name}", 0, _COUNTER_MAX)
    _int(doc["step_ns"], "the subnet's step_ns", 0, _STEP_NS_MAX)
    _int(doc["max_snapshots_per_canister"], "the subnet's max_snapshots_per_canister")
    _int(doc["next_canister_index"], "the next canister index", 0, _CANISTER_INDEX_MAX)
    _str(doc["orphan_policy"], "the orphan policy", ("trap", "misdeliver"))
    _guard(doc["snapshot_guard"], "the snapshot guard")
    overridden: set[Principal] = set()
    for item in _seq(doc["guard_overrides"], "the guard overrides"):
        cid, guard = _seq(item, "a guard override", 2)
        if _principal(cid, "a guard override's canister") in overridden:
            raise _Damaged(f"the guard of canister {cid} is overridden twice")
        overridden.add(cid)
        _guard(guard, f"the guard override of {cid}")
    for name, cid in _map(doc["names"], "the canister names").items():
        _principal(cid, f"the canister named {_short(_str(name, 'a canister name'))}")
    strategy = _map(doc["strategy"], "the strategy")
    if strategy.get("name") == "random":
        _map(strategy, "the random strategy", ("name", "seed", "state"))
        _bits(strategy["seed"], "the random strategy's seed")
        _rng_state(strategy["state"], "the random strategy's generator")
    else:
        _map(strategy, "the strategy", ("name", "last"))
        _str(strategy["name"], "the strategy's name", ("round_robin", "random"))
        _int(strategy["last"], "the round robin's last source", -1)
    _rng_state(doc["raw_rand"], "raw_rand's generator")
    return doc


def _check_memory(value: Any, what: str, pool_size: int) -> None:
    doc = _map(value, what, ("pages", "chunks"))
    pages = _int(doc["pages"], f"{what}'s size in pages", 0, DEFAULT_MAX_PAGES)
    last = -1
    for item in _seq(doc["chunks"], f"{what}'s chunks"):
        index, ref = _seq(item, f"a chunk of {what}", 2)
        _int(index, f"a chunk index of {what}", last + 1, pages * (PAGE_SIZE // CHUNK_SIZE) - 1)
        _int(ref, f"a chunk number of {what}", 0, pool_size - 1)
        last = index


def _check_buffer(value: Any, what: str, max_size: int, page_sized: bool) -> None:
    doc = _map(_map(value, what, ("$bytearray",))["$bytearray"], what, ("size", "chunks"))
    size = _int(doc["size"], f"{what}'s size", 0, max_size)
    if page_sized and size % PAGE_SIZE:
        raise _Damaged(f"{what}'s size {size} is not a whole number of pages")
    end = 0
    for item in _seq(doc["chunks"], f"{what}'s chunks"):
        offset, piece = _seq(item, f"a chunk of {what}", 2)
        _int(offset, f"a chunk offset of {what}", end, size)
        end = offset + len(_bytes(piece, f"a chunk of {what}", size - offset))


def _check_heap_image(image: Any, what: str) -> None:
    if _bytes(image, what).startswith(IMAGE_MAGIC):
        return  # a Wasm module's memory and globals: checked against the module on load
    try:
        values = decode(_bytes(image, what))
    except HeapError as exc:
        raise _Damaged(f"{what}: {exc}") from None
    if not isinstance(values, dict) or not all(
        isinstance(name, str) and name.isidentifier() for name in values
    ):
        raise _Damaged(f"{what} is not a map of attribute names to values")


def _check_change(value: Any, what: str) -> None:
    doc = _map(value, what, ("timestamp_nanos", "canister_version", "origin", "details"))
    _int(doc["timestamp_nanos"], f"{what}'s time")
    _int(doc["canister_version"], f"{what}'s canister version")
    case, origin = _variant(doc["origin"], f"{what}'s origin", ("from_user", "from_canister"))
    if case == "from_user":
        _principal(_map(origin, f"{what}'s origin", ("user_id",))["user_id"], f"{what}'s user")
    else:
        fields = _map(origin, f"{what}'s origin", ("canister_id", "canister_version"))
        _principal(fields["canister_id"], f"{what}'s calling canister")
        if fields["canister_version"] is not None:
            _int(fields["canister_version"], f"{what}'s calling canister version")
    _, details = _variant(doc["details"], f"{what}'s details", _CHANGE_KINDS)
    if details is not None:
        _map(details, f"{what}'s details")


def _check_extra(value: Any, what: str) -> None:
    doc = _map(value, what)
    for key, item in doc.items():
        if key == "cycles":
            _int(item, f"{what}'s cycles", 0, 2**128 - 1)
        elif key == "settings":
            for name, setting in _map(item, f"{what}'s settings").items():
                parse = SETTINGS_FIELDS.get(name) if name != "controllers" else None
                if parse is None:
                    raise _Damaged(f"{what} has an unknown setting {_short(name)}")
                try:  # what update_settings would take
                    parse(setting, f"{what}'s setting {name}")
                except BadArgument as exc:
                    raise _Damaged(str(exc)) from None
                except (ValueError, TypeError):  # (a value that does not even print)
                    raise _Damaged(f"{what}'s setting {name} is {_short(setting)}") from None
        elif key == "wasm_chunk_store":  # (subnet.management.chunks: hash -> chunk)
            _check_chunk_store(item, f"{what}'s Wasm chunk store")
        else:
            raise _Damaged(f"{what} has an unknown field {_short(key)}")


def _check_chunk_store(value: Any, what: str) -> None:
    store = _map(value, what)
    if len(store) > _MAX_STORED_CHUNKS:
        raise _Damaged(f"{what} holds {len(store)} chunks")
    for key, chunk in store.items():
        _bytes(key, f"a chunk hash of {what}", sizes=(32,))
        _bytes(chunk, f"a chunk of {what}", _MAX_WASM_CHUNK)


def _check_snapshot(value: Any, what: str, cs_id: Principal, pool_size: int) -> SnapshotId:
    doc = _map(value, what)
    unknown = [_short(key) for key in doc if key not in _SNAPSHOT_FIELDS]
    missing = [name for name in _SNAPSHOT_REQUIRED if name not in doc]
    if unknown or missing:
        raise _Damaged(f"{what} has unknown field(s) {unknown} or lacks {missing}")
    doc = {**_snapshot_defaults(), **doc}
    raw = _map(doc["id"], f"{what}'s id", ("$snapshot_id",))["$snapshot_id"]
    try:
        sid = SnapshotId.from_bytes(_bytes(raw, f"{what}'s id"))
    except ValueError as exc:
        raise _Damaged(f"{what}'s id is not a snapshot id ({exc})") from None
    if sid.canister_id != cs_id:
        raise _Damaged(f"{what}'s id {sid} is not one of canister {cs_id}")
    what = f"snapshot {sid.hex()} of canister {cs_id}"
    _str(doc["source"], f"{what}'s source", _SNAPSHOT_SOURCES)
    for name in ("taken_at_timestamp", "global_timer", "canister_version"):
        if doc[name] is not None or name not in _SNAPSHOT_NULLABLE:
            _int(doc[name], f"{what}'s {name}")
    if doc["code"] is not None:
        _bytes(_map(doc["code"], f"{what}'s code", ("$code",))["$code"], f"{what}'s code")
        _check_heap_image(doc["heap_image"], f"{what}'s heap image")
    else:
        _bytes(doc["heap_image"], f"{what}'s heap image")
    _nat_map(doc["continuations"], f"{what}'s continuation table")
    _check_memory(
        _map(doc["stable"], f"{what}'s stable memory", ("$memory",))["$memory"],
        f"{what}'s stable memory",
        pool_size,
    )
    _bytes(doc["certified_data"], f"{what}'s certified data", _MAX_CERTIFIED_DATA)
    _bytes(doc["checksum"], f"{what}'s checksum", sizes=(0, 32))
    dirty = _bool(doc["dirty"], f"{what}'s dirty flag")
    if doc["buffers"] is None:
        if dirty:
            raise _Damaged(f"{what} is marked dirty, and has no uploaded bytes")
    else:
        buffers = _map(doc["buffers"], f"{what}'s uploaded bytes", _BUFFERS)
        _check_buffer(buffers["wasm_module"], f"{what}'s uploaded module", MAX_MODULE_SIZE, False)
        _check_buffer(
            buffers["main_memory"], f"{what}'s uploaded memory", MAX_WASM_MEMORY_SIZE, True
        )
        _check_buffer(
            buffers["stable_memory"],
            f"{what}'s uploaded stable memory",
            MAX_STABLE_MEMORY_SIZE,
            True,
        )
    globals_ = _seq(doc["globals"], f"{what}'s globals", max_len=MAX_GLOBALS)
    try:
        exported_globals(globals_, f"{what}'s globals")
    except BadArgument as exc:
        raise _Damaged(str(exc)) from None
    except (ValueError, TypeError):  # (a value that does not even print)
        raise _Damaged(f"{what}'s globals are not exported globals") from None
    hook = doc["hook_status"]
    if hook is not None or "hook_status" not in _SNAPSHOT_NULLABLE:
        _str(hook, f"{what}'s hook status", HOOK_STATUSES)
    _check_chunk_store(doc.get("chunk_store", {}), f"{what}'s Wasm chunk store")
    return sid


def _check_canister(
    value: Any, index: int, pool_size: int, next_source: int, sources: set[int]
) -> Principal:
    doc = _map(value, f"canister {index}", _CANISTER_FIELDS)
    cid = _principal(doc["id"], f"the id of canister {index}")
    if cid == MANAGEMENT:
        raise _Damaged(f"canister {index} has the management canister's id")
    what = f"canister {cid}"
    for item in _seq(doc["controllers"], f"{what}'s controllers", max_len=_MAX_CONTROLLERS):
        _principal(item, f"a controller of {what}")
    _str(doc["status"], f"{what}'s status", ("running", "stopped"))
    for name in ("version", "next_snapshot_id", "total_num_changes"):
        _int(doc[name], f"{what}'s {name}", 0, _COUNTER_MAX)
    _int(doc["global_timer"], f"{what}'s global timer")
    if doc["module"] is None:
        if doc["heap"] is not None:
            raise _Damaged(f"{what} has a heap and no code")
    else:
        _bytes(doc["module"], f"{what}'s code")
        _check_heap_image(doc["heap"], f"{what}'s heap image")
    _nat_map(doc["continuations"], f"{what}'s continuation table")
    _check_memory(doc["stable"], f"{what}'s stable memory", pool_size)
    _bytes(doc["certified_data"], f"{what}'s certified data", _MAX_CERTIFIED_DATA)
    history = _seq(doc["history"], f"{what}'s history", max_len=MAX_HISTORY)
    for n, change in enumerate(history):
        _check_change(change, f"change {n} of {what}")
    if doc["total_num_changes"] < len(history):
        raise _Damaged(f"{what} counts fewer changes than its history holds")
    _check_extra(doc["extra"], f"{what}'s settings and cycles")
    seen: set[SnapshotId] = set()
    for n, snapshot in enumerate(_seq(doc["snapshots"], f"{what}'s snapshots")):
        sid = _check_snapshot(snapshot, f"snapshot {n} of {what}", cid, pool_size)
        if sid in seen or sid.local_id >= doc["next_snapshot_id"]:
            raise _Damaged(f"{what} holds snapshot {sid.hex()} twice, or before it was taken")
        seen.add(sid)

    def source(sid: Any, whose: str) -> None:
        if _int(sid, whose, 1, next_source) in sources:
            raise _Damaged(f"{whose} ({sid}) is another queue's too")
        sources.add(sid)

    if doc["ingress_source"] is not None:
        source(doc["ingress_source"], f"{what}'s ingress queue")
    senders: set[Principal] = set()
    for item in _seq(doc["queue_sources"], f"{what}'s input queues"):
        sender, sid = _seq(item, f"an input queue of {what}", 2)
        if _principal(sender, f"the sender of an input queue of {what}") in senders:
            raise _Damaged(f"{what} has two input queues from {sender}")
        senders.add(sender)
        source(sid, f"{what}'s input queue from {sender}")
    return cid


def _check_state(doc: dict[str, Any]) -> None:
    """Every field of a state file, before anything is built from it (raises ``_Damaged``)."""
    _map(doc, "the state", ("format", "version", "subnet", "chunks", "canisters"))
    meta = _check_subnet(doc["subnet"])
    chunks = _seq(doc["chunks"], "the memory chunks")
    for chunk in chunks:
        _bytes(chunk, "a memory chunk", sizes=(CHUNK_SIZE,))
    ids: set[Principal] = set()
    sources: set[int] = set()
    for index, canister in enumerate(_seq(doc["canisters"], "the canisters")):
        cid = _check_canister(canister, index, len(chunks), meta["next_source"], sources)
        if cid in ids:
            raise _Damaged(f"canister {cid} is in the state twice")
        ids.add(cid)
        if (cid.canister_index or 0) >= meta["next_canister_index"]:
            raise _Damaged(f"canister {cid} has an id the subnet has not given out yet")


def _restore_canister(
    net: Subnet,
    doc: dict[str, Any],
    pool: list[bytes],
    accept_changes: bool,
    resolve: ClassResolver,
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
        code, changed = _resolve_code(doc["module"], owner, accept_changes, resolve)
        try:
            load_image(cs, code, doc["heap"])
        except (ValueError, Reject) as exc:  # a Wasm image that does not fit its module
            text = exc.reject_message if isinstance(exc, Reject) else str(exc)
            raise PersistError(f"the memory image of {owner} cannot be restored: {text}") from None
    else:
        changed = False
    cs.continuations = dict(doc["continuations"])
    for sdoc in doc["snapshots"]:
        changes: list[bool] = []

        def decode_field(
            value: Any, sdoc: dict[str, Any] = sdoc, changes: list[bool] = changes
        ) -> Any:
            if isinstance(value, dict) and len(value) == 1:
                ((key, inner),) = value.items()
                if key == "$snapshot_id":
                    return SnapshotId.from_bytes(inner)
                if key == "$code":
                    what = f"snapshot {bytes(sdoc['id']['$snapshot_id']).hex()} of {owner}"
                    code, code_changed = _resolve_code(inner, what, accept_changes, resolve)
                    changes.append(code_changed)
                    return code
                if key == "$memory":
                    return _restore_memory(inner, pool).fork()
                if key == "$bytearray":
                    return _restore_buffer(inner)
            if isinstance(value, dict):
                return {k: decode_field(v) for k, v in value.items()}
            return value

        snap = StoredSnapshot(**{name: decode_field(value) for name, value in sdoc.items()})
        snap.globals = tuple(snap.globals)
        if any(changes) and snap.checksum:
            # the snapshot now refers to the class as it is: its checksum follows
            snap.checksum = snap.compute_checksum()
        if snap.buffers is not None:
            module = snap.buffers["wasm_module"]
            _known_upload(module.read(0, min(len(module), CHUNK_SIZE)), resolve)
        cs.snapshots[snap.id] = snap
    return cs, changed


def _known_upload(module: bytes, resolve: ClassResolver) -> None:
    """Resolve the class an uploaded module names, if the resolver knows it, so that loading
    the snapshot later finds it (the management canister never imports a module: it resolves
    only classes already loaded; a class the resolver refuses makes the upload an invalid
    module when it is loaded, as on the IC)."""
    found = module_reference(module)
    if found is not None:
        with contextlib.suppress(Exception):  # a refusal, or a declared class that fails
            resolve(found[0])


def _damaged(source: str, detail: str) -> PersistError:
    return PersistError(f"{source} is damaged ({detail}); run `subnet start --clean` to start over")


def loads(
    data: bytes,
    *,
    accept_code_changes: bool = False,
    source: str = "state",
    resolve: ClassResolver = imported_class,
) -> LoadedState:
    """The subnet saved in ``data`` (by :func:`dumps`).

    Every field is checked before anything is built; a file that does not hold what
    :func:`dumps` writes raises :class:`PersistError`, one line that says what is wrong.
    Canister classes are found by ``resolve`` (by default, among the modules already imported):
    nothing a state file names is imported. A canister class whose source changed since it was
    saved raises :class:`CodeChangedError`, unless ``accept_code_changes``: then the canister
    (and its snapshots) get the class as it is now, and :attr:`LoadedState.changed_code` lists
    those canisters."""
    try:
        doc = decode_document(data, FORMAT, READ_VERSIONS, sealed=(VERSION,))
    except DocumentError as exc:
        if exc.problem == "damaged":
            raise _damaged(source, f"{exc.detail}") from None
        if exc.problem == "format":
            raise PersistError(f"{source} is not a subnet state file") from None
        raise PersistError(
            f"{source} has state format version {_short(exc.detail)}, and this subnet reads "
            f"versions {', '.join(map(str, READ_VERSIONS))}; run `subnet start --clean` to "
            f"start over"
        ) from None
    try:
        _check_state(doc)
    except _Damaged as exc:
        raise _damaged(source, str(exc)) from None
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
                _restore_canister(net, c, pool, accept_code_changes, resolve)
                for c in doc["canisters"]
            )
            if code_changed
        ]
    except BaseException as exc:
        if net is not None:
            net.close()
        if isinstance(exc, _LOAD_ERRORS):
            try:
                reason = str(exc)
            except Exception:  # (an argument that does not print)
                reason = ""
            raise _damaged(source, f"{type(exc).__name__}: {_short(reason)}") from None
        raise
    return LoadedState(net, changed)


# what building the subnet from checked fields may still raise on a file that is not one this
# subnet wrote: a damaged file, never a traceback
_LOAD_ERRORS = (
    KeyError,
    TypeError,
    ValueError,
    IndexError,
    AttributeError,
    OverflowError,
    RecursionError,
    MemoryError,
    HeapError,
    StableMemoryError,
)


def load_state(
    path: str | os.PathLike[str],
    *,
    accept_code_changes: bool = False,
    resolve: ClassResolver = imported_class,
) -> LoadedState:
    """Read a state file written by :func:`save` (see :func:`loads`)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise PersistError(f"cannot read {path}: {exc.strerror or exc}") from None
    return loads(data, accept_code_changes=accept_code_changes, source=str(path), resolve=resolve)


def load(path: str | os.PathLike[str], *, resolve: ClassResolver = imported_class) -> Subnet:
    """The subnet saved in ``path`` by :func:`save`."""
    return load_state(path, resolve=resolve).net


__all__ = [
    "FORMAT",
    "READ_VERSIONS",
    "VERSION",
    "ClassResolver",
    "CodeChangedError",
    "LoadedState",
    "PersistError",
    "class_ref",
    "class_resolver",
    "dumps",
    "imported_class",
    "load",
    "load_state",
    "loads",
    "module_reference",
    "save",
]
