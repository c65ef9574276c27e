"""Reading a candid:service interface (parse_service): methods, modes, init arguments, type
definitions (recursive ones too), and the errors."""

from __future__ import annotations

import pytest

from subnet.candid import (
    INT,
    NAT,
    NAT64,
    PRINCIPAL,
    RESERVED,
    TEXT,
    CandidError,
    Field,
    FuncRef,
    FuncType,
    OptType,
    RecordType,
    RecType,
    ServiceType,
    VariantType,
    VecType,
    decode_args,
    encode_args,
    format_type,
    format_values,
    parse_args,
    parse_service,
    parse_type,
    resolve,
)
from tests.support.candid import P0


def test_a_motoko_service():
    svc = parse_service(
        "service : {\n  append: (text) -> ();\n  dump: () -> (vec text) query;\n}\n"
    )
    assert set(svc.methods) == {"append", "dump"}
    assert svc["append"].args == (TEXT,) and svc["append"].rets == ()
    assert svc["append"].mode == "update"
    assert svc["dump"].rets == (VecType(TEXT),) and svc["dump"].mode == "query"
    assert svc.init_args == () and "dump" in svc and "nope" not in svc


def test_modes_names_and_quoted_methods():
    svc = parse_service(
        'service : { "a b": (x : nat, y : text) -> (ok : bool) composite_query; '
        "ping: () -> () oneway; get: (nat64) -> (opt principal) query; put: (reserved) -> () }"
    )
    assert svc["a b"].mode == "composite_query" and svc["a b"].args == (NAT, TEXT)
    assert svc["ping"].mode == "oneway"
    assert svc["get"].args == (NAT64,) and svc["get"].rets == (OptType(PRINCIPAL),)
    assert svc["put"].args == (RESERVED,) and svc["put"].mode == "update"


def test_an_actor_class_has_init_arguments():
    svc = parse_service(
        "type Init = record { owner : principal }; service : (Init, nat) -> { f : () -> () }"
    )
    assert svc.init_args == (RecordType((Field("owner", PRINCIPAL),)), NAT)


def test_type_definitions_are_resolved():
    svc = parse_service(
        "type Result = variant { ok : nat; err : text };\n"
        "type Pair = record { Result; Result };\n"
        "type F = func (nat) -> (Result) query;\n"
        "service : { f : F; g : (Pair) -> (); }"
    )
    result = VariantType((Field("ok", NAT), Field("err", TEXT)))
    assert svc["f"].args == (NAT,) and svc["f"].rets == (result,) and svc["f"].mode == "query"
    (pair,) = svc["g"].args
    assert pair == RecordType((Field(0, result), Field(1, result)), py=tuple)
    assert svc.types["Result"] == result


def test_recursive_definitions_become_knots():
    svc = parse_service(
        "type List = opt record { head : int; tail : List };\n"
        "type Tree = variant { leaf : int; node : record { Forest } };\n"
        "type Forest = vec Tree;\n"
        "service : { list : (List) -> (Tree) }"
    )
    (lst,) = svc["list"].args
    assert isinstance(lst, RecType) and str(lst) == "List"
    body = resolve(lst)
    assert isinstance(body, OptType)
    assert body.inner == RecordType((Field("head", INT), Field("tail", lst)))
    value = {"head": 1, "tail": {"head": 2, "tail": None}}
    assert decode_args(encode_args([value], [lst]), [lst]) == (value,)
    assert parse_args(format_values([value], [lst]), [lst]) == (value,)
    (tree,) = svc["list"].rets
    t = {"node": ([{"leaf": 1}, {"node": ([],)}],)}
    assert decode_args(encode_args([t], [tree]), [tree]) == (t,)


def test_func_and_service_types_and_values():
    svc = parse_service(
        "type Callback = func (nat) -> () oneway;\n"
        "service : { subscribe : (Callback, service { notify : (text) -> () }) -> () }"
    )
    cb, other = svc["subscribe"].args
    assert cb == FuncType((NAT,), (), ("oneway",))
    assert other == ServiceType((("notify", FuncType((TEXT,), ())),))
    ref = FuncRef(P0, "notify")
    values = (ref, P0)
    text = format_values(values, (cb, other))
    assert text == '(func "aaaaa-aa".notify, service "aaaaa-aa")'
    assert parse_args(text, (cb, other)) == values
    assert decode_args(encode_args(values, (cb, other)), (cb, other)) == values
    assert format_type(cb) == "func (nat) -> () oneway"
    assert parse_type("service { f : () -> (nat) query }") == ServiceType(
        (("f", FuncType((), (NAT,), ("query",))),)
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("service : { f : (Missing) -> () }", "undefined type Missing"),
        ("type A = B; type B = A; service : {}", "stands only for itself"),
        ("type A = A; service : {}", "stands only for itself"),
        ("type A = nat; type A = int; service : {}", "duplicate type A"),
        ("type N = nat; service : { f : N }", "no function type"),
        ("service : { f : () -> (); f : () -> () }", "duplicate method f"),
        ("service : { f : () -> () ", "expected"),
        ('import "x.did"; service : {}', "imports not supported"),
        ("type nat = int; service : {}", "expected a type name"),
    ],
)
def test_errors(text, message):
    with pytest.raises(CandidError, match=message):
        parse_service(text)


def test_no_service_is_an_empty_interface():
    svc = parse_service("type T = nat;")
    assert svc.methods == {} and svc.types == {"T": NAT}
