"""Tests for subnet.ids: principals, canister ids, identities, snapshot ids."""

from __future__ import annotations

import copy
import hashlib
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
    SnapshotId,
    identity_principal,
)

FIRST = "bkyz2-fmaaa-aaaaa-qaaaq-cai"
SECOND = "bd3sg-teaaa-aaaaa-qaaba-cai"
FIRST_RAW = bytes.fromhex("80000000001000010101")
SNAPSHOT0_HEX = "000000000000000080000000001000010101"

raw_principals = st.binary(min_size=0, max_size=29)


# --- Principal: known vectors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("aaaaa-aa", b""),
        ("2vxsx-fae", b"\x04"),
        (FIRST, FIRST_RAW),
        (SECOND, bytes.fromhex("80000000001000020101")),
        ("rrkah-fqaaa-aaaaa-aaaaq-cai", bytes.fromhex("00000000000000010101")),
        ("rwlgt-iiaaa-aaaaa-aaaaa-cai", bytes.fromhex("00000000000000000101")),
    ],
)
def test_known_vectors(text: str, raw: bytes) -> None:
    p = Principal.from_text(text)
    assert p.raw == raw
    assert bytes(p) == raw
    assert str(Principal(raw)) == text
    assert p == Principal(raw)


def test_management_and_anonymous() -> None:
    assert Principal.management() is MANAGEMENT
    assert Principal.anonymous() is ANONYMOUS
    assert str(MANAGEMENT) == "aaaaa-aa"
    assert str(ANONYMOUS) == "2vxsx-fae"
    assert MANAGEMENT.raw == b""
    assert ANONYMOUS.raw == b"\x04"
    assert MANAGEMENT.is_management and not MANAGEMENT.is_anonymous
    assert ANONYMOUS.is_anonymous and not ANONYMOUS.is_management
    assert not Principal.from_text(FIRST).is_management
    assert not Principal.from_text(FIRST).is_anonymous


def test_repr() -> None:
    assert repr(MANAGEMENT) == "Principal('aaaaa-aa')"
    assert repr(Principal.from_text(FIRST)) == f"Principal('{FIRST}')"


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


def test_self_authenticating() -> None:
    key = b"\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00" + bytes(range(32))
    p = Principal.self_authenticating(key)
    assert p.raw == hashlib.sha224(key).digest() + b"\x02"
    assert len(p.raw) == 29
    assert Principal.from_text(str(p)) == p


def test_self_authenticating_text_length() -> None:
    # 4 + 29 = 33 bytes -> 53 base32 characters -> 11 groups, 63 characters in all.
    p = Principal.self_authenticating(b"key")
    assert len(str(p)) == 63
    assert str(p).count("-") == 10


# --- Principal: text round trips and validation ------------------------------------------------


@given(raw_principals)
def test_text_round_trip(raw: bytes) -> None:
    p = Principal(raw)
    text = str(p)
    assert text == text.lower()
    assert "=" not in text
    groups = text.split("-")
    assert all(len(g) == 5 for g in groups[:-1])
    assert 1 <= len(groups[-1]) <= 5
    q = Principal.from_text(text)
    assert q == p
    assert q.raw == raw
    assert Principal.from_text(text.upper()) == p


@given(st.binary(min_size=30, max_size=64))
def test_too_long_raw_rejected(raw: bytes) -> None:
    with pytest.raises(ValueError, match="at most 29 bytes"):
        Principal(raw)


def test_accepts_bytearray_and_memoryview() -> None:
    assert Principal(bytearray(FIRST_RAW)) == Principal(FIRST_RAW)
    assert Principal(memoryview(FIRST_RAW)) == Principal(FIRST_RAW)
    with pytest.raises(TypeError):
        Principal("aaaaa-aa")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad",
    [
        "2vxsx-fai",
        "bkyz2-fmaaa-aaaaa-qaaaq-caa",
        "bkyz2-fmaab-aaaaa-qaaaq-cai",
        "bd3sg-teaaa-aaaaa-qaaba-cai".replace("bd3sg", "bd3sh"),
    ],
)
def test_checksum_mismatch(bad: str) -> None:
    with pytest.raises(ValueError) as info:
        Principal.from_text(bad)
    assert str(info.value) == f"invalid principal {bad!r}: checksum mismatch"


def test_non_canonical_padding_bits_rejected() -> None:
    # "aaaaa-aa" decodes to 4 bytes and 3 unused bits; setting those bits is not canonical.
    with pytest.raises(ValueError, match="not in canonical form"):
        Principal.from_text("aaaaa-ab")


