"""Principals (subnet.ids): text form, validation, value semantics."""

from __future__ import annotations

import copy
import hashlib
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subnet.ids import (
    ANONYMOUS,
    MANAGEMENT,
    Principal,
)
from tests.support.ids import FIRST, FIRST_RAW, SECOND, raw_principals


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


# --- text round trips and validation ---------------------------------------------------------


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


# --- value semantics --------------------------------------------------------------------------


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
