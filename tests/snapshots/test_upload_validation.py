"""upload_canister_snapshot_metadata's validation, as the replica's: what it checks, in which
order, and how it words a refusal; upload_canister_snapshot_data without the read's slice
limit; 8-byte snapshot ids.

IC sources are abbreviated as in tests/snapshots/__init__.py, and RS =
rs/replicated_state/src/canister_snapshots.rs, BT = rs/types/base_types/src/lib.rs.
"""

import pytest

from subnet import ErrorCode, SnapshotId, Subnet
from subnet.memory import PAGE_SIZE
from tests.support import fingerprint
from tests.support.snapshots import deploy_counter, read_all, rejected, take

pytestmark = pytest.mark.anyio

METHOD = "upload_canister_snapshot_metadata"
MiB, GiB = 1024 * 1024, 1024**3


def record(cid, **fields):
    return {
        "canister_id": cid,
        "wasm_module_size": 10,
        "wasm_memory_size": PAGE_SIZE,
        "stable_memory_size": 0,
        **fields,
    }


# RS ValidatedSnapshotMetadata::validate: each MetadataValidationError variant, printed by CM
# create_snapshot_from_metadata as "Snapshot Metadata contains invalid data: {e:?}"
INVALID = [
    ({"wasm_module_size": 0}, "WasmModuleEmpty"),
    ({"wasm_module_size": 100 * MiB + 1}, "WasmModuleTooLarge"),
    ({"wasm_memory_size": 123}, "WasmMemoryNotPageAligned"),
    ({"wasm_memory_size": 4 * GiB + PAGE_SIZE}, "WasmMemoryTooLarge"),
    ({"stable_memory_size": 123}, "StableMemoryNotPageAligned"),
    ({"stable_memory_size": 400 * GiB + PAGE_SIZE}, "StableMemoryTooLarge"),
    ({"globals": [{"i32": 1}] * 1001}, "ExportedGlobalsTooLarge"),
    ({"certified_data": bytes(33)}, "CertifiedDataTooLarge"),
    # the first failing check is reported: the module before the memories
    ({"wasm_module_size": 0, "wasm_memory_size": 123}, "WasmModuleEmpty"),
    ({"wasm_memory_size": 123, "stable_memory_size": 123}, "WasmMemoryNotPageAligned"),
    ({"stable_memory_size": 123, "certified_data": bytes(33)}, "StableMemoryNotPageAligned"),
]


@pytest.mark.parametrize(("change", "variant"), INVALID, ids=[v for _, v in INVALID])
async def test_invalid_metadata_names_the_replicas_variant(change, variant):
    async with Subnet() as net:
        c = await deploy_counter(net)
        before = fingerprint(net)
        rej = await rejected(net, METHOD, record(c.id, **change))
        assert rej.error_code == ErrorCode.InvalidManagementPayload
        assert rej.reject_message == f"Snapshot Metadata contains invalid data: {variant}"
        assert fingerprint(net) == before


# CM create_snapshot_from_metadata: validate_controller, then ValidatedSnapshotMetadata::
# validate, then the replace_snapshot lookup (get_snapshot) or the snapshot limit
async def test_the_metadata_is_validated_before_the_limit_and_the_replaced_snapshot():
    async with Subnet(max_snapshots_per_canister=1) as net:
        c = await deploy_counter(net)
        other = await deploy_counter(net)
        s = await take(net, c.id)
        theirs = await take(net, other.id)
        before = fingerprint(net)
        bad = record(c.id, wasm_module_size=0)
        # the canister is full: invalid metadata is 408, not 406
        rej = await rejected(net, METHOD, bad)
        assert rej.error_code == ErrorCode.InvalidManagementPayload
        assert rej.reject_message.endswith("WasmModuleEmpty")
        # a snapshot that does not exist, or is another canister's: 408, not 305 / 406
        unknown = SnapshotId(c.id, s.id.local_id + 5)
        for replace in (bytes(unknown), bytes(theirs.id)):
            rej = await rejected(net, METHOD, {**bad, "replace_snapshot": replace})
            assert rej.error_code == ErrorCode.InvalidManagementPayload
        # a non-controller is still refused first
        rej = await rejected(net, METHOD, bad, sender=net.identity("mallory"))
        assert rej.error_code == ErrorCode.CanisterInvalidController
        assert fingerprint(net) == before
        # valid metadata: now the limit, and the replaced snapshot, are what refuse it
        rej = await rejected(net, METHOD, record(c.id))
        assert rej.error_code == ErrorCode.CanisterRejectedMessage
        rej = await rejected(net, METHOD, {**record(c.id), "replace_snapshot": bytes(theirs.id)})
        assert rej.error_code == ErrorCode.CanisterRejectedMessage
        assert "does not belong to canister" in rej.reject_message
        assert fingerprint(net) == before


# CM write_snapshot_data checks only that the chunk fits the declared size (InvalidSlice);
# MAX_SLICE_SIZE_BYTES is get_response_size's, for reads. An ingress message is still at
# most 2 MiB.
async def test_an_upload_may_be_larger_than_a_read_slice():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net)
        up = await ic.upload_canister_snapshot_metadata(
            canister_id=c.id, wasm_module_size=3_000_000, wasm_memory_size=0, stable_memory_size=0
        )
        piece = bytes(range(256)) * 7813  # 2,000,128 bytes: more than a read may ask for
        await ic.upload_canister_snapshot_data(
            canister_id=c.id,
            snapshot_id=up.snapshot_id,
            kind={"wasm_module": {"offset": 1000}},
            chunk=piece,
        )
        module = await read_all(ic, c.id, up.snapshot_id, "wasm_module", 3_000_000)
        assert module[1000 : 1000 + len(piece)] == piece
        before = fingerprint(net)
        rej = await rejected(
            net,
            "upload_canister_snapshot_data",
            {
                "canister_id": c.id,
                "snapshot_id": up.snapshot_id,
                "kind": {"wasm_module": {"offset": 1_000_000}},
                "chunk": piece,
            },
        )
        assert rej.error_code == ErrorCode.InvalidManagementPayload
        assert rej.reject_message == (
            "Invalid subslice into wasm module / main memory / stable memory: "
            f"offset: 1000000, size: {len(piece)}"
        )
        assert fingerprint(net) == before


# BT SnapshotId::try_from: 8 bytes are a local id and an empty canister id (CanisterId::
# try_from(&[]) is aaaaa-aa); such an id names no snapshot: CanisterSnapshotNotFound (IC0305)
@pytest.mark.parametrize(
    "method",
    [
        "load_canister_snapshot",
        "delete_canister_snapshot",
        "read_canister_snapshot_metadata",
        "take_canister_snapshot",
    ],
)
async def test_an_eight_byte_snapshot_id_is_not_found(method):
    async with Subnet() as net:
        c = await deploy_counter(net)
        await take(net, c.id)
        field = "replace_snapshot" if method == "take_canister_snapshot" else "snapshot_id"
        before = fingerprint(net)
        rej = await rejected(net, method, {"canister_id": c.id, field: (7).to_bytes(8, "big")})
        assert rej.error_code == ErrorCode.CanisterSnapshotNotFound
        assert rej.reject_message.startswith(
            f"Could not find the snapshot ID aaaaa-aa-7 for canister {c.id}."
        )
        assert fingerprint(net) == before
        # fewer than 8 bytes does not decode (BT: InvalidLength)
        rej = await rejected(net, method, {"canister_id": c.id, field: bytes(7)})
        assert rej.error_code == ErrorCode.InvalidManagementPayload
        assert "Invalid snapshot ID length: provided 7" in rej.reject_message
