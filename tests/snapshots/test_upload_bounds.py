"""Every integer of an upload's metadata has its Candid width (``nat64``, ``int32``, ``nat``...),
checked where the management canister decodes its argument, as the IC's Candid decoder does: a
value that does not fit is refused with InvalidManagementPayload (408), and the subnet is left
exactly as it was; a value that fits is kept, and the snapshot stays usable."""

import pytest

from subnet import ErrorCode, RejectCode, Subnet, persist
from subnet.memory import PAGE_SIZE
from tests.support import fingerprint
from tests.support.snapshots import deploy_counter, download, rejected, take, upload_data

pytestmark = pytest.mark.anyio

METHOD = "upload_canister_snapshot_metadata"


def record(cid, **fields):
    return {
        "canister_id": cid,
        "wasm_module_size": 10,
        "wasm_memory_size": PAGE_SIZE,
        "stable_memory_size": 0,
        **fields,
    }


REFUSED = [
    ({"global_timer": {"active": 2**70}}, "field global_timer.active: expected nat64"),
    ({"global_timer": {"active": 2**64}}, "field global_timer.active: expected nat64"),
    ({"global_timer": {"active": -1}}, "field global_timer.active: expected nat64"),
    ({"global_timer": {"active": 1.5}}, "field global_timer.active: expected nat64"),
    ({"global_timer": {"active": True}}, "field global_timer.active: expected nat64"),
    ({"global_timer": {"inactive": 5}}, "field global_timer.inactive: expected null"),
    ({"global_timer": {"paused": 5}}, "field global_timer: unknown case"),
    ({"global_timer": 7}, "field global_timer: expected a variant"),
    ({"globals": [{"i32": 2**31}]}, "field globals[0].i32: expected int32"),
    ({"globals": [{"i32": -(2**31) - 1}]}, "field globals[0].i32: expected int32"),
    ({"globals": [{"i64": 2**63}]}, "field globals[0].i64: expected int64"),
    ({"globals": [{"v128": 2**128}]}, "field globals[0].v128: expected nat (128 bits)"),
    ({"globals": [{"v128": -1}]}, "field globals[0].v128: expected nat (128 bits)"),
    ({"globals": [{"f32": 1e39}]}, "field globals[0].f32: expected float32"),
    ({"globals": [{"f64": "1.0"}]}, "field globals[0].f64: expected float64"),
    ({"globals": [{"f64": 10**400}]}, "field globals[0].f64: expected float64"),
    ({"globals": [{"i32": 1}, {"u8": 1}]}, "field globals[1]: unknown case"),
    ({"globals": {"i32": 1}}, "field globals: expected vec"),
    ({"on_low_wasm_memory_hook_status": "asleep"}, "unknown case"),
    ({"on_low_wasm_memory_hook_status": {"ready": 1}}, "expected null"),
    ({"checksum": bytes(31)}, "field checksum: expected a 32-byte SHA-256"),
    ({"certified_data": 10**15}, "field certified_data: expected blob"),
    ({"wasm_module_size": 2**64}, "field wasm_module_size: expected nat64"),
    ({"stable_memory_size": -PAGE_SIZE}, "field stable_memory_size: expected nat64"),
]


@pytest.mark.parametrize(("change", "detail"), REFUSED, ids=[d for _, d in REFUSED])
async def test_a_value_outside_its_type_is_refused_and_changes_nothing(change, detail):
    async with Subnet() as net:
        c = await deploy_counter(net)
        before = fingerprint(net)
        rej = await rejected(net, METHOD, record(c.id, **change))
        assert rej.reject_code == RejectCode.CANISTER_REJECT
        assert rej.error_code == ErrorCode.InvalidManagementPayload
        assert rej.reject_message.startswith(f"Error decoding candid: {METHOD}: ")
        assert detail in rej.reject_message
        assert len(rej.reject_message) < 200  # a huge value is not printed in full
        assert fingerprint(net) == before
        assert not net.engine.get(c.id).snapshots


# CM create_snapshot_from_metadata: ValidatedSnapshotMetadata::validate (rs/replicated_state/
# src/canister_snapshots.rs) checks sizes, globals and certified data, never the timer; so an
# active timer at 0 is kept as given (CanisterSnapshot::from_metadata) and reads back as such.
async def test_an_active_timer_at_zero_is_accepted_and_read_back():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net)
        up = await ic.upload_canister_snapshot_metadata(**record(c.id, global_timer={"active": 0}))
        meta = await ic.read_canister_snapshot_metadata(
            canister_id=c.id, snapshot_id=up.snapshot_id
        )
        assert meta.global_timer == {"active": 0}


async def test_upload_data_offsets_are_nat64():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net)
        up = await ic.upload_canister_snapshot_metadata(**record(c.id))
        before = fingerprint(net)
        for offset in (2**64, -1, 1.0, True):
            rej = await rejected(
                net,
                "upload_canister_snapshot_data",
                {
                    "canister_id": c.id,
                    "snapshot_id": bytes(up.snapshot_id),
                    "kind": {"wasm_module": {"offset": offset}},
                    "chunk": b"x",
                },
            )
            assert rej.error_code == ErrorCode.InvalidManagementPayload, offset
            assert "offset: expected nat64" in rej.reject_message
        assert fingerprint(net) == before


async def test_the_widest_values_are_kept_and_the_canister_can_be_snapshotted_again():
    """The largest nat64 deadline: loaded, the canister's timer has it, and a take, a metadata
    read and a save still work (a deadline past 2**64 once made them all fail)."""
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net, incs=2)
        s = await take(net, c.id)
        _, module, heap, stable = await download(ic, c.id, s.id)
        deadline = 2**64 - 1
        up = await ic.upload_canister_snapshot_metadata(
            canister_id=c.id,
            wasm_module_size=len(module),
            wasm_memory_size=len(heap),
            stable_memory_size=len(stable),
            global_timer={"active": deadline},
        )
        await upload_data(ic, c.id, up.snapshot_id, "wasm_module", module)
        await upload_data(ic, c.id, up.snapshot_id, "main_memory", heap)
        await upload_data(ic, c.id, up.snapshot_id, "stable_memory", stable)
        await ic.load_canister_snapshot(canister_id=c.id, snapshot_id=up.snapshot_id)
        assert net.engine.get(c.id).global_timer == deadline
        again = await take(net, c.id)
        got = await ic.read_canister_snapshot_metadata(canister_id=c.id, snapshot_id=again.id)
        assert got.global_timer == {"active": deadline}
        assert len(got.checksum) == 32
        persist.loads(persist.dumps(net)).net.close()


async def test_globals_within_their_widths_are_kept_as_read_back():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net)
        values = [
            {"i32": -(2**31)},
            {"i32": 2**31 - 1},
            {"i64": -(2**63)},
            {"i64": 2**63 - 1},
            {"f32": 0.5},
            {"f64": float("inf")},
            {"v128": 2**128 - 1},
        ]
        up = await ic.upload_canister_snapshot_metadata(
            **record(c.id, globals=values, on_low_wasm_memory_hook_status={"ready": None})
        )
        meta = await ic.read_canister_snapshot_metadata(
            canister_id=c.id, snapshot_id=up.snapshot_id
        )
        assert list(meta.globals) == values
        assert meta.on_low_wasm_memory_hook_status == "ready"
