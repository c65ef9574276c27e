"""Canister snapshots: the IC API, errors, copy-on-write, and open calls across a load."""

import gc
import warnings

import pytest

from actors import Canister, query, update
from subnet import (
    MANAGEMENT,
    ErrorCode,
    Reject,
    RejectCode,
    SnapshotGuard,
    SnapshotHazardWarning,
    SnapshotId,
    Subnet,
)
from subnet.memory import CHUNK_SIZE, PAGE_SIZE

from .support import fingerprint

pytestmark = pytest.mark.anyio


class Chat(Canister):
    def init(self):
        self.chat = []

    @update
    def append(self, message: str) -> None:
        self.chat.append(message)

    @update
    def put(self, offset: int, data: bytes) -> None:
        need = (offset + len(data) + PAGE_SIZE - 1) // PAGE_SIZE
        if self.stable.size() < need:
            self.stable.grow(need - self.stable.size())
        self.stable.write(offset, data)

    @update
    def certify(self, data: bytes) -> None:
        self.set_certified_data(data)

    @query
    def dump(self) -> list[str]:
        return self.chat

    @query
    def read(self, offset: int, n: int) -> bytes:
        return self.stable.read(offset, n)


class ChatV2(Chat):
    @query
    def version(self) -> int:
        return 2


class Ledger(Canister):
    def init(self):
        self.moved = 0

    @update
    def transfer(self, amount: int) -> int:
        self.moved += amount
        return amount


class Vault(Canister):
    """Takes a lock across an await: the classic reentrancy guard."""

    def init(self):
        self.locked = False
        self.balance = 100
        self.log = []

    @update
    async def withdraw(self, ledger, amount: int) -> int:
        if self.locked:
            raise Reject(RejectCode.CANISTER_REJECT, "vault is locked")
        self.locked = True
        self.log.append("start")
        try:
            await self.call(ledger, "transfer", amount)
            self.balance -= amount
            self.log.append("done")
        finally:
            self.locked = False
        return self.balance

    @query
    def state(self) -> dict:
        return {"locked": self.locked, "balance": self.balance, "log": self.log}


async def deploy_chat(net, *messages, cls=Chat):
    chat = await net.deploy(cls, name=None)
    for m in messages:
        await chat.call("append", m)
    return chat


# -- the API --------------------------------------------------------------------------------


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


