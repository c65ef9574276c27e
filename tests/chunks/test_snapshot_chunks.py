"""The Wasm chunk store a snapshot holds: taken with the canister, put back by a load, listed by
read_canister_snapshot_metadata, read and uploaded chunk by chunk (the ``wasm_chunk`` kind).

IC sources are abbreviated as in tests/chunks/__init__.py.
"""

import pytest

from subnet import ErrorCode, Subnet
from subnet.records import ChunkHash
from tests.canisters import GrowCounter
from tests.support import fingerprint
from tests.support.chunks import MiB, hexs, rejected, sha, store_error, upload_all
from tests.support.snapshots import download, take, upload_data, upload_metadata

pytestmark = pytest.mark.anyio


# replicated_state canister_snapshots.rs CanisterSnapshot::from_canister (the canister's chunk
# store, cloned) and EE load_canister_snapshot_succeeds (the chunk part: CM
# load_canister_snapshot puts the snapshot's chunk store back, whatever the source)
async def test_take_keeps_the_store_and_load_puts_it_back():
    async with Subnet() as net:
        ic = net.management
        c = await net.deploy(GrowCounter)
        hashes = await upload_all(net, c.id, [b"one", b"two"])
        s = await take(net, c.id)
        await ic.clear_chunk_store(canister_id=c.id)
        await upload_all(net, c.id, [b"three"])
        await ic.load_canister_snapshot(canister_id=c.id, snapshot_id=s.id)
        stored = await ic.stored_chunks(canister_id=c.id)
        assert [h.hash for h in stored] == sorted(hashes)


# EE take_snapshot_with_maximal_chunk_store and CM read_snapshot_metadata (wasm_chunk_store:
# the chunk store's keys)
async def test_metadata_lists_the_chunk_hashes():
    async with Subnet() as net:
        ic = net.management
        c = await net.deploy(GrowCounter)
        hashes = await upload_all(net, c.id, [i.to_bytes(4, "big") for i in range(100)])
        s = await take(net, c.id)
        meta = await ic.read_canister_snapshot_metadata(canister_id=c.id, snapshot_id=s.id)
        assert meta.wasm_chunk_store == tuple(ChunkHash(h) for h in sorted(hashes))


# CanisterState::snapshot_size_bytes counts the chunk store (1 MiB a chunk)
async def test_a_snapshot_counts_its_chunks():
    async with Subnet() as net:
        ic = net.management
        c = await net.deploy(GrowCounter)
        plain = await take(net, c.id)
        await upload_all(net, c.id, [b"a", b"b", b"c"])
        with_chunks = await take(net, c.id)
        assert with_chunks.total_size == plain.total_size + 3 * MiB
        listed = await ic.list_canister_snapshots(canister_id=c.id)
        assert [s.total_size for s in listed] == [plain.total_size, with_chunks.total_size]


# EE read_canister_snapshot_data_succeeds (the chunk part) and CM read_snapshot_data
# (CanisterSnapshotDataKind::WasmChunk: the chunk by its hash; a hash that is not 32 bytes, or
# names no chunk, is a WasmChunkStoreError printed with {:02x?})
async def test_read_a_chunk_by_its_hash():
    async with Subnet() as net:
        ic = net.management
        c = await net.deploy(GrowCounter)
        big = bytes(range(256)) * 4096  # 1 MiB: a chunk is not a slice of at most 2,000,000
        (h,) = await upload_all(net, c.id, [big])
        s = await take(net, c.id)
        got = await ic.read_canister_snapshot_data(
            canister_id=c.id, snapshot_id=s.id, kind={"wasm_chunk": {"hash": h}}
        )
        assert got.chunk == big
        before = fingerprint(net)
        short, unknown = bytes([10, 255]), sha(b"nope")
        assert hexs(short) == "[0a, ff]"
        for digest, message in (
            (short, f"Bytes {hexs(short)} are not a valid WasmChunkHash."),
            (unknown, f"WasmChunkHash {hexs(unknown)} not found."),
        ):
            rej = await rejected(
                net,
                "read_canister_snapshot_data",
                {
                    "canister_id": c.id,
                    "snapshot_id": s.id,
                    "kind": {"wasm_chunk": {"hash": digest}},
                },
            )
            assert rej.error_code == ErrorCode.CanisterContractViolation
            assert rej.reject_message == store_error(message)
        assert fingerprint(net) == before


