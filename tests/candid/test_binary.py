"""The Candid binary format (subnet.candid.binary): the specification's test vectors, exact bytes
of known messages, round trips over generated types and values, hostile input, and speed."""

from __future__ import annotations

import math
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    NAT8,
    NAT16,
    NULL,
    PRINCIPAL,
    RESERVED,
    TEXT,
    CandidError,
    Field,
    FuncRef,
    FuncType,
    MapType,
    OptType,
    RecordType,
    ServiceType,
    VariantType,
    VecType,
    candid_type,
    check_args,
    decode_args,
    encode_args,
    format_values,
    idl_hash,
    is_subtype,
    parse_args,
    parse_service,
    parse_type,
)
from subnet.ids import Principal
from tests.candid.candid_vectors import FILES
from tests.candid.test_properties import types_st, values_of
from tests.support.candid import P0, P1, Result, Settings, Status

# ---------------------------------------------------------------------------------------------
# The Candid specification's test vectors (tests/candid/candid_vectors.py)
# ---------------------------------------------------------------------------------------------

_STR = r'"(?:[^"\\]|\\.)*"'
_INPUT = rf"(?:blob\s*)?{_STR}"
_ASSERT = re.compile(
    rf"assert\s+(?P<a>{_INPUT})\s*(?:(?P<cmp>==|!=)\s*(?P<b>{_INPUT})\s*)?(?P<op>!:|:)\s*(?P<rest>.*)",
    re.S,
)

# Vectors we do not run, by (file, description), and why.
SKIPPED: dict[tuple[str, str], str] = {}


def _statements(src: str) -> list[tuple[int, str]]:
    """The file's statements (split at `;` outside strings and brackets), with line numbers."""
    out, buf, depth, line, start = [], [], 0, 1, None
    i = 0
    while i < len(src):
        c = src[i]
        if c == "/" and src.startswith("//", i):
            j = src.find("\n", i)
            i = len(src) if j < 0 else j
            continue
        if c == '"':
            m = re.compile(_STR).match(src, i)
            assert m, f"unterminated string at line {line}"
            buf.append(m.group())
            if start is None:
                start = line
            i = m.end()
            continue
        if c == "\n":
            line += 1
        if c in "({":
            depth += 1
        elif c in ")}":
            depth -= 1
        if c == ";" and depth == 0:
            text = "".join(buf).strip()
            if text:
                out.append((start, text))
            buf, start = [], None
        else:
            if start is None and not c.isspace():
                start = line
            buf.append(c)
        i += 1
    assert not "".join(buf).strip()
    return out


def _split_types(rest: str) -> tuple[str, str | None]:
    """``(types) "description"`` -> the types text and the description."""
    assert rest.startswith("("), rest
    depth, i = 0, 0
    while True:
        c = rest[i]
        if c == '"':
            i = re.compile(_STR).match(rest, i).end()
            continue
        depth += c == "("
        depth -= c == ")"
        i += 1
        if depth == 0:
            break
    desc = rest[i:].strip()
    return rest[:i], (parse_args(f"({desc})", [TEXT])[0] if desc else None)


def _vectors():
    for fname, src in FILES.items():
        defs = []
        for line, stmt in _statements(src):
            if stmt.startswith("type "):
                defs.append(stmt + ";")
                continue
            m = _ASSERT.fullmatch(stmt)
            assert m, f"{fname}:{line}: cannot read {stmt[:60]}"
            types_text, desc = _split_types(m["rest"])
            desc = desc or f"line {line}"
            yield pytest.param(
                fname,
                " ".join(defs),
                m["a"],
                m["cmp"],
                m["b"],
                m["op"],
                types_text,
                desc,
                id=f"{fname}:{line}:{desc}",
            )


VECTORS = list(_vectors())


def _input(literal: str) -> tuple[str, bytes | str]:
    if literal.startswith("blob"):
        return "blob", parse_args(f"({literal})", [BLOB])[0]
    return "text", parse_args(f"({literal})", [TEXT])[0]


# Vectors whose expected text our text parser does not read at the expected types (it gives no
# opt subtyping to text values: `(variant {0})` is no `opt variant {0}` to parse_args): the
# decoded values they should give.
DECODED = {
    ("construct", "variant {0;1} <: opt variant {0}"): ({0: None},),
}


def _read(literal: str, types):
    kind, data = _input(literal)
    if kind == "blob":
        return decode_args(data, types)
    return parse_args(data, types)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


def test_vectors_are_many():
    assert len(VECTORS) > 300


