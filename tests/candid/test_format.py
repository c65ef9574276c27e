"""Printing Candid text as dfx does: exact reply strings, line breaking at 80 columns, the Debug
form of long and deep values, service descriptions."""

from __future__ import annotations

import math
from typing import Literal

import pytest

from actors.types import (
    nat,
    nat8,
    text,
    vec,
)
from subnet.candid import (
    BLOB,
    BOOL,
    FLOAT32,
    FLOAT64,
    INT,
    INT8,
    NAT,
    NAT8,
    NAT16,
    NAT64,
    NULL,
    PRINCIPAL,
    RESERVED,
    TEXT,
    OptType,
    VecType,
    candid_type,
    format_reply,
    format_service,
    format_values,
    idl_hash,
    method_signature,
    parse_args,
    parse_type,
)
from tests.support.candid import (
    P0,
    P1,
    CanisterStatus,
    Chat,
    Color,
    Point,
    Result,
    Settings,
    Status,
)


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
