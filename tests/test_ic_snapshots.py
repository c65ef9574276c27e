"""Canister snapshots, ported from the IC's own test suites.

Each test names the IC test it comes from and the file that holds it (dfinity/ic unless said
otherwise). The IC tests drive the replica with a Wasm "universal canister"; here the same
behaviour is driven with small Python canisters. Only behaviour is ported: cycles, instruction
counting, heap-delta rate limits, subnet memory capacity, compilation, checkpoints and the Wasm
chunk store are not part of this simulator and are left out (see the end of this file).

Abbreviations used in the source comments:
- EE = rs/execution_environment/src/execution_environment/tests/canister_snapshots.rs
- ST = rs/execution_environment/tests/canister_snapshots.rs (StateMachine tests)
- CH = rs/execution_environment/tests/canister_history.rs
- PIC = packages/pocket-ic/tests/tests.rs
- SPEC = dfinity/developer-docs docs/references/ic-interface-spec (management-canister.md,
  abstract-behavior.md); CM = rs/execution_environment/src/canister_manager.rs and types.rs
"""

import dataclasses

import pytest

from actors import Canister, query, update
from subnet import MANAGEMENT, ErrorCode, Reject, RejectCode, SnapshotId, Subnet
from subnet.memory import PAGE_SIZE

from .support import fingerprint

pytestmark = pytest.mark.anyio

MAX_SLICE = 2_000_000


# -- canisters --------------------------------------------------------------------------------


class Counter(Canister):
    """Like the IC tests' COUNTER_GROW_CANISTER_WAT: ``inc`` grows stable memory by one page and
    writes the new counter value (4 bytes, little endian) at the end of the new page."""

    def init(self):
        self.counter = 0

    @update
    def inc(self) -> int:
        self.stable.grow(1)
        self.counter += 1
        self.stable.write(self.counter * PAGE_SIZE - 4, self.counter.to_bytes(4, "little"))
        return self.counter

    @update
    def grow(self, pages: int) -> None:
        self.stable.grow(pages)

    @update
    def certify(self, data: bytes) -> None:
        self.set_certified_data(data)

    @update
    def run(self) -> None:
        return None

    @query
    def read(self) -> int:
        return self.counter


class Other(Canister):
    """A different module, to see that a load brings the snapshot's code back."""

    @query
    def which(self) -> str:
        return "other"


class Operator(Canister):
    """Calls the management canister, as the IC tests' universal canister does for them."""

    @update
    async def ic00(self, method, *args):
        try:
            return {"reply": await self.call(MANAGEMENT, method, *args)}
        except Reject as rej:
            return {"reject": [int(rej.reject_code), rej.reject_message]}

    @update
    def my_version(self) -> int:
        return self.canister_version()


# -- helpers ----------------------------------------------------------------------------------


async def rejected(net, method, record=None, *, sender=None, no_args=False):
    """Submit a management call as ingress and return its Reject (fails if it succeeds)."""
    args = () if no_args else (record,)
    with pytest.raises(Reject) as rej:
        await net.submit(MANAGEMENT, method, *args, sender=sender)
    return rej.value


async def take(net, cid, **extra):
    return await net.management.take_canister_snapshot(canister_id=cid, **extra)


async def history(net, cid, n=1):
    info = await net.management.canister_info(canister_id=cid, num_requested_changes=n)
    return list(info.recent_changes)


async def read_all(ic, cid, sid, kind, size):
    """Download one memory of a snapshot in slices of at most 2,000,000 bytes."""
    data = b""
    while len(data) < size:
        n = min(MAX_SLICE, size - len(data))
        got = await ic.read_canister_snapshot_data(
            canister_id=cid, snapshot_id=sid, kind={kind: {"offset": len(data), "size": n}}
        )
        assert len(got.chunk) == n
        data += got.chunk
    return data


async def download(ic, cid, sid):
    meta = await ic.read_canister_snapshot_metadata(canister_id=cid, snapshot_id=sid)
    module = await read_all(ic, cid, sid, "wasm_module", meta.wasm_module_size)
    heap = await read_all(ic, cid, sid, "main_memory", meta.wasm_memory_size)
    stable = await read_all(ic, cid, sid, "stable_memory", meta.stable_memory_size)
    return meta, module, heap, stable