@pytest.mark.parametrize(("fname", "defs", "a", "cmp", "b", "op", "types_text", "desc"), VECTORS)
def test_specification_vector(fname, defs, a, cmp, b, op, types_text, desc):
    if (fname, desc) in SKIPPED:
        pytest.skip(SKIPPED[fname, desc])
    types = parse_service(f"{defs} service : {types_text} -> {{}}").init_args
    if op == "!:":
        with pytest.raises(CandidError):
            _read(a, types)
        return
    got = _read(a, types)
    if cmp is None:
        return
    other = DECODED[fname, desc] if (fname, desc) in DECODED else _read(b, types)
    equal = len(got) == len(other) and all(map(_same, got, other))
    assert equal == (cmp == "=="), (got, other)
    if cmp == "==" and _input(a)[0] == "blob":
        # what was decoded prints (as dfx would print it) and that text reads back the same
        text = format_values(got, types)
        assert parse_args(text, types) == got


# ---------------------------------------------------------------------------------------------
# Exact bytes
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "types", "hex_after_magic"),
    [
        ((), (), "0000"),
        ((128,), (NAT,), "00017d8001"),
        ((-128,), (INT,), "00017c807f"),
        ((42,), (INT64,), "0001742a00000000000000"),
        (("Motoko",), (TEXT,), "000171064d6f746f6b6f"),
        ((True, None), (BOOL, NULL), "00027e7f01"),
        ((None,), (RESERVED,), "000170"),
        ((0.5,), (FLOAT64,), "000172000000000000e03f"),
        ((3.0,), (FLOAT32,), "0001730000" + "4040"),
        ((P0,), (PRINCIPAL,), "0001680100"),
        ((b"\x01\x02",), (BLOB,), "016d7b0100020102"),
        ((None,), (OptType(INT),), "016e7c010000"),
        ((42,), (OptType(INT),), "016e7c0100012a"),
        (([1, 2],), (VecType(INT),), "016d7c0100020102"),
        (
            ((42, True),),
            (RecordType((Field(0, INT), Field(1, BOOL)), py=tuple),),
            "016c02007c017e01002a01",
        ),
        (
            ({"foo": 42, "bar": True},),
            (RecordType((Field("foo", INT), Field("bar", BOOL))),),
            "016c02d3e3aa027e868eb7027c0100012a",
        ),
        (
            ({"Ok": "good"},),
            (VariantType((Field("Ok", TEXT), Field("Err", TEXT))),),
            "016b02bc8a0171c5fed2017101000004676f6f64",
        ),
        (
            (FuncRef(Principal(b"\xca\xff\xee"), "foo"),),
            (FuncType((TEXT,), (NAT,), ("query",)),),
            "016a0171017d010101000101" + "03caffee03666f6f",
        ),
        ((Principal(b"\xca\xff\xee"),), (ServiceType(()),), "01690001000103caffee"),
    ],
)
def test_exact_bytes(values, types, hex_after_magic):
    data = encode_args(values, types)
    assert data == b"DIDL" + bytes.fromhex(hex_after_magic)
    assert decode_args(data, types) == values


def test_the_type_table_lists_each_type_once_in_a_fixed_order():
    rec = RecordType((Field("a", VecType(TEXT)), Field("b", VecType(TEXT))))
    data = encode_args([{"a": [], "b": ["x"]}, ["y"]], [rec, VecType(TEXT)])
    # two entries: the record (0) and `vec text` (1), shared by both fields and argument 2
    table = "026c02610162016d71"  # record { a : 1; b : 1 }, vec text
    assert data == b"DIDL" + bytes.fromhex(table + "02000100010178010179")
    assert data == encode_args([{"a": [], "b": ["x"]}, ["y"]], [rec, VecType(TEXT)])
    assert data.count(b"\x6d\x71") == 1


def test_recursive_types_encode_as_in_the_specification():
    svc = parse_service(
        "type List = opt record { head : int; tail : List }; service : (List) -> {}"
    )
    (lst,) = svc.init_args
    value = {"head": 1, "tail": {"head": 2, "tail": None}}
    data = encode_args([value], [lst])
    # the spec's "record: reorder type table" vector, first form
    assert data == bytes.fromhex("4449444c026e016c02a0d2aca8047c90eddae7040001000101010200")
    assert decode_args(data, [lst]) == (value,)
    text = "(opt record { head = 1; tail = opt record { head = 2; tail = null } })"
    assert parse_args(text, [lst]) == (value,)
    assert parse_args(format_values([value], [lst]), [lst]) == (value,)


