"""Checking Python values against Candid types: the message says where and what is wrong."""

from __future__ import annotations

from typing import Literal

import pytest

from actors.types import (
    nat,
    text,
)
from subnet.candid import (
    ANY,
    BLOB,
    FLOAT64,
    INT,
    NAT,
    NAT8,
    NAT64,
    PRINCIPAL,
    RESERVED,
    TEXT,
    CandidError,
    OptType,
    VecType,
    candid_type,
    check_args,
    check_value,
    format_values,
    parse_type,
)
from tests.support.candid import (
    P0,
    Result,
    Settings,
)


@pytest.mark.parametrize(
    ("value", "t", "message"),
    [
        (-1, NAT64, "value: expected nat64, got -1"),
        (2**64, NAT64, "value: expected nat64, got 18446744073709551616"),
        (True, NAT, "value: expected nat, got True"),
        (1.5, INT, "value: expected int, got 1.5"),
        (5, TEXT, "value: expected text, got 5"),
        ("x", BLOB, "value: expected blob, got 'x'"),
        (["a", 5], VecType(TEXT), "value[1]: expected text, got 5"),
        ("ab", VecType(TEXT), "value: expected vec text, got 'ab'"),
        (-1, OptType(NAT), "value: expected nat, got -1"),
        ("aaaaa-aa", PRINCIPAL, "value: expected principal, got 'aaaaa-aa'"),
        ({"a": 1}, parse_type("record { a : nat; b : text }"), "value: missing field b"),
        ({"a": -1, "b": ""}, parse_type("record { a : nat; b : text }"), "value.a: expected nat"),
        ({"a": 1, "c": 2}, parse_type("record { a : nat }"), "value: unexpected field 'c'"),
        ({"ok": 1, "err": "x"}, candid_type(Result), "a variant value is a dict with one key"),
        ({"nope": 1}, candid_type(Result), "'nope' is not a case of Result"),
        ({"err": 1}, candid_type(Result), "value.err: expected text, got 1"),
        ("c", candid_type(Literal["a", "b"]), "value: expected variant { a; b }, got 'c'"),
        ((1,), candid_type(tuple[nat, text]), "value: expected record { nat; text }, got (1,)"),
        ((1, 2), candid_type(tuple[nat, text]), "value.1: expected text, got 2"),
        ({1: "x"}, candid_type(dict[str, str]), "value key 1: expected text, got 1"),
        (Settings([P0], -1, 0, 0), candid_type(Settings), "value.compute_allocation: expected nat"),
    ],
)
def test_check_value_rejects(value, t, message):
    err = check_value(value, t)
    assert err is not None
    assert message in err


def test_check_value_accepts():
    assert check_value(2**64 - 1, NAT64) is None
    assert check_value(b"x", VecType(NAT8)) is None
    assert check_value([1, 2], BLOB) is None
    assert check_value(None, OptType(NAT)) is None
    assert check_value(3, FLOAT64) is None
    assert check_value(object(), ANY) is None
    assert check_value(object(), RESERVED) is None
    assert check_value({"a": 1}, parse_type("record { a : nat; b : opt text }")) is None
    assert check_value(Settings([P0], 0, 0, 0), candid_type(Settings)) is None
    assert check_value({"controllers": [], "compute_allocation": 0, "memory_allocation": 0,
                        "freezing_threshold": 0}, candid_type(Settings)) is None  # fmt: skip


def test_check_args():
    assert check_args(("Hi",), (TEXT,)) is None
    assert check_args(("a", "b"), (TEXT,)) == "expected 1 argument, got 2"
    assert check_args((), (TEXT, NAT)) == "expected 2 arguments, got 0"
    assert check_args((-1,), (NAT64,)) == "argument 1: expected nat64, got -1"
    assert check_args(("x", [1, -2]), (TEXT, VecType(NAT))) == (
        "argument 2[1]: expected nat, got -2"
    )
    with pytest.raises(CandidError, match="expected nat64"):
        format_values((-1,), (NAT64,))
