"""The number of snapshots per canister: the limit, replacing at the limit, uploads counting
too, and the order of the checks.

IC sources are abbreviated as in tests/snapshots/__init__.py.
"""

import pytest

from subnet import ErrorCode, Reject, RejectCode, Subnet
from subnet.memory import PAGE_SIZE
from tests.support import fingerprint
from tests.support.snapshots import (
    deploy_chat,
    deploy_counter,
    rejected,
    take,
)

pytestmark = pytest.mark.anyio


async def test_limit_and_replace():
    async with Subnet(max_snapshots_per_canister=2) as net:
        ic = net.management
        chat = await deploy_chat(net, "one")
        first = await ic.take_canister_snapshot(canister_id=chat.id)
        await ic.take_canister_snapshot(canister_id=chat.id)
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await ic.take_canister_snapshot(canister_id=chat.id)
        assert rej.value.error_code == ErrorCode.CanisterRejectedMessage
        assert rej.value.reject_message.startswith(
            f"Canister {chat.id} has reached the maximum number of snapshots allowed: 2."
        )
        assert fingerprint(net) == before
        # replacing does not count against the limit
        await chat.call("append", "two")
        new = await ic.take_canister_snapshot(canister_id=chat.id, replace_snapshot=first.id)
        ids = [s.id for s in await ic.list_canister_snapshots(canister_id=chat.id)]
        assert first.id not in ids and new.id in ids and len(ids) == 2


# EE take_canister_snapshot_fails_when_limit_is_reached
async def test_take_canister_snapshot_fails_when_limit_is_reached():
    async with Subnet(max_snapshots_per_canister=5) as net:
        c = await deploy_counter(net)
        taken = [await take(net, c.id) for _ in range(5)]
        before = fingerprint(net)
        rej = await rejected(net, "take_canister_snapshot", {"canister_id": c.id})
        assert rej.error_code == ErrorCode.CanisterRejectedMessage
        assert rej.reject_code == RejectCode.CANISTER_REJECT
        assert (
            f"Canister {c.id} has reached the maximum number of snapshots allowed: 5."
            in rej.reject_message
        )
        assert fingerprint(net) == before
        # at the limit, a replacement is still possible (the limit is not checked then)
        new = await take(net, c.id, replace_snapshot=taken[0].id)
        listed = [s.id for s in await net.management.list_canister_snapshots(canister_id=c.id)]
        assert listed == [s.id for s in taken[1:]] + [new.id]


# SPEC (management-canister.md, take_canister_snapshot: at most 10 snapshots by default)
async def test_default_snapshot_limit_is_ten():
    async with Subnet() as net:
        c = await deploy_counter(net)
        for _ in range(10):
            await take(net, c.id)
        rej = await rejected(net, "take_canister_snapshot", {"canister_id": c.id})
        assert "maximum number of snapshots allowed: 10." in rej.reject_message


# SPEC (upload_canister_snapshot_metadata counts against the same limit) + CM
async def test_upload_metadata_counts_against_the_limit():
    async with Subnet(max_snapshots_per_canister=1) as net:
        c = await deploy_counter(net)
        s = await take(net, c.id)
        rej = await rejected(
            net,
            "upload_canister_snapshot_metadata",
            {
                "canister_id": c.id,
                "wasm_module_size": 10,
                "wasm_memory_size": PAGE_SIZE,
                "stable_memory_size": 0,
            },
        )
        assert rej.error_code == ErrorCode.CanisterRejectedMessage
        assert "maximum number of snapshots allowed: 1." in rej.reject_message
        up = await net.management.upload_canister_snapshot_metadata(
            canister_id=c.id,
            replace_snapshot=s.id,
            wasm_module_size=10,
            wasm_memory_size=PAGE_SIZE,
            stable_memory_size=0,
        )
        listed = [x.id for x in await net.management.list_canister_snapshots(canister_id=c.id)]
        assert listed == [up.snapshot_id]
        assert up.snapshot_id.local_id == 1


# SPEC abstract-behavior.md / CM take_canister_snapshot order of checks: controller, then the
# replace target or the limit, then the empty-canister check
async def test_take_checks_limit_before_empty_canister():
    async with Subnet(max_snapshots_per_canister=1) as net:
        ic = net.management
        cid = (await ic.create_canister()).canister_id
        up = await ic.upload_canister_snapshot_metadata(
            canister_id=cid, wasm_module_size=1, wasm_memory_size=PAGE_SIZE, stable_memory_size=0
        )
        rej = await rejected(net, "take_canister_snapshot", {"canister_id": cid})
        assert "has reached the maximum number of snapshots allowed: 1." in rej.reject_message
        rej = await rejected(
            net,
            "take_canister_snapshot",
            {"canister_id": cid, "replace_snapshot": bytes(up.snapshot_id)},
        )
        assert rej.reject_message == f"Failed to create snapshot for empty canister {cid}:"
        # a failed take with replace_snapshot keeps the snapshot it would have replaced
        listed = await ic.list_canister_snapshots(canister_id=cid)
        assert [s.id for s in listed] == [up.snapshot_id]
        rej = await rejected(
            net,
            "take_canister_snapshot",
            {"canister_id": cid},
            sender=net.identity("mallory"),
        )
        assert rej.error_code == ErrorCode.CanisterInvalidController