async def upload_data(ic, cid, sid, kind, data, slice_size=MAX_SLICE):
    for offset in range(0, len(data), slice_size):
        await ic.upload_canister_snapshot_data(
            canister_id=cid,
            snapshot_id=sid,
            kind={kind: {"offset": offset}},
            chunk=data[offset : offset + slice_size],
        )


async def download_upload(ic, cid, sid, target, **metadata):
    """ST ``download_upload_snapshot``: download ``sid`` of ``cid`` and upload it to ``target``."""
    meta, module, heap, stable = await download(ic, cid, sid)
    fields = dict(
        wasm_module_size=len(module),
        wasm_memory_size=len(heap),
        stable_memory_size=len(stable),
        certified_data=meta.certified_data,
        global_timer=meta.global_timer,
    )
    fields.update(metadata)
    up = await ic.upload_canister_snapshot_metadata(canister_id=target, **fields)
    await upload_data(ic, target, up.snapshot_id, "wasm_module", module)
    await upload_data(ic, target, up.snapshot_id, "main_memory", heap)
    await upload_data(ic, target, up.snapshot_id, "stable_memory", stable)
    return up.snapshot_id


async def assert_snapshot_eq(ic, c1, s1, c2, s2, *, strict=False):
    """ST ``assert_snapshot_eq``: equal metadata (but for source, timestamp and version) and
    equal module, heap and stable memory. Unless ``strict``, also ignore our extra
    ``checksum`` field (see test_take_download_upload_load_snapshot_roundtrip)."""
    m1, *data1 = await download(ic, c1, s1)
    m2, *data2 = await download(ic, c2, s2)
    same = {"source", "taken_at_timestamp", "canister_version"}
    if not strict and hasattr(m2, "checksum"):
        same.add("checksum")
    m1 = dataclasses.replace(m1, **{name: getattr(m2, name) for name in same})
    assert m1 == m2
    assert data1 == data2


async def deploy_counter(net, incs=0, **kw):
    counter = await net.deploy(Counter, **kw)
    for _ in range(incs):
        await counter.call("inc")
    return counter


# =============================================================================================
# take_canister_snapshot: errors
# =============================================================================================


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


# EE take_canister_snapshot_fails_canister_not_found (error code and prefix)
async def test_take_canister_snapshot_fails_canister_not_found_code():
    async with Subnet() as net:
        ghost = net.identity("ghost-canister")
        rej = await rejected(net, "take_canister_snapshot", {"canister_id": ghost})
        assert rej.error_code == ErrorCode.CanisterNotFound
        assert rej.reject_code == RejectCode.DESTINATION_INVALID
        assert rej.reject_message.startswith(f"Canister {ghost} not found.")


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


# =============================================================================================
# take_canister_snapshot: success
# =============================================================================================


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
        await ic.install_code(mode="install", canister_id=c.id, wasm_module=Counter)
        assert (await take(net, c.id)).id.local_id == 4


# ST load_canister_snapshot_works_on_another_canister and every ST test: snapshots are taken
# of *running* canisters, with calls in flight too (SPEC only recommends stopping first)
async def test_take_and_load_work_on_a_running_canister_with_calls_in_flight():
    class Slow(Canister):
        def init(self):
            self.n = 0

        @update
        async def ping(self, target) -> int:
            self.n += 1
            await self.call(target, "run")
            return self.n

    async with Subnet() as net:
        c = await deploy_counter(net)
        slow = await net.deploy(Slow)
        pending = slow.submit("ping", c.id)
        await net.step()  # ping is suspended, awaiting the response
        assert net.inspect(slow).status == "running"
        assert net.inspect(slow).open_call_contexts == 1
        s = await take(net, slow.id)
        await net.management.load_canister_snapshot(canister_id=slow.id, snapshot_id=s.id)
        assert await pending == 1


# =============================================================================================
# take with uninstall_code
# =============================================================================================


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
        assert net.inspect(c).module_hash == Counter.module_hash()
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
        assert net.inspect(c).module_hash == Counter.module_hash()


# =============================================================================================
# delete / list
# =============================================================================================


# EE delete_canister_snapshot_fails_canister_not_found
async def test_delete_canister_snapshot_fails_canister_not_found():
    async with Subnet() as net:
        ghost = net.identity("ghost-canister")
        rej = await rejected(
            net,
            "delete_canister_snapshot",
            {"canister_id": ghost, "snapshot_id": bytes(SnapshotId(ghost, 3))},
        )
        assert rej.error_code == ErrorCode.CanisterNotFound
        assert f"Canister {ghost} not found." in rej.reject_message


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


