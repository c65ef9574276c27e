"""The rejects subnet.errors builds: the replica's error codes and message texts, word for word."""

from __future__ import annotations

import pytest

from subnet import errors as E
from subnet.errors import ErrorCode, Reject, RejectCode
from subnet.ids import SnapshotId
from tests.support.errors import ALICE, BOB, CID, OTHER, SID

DOC = "https://internetcomputer.org/docs/current/references/execution-errors"


def _check(r: Reject, code: ErrorCode, message: str) -> None:
    assert r.error_code is code
    assert r.reject_code is code.reject_code
    assert r.reject_message == message


def test_canister_not_found() -> None:
    _check(
        E.canister_not_found(CID),
        ErrorCode.CanisterNotFound,
        "Canister bkyz2-fmaaa-aaaaa-qaaaq-cai not found.\n"
        "Check the ICP dashboard to ensure the canister exists. "
        f"See documentation: {DOC}#canister-not-found",
    )
    assert E.canister_not_found(CID).reject_code is RejectCode.DESTINATION_INVALID


def test_call_target_not_found() -> None:
    _check(
        E.call_target_not_found(CID),
        ErrorCode.CanisterNotFound,
        "Canister bkyz2-fmaaa-aaaaa-qaaaq-cai not found",
    )


def test_builders_accept_text_ids() -> None:
    assert E.call_target_not_found(str(CID)) == E.call_target_not_found(CID)
    assert E.snapshot_not_found(str(SID), str(CID)) == E.snapshot_not_found(SID, CID)


def test_canister_method_not_found_update() -> None:
    _check(
        E.canister_method_not_found(CID, "append"),
        ErrorCode.CanisterMethodNotFound,
        "Error from Canister bkyz2-fmaaa-aaaaa-qaaaq-cai: "
        "Canister has no update method 'append'..\n"
        "Check that the method being called is exported by the target canister. "
        f"See documentation: {DOC}#method-not-found",
    )


def test_canister_method_not_found_query() -> None:
    _check(
        E.canister_method_not_found(CID, "dump", "query"),
        ErrorCode.CanisterMethodNotFound,
        "Error from Canister bkyz2-fmaaa-aaaaa-qaaaq-cai: "
        "Canister has no query method 'dump'..\n"
        "Check that the method being called is exported by the target canister. "
        f"See documentation: {DOC}#method-not-found",
    )
    assert E.canister_method_not_found(CID, "x", "composite_query").reject_message.startswith(
        "Error from Canister bkyz2-fmaaa-aaaaa-qaaaq-cai: Canister has no composite_query method"
    )
    with pytest.raises(ValueError):
        E.canister_method_not_found(CID, "x", "oneway")


def test_management_method_not_found() -> None:
    _check(
        E.management_method_not_found("unknown"),
        ErrorCode.CanisterMethodNotFound,
        "Management canister has no method 'unknown'",
    )


def test_canister_invalid_controller() -> None:
    r = E.canister_invalid_controller(CID, [ALICE, CID], BOB)
    _check(
        r,
        ErrorCode.CanisterInvalidController,
        "Only the controllers of the canister bkyz2-fmaaa-aaaaa-qaaaq-cai can control it.\n"
        f"Canister's controllers: bkyz2-fmaaa-aaaaa-qaaaq-cai {ALICE}\n"
        f"Sender's ID: {BOB}\n"
        "Execute this call from a controller of the target canister or add the current caller "
        f"as a controller. See documentation: {DOC}#invalid-controller",
    )
    assert r.reject_code is RejectCode.CANISTER_ERROR


def test_canister_invalid_controller_orders_like_btreeset() -> None:
    # PrincipalId orders by (length, bytes): the 10-byte canister id first, then the
    # 29-byte user ids by bytes; duplicates collapse.
    users = sorted([ALICE, BOB], key=lambda p: p.raw)
    r = E.canister_invalid_controller(CID, [users[1], OTHER, users[0], OTHER], CID)
    line = r.reject_message.splitlines()[1]
    assert line == f"Canister's controllers: {OTHER} {users[0]} {users[1]}"


def test_canister_invalid_controller_no_controllers() -> None:
    r = E.canister_invalid_controller(CID, [], ALICE)
    assert r.reject_message.splitlines()[1] == "Canister's controllers: "


def test_ingress_not_controller() -> None:
    _check(
        E.ingress_not_controller(CID, "take_canister_snapshot"),
        ErrorCode.CanisterInvalidController,
        "Only controllers of canister bkyz2-fmaaa-aaaaa-qaaaq-cai can call ic00 method "
        "take_canister_snapshot",
    )


def test_only_canisters_can_call() -> None:
    _check(
        E.only_canisters_can_call("canister_info"),
        ErrorCode.CanisterRejectedMessage,
        "Only canisters can call ic00 method canister_info",
    )


