"""take_canister_snapshot: who may take one, of what, which id it gets; with uninstall_code.

IC sources are abbreviated as in tests/snapshots/__init__.py.
"""

import pytest

from actors import Canister, update
from subnet import MANAGEMENT, ErrorCode, Reject, RejectCode, SnapshotId, Subnet
from subnet.memory import PAGE_SIZE
from tests.canisters import GrowCounter, Operator
from tests.support import fingerprint
from tests.support.snapshots import (
    deploy_chat,
    deploy_counter,
    read_all,
    rejected,
    take,
)

pytestmark = pytest.mark.anyio


# EE snapshot_request_rejected_because_decode_args_fail
async def test_snapshot_request_rejected_because_decode_args_fail():
    async with Subnet() as net:
        op = await net.deploy(Operator)
        out = await op.call("ic00", "take_canister_snapshot")  # no argument at all
        code, message = out["reject"]
        assert code == RejectCode.CANISTER_REJECT
        assert "Error decoding candid" in message
        rej = await rejected(net, "take_canister_snapshot", no_args=True)
        assert rej.error_code == ErrorCode.InvalidManagementPayload
        assert "Error decoding candid" in rej.reject_message


# EE take_canister_snapshot_fails_canister_not_found
# (the IC test compares the whole reject: DESTINATION_INVALID, "Canister <id> not found.")
async def test_take_canister_snapshot_fails_canister_not_found():
    async with Subnet() as net:
        op = await net.deploy(Operator)
        ghost = net.identity("ghost-canister")
        out = await op.call(
            "ic00",
            "take_canister_snapshot",
            {"canister_id": ghost, "replace_snapshot": bytes(SnapshotId(ghost, 6))},
        )
        assert out["reject"] == [RejectCode.DESTINATION_INVALID, f"Canister {ghost} not found."]


# EE take_canister_snapshot_fails_canister_not_found (error code), as ingress
# (the ingress filter's text has no full stop: rs/execution_environment/src/
# execution_environment.rs :: should_accept_ingress_message; the EE test's, with its full stop,
# is the execution's, which a calling canister meets)
async def test_take_canister_snapshot_fails_canister_not_found_code():
    async with Subnet() as net:
        ghost = net.identity("ghost-canister")
        rej = await rejected(net, "take_canister_snapshot", {"canister_id": ghost})
        assert rej.error_code == ErrorCode.CanisterNotFound
        assert rej.reject_code == RejectCode.DESTINATION_INVALID
        assert rej.reject_message == f"Canister {ghost} not found"


# EE take_canister_snapshot_fails_invalid_controller
async def test_take_canister_snapshot_fails_invalid_controller():
    async with Subnet() as net:
        op = await net.deploy(Operator)
        cid = (await net.management.create_canister()).canister_id  # empty, user-controlled
        before = fingerprint(net)
        out = await op.call(
            "ic00",
            "take_canister_snapshot",
            {"canister_id": cid, "replace_snapshot": bytes(SnapshotId(cid, 6))},
        )
        code, message = out["reject"]
        assert code == RejectCode.CANISTER_ERROR
        assert message.startswith(
            f"Only the controllers of the canister {cid} can control it.\n"
            f"Canister's controllers: {net.default_identity}\n"
            f"Sender's ID: {op.id}"
        )
        # the check comes before the replace id and the empty-canister checks; nothing changed
        # but the operator's own version (its update executed)
        assert net.engine.get(cid) is not None
        assert [r for r in fingerprint(net)[0] if r[0] == cid] == [
            r for r in before[0] if r[0] == cid
        ]
        rej = await rejected(
            net, "take_canister_snapshot", {"canister_id": cid}, sender=net.identity("mallory")
        )
        assert rej.error_code == ErrorCode.CanisterInvalidController


# SPEC (only listed controllers may take a snapshot; a canister is not its own controller)
async def test_canister_cannot_snapshot_itself_unless_controller():
    class Selfie(Canister):
        @update
        async def snap(self):
            try:
                return await self.call(
                    MANAGEMENT, "take_canister_snapshot", {"canister_id": self.id}
                )
            except Reject as rej:
                return [int(rej.reject_code), rej.reject_message]

    async with Subnet() as net:
        me = await net.deploy(Selfie)
        code, message = await me.call("snap")
        assert code == RejectCode.CANISTER_ERROR
        assert message.startswith(f"Only the controllers of the canister {me.id} can control it.")
        await net.management.update_settings(
            canister_id=me.id, settings={"controllers": [me.id, net.default_identity]}
        )
        out = await me.call("snap")
        assert SnapshotId.from_bytes(out["id"]) == SnapshotId(me.id, 0)


