"""list_canister_snapshots and delete_canister_snapshot.

IC sources are abbreviated as in tests/snapshots/__init__.py.
"""

import pytest

from subnet import ErrorCode, RejectCode, SnapshotId, Subnet
from tests.canisters import Operator
from tests.support import fingerprint
from tests.support.snapshots import (
    deploy_counter,
    rejected,
    take,
)

pytestmark = pytest.mark.anyio


# EE list_canister_snapshot_succeeds
async def test_list_canister_snapshot_succeeds():
    async with Subnet() as net:
        c = await deploy_counter(net)
        s = await take(net, c.id)
        listed = await net.management.list_canister_snapshots(canister_id=c.id)
        assert len(listed) == 1
        assert listed[0].id == s.id
        assert listed[0] == s  # same id, timestamp and size as take answered


# EE list_canister_snapshot_fails_canister_not_found
# (the ingress filter's text has no full stop: rs/execution_environment/src/
# execution_environment.rs :: should_accept_ingress_message; the EE test's, with its full stop,
# is the execution's, which a calling canister meets)
async def test_list_canister_snapshot_fails_canister_not_found():
    async with Subnet() as net:
        ghost = net.identity("ghost-canister")
        rej = await rejected(net, "list_canister_snapshots", {"canister_id": ghost})
        assert rej.error_code == ErrorCode.CanisterNotFound
        assert rej.reject_message == f"Canister {ghost} not found"
        op = await net.deploy(Operator)
        out = await op.call("ic00", "list_canister_snapshots", {"canister_id": ghost})
        assert out["reject"] == [RejectCode.DESTINATION_INVALID, f"Canister {ghost} not found."]


# EE list_canister_snapshot_fails_invalid_controller
async def test_list_canister_snapshot_fails_invalid_controller():
    async with Subnet() as net:
        op = await net.deploy(Operator)
        cid = (await net.management.create_canister()).canister_id
        before = [r for r in fingerprint(net)[0] if r[0] == cid]
        out = await op.call("ic00", "list_canister_snapshots", {"canister_id": cid})
        code, message = out["reject"]
        assert code == RejectCode.CANISTER_ERROR
        assert message.startswith(
            f"Only the controllers of the canister {cid} can control it.\n"
            f"Canister's controllers: {net.default_identity}\n"
            f"Sender's ID: {op.id}"
        )
        assert [r for r in fingerprint(net)[0] if r[0] == cid] == before


# EE delete_canister_snapshot_succeeds
async def test_delete_canister_snapshot_succeeds():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net)
        await c.call("grow", 4)
        s = await take(net, c.id)
        await c.call("inc")  # the canister now differs from the snapshot
        with_snapshot = (await ic.canister_status(canister_id=c.id)).memory_size
        v = net.inspect(c).version
        assert await ic.delete_canister_snapshot(canister_id=c.id, snapshot_id=s.id) is None
        assert await ic.list_canister_snapshots(canister_id=c.id) == []
        assert net.engine.get(c.id) is not None
        assert (await ic.canister_status(canister_id=c.id)).memory_size < with_snapshot
        assert net.inspect(c).version == v  # delete changes no version
        # once deleted, the id is unknown
        rej = await rejected(
            net, "load_canister_snapshot", {"canister_id": c.id, "snapshot_id": bytes(s.id)}
        )
        assert rej.error_code == ErrorCode.CanisterSnapshotNotFound


# EE delete_canister_snapshot_fails_canister_not_found
# (the ingress filter's text has no full stop: rs/execution_environment/src/
# execution_environment.rs :: should_accept_ingress_message; the EE test's, with its full stop,
# is the execution's, which a calling canister meets)
async def test_delete_canister_snapshot_fails_canister_not_found():
    async with Subnet() as net:
        ghost = net.identity("ghost-canister")
        record = {"canister_id": ghost, "snapshot_id": bytes(SnapshotId(ghost, 3))}
        rej = await rejected(net, "delete_canister_snapshot", record)
        assert rej.error_code == ErrorCode.CanisterNotFound
        assert rej.reject_message == f"Canister {ghost} not found"
        op = await net.deploy(Operator)
        out = await op.call("ic00", "delete_canister_snapshot", record)
        assert out["reject"] == [RejectCode.DESTINATION_INVALID, f"Canister {ghost} not found."]


