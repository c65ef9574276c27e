"""A stored snapshot, and the byte forms of what it holds (module, main memory).

A snapshot holds what the IC's holds, in this simulator's terms: the *code* (the canister
class, standing in for the Wasm module), the *heap image* (the committed attributes, as CBOR,
standing in for the Wasm memory) together with the heap's *continuation table* (which suspended
frames the heap refers to, as the futures in a Rust canister's memory), *stable memory*
(copy-on-write: the snapshot shares 4 KiB chunks with the live memory, so taking or loading one
costs O(chunks changed since), not O(size)), *certified data*, the *global timer*, and the
*canister version* at take time. It does not hold system state: call contexts, callbacks,
queues, status, controllers, history.
"""

from __future__ import annotations

import hashlib
import importlib
import io
from dataclasses import dataclass
from typing import Any

import cbor2

from actors.canister import Canister

from ..codec import decode, encode
from ..ids import SnapshotId
from ..memory import PAGE_SIZE, MemoryImage, StableMemory

MODULE_MAGIC = b"subnet-python-canister\n"


@dataclass(eq=False)
class StoredSnapshot:
    """One snapshot as the subnet holds it."""

    id: SnapshotId
    source: str  # "taken_from_canister" | "metadata_upload"
    taken_at_timestamp: int
    code: type[Canister] | None
    heap_image: bytes
    continuations: dict[int, int]
    stable: MemoryImage
    certified_data: bytes
    global_timer: int  # 0 = inactive, else the deadline in ns
    canister_version: int
    checksum: bytes = b""
    # an uploaded snapshot keeps its bytes here; upload_canister_snapshot_data writes into them,
    # and the content above is parsed from them when the snapshot is used (``materialize``)
    buffers: dict[str, bytearray] | None = None
    dirty: bool = False
    globals: tuple[Any, ...] = ()  # uploaded metadata only: a Python canister exports none
    hook_status: str = "condition_not_satisfied"

    def materialize(self) -> None:
        """Parse an uploaded snapshot's bytes (raises ``ValueError`` if they are not a valid
        module and memory image)."""
        if self.buffers is None or not self.dirty:
            return
        code = code_from_module(bytes(self.buffers["wasm_module"]))
        heap_image, table = split_wasm_memory(bytes(self.buffers["main_memory"]))
        try:
            decode(heap_image)
        except Exception as exc:  # any decoding failure: not a heap image
            raise ValueError(f"main memory is not a heap image: {exc}") from None
        self.code = code
        self.heap_image = heap_image
        self.continuations = table
        self.stable = StableMemory.from_bytes(bytes(self.buffers["stable_memory"])).fork()
        self.dirty = False

    @property
    def module(self) -> bytes:
        if self.buffers is not None:
            return bytes(self.buffers["wasm_module"])
        return module_bytes(self.code)

    @property
    def wasm_memory(self) -> bytes:
        """The heap image followed by the continuation table (a CBOR sequence)."""
        if self.buffers is not None:
            return bytes(self.buffers["main_memory"])
        return pad_to_pages(self.heap_image + encode(self.continuations))

    @property
    def stable_size(self) -> int:
        if self.buffers is not None:
            return len(self.buffers["stable_memory"])
        return self.stable.size() * PAGE_SIZE

    def read_stable(self, offset: int, size: int) -> bytes:
        if self.buffers is not None:
            return bytes(self.buffers["stable_memory"][offset : offset + size])
        return self.stable.read(offset, size)

    @property
    def total_size(self) -> int:
        """Bytes of the snapshot as the IC counts them: module, memory, stable memory,
        certified data (the stable memory's chunks are shared with the canister, see
        ``canister_status`` for what is actually held)."""
        return (
            len(self.module) + len(self.wasm_memory) + self.stable_size + len(self.certified_data)
        )

    def compute_checksum(self) -> bytes:
        h = hashlib.sha256()
        for part in (
            hashlib.sha256(self.module).digest(),
            hashlib.sha256(self.wasm_memory).digest(),
            self.stable.checksum(),
            hashlib.sha256(self.certified_data).digest(),
            self.global_timer.to_bytes(8, "big"),
        ):
            h.update(part)
        return h.digest()

    def describe(self) -> dict[str, Any]:
        return {
            "id": bytes(self.id),
            "taken_at_timestamp": self.taken_at_timestamp,
            "total_size": self.total_size,
        }


def module_bytes(code: type[Canister] | None) -> bytes:
    """The bytes standing in for a Wasm module: a reference to the class, and its hash."""
    if code is None:
        return b""
    ref = f"{code.__module__}:{code.__qualname__}\n".encode()
    return MODULE_MAGIC + ref + code.module_hash().hex().encode() + b"\n"


def code_from_module(data: bytes) -> type[Canister]:
    """Resolve module bytes (from a download) back to the canister class."""
    if not data.startswith(MODULE_MAGIC):
        raise ValueError("the module is not a subnet canister reference")
    try:
        ref, digest = data[len(MODULE_MAGIC) :].decode().splitlines()[:2]
        module_name, qualname = ref.split(":", 1)
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ValueError, ImportError, AttributeError) as exc:
        raise ValueError(f"cannot find the canister class of this module: {exc}") from None
    if not (isinstance(obj, type) and issubclass(obj, Canister)):
        raise ValueError(f"{ref} is not a Canister subclass")
    if obj.module_hash().hex() != digest:
        raise ValueError(f"the module hash of {ref} does not match: the class has changed")
    return obj


def pad_to_pages(data: bytes) -> bytes:
    """Zero-pad a memory image to whole Wasm pages, as the IC's main memory always is (the two
    CBOR items are read back and the zeros after them ignored)."""
    return data + bytes(-len(data) % PAGE_SIZE)


def split_wasm_memory(data: bytes) -> tuple[bytes, dict[int, int]]:
    """Split a memory image into the heap image and the continuation table (trailing zeros
    are page padding)."""
    stream = io.BytesIO(data)
    try:
        decoder = cbor2.CBORDecoder(stream)
        decoder.decode()
        end = stream.tell()
        rest = data[end:].rstrip(b"\x00")
        table = decode(rest) if rest else {}
    except Exception as exc:
        raise ValueError(f"main memory is not a heap image: {exc}") from None
    if not isinstance(table, dict) or not all(
        isinstance(k, int) and isinstance(v, int) for k, v in table.items()
    ):
        raise ValueError("main memory holds a malformed continuation table")
    return data[:end], dict(table)
