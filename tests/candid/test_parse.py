"""Parsing Candid text as dfx does, with and without types, and its errors."""

from __future__ import annotations

import struct
from typing import Literal

import pytest

from actors.types import (
    nat,
    text,
)
from subnet.candid import (
    ANY,
    BLOB,
    BOOL,
    FLOAT32,
    FLOAT64,
    INT,
    NAT,
    NAT8,
    NAT16,
    NAT64,
    NULL,
    PRINCIPAL,
    RESERVED,
    TEXT,
    CandidError,
    OptType,
    VecType,
    candid_type,
    parse_args,
    parse_type,
)
from tests.support.candid import (
    P0,
    Color,
    Point,
    Result,
    Settings,
    Status,
)


@pytest.mark.parametrize(
    ("text", "types", "expected"),
    [
        ("()", (), ()),
        ('("Hi there!")', (TEXT,), ("Hi there!",)),
        ("Hi there!", (TEXT,), ("Hi there!",)),  # dfx: bare text for a single text argument
        ('"quoted"', (TEXT,), ("quoted",)),
        ("", (TEXT,), ("",)),
        ("(42 : nat64)", (NAT64,), (42,)),
        ("(42)", (NAT64,), (42,)),
        ("42", (NAT64,), (42,)),  # dfx: a bare single value
        ("(1_000_000)", (NAT,), (1_000_000,)),
        ("(0xFF)", (NAT8,), (255,)),
        ("(-5, +5)", (INT, INT), (-5, 5)),
        ("(5 : nat)", (INT,), (5,)),
        ("(1.5, 2, 1e3, .5, 5.)", (FLOAT64,) * 5, (1.5, 2.0, 1000.0, 0.5, 5.0)),
        ("(0.1)", (FLOAT32,), (struct.unpack("f", struct.pack("f", 0.1))[0],)),
        ("(true, false)", (BOOL, BOOL), (True, False)),
        ("(null)", (NULL,), (None,)),
        ("(null)", (OptType(NAT),), (None,)),
        ("(opt 5)", (OptType(NAT),), (5,)),
        ("()", (OptType(NAT), NULL, RESERVED), (None, None, None)),  # omitted trailing opts
        ('(principal "aaaaa-aa")', (PRINCIPAL,), (P0,)),
        ('(blob "\\de\\ad")', (BLOB,), (b"\xde\xad",)),
        ('(blob "ab")', (VecType(NAT8),), ([97, 98],)),
        ("(vec { 1; 2; 3 })", (BLOB,), (b"\x01\x02\x03",)),
        ("(vec { 1; 2; })", (VecType(NAT),), ([1, 2],)),
        ("(vec {})", (VecType(TEXT),), ([],)),
        ('(record { a = 1; b = "x" })', (parse_type("record { a : nat; b : text }"),), None),
        ('(record { 1; "a" })', (candid_type(tuple[nat, text]),), ((1, "a"),)),
        ('(record { 0 = 1; 1 = "a" })', (candid_type(tuple[nat, text]),), ((1, "a"),)),
        ("(record { x = 1; y = 2; z = 3 })", (candid_type(Point),), ({"x": 1, "y": 2},)),
        ("(variant { ok = 1 })", (candid_type(Result),), ({"ok": 1},)),
        ("(variant { running })", (candid_type(Status),), ({"running": None},)),
        ("(variant { a })", (candid_type(Literal["a", "b"]),), ("a",)),
        ("(variant { red })", (candid_type(Color),), (Color.red,)),
        ('(vec { record { "k"; 1 } })', (candid_type(dict[str, nat]),), ({"k": 1},)),
        (
            '("a\\nb\\t\\"q\\" \\\\ \\u{1F600} \\u{4_1} \\41 \\\' \\e2\\9c\\93")',
            (TEXT,),
            ('a\nb\t"q" \\ \U0001f600 A A \' ✓',),
        ),
        ('(\n  "x", // comment\n  /* block /* nested */ */ 5\n)', (TEXT, NAT), ("x", 5)),
        ("((5))", (NAT,), (5,)),
        ("(5, 6)", (NAT, ANY), (5, 6)),
    ],
)
def test_parse(text, types, expected):
    got = parse_args(text, types)
    if expected is not None:
        assert got == expected
        assert [type(x) for x in got] == [type(x) for x in expected]