# EE list_canister_snapshot_fails_canister_not_found
async def test_list_canister_snapshot_fails_canister_not_found():
    async with Subnet() as net:
        ghost = net.identity("ghost-canister")
        rej = await rejected(net, "list_canister_snapshots", {"canister_id": ghost})
        assert rej.error_code == ErrorCode.CanisterNotFound
        assert f"Canister {ghost} not found." in rej.reject_message


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


# EE list_canister_snapshot_succeeds
async def test_list_canister_snapshot_succeeds():
    async with Subnet() as net:
        c = await deploy_counter(net)
        s = await take(net, c.id)
        listed = await net.management.list_canister_snapshots(canister_id=c.id)
        assert len(listed) == 1
        assert listed[0].id == s.id
        assert listed[0] == s  # same id, timestamp and size as take answered


# =============================================================================================
# load_canister_snapshot
# =============================================================================================


# EE load_canister_snapshot_fails_canister_not_found
async def test_load_canister_snapshot_fails_canister_not_found():
    async with Subnet() as net:
        ghost = net.identity("ghost-canister")
        rej = await rejected(
            net,
            "load_canister_snapshot",
            {"canister_id": ghost, "snapshot_id": bytes(SnapshotId(ghost, 6))},
        )
        assert rej.error_code == ErrorCode.CanisterNotFound
        assert f"Canister {ghost} not found." in rej.reject_message


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
        c2 = await net.deploy(Counter, sender=other)
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
        assert net.inspect(c).module_hash == Counter.module_hash()
        assert net.engine.get(c.id).certified_data == b"cert-1"
        assert net.engine.get(c.id).stable.size() == 1
        assert await c.call("inc") == 2  # the loaded state keeps working


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


# =============================================================================================
# lifecycle
# =============================================================================================


# EE snapshot_is_deleted_with_canister_delete
async def test_snapshot_is_deleted_with_canister_delete():
    async with Subnet() as net:
        ic = net.management
        c1 = await deploy_counter(net)
        c2 = await deploy_counter(net)
        s = await take(net, c1.id)
        await ic.stop_canister(canister_id=c1.id)
        await ic.delete_canister(canister_id=c1.id)
        assert net.engine.get(c1.id) is None
        rej = await rejected(
            net, "load_canister_snapshot", {"canister_id": c2.id, "snapshot_id": bytes(s.id)}
        )
        assert rej.error_code == ErrorCode.CanisterSnapshotNotFound


# SPEC (uninstall_code, reinstall and upgrade keep the snapshots)
async def test_upgrade_reinstall_uninstall_keep_snapshots():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net, incs=1)
        s = await take(net, c.id)
        await ic.install_code(mode="upgrade", canister_id=c.id, wasm_module=Counter)
        assert await ic.list_canister_snapshots(canister_id=c.id) == [s]
        await ic.install_code(mode="reinstall", canister_id=c.id, wasm_module=Other)
        assert await ic.list_canister_snapshots(canister_id=c.id) == [s]
        await ic.uninstall_code(canister_id=c.id)
        assert await ic.list_canister_snapshots(canister_id=c.id) == [s]
        await ic.stop_canister(canister_id=c.id)
        await ic.start_canister(canister_id=c.id)
        await ic.update_settings(canister_id=c.id, settings={"controllers": [net.default_identity]})
        assert await ic.list_canister_snapshots(canister_id=c.id) == [s]


# SPEC (a taken snapshot is immutable: later changes to the canister do not reach it)
async def test_taken_snapshot_is_not_changed_by_the_canister():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net, incs=2)
        s = await take(net, c.id)
        before = await download(ic, c.id, s.id)
        for _ in range(3):
            await c.call("inc")
        await c.call("certify", b"later")
        await ic.install_code(mode="upgrade", canister_id=c.id, wasm_module=Counter)
        after = await download(ic, c.id, s.id)
        assert after == before
        assert before[0].certified_data == b""


# =============================================================================================
# read_canister_snapshot_metadata / read_canister_snapshot_data
# =============================================================================================


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


# =============================================================================================
# upload_canister_snapshot_metadata / upload_canister_snapshot_data
# =============================================================================================


