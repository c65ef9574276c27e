"""load_canister_snapshot: who may load which snapshot where, what comes back (code, heap,
stable memory, certified data), the history entry, and corrupted snapshots.

IC sources are abbreviated as in tests/snapshots/__init__.py.
"""

import pytest

from actors import Canister, update
from subnet import MANAGEMENT, ErrorCode, Reject, RejectCode, SnapshotId, Subnet
from tests.canisters import Chat, ChatV2, GrowCounter, Operator, Other
from tests.support import fingerprint
from tests.support.snapshots import (
    assert_snapshot_eq,
    deploy_chat,
    deploy_counter,
    history,
    rejected,
    take,
)

pytestmark = pytest.mark.anyio


# EE load_canister_snapshot_fails_canister_not_found
# (the ingress filter's text has no full stop: rs/execution_environment/src/
# execution_environment.rs :: should_accept_ingress_message; the EE test's, with its full stop,
# is the execution's, which a calling canister meets)
async def test_load_canister_snapshot_fails_canister_not_found():
    async with Subnet() as net:
        ghost = net.identity("ghost-canister")
        record = {"canister_id": ghost, "snapshot_id": bytes(SnapshotId(ghost, 6))}
        rej = await rejected(net, "load_canister_snapshot", record)
        assert rej.error_code == ErrorCode.CanisterNotFound
        assert rej.reject_message == f"Canister {ghost} not found"
        op = await net.deploy(Operator)
        out = await op.call("ic00", "load_canister_snapshot", record)
        assert out["reject"] == [RejectCode.DESTINATION_INVALID, f"Canister {ghost} not found."]


# EE load_canister_snapshot_fails_invalid_controller
async def test_load_canister_snapshot_fails_invalid_controller():
    async with Subnet() as net:
        op = await net.deploy(Operator)
        cid = (await net.management.create_canister()).canister_id
        before = [r for r in fingerprint(net)[0] if r[0] == cid]
        out = await op.call(
            "ic00",
            "load_canister_snapshot",
            {"canister_id": cid, "snapshot_id": bytes(SnapshotId(cid, 6))},
        )
        code, message = out["reject"]
        # the controller check comes before the snapshot lookup
        assert code == RejectCode.CANISTER_ERROR
        assert message.startswith(
            f"Only the controllers of the canister {cid} can control it.\n"
            f"Canister's controllers: {net.default_identity}\n"
            f"Sender's ID: {op.id}"
        )
        assert [r for r in fingerprint(net)[0] if r[0] == cid] == before


# EE load_canister_snapshot_fails_snapshot_not_found
async def test_load_canister_snapshot_fails_snapshot_not_found():
    async with Subnet() as net:
        c = await deploy_counter(net)
        sid = SnapshotId(c.id, 3)
        before = fingerprint(net)
        rej = await rejected(
            net, "load_canister_snapshot", {"canister_id": c.id, "snapshot_id": bytes(sid)}
        )
        assert rej.error_code == ErrorCode.CanisterSnapshotNotFound
        assert f"Could not find the snapshot ID {sid} for canister {c.id}" in rej.reject_message
        assert fingerprint(net) == before


# EE load_canister_snapshot_does_not_work_when_sender_does_not_control_originating_snapshot
async def test_load_snapshot_fails_when_sender_does_not_control_originating_canister():
    async with Subnet() as net:
        c1 = await deploy_counter(net)
        s = await take(net, c1.id)
        other = net.identity("user-42")
        c2 = await net.deploy(GrowCounter, sender=other)
        assert net.inspect(c1).controllers != net.inspect(c2).controllers
        before = fingerprint(net)
        rej = await rejected(
            net,
            "load_canister_snapshot",
            {"canister_id": c2.id, "snapshot_id": bytes(s.id)},
            sender=other,
        )
        assert rej.error_code == ErrorCode.CanisterRejectedMessage
        assert rej.reject_code == RejectCode.CANISTER_REJECT
        assert (
            f"Only a controller of the canister that snapshot {s.id} belongs to can load it on "
            f"canister {c2.id}. Sender: {other}" in rej.reject_message
        )
        assert fingerprint(net) == before