# EE take_canister_snapshot_fails_invalid_replace_snapshot_id
async def test_take_canister_snapshot_fails_invalid_replace_snapshot_id():
    async with Subnet() as net:
        op = await net.deploy(Operator)
        cid = (await net.management.create_canister()).canister_id
        await net.management.update_settings(
            canister_id=cid, settings={"controllers": [op.id, net.default_identity]}
        )
        sid = SnapshotId(cid, 6)
        out = await op.call(
            "ic00", "take_canister_snapshot", {"canister_id": cid, "replace_snapshot": bytes(sid)}
        )
        code, message = out["reject"]
        # the replace id is looked up before the canister is found to be empty
        assert code == RejectCode.DESTINATION_INVALID
        assert message.startswith(f"Could not find the snapshot ID {cid}-6 for canister {cid}.")
        rej = await rejected(
            net, "take_canister_snapshot", {"canister_id": cid, "replace_snapshot": bytes(sid)}
        )
        assert rej.error_code == ErrorCode.CanisterSnapshotNotFound
        assert net.engine.get(cid) is not None


# EE take_canister_snapshot_fails_canister_does_not_own_replace_snapshot
async def test_take_canister_snapshot_fails_canister_does_not_own_replace_snapshot():
    async with Subnet() as net:
        c1 = await deploy_counter(net)
        c2 = await deploy_counter(net)
        s1 = await take(net, c1.id)
        before = fingerprint(net)
        rej = await rejected(
            net, "take_canister_snapshot", {"canister_id": c2.id, "replace_snapshot": s1.id}
        )
        assert rej.error_code == ErrorCode.CanisterRejectedMessage
        assert rej.reject_code == RejectCode.CANISTER_REJECT
        assert f"The snapshot {s1.id} does not belong to canister {c2.id}" in rej.reject_message
        assert fingerprint(net) == before


# EE take_canister_snapshot_does_not_reduce_subnet_available_memory_when_failing_to_create_snapshot
async def test_take_canister_snapshot_fails_on_empty_canister_and_changes_nothing():
    async with Subnet() as net:
        cid = (await net.management.create_canister()).canister_id
        status = await net.management.canister_status(canister_id=cid)
        before = fingerprint(net)
        rej = await rejected(net, "take_canister_snapshot", {"canister_id": cid})
        assert rej.error_code == ErrorCode.CanisterRejectedMessage
        # CM types.rs CanisterSnapshotExecutionStateNotFound: really ends with a colon
        assert rej.reject_message == f"Failed to create snapshot for empty canister {cid}:"
        assert fingerprint(net) == before
        after = await net.management.canister_status(canister_id=cid)
        assert after.memory_size == status.memory_size


# EE canister_request_take_canister_snapshot_creates_new_snapshots
async def test_canister_request_take_canister_snapshot_creates_new_snapshots():
    async with Subnet() as net:
        op = await net.deploy(Operator)
        c = await deploy_counter(net, controllers=[op.id, net.default_identity])
        out = await op.call("ic00", "take_canister_snapshot", {"canister_id": c.id})
        first = out["reply"]
        sid = SnapshotId.from_bytes(first["id"])
        assert sid == SnapshotId(c.id, 0)
        assert [x.id for x in net.inspect(c).snapshots] == [sid]
        # the snapshot holds the canister's module
        meta = await net.management.read_canister_snapshot_metadata(
            canister_id=c.id, snapshot_id=sid
        )
        module = await read_all(net.management, c.id, sid, "wasm_module", meta.wasm_module_size)
        assert module
        # grow the canister, then replace the snapshot: a fresh id, the old one is gone
        await c.call("grow", 20 * 16)  # 20 MiB of stable memory
        out = await op.call(
            "ic00", "take_canister_snapshot", {"canister_id": c.id, "replace_snapshot": first["id"]}
        )
        second = out["reply"]
        new = SnapshotId.from_bytes(second["id"])
        assert new != sid and new.local_id == 1
        listed = await net.management.list_canister_snapshots(canister_id=c.id)
        assert [s.id for s in listed] == [new]
        assert second["total_size"] > first["total_size"] + 20 * 2**20 - 1


# SPEC (take: canister version and history unchanged; taken_at_timestamp is the time of the
# execution) + EE load_canister_snapshot_succeeds (version 1 after install, take keeps it)
async def test_take_changes_neither_version_nor_history():
    async with Subnet() as net:
        c = await deploy_counter(net)
        assert net.inspect(c).version == 1  # creation 0, install +1
        info = await net.management.canister_info(canister_id=c.id, num_requested_changes=20)
        before = fingerprint(net)
        s = await take(net, c.id)
        assert net.inspect(c).version == 1
        after = await net.management.canister_info(canister_id=c.id, num_requested_changes=20)
        assert after.total_num_changes == info.total_num_changes
        assert after.recent_changes == info.recent_changes
        assert 0 < s.taken_at_timestamp <= net.time
        assert s.total_size > 0
        # only the snapshot store and the id counter moved
        row_before = next(r for r in before[0] if r[0] == c.id)
        row_after = next(r for r in fingerprint(net)[0] if r[0] == c.id)
        assert row_before[:12] == row_after[:12]


