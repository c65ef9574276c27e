"""Candid text: dfx's exact reply strings, parse <-> format round trips, errors, value checks."""

from __future__ import annotations

import enum
import math
import struct
from dataclasses import dataclass
from typing import Literal, TypedDict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actors.types import (
    Variant,
    blob,
    float32,
    int8,
    int64,
    nat,
    nat8,
    nat16,
    nat64,
    null,
    opt,
    principal,
    reserved,
    text,
    vec,
)
from subnet.candid import (
    ANY,
    BLOB,
    BOOL,
    FLOAT32,
    FLOAT64,
    INT,
    INT8,
    INT16,
    INT32,
    INT64,
    NAT,
    NAT8,
    NAT16,
    NAT32,
    NAT64,
    NULL,
    PRINCIPAL,
    RESERVED,
    TEXT,
    CandidError,
    Field,
    MapType,
    OptType,
    RecordType,
    VariantType,
    VecType,
    candid_type,
    check_args,
    check_value,
    format_reply,
    format_service,
    format_values,
    idl_hash,
    method_signature,
    parse_args,
    parse_type,
)
from subnet.ids import Principal

P0 = Principal.from_text("aaaaa-aa")
P1 = Principal.from_text("bkyz2-fmaaa-aaaaa-qaaaq-cai")


class Status(Variant):
    running: null
    stopping: null
    stopped: null


class Result(Variant):
    ok: nat
    err: text


@dataclass
class Settings:
    controllers: list[Principal]
    compute_allocation: nat
    memory_allocation: nat
    freezing_threshold: nat


@dataclass
class CanisterStatus:
    status: Status
    memory_size: nat
    cycles: nat
    settings: Settings
    module_hash: opt[bytes]


class Point(TypedDict):
    x: int
    y: int


class Color(enum.Enum):
    red = 1
    green = 2


@dataclass
class Node:
    children: list[Node]


class Chat:
    def append(self, message: str) -> None: ...

    def dump(self) -> list[str]: ...

    def remove_spam(self) -> nat64: ...

    def pair(self, a: nat, b) -> tuple[nat, text]: ...

    def untyped(self, x): ...


# ------------------------------------------------------------------------------------------
# dfx's reply strings


def test_chat_tutorial_replies():
    _, append_ret = method_signature(Chat.append)
    _, dump_ret = method_signature(Chat.dump)
    _, spam_ret = method_signature(Chat.remove_spam)
    assert format_reply(None, append_ret) == "()"
    assert format_reply(["Hi there!"], dump_ret) == '(vec { "Hi there!" })'
    assert format_reply([], dump_ret) == "(vec {})"
    assert format_reply(0, spam_ret) == "(0 : nat64)"


@pytest.mark.parametrize(
    ("values", "types", "expected"),
    [
        ((), (), "()"),
        (("x",), (TEXT,), '("x")'),
        ((1_000_000,), (NAT,), "(1_000_000 : nat)"),
        ((-1234,), (INT,), "(-1_234 : int)"),
        ((-100,), (INT,), "(-100 : int)"),
        ((255, -128), (NAT8, INT8), "(255 : nat8, -128 : int8)"),
        ((65535,), (NAT16,), "(65_535 : nat16)"),
        ((2**64 - 1,), (NAT64,), "(18_446_744_073_709_551_615 : nat64)"),
        ((True,), (BOOL,), "(true)"),
        ((None,), (NULL,), "(null : null)"),
        ((None,), (OptType(NAT),), "(null)"),
        ((5,), (OptType(NAT),), "(opt (5 : nat))"),
        (("a",), (OptType(TEXT),), '(opt "a")'),
        ((None,), (RESERVED,), "(null : reserved)"),
        ((P0,), (PRINCIPAL,), '(principal "aaaaa-aa")'),
        ((b"\xde\xad",), (BLOB,), '(blob "\\de\\ad")'),
        ((b"hi\n",), (BLOB,), '(blob "hi\\0a")'),
        ((b"",), (BLOB,), '(blob "")'),
        (([1, 2],), (VecType(NAT8),), '(blob "\\01\\02")'),
        ((1.0,), (FLOAT64,), "(1.0 : float64)"),
        ((0.1,), (FLOAT64,), "(0.1 : float64)"),
        ((-0.0,), (FLOAT64,), "(-0.0 : float64)"),
        ((1e21,), (FLOAT64,), "(1000000000000000000000.0 : float64)"),
        ((1e-7,), (FLOAT64,), "(0.0000001 : float64)"),
        ((0.1,), (FLOAT32,), "(0.1 : float32)"),
        ((math.inf,), (FLOAT64,), "(inf : float64)"),
        (('say "hi"\n\t\\ it\'s',), (TEXT,), '("say \\"hi\\"\\n\\t\\\\ it\\\'s")'),
        (("héllo ✓",), (TEXT,), '("héllo ✓")'),
        (("\x01",), (TEXT,), '("\\u{1}")'),
        (({"ok": 1},), (candid_type(Result),), "(variant { ok = 1 : nat })"),
        (({"running": None},), (candid_type(Status),), "(variant { running })"),
        (("b",), (candid_type(Literal["a", "b"]),), "(variant { b })"),
        ((Color.green,), (candid_type(Color),), "(variant { green })"),
        (((1, "a"),), (candid_type(tuple[nat, text]),), '(record { 1 : nat; "a" })'),
        (((),), (candid_type(tuple[()]),), "(record {})"),
        (({"x": 1, "y": -2},), (candid_type(Point),), "(record { x = 1 : int; y = -2 : int })"),
        (({"a": 1},), (candid_type(dict[str, nat]),), '(vec { record { "a"; 1 : nat } })'),
        (({"type": 1},), (parse_type('record { "type" : nat }'),), '(record { "type" = 1 : nat })'),
    ],
)
def test_format_exact(values, types, expected):
    assert format_values(values, types) == expected