@given(raw_principals, st.data())
def test_any_single_char_change_is_rejected(raw: bytes, data: st.DataObject) -> None:
    text = str(Principal(raw))
    positions = [i for i, c in enumerate(text) if c != "-"]
    i = data.draw(st.sampled_from(positions))
    replacement = data.draw(st.sampled_from([c for c in "abcdefghijklmnopqrstuvwxyz234567"]))
    mutated = text[:i] + replacement + text[i + 1 :]
    if mutated == text:
        return
    with pytest.raises(ValueError, match="invalid principal"):
        Principal.from_text(mutated)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty group"),
        ("-", "empty group"),
        ("aaaaa--aa", "empty group"),
        ("aaaaa-", "empty group"),
        ("aaaa-aa", "grouped by 5"),
        ("aaaaaa-aa", "grouped by 5"),
        ("aaaaa-aaaaaa", "grouped by 5"),
        ("aaaaaaa", "grouped by 5"),
        ("aaaaa-a1", "alphabet"),
        ("aaaaa-a8", "alphabet"),
        ("aaaaa-a_", "alphabet"),
        ("aaaaa-a", "base32 length"),
        ("aaaaa-aaaa", "base32 length"),
        ("aaaaa-aaa", "checksum mismatch"),
        ("aaaaa", "too short"),
    ],
)
def test_from_text_rejects(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        Principal.from_text(text)


def test_from_text_rejects_too_long() -> None:
    # 30 raw bytes with a correct checksum: a valid encoding of something too long.
    raw = bytes(30)
    import base64
    import zlib

    body = base64.b32encode(zlib.crc32(raw).to_bytes(4, "big") + raw).decode().lower()
    body = body.rstrip("=")
    text = "-".join(body[i : i + 5] for i in range(0, len(body), 5))
    with pytest.raises(ValueError, match="longer than 29 bytes"):
        Principal.from_text(text)


def test_from_text_rejects_non_str() -> None:
    with pytest.raises(TypeError):
        Principal.from_text(b"aaaaa-aa")  # type: ignore[arg-type]


def test_from_text_uppercase() -> None:
    assert Principal.from_text(FIRST.upper()) == Principal.from_text(FIRST)
    assert str(Principal.from_text(FIRST.upper())) == FIRST


# --- Principal: value semantics ----------------------------------------------------------------


@given(raw_principals, raw_principals)
def test_ordering_is_by_raw_bytes(a: bytes, b: bytes) -> None:
    pa, pb = Principal(a), Principal(b)
    assert (pa < pb) == (a < b)
    assert (pa <= pb) == (a <= b)
    assert (pa > pb) == (a > b)
    assert (pa >= pb) == (a >= b)
    assert (pa == pb) == (a == b)
    assert (hash(pa) == hash(pb)) or a != b


def test_sorting_is_deterministic() -> None:
    ps = [Principal.from_text(SECOND), ANONYMOUS, MANAGEMENT, Principal.from_text(FIRST)]
    # b"" < b"\x04" < b"\x80...\x01..." < b"\x80...\x02..."
    expected = [MANAGEMENT, ANONYMOUS, Principal.from_text(FIRST), Principal.from_text(SECOND)]
    assert sorted(ps) == expected


def test_comparison_with_other_types() -> None:
    p = Principal.from_text(FIRST)
    assert p != FIRST
    assert p != FIRST_RAW
    with pytest.raises(TypeError):
        _ = p < FIRST  # type: ignore[operator]


def test_immutable_and_slotted() -> None:
    p = Principal.from_text(FIRST)
    with pytest.raises(AttributeError):
        p._raw = b""  # type: ignore[misc]
    with pytest.raises(AttributeError):
        p.other = 1  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        del p._raw
    with pytest.raises(AttributeError):
        p.raw = b""  # type: ignore[misc]
    assert not hasattr(p, "__dict__")


def test_hashable_in_sets_and_dicts() -> None:
    a = Principal.from_text(FIRST)
    b = Principal(FIRST_RAW)
    assert len({a, b}) == 1
    assert {a: 1}[b] == 1


@given(raw_principals)
def test_pickle_and_copy(raw: bytes) -> None:
    p = Principal(raw)
    for q in (pickle.loads(pickle.dumps(p)), copy.copy(p), copy.deepcopy(p)):
        assert q == p
        assert hash(q) == hash(p)
        assert str(q) == str(p)


# --- canister ids like a local replica ---------------------------------------------------------


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


# --- identities --------------------------------------------------------------------------------


def test_identity_principal_is_deterministic_and_self_authenticating() -> None:
    alice = identity_principal("alice")
    assert alice == identity_principal("alice")
    assert alice != identity_principal("bob")
    assert alice != identity_principal("Alice")
    assert len(alice.raw) == 29
    assert alice.raw[-1] == 0x02
    assert not alice.is_anonymous
    assert Principal.from_text(str(alice)) == alice


def test_identity_principal_pinned() -> None:
    # Pinned so that saved traces and docs keep naming the same principals.
    key = hashlib.sha256(b"subnet-sim/identity/v1\x00default").digest()
    assert identity_principal("default") == Principal.self_authenticating(key)
    assert identity_principal("") == Principal.self_authenticating(
        hashlib.sha256(b"subnet-sim/identity/v1\x00").digest()
    )


def test_identity_principal_type() -> None:
    with pytest.raises(TypeError):
        identity_principal(b"alice")  # type: ignore[arg-type]


# --- snapshot ids ------------------------------------------------------------------------------


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
        ("0000000000000000", "8 bytes"),
        ("00", "1 bytes"),
        (b"", "0 bytes"),
        (bytes(8), "8 bytes"),
        (bytes(8 + 30), "too long"),
        ("00" * 38, "too long"),
    ],
)
def test_snapshot_id_parse_errors(value: str | bytes, fragment: str) -> None:
    with pytest.raises(ValueError, match="invalid snapshot id") as info:
        SnapshotId.parse(value)
    assert fragment in str(info.value)


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
