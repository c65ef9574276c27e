"""read_canister_snapshot_metadata and read_canister_snapshot_data: what a snapshot holds, in
slices of at most 2,000,000 bytes.

IC sources are abbreviated as in tests/snapshots/__init__.py.
"""

import pytest

from subnet import ErrorCode, SnapshotId, Subnet
from subnet.memory import PAGE_SIZE
from tests.support import fingerprint
from tests.support.snapshots import (
    MAX_SLICE,
    deploy_counter,
    download,
    read_all,
    rejected,
    take,
)

pytestmark = pytest.mark.anyio


# EE read_canister_snapshot_metadata_succeeds
async def test_read_canister_snapshot_metadata_succeeds():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net)
        await c.call("grow", 13)
        await c.call("certify", bytes([42]))
        await c.call("run")
        net.engine.get(c.id).global_timer = 43  # the IC test sets it with ic0.global_timer_set
        s = await take(net, c.id)
        meta = await ic.read_canister_snapshot_metadata(canister_id=c.id, snapshot_id=s.id)
        assert meta.source == "taken_from_canister"
        assert meta.stable_memory_size == 13 * PAGE_SIZE
        module = await read_all(ic, c.id, s.id, "wasm_module", meta.wasm_module_size)
        assert len(module) == meta.wasm_module_size
        assert meta.certified_data == bytes([42])
        assert meta.global_timer == {"active": 43}
        assert meta.canister_version == 4  # install + three updates
        assert meta.taken_at_timestamp == s.taken_at_timestamp
        assert meta.wasm_chunk_store == ()


# EE read_canister_snapshot_metadata_succeeds (on_low_wasm_memory_hook_status)
async def test_read_canister_snapshot_metadata_hook_status():
    async with Subnet() as net:
        c = await deploy_counter(net)
        s = await take(net, c.id)
        meta = await net.management.read_canister_snapshot_metadata(
            canister_id=c.id, snapshot_id=s.id
        )
        assert meta.on_low_wasm_memory_hook_status == "condition_not_satisfied"


# ST take_download_upload_load_snapshot_roundtrip_no_globals (metadata.globals == [])
async def test_read_canister_snapshot_metadata_has_globals_field():
    async with Subnet() as net:
        c = await deploy_counter(net)
        s = await take(net, c.id)
        meta = await net.management.read_canister_snapshot_metadata(
            canister_id=c.id, snapshot_id=s.id
        )
        assert meta.globals == ()


# EE read_canister_snapshot_data_succeeds / verify_data_wasm_heap (memory sizes are whole Wasm
# pages: the IC's wasm_memory_size is pages * 65536, and upload refuses any other size)
async def test_read_canister_snapshot_metadata_memory_sizes_are_whole_pages():
    async with Subnet() as net:
        c = await deploy_counter(net, incs=1)
        s = await take(net, c.id)
        meta = await net.management.read_canister_snapshot_metadata(
            canister_id=c.id, snapshot_id=s.id
        )
        assert meta.wasm_memory_size % PAGE_SIZE == 0
        assert meta.stable_memory_size % PAGE_SIZE == 0


# EE read_canister_snapshot_metadata_fails_canister_and_snapshot_must_match
async def test_read_canister_snapshot_metadata_fails_canister_and_snapshot_must_match():
    async with Subnet() as net:
        c = await deploy_counter(net)
        other = await deploy_counter(net)
        s = await take(net, c.id)
        rej = await rejected(
            net,
            "read_canister_snapshot_metadata",
            {"canister_id": other.id, "snapshot_id": bytes(s.id)},
        )
        assert rej.error_code == ErrorCode.CanisterRejectedMessage
        rej = await rejected(
            net,
            "read_canister_snapshot_metadata",
            {"canister_id": c.id, "snapshot_id": bytes(SnapshotId(c.id, 42))},
        )
        assert rej.error_code == ErrorCode.CanisterSnapshotNotFound


# EE read_canister_snapshot_metadata_fails_invalid_controller
async def test_read_canister_snapshot_metadata_fails_invalid_controller():
    async with Subnet() as net:
        c = await deploy_counter(net)
        s = await take(net, c.id)
        rej = await rejected(
            net,
            "read_canister_snapshot_metadata",
            {"canister_id": c.id, "snapshot_id": bytes(s.id)},
            sender=net.identity("user-42"),
        )
        assert rej.error_code == ErrorCode.CanisterInvalidController