def test_record_fields_print_in_field_id_order():
    t = parse_type("record { a : nat; b : text; zz : bool }")
    assert [f.label for f in t.fields] == sorted(["a", "b", "zz"], key=idl_hash)
    assert format_values(({"zz": True, "b": "x", "a": 1},), (t,)) == (
        '(record { a = 1 : nat; b = "x"; zz = true })'
    )


def test_canister_status_like_reply_breaks_like_dfx():
    t = candid_type(CanisterStatus)
    value = CanisterStatus(
        status={"running": None},
        memory_size=1_234_567,
        cycles=3_000_000_000_000,
        settings=Settings([P0, P1], 0, 0, 2_592_000),
        module_hash=bytes(range(4)),
    )
    assert format_values((value,), (t,)) == (
        "(\n"
        "  record {\n"
        "    status = variant { running };\n"
        "    memory_size = 1_234_567 : nat;\n"
        "    cycles = 3_000_000_000_000 : nat;\n"
        "    settings = record {\n"
        "      freezing_threshold = 2_592_000 : nat;\n"
        "      controllers = vec {\n"
        '        principal "aaaaa-aa";\n'
        '        principal "bkyz2-fmaaa-aaaaa-qaaaq-cai";\n'
        "      };\n"
        "      memory_allocation = 0 : nat;\n"
        "      compute_allocation = 0 : nat;\n"
        "    };\n"
        '    module_hash = opt blob "\\00\\01\\02\\03";\n'
        "  },\n"
        ")"
    )
    assert parse_args(format_values((value,), (t,)), (t,)) == (value,)


def test_fits_in_80_columns_stays_on_one_line():
    t = candid_type(vec[Point])
    one = format_values(([{"x": 1, "y": 2}],), (t,))
    assert one == "(vec { record { x = 1 : int; y = 2 : int } })"
    # exactly 80 columns fit; 81 break the argument list
    assert format_values(("a" * 76,), (TEXT,)) == '("' + "a" * 76 + '")'
    assert format_values(("a" * 77,), (TEXT,)) == '(\n  "' + "a" * 77 + '",\n)'
    many = format_values(([{"x": i, "y": i} for i in range(3)],), (t,))
    assert many == (
        "(\n"
        "  vec {\n"
        "    record { x = 0 : int; y = 0 : int };\n"
        "    record { x = 1 : int; y = 1 : int };\n"
        "    record { x = 2 : int; y = 2 : int };\n"
        "  },\n"
        ")"
    )


def test_long_vec_uses_debug_form():
    # candid prints vecs of more than 10 elements with its Debug formatter, on one line
    assert format_values((list(range(11)),), (candid_type(vec[nat8]),)) == (
        '(blob "\\00\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a")'
    )
    assert format_values((["a"] * 11,), (candid_type(vec[str]),)) == (
        "(vec {" + ' "a";' * 11 + "})"
    )
    t = candid_type(vec[Point])
    s = format_values(([{"x": 1, "y": 2}] * 11,), (t,))
    assert "record { x = 1 : int; y = 2 : int;};" in s
    assert parse_args(s, (t,)) == ([{"x": 1, "y": 2}] * 11,)


def test_deep_nesting_switches_to_debug_form():
    t = NAT
    v = 7
    for _ in range(12):
        t = VecType(t)
        v = [v]
    s = format_values((v,), (t,))
    assert "vec { vec { 7 : nat;};}" in s
    assert parse_args(s, (t,)) == (v,)