async def test_snapshot_errors_change_nothing():
    async with Subnet() as net:
        ic = net.management
        a = await deploy_chat(net, "a")
        b = await deploy_chat(net, "b")
        sa = await ic.take_canister_snapshot(canister_id=a.id)
        sb = await ic.take_canister_snapshot(canister_id=b.id)
        empty = (await ic.create_canister()).canister_id
        mallory = net.identity("mallory")
        unknown = SnapshotId(a.id, 99)
        before = fingerprint(net)
        cases = [
            (
                "take_canister_snapshot",
                {"canister_id": empty},
                ErrorCode.CanisterRejectedMessage,
                f"Failed to create snapshot for empty canister {empty}",
            ),
            (
                "take_canister_snapshot",
                {"canister_id": a.id, "replace_snapshot": bytes(unknown)},
                ErrorCode.CanisterSnapshotNotFound,
                f"Could not find the snapshot ID {unknown} for canister {a.id}.",
            ),
            (
                "take_canister_snapshot",
                {"canister_id": a.id, "replace_snapshot": bytes(sb.id)},
                ErrorCode.CanisterRejectedMessage,
                f"The snapshot {sb.id} does not belong to canister {a.id}.",
            ),
            (
                "delete_canister_snapshot",
                {"canister_id": a.id, "snapshot_id": bytes(sb.id)},
                ErrorCode.CanisterRejectedMessage,
                "does not belong",
            ),
            (
                "delete_canister_snapshot",
                {"canister_id": a.id, "snapshot_id": bytes(unknown)},
                ErrorCode.CanisterSnapshotNotFound,
                "Could not find the snapshot ID",
            ),
            (
                "load_canister_snapshot",
                {"canister_id": a.id, "snapshot_id": bytes(unknown)},
                ErrorCode.CanisterSnapshotNotFound,
                "Could not find the snapshot ID",
            ),
            (
                "load_canister_snapshot",
                {"canister_id": a.id, "snapshot_id": b"\x00" * 3},
                ErrorCode.InvalidManagementPayload,
                "Invalid length of SnapshotId",
            ),
            (
                "load_canister_snapshot",
                {"canister_id": a.id, "snapshot_id": "zz-not-hex"},
                ErrorCode.InvalidManagementPayload,
                "not a hex snapshot id",
            ),
            (
                "load_canister_snapshot",
                {"canister_id": a.id, "snapshot_id": 7},
                ErrorCode.InvalidManagementPayload,
                "expected blob",
            ),
            (
                "load_canister_snapshot",
                {"canister_id": a.id, "snapshot_id": bytes(sa.id)},
                ErrorCode.CanisterInvalidController,
                "Only the controllers",
                mallory,
            ),
            (
                "list_canister_snapshots",
                {"canister_id": a.id},
                ErrorCode.CanisterInvalidController,
                "Only the controllers",
                mallory,
            ),
            (
                "list_canister_snapshots",
                {"canister_id": net.identity("ghost")},
                ErrorCode.CanisterNotFound,
                "not found",
            ),
            (
                "take_canister_snapshot",
                {"canister_id": a.id, "uninstall_code": "yes"},
                ErrorCode.InvalidManagementPayload,
                "expected bool",
            ),
        ]
        for method, record, code, text, *sender in cases:
            with pytest.raises(Reject) as rej:
                await net.submit(MANAGEMENT, method, record, sender=sender[0] if sender else None)
            assert rej.value.error_code == code, (method, record, rej.value)
            assert text in rej.value.reject_message, (method, rej.value.reject_message)
        assert fingerprint(net) == before


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


async def test_lifecycle_keeps_snapshots_and_delete_removes_them():
    async with Subnet() as net:
        ic = net.management
        chat = await deploy_chat(net, "x")
        snap = await ic.take_canister_snapshot(canister_id=chat.id)
        await ic.install_code(mode="upgrade", canister_id=chat.id, wasm_module=ChatV2)
        await ic.install_code(mode="reinstall", canister_id=chat.id, wasm_module=Chat)
        await ic.uninstall_code(canister_id=chat.id)
        assert await ic.list_canister_snapshots(canister_id=chat.id) == [snap]
        # load works on an uninstalled canister, and brings the code back
        await ic.load_canister_snapshot(canister_id=chat.id, snapshot_id=snap.id)
        assert await chat.query("dump") == ["x"]
        await ic.stop_canister(canister_id=chat.id)
        await ic.delete_canister(canister_id=chat.id)
        assert net.engine.get(chat.id) is None


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


# -- copy-on-write ---------------------------------------------------------------------------