def test_a_head_made_once_serves_equal_types_and_not_other_recursive_ones():
    """The type table is made once for a tuple of types: an equal type built again gets the
    same bytes, and two recursive types of the same name but other definitions do not share
    a table (recursive types are equal only to themselves)."""
    text = "record { a : vec text; b : opt nat }"
    first = encode_args([{"a": ["x"], "b": 1}], [parse_type(text)])
    head = first[: -len(bytes.fromhex("0101780101"))]  # the values: ["x"], opt 1
    assert encode_args([{"a": ["y"], "b": None}], [parse_type(text)]) == head + bytes.fromhex(
        "01017900"
    )
    assert encode_args([{"a": ["x"], "b": 1}], [parse_type(text)]) == first
    ints = parse_service("type L = opt record { h : int; t : L }; service : (L) -> {}")
    texts = parse_service("type L = opt record { h : text; t : L }; service : (L) -> {}")
    (int_list,), (text_list,) = ints.init_args, texts.init_args
    assert decode_args(encode_args([{"h": 1, "t": None}], [int_list]), [int_list]) == (
        {"h": 1, "t": None},
    )
    data = encode_args([{"h": "x", "t": None}], [text_list])
    assert decode_args(data, [text_list]) == ({"h": "x", "t": None},)
    assert data != encode_args([{"h": 1, "t": None}], [int_list])


# ---------------------------------------------------------------------------------------------
# Values of the Python types the project uses
# ---------------------------------------------------------------------------------------------


def test_dataclasses_variants_enums_and_maps_round_trip():
    t = candid_type(Settings)
    s = Settings(
        controllers=[P0, P1], compute_allocation=1, memory_allocation=2, freezing_threshold=3
    )
    assert decode_args(encode_args([s], [t]), [t]) == (s,)
    rt, st_ = candid_type(Result), candid_type(Status)
    assert decode_args(encode_args([{"err": "x"}, {"stopped": None}], [rt, st_]), [rt, st_]) == (
        {"err": "x"},
        {"stopped": None},
    )
    m = MapType(TEXT, NAT)
    assert decode_args(encode_args([{"a": 1, "b": 2}], [m]), [m]) == ({"a": 1, "b": 2},)


def test_unannotated_values_take_the_type_of_their_value():
    data = encode_args([{"a": 1, "b": "x"}], [ANY])
    assert decode_args(data) == ({idl_hash("a"): 1, idl_hash("b"): "x"},)


def test_without_types_records_are_keyed_by_field_id():
    rec = RecordType((Field("name", TEXT), Field(5, NAT)))
    tup = RecordType((Field(0, NAT), Field(1, TEXT)), py=tuple)
    var = VariantType((Field("ok", NAT), Field("err", TEXT)))
    data = encode_args([{"name": "x", 5: 1}, (1, "y"), {"ok": 3}, b"ab"], [rec, tup, var, BLOB])
    assert decode_args(data) == (
        {5: 1, idl_hash("name"): "x"},
        (1, "y"),
        {idl_hash("ok"): 3},
        b"ab",
    )


def test_subtyping_when_decoding():
    data = encode_args([7, {"a": 1, "b": 2}], [NAT, RecordType((Field("a", NAT), Field("b", NAT)))])
    want = RecordType((Field("a", INT), Field("c", OptType(TEXT))))
    assert decode_args(data, [INT, want, OptType(NAT)]) == (7, {"a": 1, "c": None}, None)
    with pytest.raises(CandidError, match="argument 3"):
        decode_args(data, [INT, want, NAT])
    assert decode_args(data, []) == ()
    assert decode_args(data, [OptType(TEXT)]) == (None,)  # nat does not fit opt text: null
    with pytest.raises(CandidError):
        decode_args(data, [NAT8])


def test_is_subtype():
    assert is_subtype(NAT, INT) and not is_subtype(INT, NAT)
    assert is_subtype(NAT, OptType(TEXT))
    r1 = RecordType((Field("a", NAT), Field("b", TEXT)))
    r2 = RecordType((Field("a", INT), Field("c", OptType(NAT))))
    assert is_subtype(r1, r2) and not is_subtype(r2, r1)
    v1 = VariantType((Field("a", NAT),))
    v2 = VariantType((Field("a", NAT), Field("b", NULL)))
    assert is_subtype(v1, v2) and not is_subtype(v2, v1)
    f1 = FuncType((INT,), (NAT,))
    f2 = FuncType((NAT,), (INT,))
    assert is_subtype(f1, f2) and not is_subtype(f2, f1)
    assert not is_subtype(FuncType((), (), ("query",)), FuncType((), ()))


# ---------------------------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_encode_decode_round_trip(data):
    ts = data.draw(st.lists(types_st, max_size=3).map(tuple), label="types")
    values = tuple(data.draw(values_of(t), label=f"value {i}") for i, t in enumerate(ts))
    assert check_args(values, ts) is None
    encoded = encode_args(values, ts)
    assert decode_args(encoded, ts) == values
    assert encode_args(values, ts) == encoded  # deterministic
    decode_args(encoded)  # and readable without the types


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_any_bytes_decode_or_raise_candid_error(data):
    for d in (data, b"DIDL" + data):
        try:
            decode_args(d)
        except CandidError:
            pass


