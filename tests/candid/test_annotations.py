"""Candid types from Python annotations: of values, of method signatures, of Variant classes."""

from __future__ import annotations

import pytest

from actors.types import (
    blob,
    float32,
    int8,
    int64,
    nat,
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
    INT64,
    NAT,
    NAT16,
    NAT64,
    NULL,
    PRINCIPAL,
    RESERVED,
    TEXT,
    MapType,
    OptType,
    VecType,
    candid_type,
    format_reply,
    method_signature,
)
from tests.support.candid import (
    Chat,
    Node,
    Result,
    Settings,
)


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