async def test_snapshots_share_stable_memory_chunks():
    async with Subnet() as net:
        ic = net.management
        chat = await deploy_chat(net)
        await chat.call("put", 0, bytes(range(256)) * (64 * PAGE_SIZE // 256))  # 64 pages
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


# -- download and upload ---------------------------------------------------------------------


async def download(ic, cid, sid):
    meta = await ic.read_canister_snapshot_metadata(canister_id=cid, snapshot_id=sid)
    parts = {}
    for kind, size in (
        ("wasm_module", meta.wasm_module_size),
        ("main_memory", meta.wasm_memory_size),
        ("stable_memory", meta.stable_memory_size),
    ):
        data = b""
        while len(data) < size:
            n = min(1000, size - len(data))
            got = await ic.read_canister_snapshot_data(
                canister_id=cid, snapshot_id=sid, kind={kind: {"offset": len(data), "size": n}}
            )
            data += got.chunk
        parts[kind] = data
    return meta, parts


async def upload(ic, cid, meta, parts, **extra):
    result = await ic.upload_canister_snapshot_metadata(
        canister_id=cid,
        wasm_module_size=len(parts["wasm_module"]),
        wasm_memory_size=len(parts["main_memory"]),
        stable_memory_size=len(parts["stable_memory"]),
        certified_data=meta.certified_data,
        global_timer=meta.global_timer,
        **extra,
    )
    for kind, data in parts.items():
        for offset in range(0, len(data), 1500):
            await ic.upload_canister_snapshot_data(
                canister_id=cid,
                snapshot_id=result.snapshot_id,
                kind={kind: {"offset": offset}},
                chunk=data[offset : offset + 1500],
            )
    return result.snapshot_id


async def test_download_edit_upload_load_round_trip():
    async with Subnet() as net:
        ic = net.management
        chat = await deploy_chat(net, "hello")
        await chat.call("put", 0, b"old data")
        snap = await ic.take_canister_snapshot(canister_id=chat.id)
        meta, parts = await download(ic, chat.id, snap.id)
        assert meta.source == "taken_from_canister"
        assert meta.stable_memory_size == PAGE_SIZE
        parts["stable_memory"] = b"new data" + parts["stable_memory"][8:]
        sid = await upload(ic, chat.id, meta, parts)
        listed = [s.id for s in await ic.list_canister_snapshots(canister_id=chat.id)]
        assert listed == [snap.id, sid]
        await ic.load_canister_snapshot(canister_id=chat.id, snapshot_id=sid)
        assert await chat.query("read", 0, 8) == b"new data"
        assert await chat.query("dump") == ["hello"]
        info = await ic.canister_info(canister_id=chat.id, num_requested_changes=1)
        assert info.recent_changes[0].details["load_snapshot"]["source"] == "metadata_upload"


async def test_upload_restores_the_timer_and_take_does_not():
    async with Subnet() as net:
        ic = net.management
        chat = await deploy_chat(net, "x")
        cs = net.engine.get(chat.id)
        snap = await ic.take_canister_snapshot(canister_id=chat.id)
        meta, parts = await download(ic, chat.id, snap.id)
        sid = await upload(ic, chat.id, meta, parts)
        stored = cs.snapshots[sid]
        stored.global_timer = 0  # timers are part of the uploaded metadata
        meta = await ic.read_canister_snapshot_metadata(canister_id=chat.id, snapshot_id=snap.id)
        uploaded = await ic.upload_canister_snapshot_metadata(
            canister_id=chat.id,
            wasm_module_size=len(parts["wasm_module"]),
            wasm_memory_size=len(parts["main_memory"]),
            stable_memory_size=0,
            global_timer={"active": net.time + 10**15},
        )
        for kind in ("wasm_module", "main_memory"):
            await ic.upload_canister_snapshot_data(
                canister_id=chat.id,
                snapshot_id=uploaded.snapshot_id,
                kind={kind: {"offset": 0}},
                chunk=parts[kind],
            )
        cs.global_timer = 777
        await ic.load_canister_snapshot(canister_id=chat.id, snapshot_id=snap.id)
        assert cs.global_timer == 777  # a taken snapshot leaves the timer alone
        await ic.load_canister_snapshot(canister_id=chat.id, snapshot_id=uploaded.snapshot_id)
        assert cs.global_timer > net.time  # armed again, in the future


async def test_upload_errors_change_nothing():
    async with Subnet() as net:
        ic = net.management
        chat = await deploy_chat(net, "x")
        snap = await ic.take_canister_snapshot(canister_id=chat.id)
        up = await ic.upload_canister_snapshot_metadata(
            canister_id=chat.id,
            wasm_module_size=10,
            wasm_memory_size=PAGE_SIZE,
            stable_memory_size=0,
        )
        before = fingerprint(net)
        cases = [
            (
                "upload_canister_snapshot_metadata",
                {
                    "canister_id": chat.id,
                    "wasm_module_size": 1,
                    "wasm_memory_size": 1,
                    "stable_memory_size": 100,
                },
                ErrorCode.InvalidManagementPayload,
            ),
            (
                "upload_canister_snapshot_metadata",
                {
                    "canister_id": chat.id,
                    "wasm_module_size": 1,
                    "wasm_memory_size": 1,
                    "stable_memory_size": 0,
                    "certified_data": bytes(33),
                },
                ErrorCode.InvalidManagementPayload,
            ),
            (
                "upload_canister_snapshot_data",
                {
                    "canister_id": chat.id,
                    "snapshot_id": bytes(up.snapshot_id),
                    "kind": {"wasm_module": {"offset": 5}},
                    "chunk": bytes(6),
                },
                ErrorCode.InvalidManagementPayload,
            ),
            (
                "upload_canister_snapshot_data",
                {
                    "canister_id": chat.id,
                    "snapshot_id": bytes(snap.id),
                    "kind": {"wasm_module": {"offset": 0}},
                    "chunk": b"x",
                },
                ErrorCode.CanisterSnapshotImmutable,
            ),
            (
                "upload_canister_snapshot_data",
                {
                    "canister_id": chat.id,
                    "snapshot_id": bytes(up.snapshot_id),
                    "kind": {"heap": {"offset": 0}},
                    "chunk": b"x",
                },
                ErrorCode.InvalidManagementPayload,
            ),
            (
                "read_canister_snapshot_data",
                {
                    "canister_id": chat.id,
                    "snapshot_id": bytes(snap.id),
                    "kind": {"main_memory": {"offset": 0, "size": 10**6}},
                },
                ErrorCode.InvalidManagementPayload,
            ),
            (
                "read_canister_snapshot_data",
                {
                    "canister_id": chat.id,
                    "snapshot_id": bytes(snap.id),
                    "kind": {"main_memory": {"offset": 0, "size": 3_000_000}},
                },
                ErrorCode.InvalidManagementPayload,
            ),
            (  # nothing uploaded yet: the module is not one this subnet can run
                "load_canister_snapshot",
                {"canister_id": chat.id, "snapshot_id": bytes(up.snapshot_id)},
                ErrorCode.CanisterInvalidWasm,
            ),
        ]
        for method, record, code in cases:
            with pytest.raises(Reject) as rej:
                await net.submit(MANAGEMENT, method, record)
            assert rej.value.error_code == code, (method, rej.value)
        assert fingerprint(net) == before


# -- open calls across take and load: the three continuation cases ---------------------------


async def vault_setup(net):
    vault = await net.deploy(Vault, name="vault")
    ledger = await net.deploy(Ledger, name="ledger")
    return vault, ledger


def kinds(net):
    return [h.kind for h in net.hazards]


async def test_response_resumes_a_continuation_held_by_the_loaded_heap():
    async with Subnet() as net:
        ic = net.management
        vault, ledger = await vault_setup(net)
        pending = vault.submit("withdraw", ledger.id, 10)
        await net.step()  # withdraw is suspended holding the lock
        snap = await ic.take_canister_snapshot(canister_id=vault.id)
        await ic.load_canister_snapshot(canister_id=vault.id, snapshot_id=snap.id)
        assert kinds(net) == [
            "snapshot_taken_while_running",
            "snapshot_loaded_while_running",
            "stale_continuation",
        ]
        assert net.hazards[0].details["open_call_contexts"] == 1
        assert net.hazards[0].details["outstanding_callbacks"] == 1
        assert await pending == 90
        assert await vault.query("state") == {
            "locked": False,
            "balance": 90,
            "log": ["start", "done"],
        }


async def test_response_whose_continuation_is_not_in_the_loaded_heap_traps():
    async with Subnet() as net:
        ic = net.management
        vault, ledger = await vault_setup(net)
        snap = await ic.take_canister_snapshot(canister_id=vault.id)  # idle: no continuation
        pending = vault.submit("withdraw", ledger.id, 10)
        await net.step()
        await ic.load_canister_snapshot(canister_id=vault.id, snapshot_id=snap.id)
        assert kinds(net) == [
            "snapshot_taken_while_running",  # running, though with nothing open
            "snapshot_loaded_while_running",
            "dangling_callback",
        ]
        assert net.hazards[0].details["open_call_contexts"] == 0
        with pytest.raises(Reject) as rej:
            await pending
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        assert rej.value.error_code == ErrorCode.CanisterTrapped
        assert "not in the canister's heap" in rej.value.reject_message
        assert kinds(net)[-2:] == ["orphaned_response", "starved_call_context"]
        # the ledger moved the money; the vault's books never saw it
        assert net.inspect(ledger).heap == {"moved": 10}
        assert await vault.query("state") == {"locked": False, "balance": 100, "log": []}
        assert net.inspect(vault).open_call_contexts == 0


async def test_continuation_whose_callback_is_gone_never_resumes():
    async with Subnet() as net:
        ic = net.management
        vault, ledger = await vault_setup(net)
        first = vault.submit("withdraw", ledger.id, 10)
        await net.step()  # suspended, locked
        snap = await ic.take_canister_snapshot(canister_id=vault.id)
        assert await first == 90  # the call completes, the lock is released
        await ic.load_canister_snapshot(canister_id=vault.id, snapshot_id=snap.id)
        assert kinds(net)[-1] == "leaked_continuation"
        # the loaded heap holds the lock of a frame that will never run again
        assert (await vault.query("state"))["locked"] is True
        gc.collect()
        assert (await vault.query("state"))["locked"] is True
        with pytest.raises(Reject) as rej:
            await vault.call("withdraw", ledger.id, 5)
        assert rej.value.reject_message == "vault is locked"
        await net.run_until_idle()
        assert (await vault.query("state"))["locked"] is True


class Scripted:
    """A strategy for this test: ingress first, then requests, then the newest response."""

    name = "scripted"
    engine = None

    def choose(self, ready):
        sources = [self.engine._sources[i] for i in ready]
        for kind in ("ingress", "request"):
            for index, src in enumerate(sources):
                if src.kind == kind:
                    return index
        return len(ready) - 1


async def test_misdeliver_policy_resumes_whichever_frame_holds_the_slot():
    strategy = Scripted()
    async with Subnet(orphan_policy="misdeliver", strategy=strategy) as net:
        strategy.engine = net.engine
        ic = net.management
        vault, ledger = await vault_setup(net)
        f1 = vault.submit("withdraw", ledger.id, 10)
        await net.step()  # F1 in slot 0
        snap = await ic.take_canister_snapshot(canister_id=vault.id)
        await ic.install_code(mode="upgrade", canister_id=vault.id, wasm_module=Vault)
        cs = net.engine.get(vault.id)
        cs.instance.locked = False  # the upgraded heap (heap not kept): no lock
        cs.instance.balance = 50
        cs.instance.log = []
        cs.heap.commit(cs.instance)
        f2 = vault.submit("withdraw", ledger.id, 1)
        await net.step()  # F2 takes slot 0 of the fresh table
        await ic.load_canister_snapshot(canister_id=vault.id, snapshot_id=snap.id)
        await net.run_until_idle()
        assert "misdelivered_response" in kinds(net)
        # F1 was resumed by one of the two responses; the other found its slot empty
        results = []
        for p in (f1, f2):
            try:
                results.append(p.result())
            except Reject as rej:
                results.append(rej.error_code)
        # F2's response resumed F1's frame, which replied to F2's caller; F1's own response
        # then found the slot empty, and F1's caller was rejected
        assert results == [ErrorCode.CanisterTrapped, 90]
        assert kinds(net)[-3:] == [
            "misdelivered_response",
            "orphaned_response",
            "starved_call_context",
        ]


async def test_snapshot_at_each_point_of_a_call_chain():
    """Take a snapshot of the middle canister of A -> B -> C at every step of the chain, load it
    at once, and check that every call is still answered exactly once."""

    class Middle(Canister):
        def init(self):
            self.seen = 0

        @update
        async def hop(self, target) -> int:
            self.seen += 1
            got = await self.call(target, "transfer", 1)
            self.seen += 10
            return got + self.seen

    class Front(Canister):
        @update
        async def go(self, middle, target) -> int:
            return await self.call(middle, "hop", target)

    outcomes = set()
    for point in range(6):
        async with Subnet() as net:
            ic = net.management
            front = await net.deploy(Front)
            middle = await net.deploy(Middle)
            ledger = await net.deploy(Ledger)
            pending = front.submit("go", middle.id, ledger.id)
            for _ in range(point):
                await net.step()
            snap = await ic.take_canister_snapshot(canister_id=middle.id)
            await ic.load_canister_snapshot(canister_id=middle.id, snapshot_id=snap.id)
            await net.run_until_idle()
            assert pending.done
            try:
                outcomes.add(pending.result())
            except Reject as rej:
                outcomes.add(rej.error_code)
            for h in (front, middle, ledger):
                assert net.inspect(h).open_call_contexts == 0
            # an immediate load of the snapshot just taken never orphans a response
            assert "orphaned_response" not in kinds(net)
    assert outcomes == {12}


# -- guards ----------------------------------------------------------------------------------


async def in_flight(net):
    vault, ledger = await vault_setup(net)
    vault.submit("withdraw", ledger.id, 10)
    await net.step()
    return vault


async def test_guard_require_stopped_refuses_with_the_open_contexts_named():
    async with Subnet(snapshot_guard=SnapshotGuard(take="require_stopped")) as net:
        vault = await in_flight(net)
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await net.management.take_canister_snapshot(canister_id=vault.id)
        assert rej.value.reject_code == RejectCode.CANISTER_REJECT
        assert rej.value.error_code == ErrorCode.CanisterRejectedMessage
        assert "1 open call context and 1 outstanding callback" in rej.value.reject_message
        assert "withdraw" in rej.value.reject_message
        assert fingerprint(net) == before and net.hazards == []


async def test_guard_require_quiescent_and_per_canister_override():
    guard = SnapshotGuard(take="require_quiescent", load="require_quiescent")
    async with Subnet(snapshot_guard=guard) as net:
        ic = net.management
        chat = await deploy_chat(net, "idle")
        snap = await ic.take_canister_snapshot(canister_id=chat.id)  # running but quiescent
        await ic.load_canister_snapshot(canister_id=chat.id, snapshot_id=snap.id)
        vault = await in_flight(net)
        with pytest.raises(Reject):
            await ic.take_canister_snapshot(canister_id=vault.id)
        net.set_snapshot_guard(vault, SnapshotGuard())  # this one is allowed
        await ic.take_canister_snapshot(canister_id=vault.id)
        assert kinds(net).count("snapshot_taken_while_running") == 2


async def test_guard_warn_and_callable():
    async with Subnet(snapshot_guard=SnapshotGuard(take="warn")) as net:
        vault = await in_flight(net)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            await net.management.take_canister_snapshot(canister_id=vault.id)
        assert any(issubclass(w.category, SnapshotHazardWarning) for w in caught)
        assert kinds(net) == ["snapshot_taken_while_running"]

    def only_before_noon(operation, view):
        return None if view.outstanding_callbacks == 0 else f"{operation} refused by policy"

    async with Subnet(snapshot_guard=SnapshotGuard(load=only_before_noon)) as net:
        vault = await in_flight(net)
        snap = await net.management.take_canister_snapshot(canister_id=vault.id)
        with pytest.raises(Reject) as rej:
            await net.management.load_canister_snapshot(canister_id=vault.id, snapshot_id=snap.id)
        assert "load refused by policy" in rej.value.reject_message
    with pytest.raises(ValueError):
        SnapshotGuard(take="sometimes")


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
