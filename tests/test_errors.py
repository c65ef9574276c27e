"""Tests for subnet.errors: codes, Reject, and the replica's message texts."""

from __future__ import annotations

import copy
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subnet import errors as E
from subnet.errors import ErrorCode, Reject, RejectCode
from subnet.ids import Principal, SnapshotId, identity_principal

CID = Principal.from_text("bkyz2-fmaaa-aaaaa-qaaaq-cai")
OTHER = Principal.from_text("bd3sg-teaaa-aaaaa-qaaba-cai")
ALICE = identity_principal("alice")
BOB = identity_principal("bob")
SID = SnapshotId(CID, 0)
DOC = "https://internetcomputer.org/docs/current/references/execution-errors"

# The replica's compatibility list (rs/types/error_types/src/lib.rs, compatibility_for_error_code).
IC_ERROR_CODES = [
    101, 102,
    201, 202, 203, 204, 205, 206, 207, 208, 209, 210,
    301, 305,
    402, 403, 404, 405, 406, 407, 408, 409,
    502, 503, 504, 505, 506, 507, 508, 509, 510, 511, 512, 513, 514,
    517, 520, 521, 522, 524, 525, 526, 527, 528, 529, 530, 531, 532,
    533, 534, 535, 536, 537, 538, 539, 540,
    601, 602,
]  # fmt: skip


# --- RejectCode / ErrorCode --------------------------------------------------------------------


def test_reject_codes() -> None:
    assert [(c.name, int(c)) for c in RejectCode] == [
        ("SYS_FATAL", 1),
        ("SYS_TRANSIENT", 2),
        ("DESTINATION_INVALID", 3),
        ("CANISTER_REJECT", 4),
        ("CANISTER_ERROR", 5),
        ("SYS_UNKNOWN", 6),
    ]


def test_error_code_numbering_matches_replica() -> None:
    assert [int(c) for c in ErrorCode] == IC_ERROR_CODES


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CanisterNotFound", 301),
        ("CanisterSnapshotNotFound", 305),
        ("CanisterRejectedMessage", 406),
        ("InvalidManagementPayload", 408),
        ("CanisterSnapshotImmutable", 409),
        ("CanisterTrapped", 502),
        ("CanisterCalledTrap", 503),
        ("CanisterDidNotReply", 506),
        ("CanisterStopped", 508),
        ("CanisterStopping", 509),
        ("CanisterNotStopped", 510),
        ("CanisterStoppingCancelled", 511),
        ("CanisterInvalidController", 512),
        ("CanisterNonEmpty", 514),
        ("CanisterMethodNotFound", 536),
        ("CanisterWasmModuleNotFound", 537),
        ("CanisterAlreadyInstalled", 538),
        ("CanisterQueueFull", 201),
        ("DeadlineExpired", 601),
        ("ResponseDropped", 602),
    ],
)
def test_error_code_names(name: str, value: int) -> None:
    assert ErrorCode[name] == value


# The replica's own mapping (impl From<ErrorCode> for RejectCode), written out by class.
_SYS_FATAL = {"SubnetOversubscribed", "MaxNumberOfCanistersReached"}
_DESTINATION_INVALID = {"CanisterNotFound", "CanisterSnapshotNotFound"}
_CANISTER_REJECT = {
    "InsufficientCyclesForCreateCanister",
    "InsufficientMemoryAllocation",
    "SubnetNotFound",
    "CanisterRejectedMessage",
    "UnknownManagementMessage",
    "InvalidManagementPayload",
    "CanisterNotHostedBySubnet",
    "CanisterSnapshotImmutable",
}
_SYS_UNKNOWN = {"DeadlineExpired", "ResponseDropped"}


