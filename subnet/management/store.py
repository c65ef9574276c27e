"""A stored snapshot, and the byte forms of what it holds (module, main memory).

A snapshot holds what the IC's holds, in this simulator's terms: the *code* (the canister
class, standing in for the Wasm module), the *heap image* (the committed attributes, as CBOR,
standing in for the Wasm memory) together with the heap's *continuation table* (which suspended
frames the heap refers to, as the futures in a Rust canister's memory), *stable memory*
(copy-on-write: the snapshot shares 4 KiB chunks with the live memory, so taking or loading one
costs O(chunks changed since), not O(size)), *certified data*, the *global timer*, the
low-memory hook's status, the *Wasm chunk store* (:mod:`.chunks`) and the *canister version*
at take time. It does not hold system state: call contexts, callbacks, queues, status,
controllers, history.

An uploaded snapshot may leave the timer and the hook status out: they are then absent
(``None``), read back as ``null``, and a load leaves the canister's own as they are, as the
replica's ``ExecutionStateSnapshot`` keeps them as ``Option`` values
(``rs/replicated_state/src/canister_snapshots.rs``, ``CanisterSnapshot::from_metadata``).
"""

from __future__ import annotations

import hashlib
import io
import sys
from dataclasses import dataclass, field
from typing import Any

import cbor2

from actors.canister import Canister

from ..codec import decode, encode
from ..ids import SnapshotId
from ..memory import PAGE_SIZE, MemoryImage, SparseBuffer
from ..wasm.module import IMAGE_MAGIC, WasmModule, encode_image, module_of
from ..wasm.pages import WasmImage, page_digest

WASM_CHUNK_SIZE = 1024 * 1024
"""The Wasm chunk store's largest chunk, which every chunk is counted as (``CHUNK_SIZE`` in
``rs/replicated_state/src/canister_state/system_state/wasm_chunk_store.rs``)."""

MODULE_MAGIC = b"subnet-python-canister\n"

GLOBAL_SIZE = 32
"""What one exported global counts in a snapshot's size: ``size_of::<Global>()`` of the
replica's ``enum Global { I32, I64, F32, F64, V128(u128) }``, 32 bytes (a 16-byte ``u128`` and
its alignment)."""