# EE canister_snapshot_data_upload_fails_out_of_bounds
async def test_canister_snapshot_data_upload_fails_out_of_bounds():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net)
        up = await ic.upload_canister_snapshot_metadata(
            canister_id=c.id,
            wasm_module_size=1234,
            wasm_memory_size=3 * PAGE_SIZE,
            stable_memory_size=4 * PAGE_SIZE,
        )
        rej = await rejected(
            net,
            "upload_canister_snapshot_data",
            {
                "canister_id": c.id,
                "snapshot_id": bytes(up.snapshot_id),
                "kind": {"wasm_module": {"offset": 1234 - 5}},
                "chunk": bytes([42] * 10),
            },
        )
        assert rej.error_code == ErrorCode.InvalidManagementPayload
        assert "Invalid subslice" in rej.reject_message


# EE canister_snapshot_roundtrip_succeeds
async def test_canister_snapshot_roundtrip_succeeds():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net, incs=3)
        s = await take(net, c.id)
        meta, module, heap, stable = await download(ic, c.id, s.id)
        up = await ic.upload_canister_snapshot_metadata(
            canister_id=c.id,
            wasm_module_size=meta.wasm_module_size,
            wasm_memory_size=meta.wasm_memory_size,
            stable_memory_size=meta.stable_memory_size,
            certified_data=meta.certified_data,
            global_timer=meta.global_timer,
        )
        await upload_data(ic, c.id, up.snapshot_id, "wasm_module", module)
        await upload_data(ic, c.id, up.snapshot_id, "main_memory", heap)
        await upload_data(ic, c.id, up.snapshot_id, "stable_memory", stable)
        assert await c.call("inc") == 4
        await ic.load_canister_snapshot(canister_id=c.id, snapshot_id=up.snapshot_id)
        assert await c.query("read") == 3
        again = await take(net, c.id)
        m2 = await ic.read_canister_snapshot_metadata(canister_id=c.id, snapshot_id=again.id)
        for field in (
            "wasm_module_size",
            "wasm_memory_size",
            "stable_memory_size",
            "wasm_chunk_store",
            "global_timer",
            "certified_data",
        ):
            assert getattr(m2, field) == getattr(meta, field), field
        got = await read_all(ic, c.id, up.snapshot_id, "stable_memory", m2.stable_memory_size)
        assert got == stable
        (last,) = await history(net, c.id)
        assert last.details["load_snapshot"]["source"] == "metadata_upload"
        assert last.details["load_snapshot"]["snapshot_id"] == bytes(up.snapshot_id)
        up_meta = await ic.read_canister_snapshot_metadata(
            canister_id=c.id, snapshot_id=up.snapshot_id
        )
        assert up_meta.source == "metadata_upload"


# EE canister_snapshot_invalid_metadata_fails (the cases we check)
async def test_canister_snapshot_invalid_metadata_fails():
    async with Subnet() as net:
        c = await deploy_counter(net)
        good = {
            "canister_id": c.id,
            "wasm_module_size": 1024,
            "wasm_memory_size": PAGE_SIZE,
            "stable_memory_size": PAGE_SIZE,
            "certified_data": bytes([42] * 32),
        }
        await net.management.upload_canister_snapshot_metadata(**good)
        before = fingerprint(net)
        for change in ({"stable_memory_size": 123}, {"certified_data": bytes([42] * 33)}):
            rej = await rejected(net, "upload_canister_snapshot_metadata", {**good, **change})
            assert rej.error_code == ErrorCode.InvalidManagementPayload, change
        assert fingerprint(net) == before


# EE canister_snapshot_invalid_metadata_fails (wasm_module_size = 0: WasmModuleEmpty)
async def test_canister_snapshot_invalid_metadata_fails_empty_module():
    async with Subnet() as net:
        c = await deploy_counter(net)
        rej = await rejected(
            net,
            "upload_canister_snapshot_metadata",
            {
                "canister_id": c.id,
                "wasm_module_size": 0,
                "wasm_memory_size": PAGE_SIZE,
                "stable_memory_size": 0,
            },
        )
        assert rej.error_code == ErrorCode.InvalidManagementPayload


