"""The Reject exception (subnet.errors): fields, text, equality, pickling, what a calling
canister sees."""

from __future__ import annotations

import copy
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subnet import errors as E
from subnet.errors import ErrorCode, Reject, RejectCode
from tests.support.errors import ALICE, BOB, CID


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
