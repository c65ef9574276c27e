"""upload_canister_snapshot_metadata and upload_canister_snapshot_data: download, edit, upload
and load round trips, what an upload may and may not hold, and the timer an upload restores.

IC sources are abbreviated as in tests/snapshots/__init__.py.
"""

import pytest

from subnet import MANAGEMENT, ErrorCode, Reject, RejectCode, SnapshotId, Subnet
from subnet.memory import PAGE_SIZE
from tests.canisters import GrowCounter, Other
from tests.support import fingerprint
from tests.support.snapshots import (
    assert_snapshot_eq,
    deploy_chat,
    deploy_counter,
    download,
    download_upload,
    history,
    read_all,
    rejected,
    take,
    upload_data,
)

pytestmark = pytest.mark.anyio


async def download_parts(ic, cid, sid):
    """Every part of a snapshot, read in slices of 1,000 bytes (``download`` of
    tests.support.snapshots reads slices of 2,000,000 bytes)."""
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


async def upload_parts(ic, cid, meta, parts, **extra):
    """Upload ``parts`` (as :func:`download_parts` returns them) in slices of 1,500 bytes."""
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
        meta, parts = await download_parts(ic, chat.id, snap.id)
        assert meta.source == "taken_from_canister"
        assert meta.stable_memory_size == PAGE_SIZE
        parts["stable_memory"] = b"new data" + parts["stable_memory"][8:]
        sid = await upload_parts(ic, chat.id, meta, parts)
        listed = [s.id for s in await ic.list_canister_snapshots(canister_id=chat.id)]
        assert listed == [snap.id, sid]
        await ic.load_canister_snapshot(canister_id=chat.id, snapshot_id=sid)
        assert await chat.query("read", 0, 8) == b"new data"
        assert await chat.query("dump") == ["hello"]
        info = await ic.canister_info(canister_id=chat.id, num_requested_changes=1)
        assert info.recent_changes[0].details["load_snapshot"]["source"] == "metadata_upload"


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


async def test_upload_restores_the_timer_and_take_does_not():
    async with Subnet() as net:
        ic = net.management
        chat = await deploy_chat(net, "x")
        cs = net.engine.get(chat.id)
        snap = await ic.take_canister_snapshot(canister_id=chat.id)
        meta, parts = await download_parts(ic, chat.id, snap.id)
        sid = await upload_parts(ic, chat.id, meta, parts)
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
        await ic.install_code(mode="reinstall", canister_id=c.id, wasm_module=GrowCounter)
        assert cs.global_timer == 0  # reinstall deactivates the timer
        await ic.load_canister_snapshot(canister_id=c.id, snapshot_id=s.id)
        assert cs.global_timer == 0  # not restored from a taken snapshot
        up = await download_upload(ic, c.id, s.id, c.id)
        await ic.load_canister_snapshot(canister_id=c.id, snapshot_id=up)
        assert cs.global_timer == deadline  # restored from an uploaded one