# EE load_canister_snapshot_succeeds
async def test_load_canister_snapshot_succeeds():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net)
        s = await take(net, c.id)
        assert net.inspect(c).version == 1
        before = await history(net, c.id, 20)
        await ic.load_canister_snapshot(canister_id=c.id, snapshot_id=s.id)
        assert net.inspect(c).version == 2
        after = await history(net, c.id, 20)
        assert after[:-1] == before
        last = after[-1]
        assert last.canister_version == 2
        assert last.origin == {"from_user": {"user_id": net.default_identity}}
        assert last.details["load_snapshot"]["canister_version"] == 1
        assert last.details["load_snapshot"]["snapshot_id"] == bytes(s.id)
        assert last.details["load_snapshot"]["taken_at_timestamp"] == s.taken_at_timestamp
        assert last.details["load_snapshot"]["source"] == "taken_from_canister"
        # loading does not consume the snapshot
        assert await ic.list_canister_snapshots(canister_id=c.id) == [s]


# EE load_canister_snapshot_succeeds: the whole history entry, as the IC test compares it
# (CanisterChangeDetails::load_snapshot(version, id, taken_at, TakenFromCanister, None))
async def test_load_canister_snapshot_history_entry_has_null_from_canister_id():
    async with Subnet() as net:
        c = await deploy_counter(net)
        s = await take(net, c.id)
        await net.management.load_canister_snapshot(canister_id=c.id, snapshot_id=s.id)
        (last,) = await history(net, c.id)
        assert last.details == {
            "load_snapshot": {
                "canister_version": 1,
                "snapshot_id": bytes(s.id),
                "taken_at_timestamp": s.taken_at_timestamp,
                "source": "taken_from_canister",
                "from_canister_id": None,
            }
        }


# CH canister_history_load_snapshot_fails_incorrect_sender_version
# (the replica's validate_sender_canister_version: CanisterContractViolation, "Management
# canister call payload includes sender canister version 444 that does not match the actual
# sender canister version N.")
async def test_canister_history_load_snapshot_fails_incorrect_sender_version():
    async with Subnet() as net:
        op = await net.deploy(Operator)
        c = await deploy_counter(net, controllers=[op.id, net.default_identity])
        out = await op.call("ic00", "take_canister_snapshot", {"canister_id": c.id})
        sid = out["reply"]["id"]
        info = await net.management.canister_info(canister_id=c.id, num_requested_changes=20)
        out = await op.call(
            "ic00",
            "load_canister_snapshot",
            {"canister_id": c.id, "snapshot_id": sid, "sender_canister_version": 444},
        )
        assert "reject" in out
        _, message = out["reject"]
        assert "sender canister version 444 that does not match" in message
        after = await net.management.canister_info(canister_id=c.id, num_requested_changes=20)
        assert after == info


# CH (history origin of a canister caller: from_canister with its sender_canister_version)
async def test_load_snapshot_history_records_canister_origin():
    async with Subnet() as net:
        op = await net.deploy(Operator)
        c = await deploy_counter(net, controllers=[op.id, net.default_identity])
        out = await op.call("ic00", "take_canister_snapshot", {"canister_id": c.id})
        sid = out["reply"]["id"]
        out = await op.call(
            "ic00", "load_canister_snapshot", {"canister_id": c.id, "snapshot_id": sid}
        )
        assert out == {"reply": None}
        (last,) = await history(net, c.id)
        assert last.origin == {"from_canister": {"canister_id": op.id, "canister_version": None}}


