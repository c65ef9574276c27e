"""The snapshot API end to end: take, list, load, replace, delete.

IC sources are abbreviated as in tests/snapshots/__init__.py.
"""

import pytest

from subnet import SnapshotId, Subnet
from tests.support.snapshots import (
    deploy_chat,
    deploy_counter,
    take,
)

pytestmark = pytest.mark.anyio


async def test_take_list_load_delete():
    async with Subnet() as net:
        ic = net.management
        chat = await deploy_chat(net, "Hi there!")
        await ic.stop_canister(canister_id=chat.id)
        v = net.inspect(chat).version
        snap = await ic.take_canister_snapshot(canister_id=chat.id)
        assert snap.id == SnapshotId(chat.id, 0)
        assert snap.id.hex() == "000000000000000080000000001000010101"
        assert snap.taken_at_timestamp == net.time - net.engine.step_ns
        assert snap.total_size > 0
        assert net.inspect(chat).version == v  # take changes neither version nor history
        assert await ic.list_canister_snapshots(canister_id=chat.id) == [snap]
        await ic.start_canister(canister_id=chat.id)
        await chat.call("append", "spam")
        await ic.stop_canister(canister_id=chat.id)
        v = net.inspect(chat).version
        await ic.load_canister_snapshot(canister_id=chat.id, snapshot_id=snap.id)
        assert net.inspect(chat).version == v + 1
        await ic.start_canister(canister_id=chat.id)
        assert await chat.query("dump") == ["Hi there!"]
        info = await ic.canister_info(canister_id=chat.id, num_requested_changes=1)
        change = info.recent_changes[0]
        assert change.canister_version == v + 1
        assert change.details == {
            "load_snapshot": {
                "canister_version": snap_version(net, chat, snap),
                "snapshot_id": bytes(snap.id),
                "taken_at_timestamp": snap.taken_at_timestamp,
                "source": "taken_from_canister",
                "from_canister_id": None,
            }
        }
        # loading does not consume the snapshot; delete does
        assert len(await ic.list_canister_snapshots(canister_id=chat.id)) == 1
        await ic.delete_canister_snapshot(canister_id=chat.id, snapshot_id=snap.id.hex())
        assert await ic.list_canister_snapshots(canister_id=chat.id) == []
        assert net.hazards == []  # the canister was stopped every time


def snap_version(net, handle, snap):
    """The version recorded in the snapshot (the canister's version at take time)."""
    return (
        net.engine.get(handle.id).snapshots.get(snap.id).canister_version
        if (snap.id in net.engine.get(handle.id).snapshots)
        else None
    )


# PIC test_canister_snapshots
async def test_pocket_ic_canister_snapshots():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net)
        assert await c.call("inc") == 1
        assert await c.query("read") == 1
        assert await ic.list_canister_snapshots(canister_id=c.id) == []
        await ic.stop_canister(canister_id=c.id)
        first = await take(net, c.id)
        await ic.start_canister(canister_id=c.id)
        listed = await ic.list_canister_snapshots(canister_id=c.id)
        assert len(listed) == 1
        assert listed[0].id == first.id
        assert listed[0].total_size == first.total_size
        assert listed[0].taken_at_timestamp == first.taken_at_timestamp
        assert await c.call("inc") == 2
        await ic.stop_canister(canister_id=c.id)
        await ic.load_canister_snapshot(canister_id=c.id, snapshot_id=first.id)
        await ic.start_canister(canister_id=c.id)
        assert await c.query("read") == 1
        assert await c.call("inc") == 2
        await ic.stop_canister(canister_id=c.id)
        second = await take(net, c.id, replace_snapshot=first.id)
        await ic.start_canister(canister_id=c.id)
        listed = await ic.list_canister_snapshots(canister_id=c.id)
        assert [(s.id, s.total_size, s.taken_at_timestamp) for s in listed] == [
            (second.id, second.total_size, second.taken_at_timestamp)
        ]
        await ic.stop_canister(canister_id=c.id)
        third = await take(net, c.id)
        await ic.start_canister(canister_id=c.id)
        listed = await ic.list_canister_snapshots(canister_id=c.id)
        assert listed[0].id == second.id  # listed in id order
        await ic.delete_canister_snapshot(canister_id=c.id, snapshot_id=second.id)
        listed = await ic.list_canister_snapshots(canister_id=c.id)
        assert [s.id for s in listed] == [third.id]