def test_format_service_like_candid_metadata():
    methods = {
        "append": ("update", *method_signature(Chat.append)),
        "dump": ("query", *method_signature(Chat.dump)),
        "remove_spam": ("update", *method_signature(Chat.remove_spam)),
    }
    assert format_service(methods) == (
        "service : {\n"
        "  append : (text) -> ();\n"
        "  dump : () -> (vec text) query;\n"
        "  remove_spam : () -> (nat64);\n"
        "}"
    )
    assert format_service({"greet": ("query", (TEXT,), (TEXT,))}) == (
        "service : { greet : (text) -> (text) query }"
    )


def test_format_service_named_types():
    status = candid_type(Status)
    out = format_service(
        {
            "get": ("query", (), (candid_type(Result),)),
            "status": ("composite_query", (), (status,)),
            "set": ("update", (status, candid_type(tuple[nat, text])), ()),
        }
    )
    assert out == (
        "type Result = variant { ok : nat; err : text };\n"
        "type Status = variant { stopped; stopping; running };\n"
        "service : {\n"
        "  get : () -> (Result) query;\n"
        "  set : (Status, record { nat; text }) -> ();\n"
        "  status : () -> (Status) composite_query;\n"
        "}"
    )


# ------------------------------------------------------------------------------------------
# annotations


def test_candid_type_of_annotations():
    assert candid_type(int) == INT
    assert candid_type(nat) == NAT
    assert candid_type(str) == TEXT
    assert candid_type(text) == TEXT
    assert candid_type(bytes) == BLOB
    assert candid_type(blob) == BLOB
    assert candid_type(float) == FLOAT64
    assert candid_type(float32) == FLOAT32
    assert candid_type(bool) == BOOL
    assert candid_type(principal) == PRINCIPAL
    assert candid_type(reserved) == RESERVED
    assert candid_type(null) == NULL
    assert candid_type(vec[nat64]) == VecType(NAT64)
    assert candid_type(opt[int64]) == OptType(INT64)
    assert candid_type(int8 | None) == OptType(INT8)
    assert candid_type(dict[str, nat16]) == MapType(TEXT, NAT16)
    assert candid_type(tuple[int, ...]) == VecType(INT)
    assert str(candid_type(Settings)) == (
        "record {\n  freezing_threshold : nat;\n  controllers : vec principal;\n"
        "  memory_allocation : nat;\n  compute_allocation : nat;\n}"
    )
    assert str(candid_type(tuple[nat, text])) == "record { nat; text }"
    with pytest.raises(TypeError):
        candid_type(int | str)
    with pytest.raises(TypeError, match="recursive"):
        candid_type(Node)


def test_method_signature():
    assert method_signature(Chat.append) == ((TEXT,), ())
    assert method_signature(Chat.dump) == ((), (VecType(TEXT),))
    assert method_signature(Chat.remove_spam) == ((), (NAT64,))
    assert method_signature(Chat.pair) == ((NAT, ANY), (NAT, TEXT))
    assert method_signature(Chat.untyped) == ((ANY,), (ANY,))
    assert method_signature(Chat().dump) == ((), (VecType(TEXT),))
    assert format_reply((1, "a"), (NAT, TEXT)) == '(1 : nat, "a")'
    assert format_reply(None, (ANY,)) == "()"
    assert format_reply({"a": [1, 2]}, (ANY,)) == "(record { a = vec { 1 : int; 2 : int } })"


def test_variant_constructor():
    assert Result(ok=5) == {"ok": 5}
    with pytest.raises(TypeError):
        Result(ok=5, err="x")
    with pytest.raises(TypeError):
        Result(nope=1)


# ------------------------------------------------------------------------------------------
# parsing


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
        ('(service "aaaaa-aa")', None, "service values are not supported"),
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


# ------------------------------------------------------------------------------------------
# check_value / check_args


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


# ------------------------------------------------------------------------------------------
# Hypothesis: generate a type, then a value of it; format; parse back; equal

# Like dfx, the printer writes NUL as Rust does (`\0`), which Candid's own lexer rejects, and
# prints null variant cases in the one-line Debug form with their raw label: keep such strings
# out of the round trips.
_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=8)
_LABELS = st.one_of(
    st.sampled_from(["a", "b", "name", "x1", "_", "type", "opt", "with space", "é", "0a"]),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=6),
)
_CASES = st.sampled_from(["ok", "err", "a", "b", "running", "Stopped", "x_1", "_"])

_LEAVES = st.sampled_from(
    [NAT, INT, NAT8, NAT16, NAT32, NAT64, INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOL,
     TEXT, NULL, RESERVED, PRINCIPAL, BLOB]
)  # fmt: skip


_LEAVES_SET = {NAT, INT, TEXT, NAT8, INT64, FLOAT64, NULL, BOOL}


def _unique_labels(labels):
    seen, out = set(), []
    for lb in labels:
        k = lb if isinstance(lb, int) else idl_hash(lb)
        if k not in seen:
            seen.add(k)
            out.append(lb)
    return out