@dataclass(eq=False)
class StoredSnapshot:
    """One snapshot as the subnet holds it."""

    id: SnapshotId
    source: str  # "taken_from_canister" | "metadata_upload"
    taken_at_timestamp: int
    code: type[Canister] | None
    heap_image: bytes | WasmImage  # a Python heap's image, or a Wasm module's memory
    continuations: dict[int, int]
    stable: MemoryImage
    certified_data: bytes
    global_timer: int | None  # 0 = inactive, else the deadline in ns; None = not uploaded
    canister_version: int
    checksum: bytes = b""
    # an uploaded snapshot keeps its bytes here; upload_canister_snapshot_data writes into them,
    # and the content above is parsed from them when the snapshot is used (``materialize``).
    # They hold only the chunks written with data: a declared size costs nothing.
    buffers: dict[str, SparseBuffer] | None = None
    dirty: bool = False
    globals: tuple[Any, ...] = ()  # uploaded metadata only: a Python canister exports none
    hook_status: str | None = "condition_not_satisfied"  # None = not uploaded
    # an uploaded ``{"active": 0}``: a timer active at time 0 (due at once), which
    # ``global_timer`` (0 = inactive) cannot tell apart from an inactive one
    timer_active_at_zero: bool = False
    # the Wasm chunk store: chunk hash -> chunk (:mod:`.chunks`)
    chunk_store: dict[bytes, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.heap_image, bytes) and self.heap_image.startswith(IMAGE_MAGIC):
            # a Wasm module's memory read back from a state file: kept as shared pages
            self.heap_image = WasmImage.from_bytes(self.heap_image)

    def materialize(self, code: type[Canister] | None = None) -> None:
        """Parse an uploaded snapshot's bytes (raises ``ValueError`` if they are not a valid
        module and memory image). ``code``: the uploaded module's class, when the caller has
        resolved it already (it is not read again)."""
        if self.buffers is None or not self.dirty:
            return
        if code is None:
            code = code_from_module(self.buffers["wasm_module"].data())  # (zeros after it ignored)
        if module_of(code) is not None:  # a Wasm module: raw linear memory
            self.code = code
            self.heap_image = WasmImage.from_bytes(
                encode_image(
                    [wasm_global(g) for g in self.globals],
                    self.buffers["main_memory"].to_bytes(),
                )
            )
            self.continuations = {}
            self.stable = self.buffers["stable_memory"].image()
            self.dirty = False
            return
        heap_image, table = split_wasm_memory(self.buffers["main_memory"])
        try:
            decode(heap_image)
        except Exception as exc:  # any decoding failure: not a heap image
            raise ValueError(f"main memory is not a heap image: {exc}") from None
        self.code = code
        self.heap_image = heap_image
        self.continuations = table
        self.stable = self.buffers["stable_memory"].image()
        self.dirty = False

    @property
    def module(self) -> bytes:
        if self.buffers is not None:
            return self.buffers["wasm_module"].to_bytes()
        return module_bytes(self.code)

    @property
    def wasm_memory(self) -> bytes | memoryview:
        """The heap image followed by the continuation table (a CBOR sequence); for a Wasm
        module, its linear memory, as the IC's snapshots hold it."""
        if self.buffers is not None:
            return self.buffers["main_memory"].to_bytes()
        image = self.heap_image
        if isinstance(image, WasmImage):
            return image.memory()
        return pad_to_pages(image + encode(self.continuations))

    @property
    def exported_globals(self) -> list[dict[str, int | float]]:
        """The globals of the metadata: a Wasm module's mutable globals (``{"i32": 5}``...),
        or the uploaded ones; a Python canister exports none."""
        image = self.heap_image
        if self.buffers is None and isinstance(image, WasmImage):
            return [{kind: value} for kind, value in image.globals]
        return list(self.globals)

    @property
    def module_size(self) -> int:
        if self.buffers is not None:
            return len(self.buffers["wasm_module"])
        return len(self.module)

    @property
    def wasm_memory_size(self) -> int:
        if self.buffers is not None:
            return len(self.buffers["main_memory"])
        if isinstance(self.heap_image, WasmImage):
            return len(self.heap_image)
        return len(self.wasm_memory)

    @property
    def stable_size(self) -> int:
        if self.buffers is not None:
            return len(self.buffers["stable_memory"])
        return self.stable.size() * PAGE_SIZE

    def read_stable(self, offset: int, size: int) -> bytes:
        if self.buffers is not None:
            return self.buffers["stable_memory"].read(offset, size)
        return self.stable.read(offset, size)

    def read_part(self, which: str, offset: int, size: int) -> bytes:
        """``size`` bytes at ``offset`` of ``wasm_module`` or ``main_memory`` (in range)."""
        if self.buffers is not None:
            return self.buffers[which].read(offset, size)
        data = self.module if which == "wasm_module" else self.wasm_memory
        return bytes(data[offset : offset + size])

    def _digest(self, which: str) -> bytes:
        if which == "main_memory" and isinstance(self.heap_image, WasmImage):
            return self.heap_image.memory_digest()  # per page, cached: no copy
        if which == "main_memory" and self.buffers is not None:
            return main_memory_digest(self.buffers["wasm_module"], self.buffers["main_memory"])
        if self.buffers is not None:
            return self.buffers[which].sha256()  # without the declared size's zeros in memory
        return hashlib.sha256(self.module if which == "wasm_module" else self.wasm_memory).digest()

    @property
    def total_size(self) -> int:
        """Bytes of the snapshot as the IC counts them: module, memory, stable memory, the
        exported globals (``GLOBAL_SIZE`` each), certified data, and 1 MiB for each chunk of
        its Wasm chunk store (the stable memory's chunks are shared with the canister, see
        ``canister_status`` for what is actually held). Source: ``CanisterState::
        snapshot_size_bytes`` (``global_memory_usage``), ``ValidatedSnapshotMetadata::
        snapshot_size_bytes``, ``CanisterSnapshots::insert_chunk`` (every chunk counts as
        ``chunk_size()``)."""
        return (
            self.module_size
            + self.wasm_memory_size
            + self.stable_size
            + len(self.exported_globals) * GLOBAL_SIZE
            + len(self.certified_data)
            + len(self.chunk_store) * WASM_CHUNK_SIZE
        )

    def compute_checksum(self) -> bytes:
        return content_checksum(
            self._digest("wasm_module"),
            self._digest("main_memory"),
            self.stable.checksum(),
            self.certified_data,
            self.global_timer,
            tuple(self.chunk_store),
        )

    def describe(self) -> dict[str, Any]:
        return {
            "id": bytes(self.id),
            "taken_at_timestamp": self.taken_at_timestamp,
            "total_size": self.total_size,
        }


