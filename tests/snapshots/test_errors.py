"""Refused snapshot calls of every kind: the right error code and text, and nothing changes."""

import pytest

from subnet import MANAGEMENT, ErrorCode, Reject, SnapshotId, Subnet
from tests.support import fingerprint
from tests.support.snapshots import (
    deploy_chat,
)

pytestmark = pytest.mark.anyio


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
                # refused by the ingress filter (rs/execution_environment/src/canister_manager.rs
                # :: should_accept_ingress_message)
                f"Only controllers of canister {a.id} can call ic00 method load_canister_snapshot",
                mallory,
            ),
            (
                "list_canister_snapshots",
                {"canister_id": a.id},
                ErrorCode.CanisterInvalidController,
                f"Only controllers of canister {a.id} can call ic00 method list_canister_snapshots",
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
