"""Snapshot sizes: total_size, the memory a snapshot is charged for, and the memory it really
holds (stable memory is shared copy-on-write).

IC sources are abbreviated as in tests/snapshots/__init__.py.
"""

import pytest

from subnet import Subnet
from subnet.memory import CHUNK_SIZE, PAGE_SIZE
from tests.support.snapshots import (
    deploy_chat,
    deploy_counter,
    take,
)

pytestmark = pytest.mark.anyio


# CM take_canister_snapshot (total_size = CanisterState::snapshot_size_bytes: module + Wasm
# memory + stable memory + certified data, no chunk store here)
async def test_snapshot_total_size_is_the_sum_of_its_parts():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net, incs=2)
        await c.call("certify", b"0123456789")
        s = await take(net, c.id)
        meta = await ic.read_canister_snapshot_metadata(canister_id=c.id, snapshot_id=s.id)
        assert s.total_size == (
            meta.wasm_module_size
            + meta.wasm_memory_size
            + meta.stable_memory_size
            + len(meta.certified_data)
        )
        up = await ic.upload_canister_snapshot_metadata(
            canister_id=c.id,
            wasm_module_size=100,
            wasm_memory_size=2 * PAGE_SIZE,
            stable_memory_size=3 * PAGE_SIZE,
            certified_data=b"abc",
        )
        listed = {x.id: x for x in await ic.list_canister_snapshots(canister_id=c.id)}
        assert listed[up.snapshot_id].total_size == 100 + 5 * PAGE_SIZE + 3
        up_meta = await ic.read_canister_snapshot_metadata(
            canister_id=c.id, snapshot_id=up.snapshot_id
        )
        assert up_meta.source == "metadata_upload"
        assert up_meta.canister_version == net.inspect(c).version
        assert up_meta.taken_at_timestamp == listed[up.snapshot_id].taken_at_timestamp
        assert (up_meta.wasm_module_size, up_meta.stable_memory_size) == (100, 3 * PAGE_SIZE)


# EE canister_request_take_canister_snapshot_creates_new_snapshots / delete_canister_snapshot_
# succeeds: the canister's snapshots_memory_usage is the sum of its snapshots' sizes, and
# canister_status.memory_size includes it
async def test_snapshot_memory_usage_is_the_sum_of_snapshot_sizes():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net)
        await c.call("grow", 16)  # 1 MiB of stable memory
        base = (await ic.canister_status(canister_id=c.id)).memory_size
        s = await take(net, c.id)
        after = (await ic.canister_status(canister_id=c.id)).memory_size
        assert after - base == s.total_size


async def test_snapshots_share_stable_memory_chunks():
    async with Subnet() as net:
        ic = net.management
        chat = await deploy_chat(net)
        quarter = bytes(range(256)) * (16 * PAGE_SIZE // 256)  # 1 MiB: under the ingress limit
        for i in range(4):  # 64 pages
            await chat.call("put", i * 16 * PAGE_SIZE, quarter)
        cs = net.engine.get(chat.id)
        held = net.inspect(chat).held_bytes
        charged = (await ic.canister_status(canister_id=chat.id)).memory_size
        for i in range(5):
            await ic.take_canister_snapshot(canister_id=chat.id)
            await chat.call("put", i * CHUNK_SIZE, b"dirty")
        snapshot_stable = sum(s.stable_size for s in cs.snapshots.values())
        # held: five snapshots of 4 MiB each cost five chunks of stable memory, not 20 MiB
        growth = net.inspect(chat).held_bytes - held
        assert 5 * CHUNK_SIZE <= growth < snapshot_stable / 10
        # charged, as the IC counts it: each snapshot's whole size
        status = await ic.canister_status(canister_id=chat.id)
        assert status.memory_size == charged + sum(s.total_size for s in cs.snapshots.values())