def test_parse_untyped():
    assert parse_args('(record { a = 1; b = "x" })') == ({"a": 1, "b": "x"},)
    assert parse_args("(0xff, 0XA_f)") == (255, 175)
    assert parse_args("(1_0, 0x1_0)") == (10, 16)
    assert parse_args('(vec { 1; 2 }, opt "s", variant { ok = 1 }, record { 1; 2 })') == (
        [1, 2],
        "s",
        {"ok": 1},
        (1, 2),
    )
    assert parse_args("(1.5 : float32, 5 : nat8)") == (1.5, 5)


def test_parse_record_into_dataclass():
    t = candid_type(Settings)
    (v,) = parse_args(
        '(record { controllers = vec { principal "aaaaa-aa" }; compute_allocation = 0;'
        " memory_allocation = 1; freezing_threshold = 2 })",
        (t,),
    )
    assert v == Settings([P0], 0, 1, 2)


def test_bare_argument_rule_follows_dfx():
    # not parenthesised + one argument: a text argument takes the raw string
    assert parse_args("hello world", (TEXT,)) == ("hello world",)
    assert parse_args("record { a = 1 }", (parse_type("record { a : nat }"),)) == ({"a": 1},)
    # starting with '(' it must be Candid
    with pytest.raises(CandidError):
        parse_args("(hello", (TEXT,))
    # starting with '"' it must be a Candid string
    with pytest.raises(CandidError):
        parse_args('"unterminated', (TEXT,))
    # two expected arguments: no fallback
    with pytest.raises(CandidError):
        parse_args("hello", (TEXT, TEXT))


@pytest.mark.parametrize(
    ("text", "types", "message"),
    [
        ("(", (NAT,), "at 1:2: expected a value, found end of input"),
        ("(1 2)", (NAT, NAT), "at 1:4: expected ',' or ')'"),
        ("(1))", (NAT,), "at 1:4: expected end of input"),
        ('("abc)', (TEXT,), "unclosed string"),
        ("(/* x)", (NAT,), "unclosed comment"),
        ('("\\q")', (TEXT,), "unknown escape character 'q'"),
        ('("\\u{110000}")', (TEXT,), "unicode escape out of range"),
        ('("\\ff")', (TEXT,), "not valid unicode text"),
        ("(@)", (NAT,), "unexpected character '@'"),
        ("(-1)", (NAT,), "-1 is out of range for nat"),
        ("(256)", (NAT8,), "256 is out of range for nat8"),
        ("(2 : nat8)", (NAT16,), "type mismatch: nat8 cannot be of type nat16"),
        ("(300 : nat8)", None, "300 is out of range for nat8"),
        ('("x")', (NAT,), 'at 1:2: expected nat, found "x"'),
        ("(5)", (OptType(NAT),), "expected opt nat, found 5"),
        ("(1.5)", (INT,), "expected int, found 1.5"),
        ('(principal "xyz")', (PRINCIPAL,), "invalid principal 'xyz'"),
        ("(record { a = 1 })", (parse_type("record { b : nat }"),), "record field b not found"),
        ("(record { a = 1; a = 2 })", None, "duplicate record field a"),
        ("(variant { nope })", (candid_type(Status),), "variant field nope not found"),
        ("(variant { a; b })", None, "expected '}'"),
        ("()", (NAT,), "omitted values cannot be of type nat"),
        ("(1, 2)", (NAT,), "expected 1 argument, got 2"),
        ("(5 : foo)", None, "unknown type 'foo'"),
        ('(service "aaaaa-aa")', (TEXT,), "expected text, found service"),
        ('(func "aaaaa-aa")', None, "expected '.' after the func's principal"),
        ("(record { 4294967296 = 1 })", None, "field id out of u32 range"),
        ("(" + "opt " * 300 + "1)", None, "nested too deeply"),
        ("(" + "9" * 5000 + ")", None, "number too long"),
    ],
)
def test_parse_errors(text, types, message):
    with pytest.raises(CandidError) as e:
        parse_args(text, types)
    assert message in str(e.value)
    assert "\n" not in str(e.value)