async def test_a_canister_can_snapshot_another():
    class Operator(Canister):
        @update
        async def backup(self, target) -> bytes:
            snap = await self.call(MANAGEMENT, "take_canister_snapshot", {"canister_id": target})
            return snap["id"]

        @update
        async def restore(self, target, sid: bytes) -> None:
            await self.call(
                MANAGEMENT, "load_canister_snapshot", {"canister_id": target, "snapshot_id": sid}
            )

    async with Subnet() as net:
        op = await net.deploy(Operator)
        chat = await net.deploy(Chat, controllers=[op.id, net.default_identity])
        await chat.call("append", "keep")
        sid = await op.call("backup", chat.id)
        await chat.call("append", "lose")
        await op.call("restore", chat.id, sid)
        assert await chat.query("dump") == ["keep"]
        info = await net.management.canister_info(canister_id=chat.id, num_requested_changes=1)
        assert info.recent_changes[0].origin == {
            "from_canister": {"canister_id": op.id, "canister_version": None}
        }


async def test_snapshot_holds_code_heap_stable_memory_and_certified_data():
    async with Subnet() as net:
        ic = net.management
        chat = await deploy_chat(net, "before")
        await chat.call("put", 5, b"stable!")
        await chat.call("certify", b"cert-1")
        snap = await ic.take_canister_snapshot(canister_id=chat.id)
        await chat.call("append", "after")
        await chat.call("put", 5, b"changed")
        await chat.call("certify", b"cert-2")
        await ic.install_code(mode="upgrade", canister_id=chat.id, wasm_module=ChatV2)
        await ic.load_canister_snapshot(canister_id=chat.id, snapshot_id=snap.id)
        assert await chat.query("dump") == ["before"]
        assert await chat.query("read", 5, 7) == b"stable!"
        assert net.engine.get(chat.id).certified_data == b"cert-1"
        assert net.inspect(chat).module_hash == Chat.module_hash()


# EE snapshot_must_include_globals (here: the heap, the module and stable memory come back)
async def test_snapshot_must_include_state():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net)
        assert await c.query("read") == 0
        await c.call("inc")
        await c.call("certify", b"cert-1")
        s = await take(net, c.id)
        await c.call("inc")
        await c.call("certify", b"cert-2")
        await ic.install_code(mode="reinstall", canister_id=c.id, wasm_module=Other)
        await ic.load_canister_snapshot(canister_id=c.id, snapshot_id=s.id)
        assert await c.query("read") == 1
        assert net.inspect(c).module_hash == GrowCounter.module_hash()
        assert net.engine.get(c.id).certified_data == b"cert-1"
        assert net.engine.get(c.id).stable.size() == 1
        assert await c.call("inc") == 2  # the loaded state keeps working


async def test_loading_a_snapshot_of_another_canister():
    async with Subnet() as net:
        ic = net.management
        a = await deploy_chat(net, "from a")
        b = await deploy_chat(net, cls=ChatV2)
        sa = await ic.take_canister_snapshot(canister_id=a.id)
        await ic.load_canister_snapshot(canister_id=b.id, snapshot_id=sa.id)
        assert await b.query("dump") == ["from a"]
        with pytest.raises(Reject):
            await b.query("version")  # b now runs a's code
        info = await ic.canister_info(canister_id=b.id, num_requested_changes=1)
        assert info.recent_changes[0].details["load_snapshot"]["from_canister_id"] == a.id
        # a controller of b who does not control a cannot load a's snapshot into b
        alice = net.identity("alice")
        await ic.update_settings(
            canister_id=b.id, settings={"controllers": [alice, net.default_identity]}
        )
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await ic.load_canister_snapshot(canister_id=b.id, snapshot_id=sa.id, sender=alice)
        assert rej.value.error_code == ErrorCode.CanisterRejectedMessage
        assert "Only a controller of the canister that snapshot" in rej.value.reject_message
        assert fingerprint(net) == before