# EE canister_snapshot_invalid_metadata_fails (wasm_memory_size = 123: WasmMemoryNotPageAligned)
async def test_canister_snapshot_invalid_metadata_fails_unaligned_wasm_memory():
    async with Subnet() as net:
        c = await deploy_counter(net)
        rej = await rejected(
            net,
            "upload_canister_snapshot_metadata",
            {
                "canister_id": c.id,
                "wasm_module_size": 1024,
                "wasm_memory_size": 123,
                "stable_memory_size": 0,
            },
        )
        assert rej.error_code == ErrorCode.InvalidManagementPayload


# EE canister_snapshot_invalid_metadata_fails (globals: 1000 are fine, 1001 are too many)
async def test_canister_snapshot_invalid_metadata_fails_too_many_globals():
    async with Subnet() as net:
        c = await deploy_counter(net)
        good = {
            "canister_id": c.id,
            "wasm_module_size": 1024,
            "wasm_memory_size": PAGE_SIZE,
            "stable_memory_size": PAGE_SIZE,
            "globals": [{"i32": 42}] * 1000,
        }
        await net.management.upload_canister_snapshot_metadata(**good)
        rej = await rejected(
            net, "upload_canister_snapshot_metadata", {**good, "globals": [{"i32": 42}] * 1001}
        )
        assert rej.error_code == ErrorCode.InvalidManagementPayload


# CM upload_canister_snapshot_data (CanisterSnapshotImmutable, IC0409)
async def test_upload_data_into_a_taken_snapshot_is_refused():
    async with Subnet() as net:
        c = await deploy_counter(net, incs=1)
        s = await take(net, c.id)
        before = fingerprint(net)
        rej = await rejected(
            net,
            "upload_canister_snapshot_data",
            {
                "canister_id": c.id,
                "snapshot_id": bytes(s.id),
                "kind": {"stable_memory": {"offset": 0}},
                "chunk": b"x",
            },
        )
        assert rej.error_code == ErrorCode.CanisterSnapshotImmutable
        assert rej.reject_code == RejectCode.CANISTER_REJECT
        assert rej.reject_message == (
            "Only canister snapshots created by metadata upload can be mutated."
        )
        assert fingerprint(net) == before


# CM upload_canister_snapshot_data: controllers only, and the snapshot must be the canister's
async def test_upload_data_checks_controller_and_ownership():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net)
        other = await deploy_counter(net)
        up = await ic.upload_canister_snapshot_metadata(
            canister_id=c.id, wasm_module_size=4, wasm_memory_size=PAGE_SIZE, stable_memory_size=0
        )
        record = {
            "canister_id": c.id,
            "snapshot_id": bytes(up.snapshot_id),
            "kind": {"wasm_module": {"offset": 0}},
            "chunk": b"abcd",
        }
        rej = await rejected(
            net, "upload_canister_snapshot_data", record, sender=net.identity("mallory")
        )
        assert rej.error_code == ErrorCode.CanisterInvalidController
        rej = await rejected(
            net, "upload_canister_snapshot_data", {**record, "canister_id": other.id}
        )
        assert rej.error_code == ErrorCode.CanisterRejectedMessage
        assert "does not belong to canister" in rej.reject_message
        rej = await rejected(
            net,
            "upload_canister_snapshot_metadata",
            {
                "canister_id": c.id,
                "wasm_module_size": 4,
                "wasm_memory_size": PAGE_SIZE,
                "stable_memory_size": 0,
            },
            sender=net.identity("mallory"),
        )
        assert rej.error_code == ErrorCode.CanisterInvalidController


# ST upload_snapshot_module_with_checkpoint (without the checkpoints)
async def test_upload_snapshot_module_in_slices():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net)
        size = 1_000_000
        up = await ic.upload_canister_snapshot_metadata(
            canister_id=c.id, wasm_module_size=10 * size, wasm_memory_size=0, stable_memory_size=0
        )
        original = b""
        for i in range(10):
            piece = bytes([i]) * size
            await ic.upload_canister_snapshot_data(
                canister_id=c.id,
                snapshot_id=up.snapshot_id,
                kind={"wasm_module": {"offset": i * size}},
                chunk=piece,
            )
            original += piece
        assert await read_all(ic, c.id, up.snapshot_id, "wasm_module", 10 * size) == original