@settings(max_examples=200, deadline=None)
@given(types_st, st.data())
def test_mutated_messages_decode_or_raise_candid_error(t, data):
    value = data.draw(values_of(t))
    encoded = bytearray(encode_args([value], [t]))
    i = data.draw(st.integers(4, len(encoded) - 1))
    encoded[i] = data.draw(st.integers(0, 255))
    for types in (None, [t]):
        try:
            decode_args(bytes(encoded), types)
        except CandidError:
            pass


# ---------------------------------------------------------------------------------------------
# Errors and hostile input
# ---------------------------------------------------------------------------------------------


def test_encoding_errors_name_the_value():
    with pytest.raises(CandidError, match="expected nat"):
        encode_args([-1], [NAT])
    with pytest.raises(CandidError, match="argument 1"):
        encode_args([300], [NAT8])
    with pytest.raises(CandidError, match="expected 1 argument"):
        encode_args([], [NAT])
    with pytest.raises(CandidError):
        encode_args(["\ud800"], [TEXT])


def test_huge_declared_lengths_allocate_nothing():
    big = b"\x80\x94\xeb\xdc\x03"  # one billion
    for data in (
        b"DIDL\x00\x01\x71" + big,  # text
        b"DIDL\x00\x01\x7d" + b"\xff" * 3000 + b"\x01",  # a nat of 21,000 bits
        b"DIDL\x01\x6d\x7f\x01\x00" + big,  # vec null
        b"DIDL\x01\x6d\x7b\x01\x00" + big,  # blob
    ):
        with pytest.raises(CandidError):
            decode_args(data)


def test_deep_nesting_is_an_error_not_a_crash():
    # opt opt opt ... nat, 10,000 deep in the type table
    n = 10_000
    table = b"".join(b"\x6e" + _sleb(i + 1) for i in range(n - 1)) + b"\x6e\x7d"
    data = b"DIDL" + _leb(n) + table + b"\x01\x00" + b"\x01" * n + b"\x00"
    with pytest.raises(CandidError, match="deep"):
        decode_args(data)
    # a recursive type with a value 10,000 deep: type 0 = opt 0
    data = b"DIDL\x01\x6e\x00\x01\x00" + b"\x01" * n + b"\x00"
    with pytest.raises(CandidError, match="deep"):
        decode_args(data)
    # 150 deep is fine
    data = b"DIDL\x01\x6e\x00\x01\x00" + b"\x01" * 150 + b"\x00"
    assert decode_args(data) == (None,)


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _sleb(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def test_errors_are_candid_errors_with_a_position():
    with pytest.raises(CandidError, match="at byte"):
        decode_args(b"DIDL\x00\x01\x7e\x02")
    with pytest.raises(CandidError, match="DIDL"):
        decode_args(b"")
    with pytest.raises(CandidError, match="left over"):
        decode_args(b"DIDL\x00\x00\x00")


# ---------------------------------------------------------------------------------------------
# Speed
# ---------------------------------------------------------------------------------------------


def test_a_thousand_texts_take_well_under_ten_milliseconds():
    texts = [f"message number {i}" for i in range(1000)]
    t = VecType(TEXT)
    best = math.inf
    for _ in range(5):
        start = time.perf_counter()
        data = encode_args([texts], [t])
        assert decode_args(data, [t]) == (texts,)
        best = min(best, time.perf_counter() - start)
    assert best < 0.010


def test_a_thousand_records_are_quick():
    rec = RecordType((Field("id", NAT16), Field("owner", PRINCIPAL), Field("tag", OptType(INT8))))
    values = [{"id": i, "owner": P1, "tag": None if i % 2 else -1} for i in range(1000)]
    t = VecType(rec)
    start = time.perf_counter()
    assert decode_args(encode_args([values], [t]), [t]) == (values,)
    assert time.perf_counter() - start < 0.5


def test_nat8_lists_and_blobs():
    lst = VecType(NAT8)
    assert decode_args(encode_args([[1, 2]], [lst]), [lst]) == ([1, 2],)
    assert decode_args(encode_args([b"\x01\x02"], [BLOB]), [BLOB]) == (b"\x01\x02",)


def test_annotation_3_is_composite_query():
    """The vector "func: invalid annotation" predates composite queries: its annotation 3 is
    not readable as a plain func (the vector holds), and is a composite_query func (Motoko
    emits it)."""
    blob = b"DIDL\x01\x6a\x01\x71\x01\x7d\x01\x03\x01\x00\x01\x01\x03\xca\xff\xee\x03foo"
    (ref,) = decode_args(blob, (parse_type("func (text) -> (nat) composite_query"),))
    assert ref.method == "foo"
    with pytest.raises(CandidError):
        decode_args(blob, (parse_type("func (text) -> (nat)"),))