# ST load_canister_snapshot_works_on_another_canister
async def test_load_canister_snapshot_works_on_another_canister():
    async with Subnet() as net:
        ic = net.management
        c1 = await deploy_counter(net)
        c2 = await net.deploy(Other)
        await c1.call("grow", 100)
        await c1.call("inc")
        version_at_snapshot = net.inspect(c1).version
        s1 = await take(net, c1.id)
        await ic.load_canister_snapshot(canister_id=c2.id, snapshot_id=s1.id)
        # the two canisters now hold the same state
        s2 = await take(net, c2.id)
        await assert_snapshot_eq(ic, c1.id, s1.id, c2.id, s2.id)
        assert await c2.query("read") == 1
        (last,) = await history(net, c2.id)
        d = last.details["load_snapshot"]
        assert d["canister_version"] == version_at_snapshot
        assert d["snapshot_id"] == bytes(s1.id)
        assert d["taken_at_timestamp"] == s1.taken_at_timestamp
        assert d["source"] == "taken_from_canister"
        assert d["from_canister_id"] == c1.id
        # the snapshot still belongs to c1 only
        assert [s.id for s in await ic.list_canister_snapshots(canister_id=c1.id)] == [s1.id]
        assert [s.id for s in await ic.list_canister_snapshots(canister_id=c2.id)] == [s2.id]


# SPEC load_canister_snapshot: works on an uninstalled canister and brings the code back
async def test_load_on_uninstalled_canister():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net, incs=3)
        s = await take(net, c.id)
        await ic.uninstall_code(canister_id=c.id)
        assert net.inspect(c).module_hash is None
        await ic.load_canister_snapshot(canister_id=c.id, snapshot_id=s.id)
        assert await c.query("read") == 3


async def test_corrupted_snapshot_is_refused():
    async with Subnet() as net:
        ic = net.management
        chat = await deploy_chat(net, "x")
        snap = await ic.take_canister_snapshot(canister_id=chat.id)
        await chat.call("append", "y")
        stored = net.engine.get(chat.id).snapshots[snap.id]
        stored.heap_image = stored.heap_image.replace(b"x", b"z")  # bit rot
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await ic.load_canister_snapshot(canister_id=chat.id, snapshot_id=snap.id)
        assert "does not match its checksum" in rej.value.reject_message
        assert fingerprint(net) == before
        meta = await ic.read_canister_snapshot_metadata(canister_id=chat.id, snapshot_id=snap.id)
        assert meta.checksum == stored.checksum


class BigHeap(Canister):
    """About 8 MiB of Wasm memory (the IC test's ``(memory 128)``), and the hook (the
    simulator checks the condition of canisters that define it)."""

    def init(self) -> None:
        self.blob = b"x" * (128 * 65536)

    def on_low_wasm_memory(self) -> None:
        pass


class SmallHeap(BigHeap):
    """One page's worth (the IC test's ``(memory 1)``)."""

    def init(self) -> None:
        self.blob = b""


# EE load_canister_snapshot_updates_hook_condition (the replica checks the hook's condition
# right after every subnet message that succeeds on a canister: execution_environment.rs,
# update_on_low_wasm_memory_hook_condition)
async def test_load_canister_snapshot_updates_hook_condition():
    async with Subnet() as net:
        ic = net.management
        big = await net.deploy(BigHeap)
        assert net.inspect(big.id).hook_status == "condition_not_satisfied"
        settings = {"wasm_memory_limit": 10_000_000, "wasm_memory_threshold": 5_000_000}
        await ic.update_settings(canister_id=big.id, settings=settings)
        assert net.inspect(big.id).hook_status == "ready"  # at once, not at the next round
        snap = await ic.take_canister_snapshot(canister_id=big.id)
        await ic.install_code(mode="upgrade", canister_id=big.id, wasm_module=SmallHeap)
        assert net.inspect(big.id).hook_status == "condition_not_satisfied"
        await ic.load_canister_snapshot(canister_id=big.id, snapshot_id=snap.id)
        assert net.inspect(big.id).hook_status == "ready"
        # and what a snapshot taken now records
        again = await ic.take_canister_snapshot(canister_id=big.id)
        meta = await ic.read_canister_snapshot_metadata(canister_id=big.id, snapshot_id=again.id)
        assert meta.on_low_wasm_memory_hook_status == "ready"
        # a snapshot taken with uninstall_code leaves no Wasm memory: not satisfied any more
        await ic.take_canister_snapshot(
            canister_id=big.id, replace_snapshot=again.id, uninstall_code=True
        )
        assert net.inspect(big.id).hook_status == "condition_not_satisfied"
