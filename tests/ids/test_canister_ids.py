"""Canister ids (subnet.ids): from and to canister indexes, allocated like a local dfx replica."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subnet.ids import (
    ANONYMOUS,
    FIRST_LOCAL_CANISTER_INDEX,
    LOCAL_CANISTER_RANGE_END,
    LOCAL_CANISTER_RANGE_START,
    MANAGEMENT,
    CanisterIdAllocator,
    Principal,
    identity_principal,
)
from tests.support.ids import FIRST, SECOND


def test_from_canister_index_matches_canister_id_from_u64() -> None:
    assert Principal.from_canister_index(0).raw == bytes(8) + b"\x01\x01"
    assert str(Principal.from_canister_index(0)) == "rwlgt-iiaaa-aaaaa-aaaaa-cai"
    assert str(Principal.from_canister_index(1)) == "rrkah-fqaaa-aaaaa-aaaaq-cai"
    assert str(Principal.from_canister_index(0x8000_0000_0010_0001)) == FIRST
    assert Principal.from_canister_index(2**64 - 1).raw == b"\xff" * 8 + b"\x01\x01"


@pytest.mark.parametrize("bad", [-1, 2**64])
def test_from_canister_index_range(bad: int) -> None:
    with pytest.raises(ValueError, match="u64"):
        Principal.from_canister_index(bad)


@pytest.mark.parametrize("bad", ["1", 1.0, True, None])
def test_from_canister_index_type(bad: object) -> None:
    with pytest.raises(TypeError):
        Principal.from_canister_index(bad)  # type: ignore[arg-type]


def test_canister_index() -> None:
    assert Principal.from_text(FIRST).canister_index == 0x8000_0000_0010_0001
    assert Principal.from_text(SECOND).canister_index == 0x8000_0000_0010_0002
    assert MANAGEMENT.canister_index is None
    assert ANONYMOUS.canister_index is None
    assert identity_principal("alice").canister_index is None
    assert Principal(bytes(8) + b"\x01\x02").canister_index is None
    assert Principal(bytes(9) + b"\x01").canister_index is None


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_canister_index_round_trip(n: int) -> None:
    p = Principal.from_canister_index(n)
    assert p.canister_index == n
    assert Principal.from_text(str(p)) == p


def test_allocator_matches_local_dfx_replica() -> None:
    alloc = CanisterIdAllocator()
    assert alloc.next_index == FIRST_LOCAL_CANISTER_INDEX
    assert str(alloc.next()) == FIRST
    assert str(alloc.next()) == SECOND
    assert str(alloc.next()) == "be2us-64aaa-aaaaa-qaabq-cai"
    assert alloc.next_index == FIRST_LOCAL_CANISTER_INDEX + 3


def test_local_range() -> None:
    assert str(Principal.from_canister_index(LOCAL_CANISTER_RANGE_START)) == (
        "bnz7o-iuaaa-aaaaa-qaaaa-cai"
    )
    assert LOCAL_CANISTER_RANGE_START <= FIRST_LOCAL_CANISTER_INDEX <= LOCAL_CANISTER_RANGE_END
    assert LOCAL_CANISTER_RANGE_END - LOCAL_CANISTER_RANGE_START + 1 == 2**20


def test_allocator_state_round_trip() -> None:
    a = CanisterIdAllocator()
    for _ in range(5):
        a.next()
    saved = a.next_index
    b = CanisterIdAllocator(saved)
    assert b == a
    assert b.peek() == a.peek()
    assert b.next() == a.next()
    assert b.next_index == a.next_index
    c = pickle.loads(pickle.dumps(a))
    assert c == a


def test_allocator_peek_does_not_advance() -> None:
    a = CanisterIdAllocator(7)
    assert a.peek() == Principal.from_canister_index(7)
    assert a.next_index == 7
    assert a.next() == Principal.from_canister_index(7)
    assert a.next_index == 8


def test_allocator_ids_are_unique_and_ordered() -> None:
    a = CanisterIdAllocator()
    ids = [a.next() for _ in range(200)]
    assert len(set(ids)) == 200
    assert ids == sorted(ids)


def test_allocator_exhaustion_and_validation() -> None:
    a = CanisterIdAllocator(2**64 - 1)
    assert a.next().canister_index == 2**64 - 1
    with pytest.raises(ValueError):
        a.next()
    assert a.next_index == 2**64
    with pytest.raises(ValueError):
        CanisterIdAllocator(-1)
    with pytest.raises(TypeError):
        CanisterIdAllocator("1")  # type: ignore[arg-type]
    assert "next_index" in repr(CanisterIdAllocator())