def _extend(children):
    def record(fs):
        labels = _unique_labels([lb for lb, _ in fs])
        types = dict(fs)
        return RecordType(tuple(Field(lb, types[lb]) for lb in labels))

    def variant(fs):
        labels = _unique_labels([lb for lb, _ in fs])
        types = dict(fs)
        return VariantType(tuple(Field(lb, types[lb]) for lb in labels))

    return st.one_of(
        children.filter(lambda t: not isinstance(t, OptType) and t not in (NULL, RESERVED)).map(
            OptType
        ),
        children.map(VecType),
        children.map(lambda t: VecType(t, py=tuple)),
        st.lists(st.tuples(_LABELS, children), max_size=4).map(record),
        st.lists(children, max_size=4).map(
            lambda ts: RecordType(tuple(Field(i, t) for i, t in enumerate(ts)), py=tuple)
        ),
        st.lists(st.tuples(_CASES, children), min_size=1, max_size=4).map(variant),
        st.tuples(st.sampled_from([TEXT, NAT, INT64, PRINCIPAL]), children).map(
            lambda kv: MapType(*kv)
        ),
    )


types_st = st.recursive(_LEAVES, _extend, max_leaves=8)

_PRINCIPALS = st.sampled_from([P0, P1, Principal(b""), Principal(bytes(range(29)))])


def values_of(t):
    if isinstance(t, OptType):
        return st.one_of(st.none(), values_of(t.inner))
    if isinstance(t, VecType):
        if t.inner == NAT8 and t.py is bytes:
            return st.binary(max_size=12)
        items = st.lists(values_of(t.inner), max_size=12 if t.inner in _LEAVES_SET else 3)
        return items.map(tuple) if t.py is tuple else items
    if isinstance(t, MapType):
        return st.dictionaries(values_of(t.key), values_of(t.value), max_size=4)
    if isinstance(t, RecordType):
        if t.py is tuple:
            return st.tuples(*(values_of(f.type) for f in t.fields))
        return st.fixed_dictionaries({f.label: values_of(f.type) for f in t.fields})
    if isinstance(t, VariantType):
        return st.one_of(*(values_of(f.type).map(lambda v, lb=f.label: {lb: v}) for f in t.fields))
    name = t.name
    bounds = {
        "nat": (0, 2**70), "int": (-(2**70), 2**70), "nat8": (0, 255), "nat16": (0, 2**16 - 1),
        "nat32": (0, 2**32 - 1), "nat64": (0, 2**64 - 1), "int8": (-128, 127),
        "int16": (-(2**15), 2**15 - 1), "int32": (-(2**31), 2**31 - 1),
        "int64": (-(2**63), 2**63 - 1),
    }  # fmt: skip
    if name in bounds:
        return st.integers(*bounds[name])
    if name == "float32":
        return st.floats(width=32, allow_nan=False)
    if name == "float64":
        return st.floats(allow_nan=False)
    if name == "bool":
        return st.booleans()
    if name == "text":
        return _TEXT
    if name in ("null", "reserved"):
        return st.none()
    if name == "principal":
        return _PRINCIPALS
    raise AssertionError(t)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_format_parse_round_trip(data):
    ts = data.draw(st.lists(types_st, max_size=3).map(tuple), label="types")
    values = tuple(data.draw(values_of(t), label=f"value {i}") for i, t in enumerate(ts))
    assert check_args(values, ts) is None
    text = format_values(values, ts)
    assert parse_args(text, ts) == values
    # printing is a fixed point, and parsing without types never fails
    assert format_values(parse_args(text, ts), ts) == text
    parse_args(text)


@settings(max_examples=200, deadline=None)
@given(types_st, st.data())
def test_format_fits_80_columns_unless_an_atom_is_wider(t, data):
    v = data.draw(values_of(t))
    for line in format_values((v,), (t,)).split("\n"):
        if len(line.encode()) > 80:
            # only unbreakable pieces (long strings, blobs, Debug forms) may overflow
            assert ";" in line or '"' in line or len(line.strip()) > 40


_CANDIDISH = st.text(alphabet='(){};,.:=+-"\\ \n0123456789abefxnatulvcrdopis_/*@é', max_size=40)


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(st.text(max_size=40), _CANDIDISH),
    st.sampled_from([None, (), (TEXT,), (NAT,), (NAT, TEXT), (OptType(INT8),), (BLOB,)]),
)
def test_random_text_only_raises_candid_error(text, types):
    try:
        parse_args(text, types)
    except CandidError as e:
        assert str(e) and "\n" not in str(e)


@settings(max_examples=200, deadline=None)
@given(types_st)
def test_type_text_round_trips(t):
    assert str(parse_type(str(t))) == str(t)