def test_canister_stopped_and_stopping() -> None:
    _check(
        E.canister_stopped(CID),
        ErrorCode.CanisterStopped,
        "Canister bkyz2-fmaaa-aaaaa-qaaaq-cai is stopped",
    )
    _check(
        E.canister_stopped_query(CID),
        ErrorCode.CanisterStopped,
        "Canister bkyz2-fmaaa-aaaaa-qaaaq-cai is stopped and therefore does not have a "
        "CallContextManager",
    )
    _check(
        E.canister_stopping(CID),
        ErrorCode.CanisterStopping,
        "Canister bkyz2-fmaaa-aaaaa-qaaaq-cai is stopping",
    )
    assert E.canister_stopping(CID).reject_code is RejectCode.CANISTER_ERROR


def test_canister_queue_full() -> None:
    _check(
        E.canister_queue_full(), ErrorCode.CanisterQueueFull, "Maximum queue capacity 500 reached"
    )
    assert E.canister_queue_full(3).reject_message == "Maximum queue capacity 3 reached"
    assert E.canister_queue_full().reject_code is RejectCode.SYS_TRANSIENT


def test_canister_called_trap() -> None:
    _check(
        E.canister_called_trap(CID, "assertion failed: LENGTH == len(chat)"),
        ErrorCode.CanisterCalledTrap,
        "Error from Canister bkyz2-fmaaa-aaaaa-qaaaq-cai: Canister called `ic0.trap` with "
        "message: 'assertion failed: LENGTH == len(chat)'.\n"
        "Consider gracefully handling failures from this canister or altering the canister to "
        f"handle exceptions. See documentation: {DOC}#trapped-explicitly",
    )


def test_canister_trapped() -> None:
    _check(
        E.canister_trapped(CID, "stable memory out of bounds"),
        ErrorCode.CanisterTrapped,
        "Error from Canister bkyz2-fmaaa-aaaaa-qaaaq-cai: Canister trapped: stable memory out "
        "of bounds.\n"
        "Consider gracefully handling failures from this canister or altering the canister to "
        f"handle exceptions. See documentation: {DOC}#trapped",
    )


def test_did_not_reply_and_no_response() -> None:
    _check(
        E.did_not_reply(CID),
        ErrorCode.CanisterDidNotReply,
        "Canister bkyz2-fmaaa-aaaaa-qaaaq-cai did not reply to the call",
    )
    r = E.no_response()
    assert r == Reject(RejectCode.CANISTER_ERROR, "No response", None)


def test_wasm_module_not_found() -> None:
    _check(
        E.wasm_module_not_found(CID),
        ErrorCode.CanisterWasmModuleNotFound,
        "Error from Canister bkyz2-fmaaa-aaaaa-qaaaq-cai: Attempted to execute a message, but "
        "the canister contains no Wasm module..\n"
        "Please install code to this canister before calling it. "
        f"See documentation: {DOC}#wasm-module-not-found",
    )


def test_canister_rejected_message() -> None:
    _check(
        E.canister_rejected_message(CID),
        ErrorCode.CanisterRejectedMessage,
        "Error from Canister bkyz2-fmaaa-aaaaa-qaaaq-cai: Canister rejected the message",
    )


def test_canister_uninstalled() -> None:
    r = E.canister_uninstalled()
    _check(r, ErrorCode.CanisterRejectedMessage, "Canister has been uninstalled.")
    assert r.reject_code is RejectCode.CANISTER_REJECT


def test_canister_non_empty() -> None:
    _check(
        E.canister_non_empty(CID),
        ErrorCode.CanisterNonEmpty,
        "Canister bkyz2-fmaaa-aaaaa-qaaaq-cai cannot be installed because the canister is not "
        "empty. Try installing with mode='reinstall' instead.\n"
        "Check that you want to overwrite the canister and, if so, use mode='reinstall'. "
        f"See documentation: {DOC}#canister-not-empty",
    )


def test_delete_canister_errors() -> None:
    _check(
        E.delete_canister_not_stopped(CID),
        ErrorCode.CanisterNotStopped,
        "Canister bkyz2-fmaaa-aaaaa-qaaaq-cai must be stopped before it is deleted.\n"
        f"Stop the canister before deleting it. See documentation: {DOC}"
        "#delete-canister-not-stopped",
    )
    _check(
        E.delete_canister_self(CID),
        ErrorCode.CanisterInvalidController,
        "Canister bkyz2-fmaaa-aaaaa-qaaaq-cai cannot delete itself.\n"
        "Delete the canister from one of its other controllers. "
        f"See documentation: {DOC}#delete-canister-self",
    )


def test_stop_request_cancelled() -> None:
    _check(
        E.stop_request_cancelled(CID),
        ErrorCode.CanisterStoppingCancelled,
        "Canister bkyz2-fmaaa-aaaaa-qaaaq-cai's stop request was cancelled.",
    )


def test_invalid_management_payload() -> None:
    r = E.invalid_management_payload("canister_id is not a principal")
    _check(r, ErrorCode.InvalidManagementPayload, "canister_id is not a principal")
    assert r.reject_code is RejectCode.CANISTER_REJECT
    _check(
        E.candid_decode_error("Cannot parse header 010203"),
        ErrorCode.InvalidManagementPayload,
        "Error decoding candid: Cannot parse header 010203",
    )


