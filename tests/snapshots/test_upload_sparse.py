"""An uploaded snapshot holds only the data uploaded into it: the sizes its metadata declares
(up to the IC's limits: 100 MiB of module, 4 GiB of main memory, 400 GiB of stable memory) cost
nothing until data arrives, in memory and in the saved state."""

import time
import tracemalloc

import pytest

from subnet import ErrorCode, Subnet, persist
from subnet.memory import PAGE_SIZE
from tests.support import fingerprint
from tests.support.snapshots import deploy_counter, download, rejected, take, upload_data

pytestmark = pytest.mark.anyio

MiB = 1 << 20
GiB = 1 << 30
LARGEST = dict(wasm_module_size=100 * MiB, wasm_memory_size=4 * GiB, stable_memory_size=400 * GiB)


async def test_declaring_the_largest_sizes_allocates_nothing():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net)
        tracemalloc.start()
        try:
            up = await ic.upload_canister_snapshot_metadata(canister_id=c.id, **LARGEST)
            await ic.upload_canister_snapshot_data(
                canister_id=c.id,
                snapshot_id=up.snapshot_id,
                kind={"stable_memory": {"offset": 300 * GiB}},
                chunk=b"far away",
            )
            (listed,) = await ic.list_canister_snapshots(canister_id=c.id)
            meta = await ic.read_canister_snapshot_metadata(
                canister_id=c.id, snapshot_id=up.snapshot_id
            )
            got = await ic.read_canister_snapshot_data(
                canister_id=c.id,
                snapshot_id=up.snapshot_id,
                kind={"stable_memory": {"offset": 300 * GiB - 2, "size": 10}},
            )
            status = await ic.canister_status(canister_id=c.id)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 16 * MiB
        assert got.chunk == b"\0\0far away"
        assert listed.total_size == sum(LARGEST.values())
        assert status.memory_size > sum(LARGEST.values())
        assert (meta.wasm_module_size, meta.wasm_memory_size, meta.stable_memory_size) == tuple(
            LARGEST.values()
        )


async def test_the_saved_state_of_a_sparse_upload_stays_small():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net)
        up = await ic.upload_canister_snapshot_metadata(canister_id=c.id, **LARGEST)
        await ic.upload_canister_snapshot_data(
            canister_id=c.id,
            snapshot_id=up.snapshot_id,
            kind={"main_memory": {"offset": 3 * GiB}},
            chunk=b"x" * 10_000,
        )
        started = time.perf_counter()
        saved = persist.dumps(net)
        copy = persist.loads(saved).net
        elapsed = time.perf_counter() - started
    async with copy:
        assert len(saved) < 64 * 1024
        assert elapsed < 5  # (before: a minute, and 12 GB)
        assert persist.dumps(copy) == saved
        meta = await copy.management.read_canister_snapshot_metadata(
            canister_id=c.id, snapshot_id=up.snapshot_id
        )
        assert (meta.wasm_module_size, meta.wasm_memory_size, meta.stable_memory_size) == tuple(
            LARGEST.values()
        )
        got = await copy.management.read_canister_snapshot_data(
            canister_id=c.id,
            snapshot_id=up.snapshot_id,
            kind={"main_memory": {"offset": 3 * GiB + 9_998, "size": 4}},
        )
        assert got.chunk == b"xx\0\0"


async def test_a_snapshot_uploaded_into_large_declared_memories_loads():
    """The real content at the start of a large main memory, and stable memory data far into
    a large stable memory: the load finds both, and the canister has the declared size."""
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net, incs=3)
        s = await take(net, c.id)
        meta, module, heap, _ = await download(ic, c.id, s.id)
        up = await ic.upload_canister_snapshot_metadata(
            canister_id=c.id,
            wasm_module_size=len(module),
            wasm_memory_size=64 * MiB,
            stable_memory_size=40 * GiB,
            certified_data=meta.certified_data,
            global_timer=meta.global_timer,
        )
        await upload_data(ic, c.id, up.snapshot_id, "wasm_module", module)
        await upload_data(ic, c.id, up.snapshot_id, "main_memory", heap)
        await ic.upload_canister_snapshot_data(
            canister_id=c.id,
            snapshot_id=up.snapshot_id,
            kind={"stable_memory": {"offset": 39 * GiB}},
            chunk=b"deep",
        )
        await c.call("inc")
        await ic.load_canister_snapshot(canister_id=c.id, snapshot_id=up.snapshot_id)
        assert await c.query("read") == 3
        cs = net.engine.get(c.id)
        assert cs.stable.size() == 40 * GiB // PAGE_SIZE
        assert cs.stable.read(39 * GiB, 4) == b"deep"
        again = await take(net, c.id)  # and it can be snapshotted again
        got = await ic.read_canister_snapshot_metadata(canister_id=c.id, snapshot_id=again.id)
        assert got.stable_memory_size == 40 * GiB
        assert len(persist.dumps(net)) < 256 * 1024


async def test_limits_are_still_the_ics():
    async with Subnet() as net:
        c = await deploy_counter(net)
        before = fingerprint(net)
        for change in (
            {"wasm_module_size": 100 * MiB + 1},
            {"wasm_memory_size": 4 * GiB + PAGE_SIZE},
            {"stable_memory_size": 400 * GiB + PAGE_SIZE},
            {"stable_memory_size": 2**64 - PAGE_SIZE},
        ):
            rej = await rejected(
                net, "upload_canister_snapshot_metadata", {"canister_id": c.id, **LARGEST, **change}
            )
            assert rej.error_code == ErrorCode.InvalidManagementPayload, change
            assert rej.reject_message.startswith("Snapshot Metadata contains invalid data: ")
        assert fingerprint(net) == before