# CM write_snapshot_data (CanisterSnapshotDataOffset::WasmChunk: into the uploaded snapshot's
# chunk store, validated as upload_chunk validates) and the download/upload round trip of ST
# take_download_upload_load_snapshot_roundtrip with a chunk store
async def test_upload_chunks_into_an_uploaded_snapshot_and_load_it():
    async with Subnet() as net:
        ic = net.management
        c = await net.deploy(GrowCounter)
        chunks = [b"first", b"second"]
        await upload_all(net, c.id, chunks)
        await c.call("inc")
        s = await take(net, c.id)
        meta, module, heap, stable = await download(ic, c.id, s.id)
        up = await upload_metadata(ic, c.id, meta, module, heap, stable, checksum=meta.checksum)
        await upload_data(ic, c.id, up.snapshot_id, "wasm_module", module)
        await upload_data(ic, c.id, up.snapshot_id, "main_memory", heap)
        await upload_data(ic, c.id, up.snapshot_id, "stable_memory", stable)
        for entry in meta.wasm_chunk_store:
            got = await ic.read_canister_snapshot_data(
                canister_id=c.id, snapshot_id=s.id, kind={"wasm_chunk": {"hash": entry.hash}}
            )
            for _ in range(2):  # a chunk uploaded twice is stored once
                await ic.upload_canister_snapshot_data(
                    canister_id=c.id,
                    snapshot_id=up.snapshot_id,
                    kind={"wasm_chunk": None},
                    chunk=got.chunk,
                )
        again = await ic.read_canister_snapshot_metadata(
            canister_id=c.id, snapshot_id=up.snapshot_id
        )
        assert again.wasm_chunk_store == meta.wasm_chunk_store
        assert again.checksum == meta.checksum
        await ic.clear_chunk_store(canister_id=c.id)
        await ic.load_canister_snapshot(canister_id=c.id, snapshot_id=up.snapshot_id)
        stored = await ic.stored_chunks(canister_id=c.id)
        assert [h.hash for h in stored] == sorted(sha(chunk) for chunk in chunks)


# CM write_snapshot_data: a taken snapshot is immutable (its chunk store too), and an uploaded
# snapshot's chunk store has the limits of a canister's (WCS can_insert_chunk)
async def test_upload_chunk_limits_and_immutable_snapshots():
    async with Subnet() as net:
        ic = net.management
        c = await net.deploy(GrowCounter)
        s = await take(net, c.id)
        up = await ic.upload_canister_snapshot_metadata(
            canister_id=c.id, wasm_module_size=10, wasm_memory_size=0, stable_memory_size=0
        )
        for i in range(100):
            await ic.upload_canister_snapshot_data(
                canister_id=c.id,
                snapshot_id=up.snapshot_id,
                kind="wasm_chunk",
                chunk=i.to_bytes(4, "big"),
            )
        before = fingerprint(net)
        cases = (
            (s.id, b"x", ErrorCode.CanisterSnapshotImmutable, None),
            (
                up.snapshot_id,
                bytes(MiB + 1),
                ErrorCode.CanisterContractViolation,
                "Wasm chunk size 1048577 exceeds the maximum chunk size of 1048576",
            ),
            (
                up.snapshot_id,
                b"one too many",
                ErrorCode.CanisterContractViolation,
                "Wasm chunk store has already reached maximum capacity of 104857600 bytes or "
                "the maximum number of entries, 100",
            ),
        )
        for sid, chunk, code, message in cases:
            rej = await rejected(
                net,
                "upload_canister_snapshot_data",
                {
                    "canister_id": c.id,
                    "snapshot_id": sid,
                    "kind": {"wasm_chunk": None},
                    "chunk": chunk,
                },
            )
            assert rej.error_code == code
            if message is not None:
                assert rej.reject_message == store_error(message)
        assert fingerprint(net) == before
        meta = await ic.read_canister_snapshot_metadata(
            canister_id=c.id, snapshot_id=up.snapshot_id
        )
        assert len(meta.wasm_chunk_store) == 100


# The content checksum covers the chunk store: a load refuses an uploaded snapshot whose
# chunks are not those its checksum vouches for
async def test_the_checksum_covers_the_chunks():
    async with Subnet() as net:
        ic = net.management
        c = await net.deploy(GrowCounter)
        await upload_all(net, c.id, [b"vouched"])
        s = await take(net, c.id)
        meta, module, heap, stable = await download(ic, c.id, s.id)
        up = await upload_metadata(ic, c.id, meta, module, heap, stable, checksum=meta.checksum)
        await upload_data(ic, c.id, up.snapshot_id, "wasm_module", module)
        await upload_data(ic, c.id, up.snapshot_id, "main_memory", heap)
        await ic.upload_canister_snapshot_data(
            canister_id=c.id, snapshot_id=up.snapshot_id, kind="wasm_chunk", chunk=b"other"
        )
        before = fingerprint(net)
        rej = await rejected(
            net, "load_canister_snapshot", {"canister_id": c.id, "snapshot_id": up.snapshot_id}
        )
        assert "does not match its checksum" in rej.reject_message
        assert fingerprint(net) == before