def main_memory_digest(module: SparseBuffer, memory: SparseBuffer) -> bytes:
    """The digest of an uploaded main memory in the content checksum: SHA-256 of its bytes,
    or for a Wasm module's linear memory the per-page digest that a snapshot taken of it
    reports (:func:`~subnet.wasm.pages.page_digest`)."""
    if len(module) >= 4 and module.read(0, 4) == b"\0asm":
        return page_digest(memory.to_bytes())
    return memory.sha256()


def content_checksum(
    module_sha256: bytes,
    memory_sha256: bytes,
    stable_checksum: bytes,
    certified_data: bytes,
    global_timer: int | None,
    chunk_hashes: tuple[bytes, ...] = (),
) -> bytes:
    """A snapshot's content checksum, from the SHA-256 of its module and of its main memory,
    its stable memory's checksum (:meth:`subnet.memory.StableMemory.checksum`), its certified
    data, its global timer (0 = inactive; ``None``, left out of an upload, is hashed as
    nothing) and the hashes of its Wasm chunk store's chunks (in their order; none add
    nothing, so a snapshot without chunks has the checksum it had before chunk stores)."""
    h = hashlib.sha256()
    for part in (
        module_sha256,
        memory_sha256,
        stable_checksum,
        hashlib.sha256(certified_data).digest(),
        b"" if global_timer is None else global_timer.to_bytes(8, "big"),
        *sorted(chunk_hashes),
    ):
        h.update(part)
    return h.digest()


def module_bytes(code: type[Canister] | None) -> bytes:
    """The bytes standing in for a Wasm module: a reference to the class, and its hash."""
    if code is None:
        return b""
    wasm = module_of(code)
    if wasm is not None:  # a real module: its bytes
        return wasm.wasm
    ref = f"{code.__module__}:{code.__qualname__}\n".encode()
    return MODULE_MAGIC + ref + code.module_hash().hex().encode() + b"\n"


def code_from_module(data: bytes) -> type[Canister]:
    """Resolve module bytes (from a download, an upload, a state file, ``install_code``) to
    the canister class: a Python class's reference (the class must be loaded already, nothing
    is imported), or a Wasm module. Raises ``ValueError``; for bytes that are no module, or a
    module the IC refuses, :class:`~subnet.wasm.module.InvalidWasm` with the IC's text."""
    if not data.startswith(MODULE_MAGIC):
        return WasmModule(data).canister_class()
    try:
        ref, digest = data[len(MODULE_MAGIC) :].decode().splitlines()[:2]
        module_name, qualname = ref.split(":", 1)
        obj: Any = sys.modules.get(module_name)
        if obj is None:
            raise ImportError(f"no class of module {module_name} is loaded (none is imported)")
        for part in qualname.split("."):
            if not part.isidentifier() or part.startswith("__"):
                raise AttributeError(f"{part!r} is not a class name")
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


def wasm_global(value: dict[str, int | float]) -> tuple[str, int | float]:
    """An uploaded global (``{"i32": 5}``) as (Wasm type, value)."""
    ((kind, v),) = value.items()
    return kind, v


def split_wasm_memory(data: bytes | SparseBuffer) -> tuple[bytes, dict[int, int]]:
    """Split a memory image into the heap image and the continuation table (trailing zeros
    are page padding). An upload buffer is read only as far as its data goes."""
    stream = data.reader() if isinstance(data, SparseBuffer) else io.BytesIO(data)
    try:
        decoder = cbor2.CBORDecoder(stream)
        decoder.decode()
        end = stream.tell()
        if isinstance(data, SparseBuffer):
            head = data.read(0, end)
            rest = data.read(end, max(0, data.data_end() - end)).rstrip(b"\x00")
        else:
            head, rest = data[:end], data[end:].rstrip(b"\x00")
        table = decode(rest) if rest else {}
    except Exception as exc:
        raise ValueError(f"main memory is not a heap image: {exc}") from None
    if not isinstance(table, dict) or not all(
        isinstance(k, int) and isinstance(v, int) for k, v in table.items()
    ):
        raise ValueError("main memory holds a malformed continuation table")
    return head, dict(table)