# ST upload_snapshot_with_checkpoint (without the checkpoints)
async def test_upload_snapshot_in_slices_then_load():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net, incs=80)  # 80 pages of stable memory, ~5.2 MB
        s = await take(net, c.id)
        meta, module, heap, stable = await download(ic, c.id, s.id)
        assert len(stable) == 80 * PAGE_SIZE
        assert stable.endswith(bytes([80, 0, 0, 0]))
        up = await ic.upload_canister_snapshot_metadata(
            canister_id=c.id,
            wasm_module_size=len(module),
            wasm_memory_size=len(heap),
            stable_memory_size=len(stable),
            certified_data=meta.certified_data,
        )
        await upload_data(ic, c.id, up.snapshot_id, "wasm_module", module)
        await upload_data(ic, c.id, up.snapshot_id, "main_memory", heap)
        await upload_data(ic, c.id, up.snapshot_id, "stable_memory", stable, 1_500_000)
        r1 = await c.call("inc")
        await ic.load_canister_snapshot(canister_id=c.id, snapshot_id=up.snapshot_id)
        s2 = await take(net, c.id)
        m2, _, _, stable2 = await download(ic, c.id, s2.id)
        assert m2.stable_memory_size == meta.stable_memory_size
        assert stable2 == stable
        assert await c.call("inc") == r1 == 81
        assert await c.call("inc") == 82


# ST upload_and_load_snapshot_with_invalid_wasm (upload works on an empty canister)
async def test_upload_metadata_works_on_an_empty_canister():
    async with Subnet() as net:
        cid = (await net.management.create_canister()).canister_id
        up = await net.management.upload_canister_snapshot_metadata(
            canister_id=cid, wasm_module_size=42, wasm_memory_size=0, stable_memory_size=0
        )
        assert up.snapshot_id == SnapshotId(cid, 0)
        rej = await rejected(
            net, "load_canister_snapshot", {"canister_id": cid, "snapshot_id": up.snapshot_id}
        )
        assert net.engine.get(cid).code is None  # nothing was loaded
        assert rej.error_code is not None


# ST upload_and_load_snapshot_with_invalid_wasm (the error of the load)
async def test_upload_and_load_snapshot_with_invalid_wasm():
    async with Subnet() as net:
        cid = (await net.management.create_canister()).canister_id
        up = await net.management.upload_canister_snapshot_metadata(
            canister_id=cid, wasm_module_size=42, wasm_memory_size=0, stable_memory_size=0
        )
        rej = await rejected(
            net, "load_canister_snapshot", {"canister_id": cid, "snapshot_id": up.snapshot_id}
        )
        assert rej.error_code == ErrorCode.CanisterInvalidWasm
        assert (
            "Canister's Wasm module is not valid: Failed to decode wasm module: unsupported "
            "canister module format." in rej.reject_message
        )


# ST take_download_upload_load_snapshot_roundtrip_no_globals (download_upload = true)
async def test_take_download_upload_load_snapshot_roundtrip():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net, incs=2)
        s = await take(net, c.id)
        up = await download_upload(ic, c.id, s.id, c.id)
        await assert_snapshot_eq(ic, c.id, s.id, c.id, up, strict=True)
        await ic.load_canister_snapshot(canister_id=c.id, snapshot_id=up)
        await c.call("run")
        inspect = await take(net, c.id)
        await assert_snapshot_eq(ic, c.id, up, c.id, inspect.id, strict=True)


# ST take_download_upload_load_snapshot_roundtrip_no_globals (download_upload = false) and the
# data half of the download_upload = true case
async def test_take_download_upload_load_snapshot_roundtrip_data():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net, incs=2)
        s = await take(net, c.id)
        await ic.load_canister_snapshot(canister_id=c.id, snapshot_id=s.id)
        await c.call("run")
        inspect = await take(net, c.id)
        await assert_snapshot_eq(ic, c.id, s.id, c.id, inspect.id)
        # download, upload (to another canister, too), load: the same bytes come back
        other = await net.deploy(Other)
        up = await download_upload(ic, c.id, s.id, other.id)
        _, *original = await download(ic, c.id, s.id)
        _, *uploaded = await download(ic, other.id, up)
        assert uploaded == original
        await ic.load_canister_snapshot(canister_id=other.id, snapshot_id=up)
        assert await other.query("read") == 2
        again = await take(net, other.id)
        _, *loaded = await download(ic, other.id, again.id)
        assert loaded == original