# EE read_canister_snapshot_data_succeeds
async def test_read_canister_snapshot_data_succeeds():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net)
        await c.call("grow", 65)  # 4,259,840 bytes: three slices of at most 2,000,000
        s = await take(net, c.id)
        meta, module, heap, stable = await download(ic, c.id, s.id)
        assert len(module) == meta.wasm_module_size
        assert len(heap) == meta.wasm_memory_size
        assert len(stable) == 65 * PAGE_SIZE
        # a whole module in one slice is the same as the module read piece by piece
        whole = await ic.read_canister_snapshot_data(
            canister_id=c.id,
            snapshot_id=s.id,
            kind={"wasm_module": {"offset": 0, "size": meta.wasm_module_size}},
        )
        assert whole.chunk == module
        # exactly MAX_SLICE_SIZE_BYTES is allowed
        got = await ic.read_canister_snapshot_data(
            canister_id=c.id,
            snapshot_id=s.id,
            kind={"stable_memory": {"offset": MAX_SLICE, "size": MAX_SLICE}},
        )
        assert got.chunk == stable[MAX_SLICE : 2 * MAX_SLICE]
        # the Candid name of the heap kind is wasm_memory
        got = await ic.read_canister_snapshot_data(
            canister_id=c.id,
            snapshot_id=s.id,
            kind={"wasm_memory": {"offset": 0, "size": len(heap)}},
        )
        assert got.chunk == heap


# EE read_canister_snapshot_data_fails_bad_slice
async def test_read_canister_snapshot_data_fails_bad_slice():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net)
        await c.call("grow", 3)
        s = await take(net, c.id)
        meta = await ic.read_canister_snapshot_metadata(canister_id=c.id, snapshot_id=s.id)
        before = fingerprint(net)

        async def bad(kind, offset, size):
            return await rejected(
                net,
                "read_canister_snapshot_data",
                {
                    "canister_id": c.id,
                    "snapshot_id": bytes(s.id),
                    "kind": {kind: {"offset": offset, "size": size}},
                },
            )

        rej = await bad("wasm_module", 0, meta.wasm_module_size + 1)
        assert rej.error_code == ErrorCode.InvalidManagementPayload
        assert rej.reject_message == (
            "Invalid subslice into wasm module / main memory / stable memory: "
            f"offset: 0, size: {meta.wasm_module_size + 1}"
        )
        rej = await bad("main_memory", 0, MAX_SLICE + 1)
        assert rej.error_code == ErrorCode.InvalidManagementPayload
        assert rej.reject_message == "Requested slice too large: 2000001 > 2000000"
        end = meta.wasm_memory_size
        rej = await bad("main_memory", max(end - 1000, 0), 2000)
        assert rej.error_code == ErrorCode.InvalidManagementPayload
        assert rej.reject_message.startswith("Invalid subslice")
        rej = await bad("stable_memory", 0, MAX_SLICE + 1)
        assert rej.error_code == ErrorCode.InvalidManagementPayload
        assert rej.reject_message == "Requested slice too large: 2000001 > 2000000"
        rej = await bad("stable_memory", 2 * PAGE_SIZE, PAGE_SIZE + 1000)
        assert rej.error_code == ErrorCode.InvalidManagementPayload
        assert rej.reject_message == (
            "Invalid subslice into wasm module / main memory / stable memory: "
            f"offset: {2 * PAGE_SIZE}, size: {PAGE_SIZE + 1000}"
        )
        assert fingerprint(net) == before


# EE read_canister_snapshot_data_fails_invalid_controller
async def test_read_canister_snapshot_data_fails_invalid_controller():
    async with Subnet() as net:
        c = await deploy_counter(net)
        s = await take(net, c.id)
        rej = await rejected(
            net,
            "read_canister_snapshot_data",
            {
                "canister_id": c.id,
                "snapshot_id": bytes(s.id),
                "kind": {"main_memory": {"offset": 0, "size": 0}},
            },
            sender=net.identity("user-42"),
        )
        assert rej.error_code == ErrorCode.CanisterInvalidController


# EE read_canister_snapshot_data_fails_canister_and_snapshot_must_match
async def test_read_canister_snapshot_data_fails_canister_and_snapshot_must_match():
    async with Subnet() as net:
        c = await deploy_counter(net)
        other = await deploy_counter(net)
        s = await take(net, c.id)
        kind = {"main_memory": {"offset": 0, "size": 0}}
        rej = await rejected(
            net,
            "read_canister_snapshot_data",
            {"canister_id": other.id, "snapshot_id": bytes(s.id), "kind": kind},
        )
        assert rej.error_code == ErrorCode.CanisterRejectedMessage
        rej = await rejected(
            net,
            "read_canister_snapshot_data",
            {"canister_id": c.id, "snapshot_id": bytes(SnapshotId(c.id, 42)), "kind": kind},
        )
        assert rej.error_code == ErrorCode.CanisterSnapshotNotFound
