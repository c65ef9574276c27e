"""Snapshot ids (subnet.ids): bytes, hex and text forms, parsing, value semantics."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subnet.ids import (
    Principal,
    SnapshotId,
)
from tests.support.ids import FIRST, SECOND, SNAPSHOT0_HEX, raw_principals


def test_snapshot_id_known_vector() -> None:
    sid = SnapshotId(Principal.from_text(FIRST), 0)
    assert bytes(sid) == bytes.fromhex(SNAPSHOT0_HEX)
    assert sid.hex() == SNAPSHOT0_HEX
    assert str(sid) == f"{FIRST}-0"
    assert repr(sid) == f"SnapshotId('{FIRST}', 0)"
    assert SnapshotId.from_bytes(bytes.fromhex(SNAPSHOT0_HEX)) == sid
    assert SnapshotId.parse(SNAPSHOT0_HEX) == sid


def test_snapshot_id_str_matches_replica_display() -> None:
    # ic_base_types::SnapshotId's Display: "{canister_id}-{local_id}".
    sid = SnapshotId(Principal.from_text(SECOND), 12)
    assert str(sid) == f"{SECOND}-12"
    assert sid.hex() == "000000000000000c80000000001000020101"


@given(raw_principals.filter(bool), st.integers(min_value=0, max_value=2**64 - 1))
def test_snapshot_id_round_trips(raw: bytes, local_id: int) -> None:
    sid = SnapshotId(Principal(raw), local_id)
    b = bytes(sid)
    assert b[:8] == local_id.to_bytes(8, "big")
    assert b[8:] == raw
    assert SnapshotId.from_bytes(b) == sid
    assert SnapshotId.parse(b) == sid
    assert SnapshotId.parse(bytearray(b)) == sid
    assert SnapshotId.parse(memoryview(b)) == sid
    assert SnapshotId.parse(sid.hex()) == sid
    assert SnapshotId.parse(sid.hex().upper()) == sid
    assert SnapshotId.parse("0x" + sid.hex()) == sid
    assert SnapshotId.parse(f"  {sid.hex()}\n") == sid
    assert SnapshotId.parse(sid) is sid
    assert pickle.loads(pickle.dumps(sid)) == sid


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "empty"),
        ("0x", "empty"),
        ("xyz", "not hexadecimal"),
        ("00zz", "not hexadecimal"),
        (SNAPSHOT0_HEX + "0", "odd number of hex digits"),
        ("00", "1 bytes"),
        (b"", "0 bytes"),
        (bytes(7), "7 bytes"),
        (bytes(8 + 30), "too long"),
        ("00" * 38, "too long"),
    ],
)
def test_snapshot_id_parse_errors(value: str | bytes, fragment: str) -> None:
    with pytest.raises(ValueError, match="invalid snapshot id") as info:
        SnapshotId.parse(value)
    assert fragment in str(info.value)


@pytest.mark.parametrize("value", ["0000000000000007", bytes(7) + b"\x07"])
def test_an_8_byte_snapshot_id_names_the_management_canister(value: str | bytes) -> None:
    """rs/types/base_types/src/snapshot.rs (``SnapshotId::try_from``): 8 bytes of local id and
    an empty canister id, which is the management canister's; well formed, names nothing."""
    sid = SnapshotId.parse(value)
    assert sid.canister_id == Principal.from_text("aaaaa-aa") and sid.local_id == 7
    assert SnapshotId.from_bytes(bytes(sid)) == sid


@pytest.mark.parametrize("value", [0, None, 1.5, ["00"], Principal.from_text(FIRST)])
def test_snapshot_id_parse_type_errors(value: object) -> None:
    with pytest.raises(TypeError, match="snapshot id"):
        SnapshotId.parse(value)  # type: ignore[arg-type]


def test_snapshot_id_field_validation() -> None:
    p = Principal.from_text(FIRST)
    with pytest.raises(ValueError, match="u64"):
        SnapshotId(p, -1)
    with pytest.raises(ValueError, match="u64"):
        SnapshotId(p, 2**64)
    with pytest.raises(TypeError):
        SnapshotId(p, "0")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        SnapshotId(p, True)
    with pytest.raises(TypeError):
        SnapshotId(FIRST, 0)  # type: ignore[arg-type]


def test_snapshot_id_frozen_hashable_ordered() -> None:
    a = Principal.from_text(FIRST)
    b = Principal.from_text(SECOND)
    s0, s1, t0 = SnapshotId(a, 0), SnapshotId(a, 1), SnapshotId(b, 0)
    with pytest.raises(AttributeError):
        s0.local_id = 5  # type: ignore[misc]
    assert len({s0, SnapshotId(a, 0), s1}) == 2
    assert sorted([t0, s1, s0]) == [s0, s1, t0]
    assert s0 < s1 < t0
    assert s0 != s0.hex()