@pytest.mark.parametrize("code", list(ErrorCode), ids=lambda c: c.name)
def test_reject_code_of_every_error_code(code: ErrorCode) -> None:
    assert code.reject_code == RejectCode(int(code) // 100)
    assert isinstance(code.reject_code, RejectCode)
    if code.name in _SYS_FATAL:
        assert code.reject_code is RejectCode.SYS_FATAL
    elif code.name in _DESTINATION_INVALID:
        assert code.reject_code is RejectCode.DESTINATION_INVALID
    elif code.name in _CANISTER_REJECT:
        assert code.reject_code is RejectCode.CANISTER_REJECT
    elif code.name in _SYS_UNKNOWN:
        assert code.reject_code is RejectCode.SYS_UNKNOWN
    elif int(code) < 300:
        assert code.reject_code is RejectCode.SYS_TRANSIENT
    else:
        assert code.reject_code is RejectCode.CANISTER_ERROR


@pytest.mark.parametrize("code", list(ErrorCode), ids=lambda c: c.name)
def test_ic_code(code: ErrorCode) -> None:
    assert code.ic_code == f"IC0{int(code)}"
    assert len(code.ic_code) == 6


def test_ic_code_examples() -> None:
    assert ErrorCode.CanisterNotFound.ic_code == "IC0301"
    assert ErrorCode.CanisterSnapshotNotFound.ic_code == "IC0305"
    assert ErrorCode.CanisterCalledTrap.ic_code == "IC0503"


# --- Reject ------------------------------------------------------------------------------------


def test_reject_fields_and_str() -> None:
    r = Reject(RejectCode.CANISTER_ERROR, "Canister x trapped", ErrorCode.CanisterCalledTrap)
    assert r.reject_code is RejectCode.CANISTER_ERROR
    assert r.reject_message == "Canister x trapped"
    assert r.error_code is ErrorCode.CanisterCalledTrap
    assert str(r) == "Reject(CANISTER_ERROR, IC0503): Canister x trapped"
    assert repr(r) == (
        "Reject(RejectCode.CANISTER_ERROR, 'Canister x trapped', ErrorCode.CanisterCalledTrap)"
    )
    assert isinstance(r, Exception)


def test_reject_without_error_code() -> None:
    r = Reject(RejectCode.CANISTER_REJECT, "go away")
    assert r.error_code is None
    assert str(r) == "Reject(CANISTER_REJECT): go away"
    assert repr(r) == "Reject(RejectCode.CANISTER_REJECT, 'go away', None)"


def test_reject_coerces_ints() -> None:
    r = Reject(4, "no", 406)
    assert r.reject_code is RejectCode.CANISTER_REJECT
    assert r.error_code is ErrorCode.CanisterRejectedMessage
    with pytest.raises(ValueError):
        Reject(7, "bad")
    with pytest.raises(ValueError):
        Reject(5, "bad", 599)
    with pytest.raises(TypeError):
        Reject(5, b"bytes")  # type: ignore[arg-type]


def test_reject_from_error() -> None:
    r = Reject.from_error(ErrorCode.CanisterSnapshotNotFound, "gone")
    assert r == Reject(RejectCode.DESTINATION_INVALID, "gone", ErrorCode.CanisterSnapshotNotFound)


def test_reject_equality_and_hash() -> None:
    a = Reject(RejectCode.CANISTER_ERROR, "m", ErrorCode.CanisterTrapped)
    b = Reject(RejectCode.CANISTER_ERROR, "m", ErrorCode.CanisterTrapped)
    assert a == b
    assert hash(a) == hash(b)
    assert a != Reject(RejectCode.CANISTER_ERROR, "m", ErrorCode.CanisterCalledTrap)
    assert a != Reject(RejectCode.CANISTER_ERROR, "n", ErrorCode.CanisterTrapped)
    assert a != Reject(RejectCode.CANISTER_REJECT, "m", ErrorCode.CanisterTrapped)
    assert a != Reject(RejectCode.CANISTER_ERROR, "m")
    assert a != "m"
    assert len({a, b}) == 1


reject_values = st.builds(
    Reject,
    st.sampled_from(list(RejectCode)),
    st.text(),
    st.one_of(st.none(), st.sampled_from(list(ErrorCode))),
)


@given(reject_values)
def test_reject_pickles(r: Reject) -> None:
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        q = pickle.loads(pickle.dumps(r, protocol=protocol))
        assert q == r
        assert type(q) is Reject
        assert q.reject_code is r.reject_code
        assert q.error_code is r.error_code
    assert copy.copy(r) == r
    assert copy.deepcopy(r) == r


def test_reject_raises_and_catches() -> None:
    with pytest.raises(Reject) as info:
        raise E.canister_stopped(CID)
    assert info.value.error_code is ErrorCode.CanisterStopped


def test_builder_rejects_pickle() -> None:
    r = E.canister_invalid_controller(CID, [ALICE], BOB)
    assert pickle.loads(pickle.dumps(r)) == r


def test_for_canister_caller() -> None:
    r = E.canister_called_trap(CID, "boom")
    c = r.for_canister_caller()
    assert c.reject_code is RejectCode.CANISTER_ERROR
    assert c.error_code is ErrorCode.CanisterCalledTrap
    assert c.reject_message == "IC0503: " + r.reject_message
    plain = E.no_response()
    assert plain.for_canister_caller() is plain


# --- message builders: the replica's texts -----------------------------------------------------


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
