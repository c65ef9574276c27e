"""Reject codes and error codes (subnet.errors), numbered and mapped as in the replica."""

from __future__ import annotations

import pytest

from subnet.errors import ErrorCode, RejectCode

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