async def test_ids_count_per_canister_and_are_never_reused():
    async with Subnet() as net:
        ic = net.management
        a = await deploy_chat(net)
        b = await deploy_chat(net)
        s0 = await ic.take_canister_snapshot(canister_id=a.id)
        s1 = await ic.take_canister_snapshot(canister_id=a.id)
        t0 = await ic.take_canister_snapshot(canister_id=b.id)
        assert (s0.id.local_id, s1.id.local_id, t0.id.local_id) == (0, 1, 0)
        await ic.delete_canister_snapshot(canister_id=a.id, snapshot_id=s1.id)
        s2 = await ic.take_canister_snapshot(canister_id=a.id)
        assert s2.id.local_id == 2
        s3 = await ic.take_canister_snapshot(canister_id=a.id, replace_snapshot=s0.id)
        assert s3.id.local_id == 3
        listed = await ic.list_canister_snapshots(canister_id=a.id)
        assert [s.id for s in listed] == [s2.id, s3.id]


# SPEC (snapshot ids: per-canister counter, never reused) + CM take_canister_snapshot
async def test_snapshot_ids_are_never_reused():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net)
        s0 = await take(net, c.id)
        await ic.delete_canister_snapshot(canister_id=c.id, snapshot_id=s0.id)
        s1 = await take(net, c.id)
        s2 = await take(net, c.id, replace_snapshot=s1.id)
        up = await ic.upload_canister_snapshot_metadata(
            canister_id=c.id, wasm_module_size=1, wasm_memory_size=PAGE_SIZE, stable_memory_size=0
        )
        assert [s0.id.local_id, s1.id.local_id, s2.id.local_id, up.snapshot_id.local_id] == [
            0,
            1,
            2,
            3,
        ]
        assert bytes(s0.id) == (0).to_bytes(8, "big") + bytes(c.id)
        # a canister's counter survives code changes
        await ic.uninstall_code(canister_id=c.id)
        await ic.install_code(mode="install", canister_id=c.id, wasm_module=GrowCounter)
        assert (await take(net, c.id)).id.local_id == 4


async def test_take_with_uninstall_code():
    async with Subnet() as net:
        ic = net.management
        chat = await deploy_chat(net, "x")
        v = net.inspect(chat).version
        snap = await ic.take_canister_snapshot(canister_id=chat.id, uninstall_code=True)
        view = net.inspect(chat)
        assert view.module_hash is None and view.version == v + 1
        info = await ic.canister_info(canister_id=chat.id, num_requested_changes=1)
        assert info.recent_changes[0].details == {"code_uninstall": None}
        await ic.load_canister_snapshot(canister_id=chat.id, snapshot_id=snap.id)
        assert await chat.query("dump") == ["x"]


# SPEC abstract-behavior.md "Take canister snapshot" (uninstall_code = true: the code is
# uninstalled in the same step, with uninstall's effects) + CM take_canister_snapshot step 8
async def test_take_with_uninstall_code_uninstalls_in_the_same_step():
    class Waiter(Canister):
        @update
        async def wait(self, target) -> str:
            await self.call(target, "run")
            return "done"

    async with Subnet() as net:
        ic = net.management
        w = await net.deploy(Waiter)
        c = await deploy_counter(net, incs=2)
        pending = w.submit("wait", c.id)
        await net.step()  # w has a call context open and a callback outstanding
        v = net.inspect(w).version
        n = (await ic.canister_info(canister_id=w.id)).total_num_changes
        s = await take(net, w.id, uninstall_code=True)
        view = net.inspect(w)
        assert view.module_hash is None
        assert view.version == v + 1
        info = await ic.canister_info(canister_id=w.id, num_requested_changes=1)
        assert info.total_num_changes == n + 1
        change = info.recent_changes[0]
        assert change.details == {"code_uninstall": None}
        assert change.canister_version == v + 1
        assert change.origin == {"from_user": {"user_id": net.default_identity}}
        # the pending caller is answered as by uninstall_code
        with pytest.raises(Reject) as rej:
            await pending
        assert rej.value.reject_code == RejectCode.CANISTER_REJECT
        assert rej.value.reject_message == "Canister has been uninstalled."
        # the snapshot holds the code as it was before the uninstall
        assert [x.id for x in await ic.list_canister_snapshots(canister_id=w.id)] == [s.id]
        await ic.load_canister_snapshot(canister_id=w.id, snapshot_id=s.id)
        assert net.inspect(w).module_hash == Waiter.module_hash()


# SPEC take (uninstall_code = false / absent: no uninstall)
async def test_take_with_uninstall_code_false_keeps_the_code():
    async with Subnet() as net:
        c = await deploy_counter(net, incs=1)
        await take(net, c.id, uninstall_code=False)
        assert net.inspect(c).module_hash == GrowCounter.module_hash()
        assert net.inspect(c).version == 2
        assert await c.query("read") == 1


# CM take_canister_snapshot order: uninstall only happens if the snapshot can be taken
async def test_take_with_uninstall_code_on_error_changes_nothing():
    async with Subnet(max_snapshots_per_canister=1) as net:
        c = await deploy_counter(net)
        await take(net, c.id)
        before = fingerprint(net)
        rej = await rejected(
            net, "take_canister_snapshot", {"canister_id": c.id, "uninstall_code": True}
        )
        assert rej.error_code == ErrorCode.CanisterRejectedMessage
        assert fingerprint(net) == before
        assert net.inspect(c).module_hash == GrowCounter.module_hash()