# ST take_load_snapshot_global_timer_on_low_wasm_memory (a taken snapshot does not restore
# the global timer) and download_upload_load_snapshot_global_timer_on_low_wasm_memory (an
# uploaded one does)
async def test_global_timer_restored_only_from_uploaded_snapshots():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net)
        cs = net.engine.get(c.id)
        deadline = net.time + 10**15  # far enough ahead not to fire during the test
        cs.global_timer = deadline
        s = await take(net, c.id)
        meta = await ic.read_canister_snapshot_metadata(canister_id=c.id, snapshot_id=s.id)
        assert meta.global_timer == {"active": deadline}
        await ic.install_code(mode="reinstall", canister_id=c.id, wasm_module=Counter)
        assert cs.global_timer == 0  # reinstall deactivates the timer
        await ic.load_canister_snapshot(canister_id=c.id, snapshot_id=s.id)
        assert cs.global_timer == 0  # not restored from a taken snapshot
        up = await download_upload(ic, c.id, s.id, c.id)
        await ic.load_canister_snapshot(canister_id=c.id, snapshot_id=up)
        assert cs.global_timer == deadline  # restored from an uploaded one


# ST load_snapshot_inconsistent_metadata_hook_status_fails
async def test_load_snapshot_inconsistent_metadata_hook_status_fails():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net, incs=1)
        s = await take(net, c.id)
        for status in ("ready", "executed"):
            up = await download_upload(ic, c.id, s.id, c.id, on_low_wasm_memory_hook_status=status)
            await c.call("inc")
            before = fingerprint(net)
            rej = await rejected(
                net, "load_canister_snapshot", {"canister_id": c.id, "snapshot_id": bytes(up)}
            )
            assert rej.error_code == ErrorCode.InvalidManagementPayload
            assert "uploaded snapshot is inconsistent with the canister's state" in (
                rej.reject_message
            )
            assert fingerprint(net) == before
            await ic.delete_canister_snapshot(canister_id=c.id, snapshot_id=up)


# ST load_snapshot_inconsistent_metadata_hook_status_fails (globals that do not match)
async def test_load_snapshot_inconsistent_globals_fails():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net, incs=1)
        s = await take(net, c.id)
        up = await download_upload(
            ic, c.id, s.id, c.id, globals=[{"i32": 1}, {"i64": 1999996623}, {"i32": 2}]
        )
        rej = await rejected(
            net, "load_canister_snapshot", {"canister_id": c.id, "snapshot_id": bytes(up)}
        )
        assert rej.error_code == ErrorCode.InvalidManagementPayload
        assert (
            "Wasm exported globals of canister module and snapshot metadata do not match"
            in rej.reject_message
        )


# =============================================================================================
# Not ported (the simulator has no such mechanism):
# - EE take/load_canister_snapshot_charges_canister_cycles, canister_snapshot_reserves_cycles_
#   difference, canister_request_take_canister_cycles_reserved_for_app_and_verified_app_subnets,
#   ST take_frozen_canister_snapshot_fails, EE take_canister_snapshot_fails_when_canister_would_
#   be_frozen: cycles, freezing threshold, storage reservation.
# - EE take_canister_snapshot_fails_subnet_memory_exceeded, ..._works_when_enough_subnet_memory_
#   after_replacing_old_snapshot, ST canister_snapshots_and_memory_allocation: subnet memory
#   capacity and memory allocation.
# - EE take/load_canister_snapshot_fails_when_heap_delta_rate_limited, take_canister_snapshot_
#   increases_heap_delta: heap-delta rate limiting.
# - EE take_snapshot_with_maximal_chunk_store, chunk_size_multiple_of_os_page_size, the chunk
#   parts of load_canister_snapshot_succeeds / read_canister_snapshot_data_succeeds /
#   canister_snapshot_roundtrip_succeeds: there is no Wasm chunk store (upload_chunk).
# - EE load_canister_snapshot_updates_hook_condition, take_and_delete_canister_snapshot_updates_
#   hook_condition: no Wasm memory limit / low-memory hook.
# - ST take_download_upload_load_snapshot_roundtrip_one_global: no Wasm globals.
# - ST load_canister_snapshot_works_on_another_canister, first half ("not currently loadable ...
#   usually ten minutes" until a checkpoint): checkpointing artifact.
# - EE *_decode_round_trip, take_canister_snapshot_decode_fails: Rust Candid encoding.
# - EE canister_snapshot_change_guard_do_not_modify_without_reading_doc_comment: Rust struct
#   layout guard.
# =============================================================================================