# EE delete_canister_snapshot_fails_snapshot_not_found
async def test_delete_canister_snapshot_fails_snapshot_not_found():
    async with Subnet() as net:
        c = await deploy_counter(net)
        sid = SnapshotId(c.id, 3)
        rej = await rejected(
            net, "delete_canister_snapshot", {"canister_id": c.id, "snapshot_id": bytes(sid)}
        )
        assert rej.error_code == ErrorCode.CanisterSnapshotNotFound
        assert rej.reject_code == RejectCode.DESTINATION_INVALID
        assert f"Could not find the snapshot ID {sid} for canister {c.id}" in rej.reject_message
        assert net.engine.get(c.id) is not None


# EE delete_canister_snapshot_fails_snapshot_does_not_belong_to_canister
async def test_delete_canister_snapshot_fails_snapshot_does_not_belong_to_canister():
    async with Subnet() as net:
        c1 = await deploy_counter(net)
        c2 = await deploy_counter(net)
        s = await take(net, c1.id)
        before = fingerprint(net)
        rej = await rejected(
            net, "delete_canister_snapshot", {"canister_id": c2.id, "snapshot_id": bytes(s.id)}
        )
        assert rej.error_code == ErrorCode.CanisterRejectedMessage
        assert f"The snapshot {s.id} does not belong to canister {c2.id}" in rej.reject_message
        assert fingerprint(net) == before


# SPEC delete_canister_snapshot (controllers only)
async def test_delete_canister_snapshot_fails_invalid_controller():
    async with Subnet() as net:
        c = await deploy_counter(net)
        s = await take(net, c.id)
        before = fingerprint(net)
        rej = await rejected(
            net,
            "delete_canister_snapshot",
            {"canister_id": c.id, "snapshot_id": bytes(s.id)},
            sender=net.identity("mallory"),
        )
        assert rej.error_code == ErrorCode.CanisterInvalidController
        assert fingerprint(net) == before


# The replica checks sender_canister_version only for the methods whose argument has it
# (rs/embedders/src/wasmtime_embedder/system_api/sandbox_safe_system_state.rs ::
# get_sender_canister_version: None for list_canister_snapshots and delete_canister_snapshot);
# for the others the field is one Candid's record subtyping ignores, as any unknown field.
async def test_list_and_delete_ignore_a_sender_canister_version_and_unknown_fields():
    async with Subnet() as net:
        op = await net.deploy(Operator)
        c = await deploy_counter(net, controllers=[op.id, net.default_identity])
        out = await op.call("ic00", "take_canister_snapshot", {"canister_id": c.id})
        sid = out["reply"]["id"]
        wrong = {"sender_canister_version": 444, "bogus": 1}
        out = await op.call("ic00", "list_canister_snapshots", {"canister_id": c.id, **wrong})
        assert [s["id"] for s in out["reply"]] == [sid]
        out = await op.call(
            "ic00",
            "read_canister_snapshot_metadata",
            {"canister_id": c.id, "snapshot_id": sid, **wrong},
        )
        assert "reply" in out
        out = await op.call(
            "ic00", "delete_canister_snapshot", {"canister_id": c.id, "snapshot_id": sid, **wrong}
        )
        assert out == {"reply": None}
        assert await net.management.list_canister_snapshots(canister_id=c.id) == []
        # where the argument has the field, a wrong version is refused, and nothing happens
        version = await op.call("my_version")
        out = await op.call(
            "ic00", "take_canister_snapshot", {"canister_id": c.id, "sender_canister_version": 444}
        )
        assert out["reject"] == [
            RejectCode.CANISTER_ERROR,
            "IC0504: Management canister call payload includes sender canister version 444 that "
            f"does not match the actual sender canister version {version + 1}.",
        ]
        assert await net.management.list_canister_snapshots(canister_id=c.id) == []
