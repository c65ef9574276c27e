"""Helpers of the chunk store tests (tests/chunks/)."""

import hashlib

import pytest

from subnet import MANAGEMENT, Reject
from subnet.management import module_bytes

MiB = 1024 * 1024
DOC = "https://internetcomputer.org/docs/current/references/execution-errors"
HELP = (
    "\nUse the `stored_chunks` API to check which hashes are present or top up the canister if "
    f"it is low on cycles. See documentation: {DOC}#wasm-chunk-store-error"
)


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def store_error(message: str) -> str:
    """The whole text of ``CanisterManagerError::WasmChunkStoreError``."""
    return f"Error from Wasm chunk store: {message}.{HELP}"


def dec(data: bytes) -> str:
    """Bytes as Rust's ``{:?}`` prints them."""
    return "[" + ", ".join(str(b) for b in data) + "]"


def hexs(data: bytes) -> str:
    """Bytes as Rust's ``{:02x?}`` prints them."""
    return "[" + ", ".join(f"{b:02x}" for b in data) + "]"


def split_module(cls, parts: int = 3) -> list[bytes]:
    """The module bytes of ``cls`` (what a snapshot download gives), in ``parts`` chunks."""
    data = module_bytes(cls)
    size = -(-len(data) // parts)
    return [data[i : i + size] for i in range(0, len(data), size)]


async def upload_all(net, cid, chunks, sender=None) -> list[bytes]:
    hashes = []
    for chunk in chunks:
        got = await net.management.upload_chunk(canister_id=cid, chunk=chunk, sender=sender)
        hashes.append(got.hash)
    return hashes


async def rejected(net, method, record, *, sender=None) -> Reject:
    with pytest.raises(Reject) as rej:
        await net.submit(MANAGEMENT, method, record, sender=sender)
    return rej.value