def test_invalid_snapshot_id() -> None:
    _check(
        E.invalid_snapshot_id(b"\x04\x05\x06\x06"),
        ErrorCode.InvalidManagementPayload,
        "Error decoding candid: Invalid length of SnapshotId: Invalid snapshot ID length: "
        "provided 4, minumum length expected 37.",
    )
    _check(
        E.invalid_snapshot_id(bytes(40)),
        ErrorCode.InvalidManagementPayload,
        "Error decoding candid: Invalid length of SnapshotId: Invalid snapshot ID length: "
        "provided 40, maximum length expected 37.",
    )
    _check(
        E.invalid_snapshot_id(bytes(8)),
        ErrorCode.InvalidManagementPayload,
        "Error decoding candid: Invalid format of SnapshotId: Failed to create a Snapshot ID. "
        "Input could not be parsed into a Snapshot ID.",
    )


def test_snapshot_not_found() -> None:
    r = E.snapshot_not_found(SnapshotId(CID, 3), CID)
    _check(
        r,
        ErrorCode.CanisterSnapshotNotFound,
        "Could not find the snapshot ID bkyz2-fmaaa-aaaaa-qaaaq-cai-3 for canister "
        "bkyz2-fmaaa-aaaaa-qaaaq-cai.\n"
        "Use the `list_canister_snapshot` API to see which snapshots are present. "
        f"See documentation: {DOC}#canister-snapshot-not-found",
    )
    assert r.reject_code is RejectCode.DESTINATION_INVALID


def test_snapshot_invalid_ownership() -> None:
    r = E.snapshot_invalid_ownership(SnapshotId(OTHER, 0), CID)
    _check(
        r,
        ErrorCode.CanisterRejectedMessage,
        "The snapshot bd3sg-teaaa-aaaaa-qaaba-cai-0 does not belong to canister "
        "bkyz2-fmaaa-aaaaa-qaaaq-cai.\n"
        "Use the `list_canister_snapshot` API to see which snapshots are present. "
        f"See documentation: {DOC}#canister-snapshot-invalid-ownership",
    )
    assert r.reject_code is RejectCode.CANISTER_REJECT


def test_snapshot_not_controller() -> None:
    _check(
        E.snapshot_not_controller(ALICE, CID, SnapshotId(OTHER, 2)),
        ErrorCode.CanisterRejectedMessage,
        "Only a controller of the canister that snapshot bd3sg-teaaa-aaaaa-qaaba-cai-2 belongs "
        f"to can load it on canister bkyz2-fmaaa-aaaaa-qaaaq-cai. Sender: {ALICE}.\n"
        "Make sure you are a controller of the canister that the snapshot belongs to. "
        "See documentation: canister-snapshot-not-controller",
    )


def test_snapshot_limit_exceeded() -> None:
    _check(
        E.snapshot_limit_exceeded(CID, 10),
        ErrorCode.CanisterRejectedMessage,
        "Canister bkyz2-fmaaa-aaaaa-qaaaq-cai has reached the maximum number of snapshots "
        "allowed: 10.\n"
        "Consider deleting an unnecessary snapshot of the specified canister before creating a "
        "new one. See documentation: canister-snapshot-limit-exceeded",
    )


def test_snapshot_of_empty_canister() -> None:
    _check(
        E.snapshot_of_empty_canister(CID),
        ErrorCode.CanisterRejectedMessage,
        "Failed to create snapshot for empty canister bkyz2-fmaaa-aaaaa-qaaaq-cai:",
    )


def test_snapshot_immutable() -> None:
    r = E.snapshot_immutable()
    _check(
        r,
        ErrorCode.CanisterSnapshotImmutable,
        "Only canister snapshots created by metadata upload can be mutated.",
    )
    assert r.reject_code is RejectCode.CANISTER_REJECT


def test_snapshot_upload_validation() -> None:
    _check(
        E.snapshot_globals_mismatch(),
        ErrorCode.InvalidManagementPayload,
        "Wasm exported globals of canister module and snapshot metadata do not match.",
    )
    _check(
        E.snapshot_inconsistent("anything"),
        ErrorCode.InvalidManagementPayload,
        "anything",
    )
    _check(
        E.invalid_snapshot_metadata("InvalidGlobals"),
        ErrorCode.InvalidManagementPayload,
        "Snapshot Metadata contains invalid data: InvalidGlobals",
    )


def test_slices() -> None:
    _check(
        E.invalid_slice(65536, 10),
        ErrorCode.InvalidManagementPayload,
        "Invalid subslice into wasm module / main memory / stable memory: offset: 65536, size: 10",
    )
    _check(
        E.slice_too_large(3_000_000),
        ErrorCode.InvalidManagementPayload,
        "Requested slice too large: 3000000 > 2000000",
    )


def test_every_builder_is_exported_and_returns_reject() -> None:
    builders = [name for name in E.__all__ if name[0].islower() and callable(getattr(E, name))]
    assert len(builders) >= 35
    for name in builders:
        assert getattr(E, name).__doc__, name
        assert "Source:" in getattr(E, name).__doc__ or "rs/" in getattr(E, name).__doc__, name
