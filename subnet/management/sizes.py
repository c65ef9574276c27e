"""How much memory a canister is charged for, as the IC counts it."""

from __future__ import annotations

from ..memory import PAGE_SIZE
from ..system import CanisterState
from .chunks import chunk_store, store_size
from .store import module_bytes


def memory_size(cs: CanisterState) -> int:
    """Memory the canister is charged for, as the IC counts it: module, heap (whole pages),
    stable memory (its size in pages), certified data, its Wasm chunk store (1 MiB a chunk:
    ``CanisterState::memory_usage`` counts ``wasm_chunk_store_memory_usage``), and each
    snapshot's ``total_size``. (What is actually held is less: snapshots share stable-memory
    chunks with the canister; see ``net.inspect(c).held_bytes``.)"""
    if cs.code is None:
        own = 0
    else:
        own = len(module_bytes(cs.code)) + -(-cs.heap_size() // PAGE_SIZE) * PAGE_SIZE
    own += cs.stable.size() * PAGE_SIZE + len(cs.certified_data) + store_size(chunk_store(cs))
    snapshot_bytes: int = sum(s.total_size for s in cs.snapshots.values())
    return own + snapshot_bytes
