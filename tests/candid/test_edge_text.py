"""Candid text at its edges: numbers longer than Python prints or reads by default, floats
past the largest double, and labels that are keywords or no identifiers at all, which must print
so that they parse back."""

from __future__ import annotations

import math

import pytest

from subnet.candid import (
    FLOAT32,
    FLOAT64,
    INT,
    NAT,
    NAT8,
    NULL,
    TEXT,
    CandidError,
    Field,
    RecordType,
    VariantType,
    VecType,
    format_values,
    parse_args,
    parse_type,
)

KEYWORDS = (
    "true false null opt vec record variant func service principal blob bool text reserved "
    "empty nat int nat8 nat16 nat32 nat64 int8 int16 int32 int64 float32 float64 query oneway "
    "composite_query import type"
).split()
ODD_NAMES = ["with space", "é", "0a", "a-b", "", 'a"b', "a\\b", "a\x00", "a\nb", "a'b", "\u200b"]


# -- numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, types",
    [
        (f"({'1' * 400} : float64)", None),
        (f"({'1' * 400})", (FLOAT64,)),
        (f"(0x{'f' * 400})", (FLOAT64,)),
        (f"({'9' * 400} : float32)", None),
        ("(1e400)", (FLOAT64,)),
    ],
)
def test_a_float_literal_past_the_largest_double_is_inf_as_candid_reads_it(text, types):
    # the Rust candid crate reads these with str::parse::<f64>, which rounds to infinity
    assert parse_args(text, types) == (math.inf,)
    assert parse_args(text.replace("(", "(-", 1), types) == (-math.inf,)


def test_minus_zero_as_a_float_is_negative_zero():
    [x] = parse_args("(-0 : float64)")
    assert x == 0 and math.copysign(1, x) == -1
    [y] = parse_args("(-0)", (FLOAT32,))
    assert math.copysign(1, y) == -1
    with pytest.raises(CandidError, match="-0 is out of range for nat"):
        parse_args("(-0)", (NAT,))


def test_a_long_hex_literal_is_read_or_refused_in_one_line():
    # the longest hex literal has as many decimal digits as the longest decimal one
    n = 16**3321 - 1
    assert parse_args(f"(0x{'f' * 3321})", (NAT,)) == (n,)
    assert parse_args(f"(-0x{'f' * 3321})") == (-n,)
    printed = format_values((n,), (NAT,))
    assert parse_args(printed, (NAT,)) == (n,)
    with pytest.raises(CandidError) as err:
        parse_args(f"(0x{'f' * 3321})", (NAT8,))
    assert str(err.value) == (
        "Candid argument error at 1:2: 0xfffffffffffffffffffffffffffffffffff... is out of range "
        "for nat8"
    )
    for digits in ("f" * 3322, "f" * 3990, "1" * 4001):
        literal = f"0x{digits}" if digits[0] == "f" else digits
        with pytest.raises(CandidError, match=r"^Candid parse error at 1:2: number too long$"):
            parse_args(f"({literal})", (NAT,))
    assert parse_args(f"({'9' * 4000})", (NAT,)) == (10**4000 - 1,)


def test_integers_of_any_length_print():
    for n in (10**5000, -(7**9000), 2**70000):
        grouped = "".join(format_values((n,), (INT,)).split()).replace("_", "")
        assert grouped.startswith("(-" if n < 0 else "(") and grouped.endswith(":int,)")
    lines = format_values((10**4400,), (NAT,)).splitlines()
    assert lines == ["(", f"  100{'_000' * 1466} : nat,", ")"]


def test_a_long_number_in_an_error_is_cut():
    with pytest.raises(CandidError) as err:
        parse_args(f"(1 {'1' * 3000})")
    assert len(str(err.value)) < 120 and str(err.value).endswith("...")


# -- labels -----------------------------------------------------------------------------------


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@pytest.mark.parametrize("name", KEYWORDS + ODD_NAMES)
def test_a_label_that_is_a_keyword_or_no_identifier_round_trips_in_types(name):
    q = _quoted(name).replace("\x00", "\\00")
    for text in (
        f"record {{ {q} : nat }}",
        f"record {{ {q} : nat; zz : text }}",
        f"variant {{ {q} : nat }}",
        f"variant {{ {q}; zz }}",
    ):
        t = parse_type(text)
        printed = str(t)
        assert str(parse_type(printed)) == printed, printed
        if name not in ("",):  # "" has field id 0: `record { "" : nat }` is `record { nat }`
            assert parse_type(printed) == t


@pytest.mark.parametrize("name", KEYWORDS + ODD_NAMES)
def test_a_label_that_is_a_keyword_or_no_identifier_round_trips_in_values(name):
    q = _quoted(name).replace("\x00", "\\00")
    record = RecordType((Field(name, NAT), Field("zz", TEXT)))
    variant = VariantType((Field(name, NAT), Field("zz", NULL)))
    nulls = VariantType((Field(name, NULL), Field("zz", NAT)))
    for text, t in (
        (f'(record {{ {q} = 1; zz = "x" }})', record),
        (f"(variant {{ {q} = 1 }})", variant),
        (f"(variant {{ {q} }})", nulls),
        # a vec of more than 10 is printed in the one-line form, a null case included
        (f"(vec {{ {'; '.join([f'variant {{ {q} }}'] * 11)} }})", VecType(nulls)),
    ):
        values = parse_args(text, (t,))
        printed = format_values(values, (t,))
        assert parse_args(printed, (t,)) == values, printed
        assert format_values(parse_args(printed, (t,)), (t,)) == printed


def test_true_and_false_are_quoted_as_labels_and_read_bare_too():
    t = parse_type('record { "true" : nat; "false" : int }')
    assert str(t) == 'record { "true" : nat; "false" : int }'
    assert parse_type("record { true : nat; false : int }") == t  # as the crate prints them
    assert parse_type("variant { true; false : nat }") == parse_type(
        'variant { "true"; "false" : nat }'
    )
    assert format_values(({"true": 1},), (RecordType((Field("true", NAT),)),)) == (
        '(record { "true" = 1 : nat })'
    )


def test_nul_prints_as_a_byte_escape_that_parses_back():
    assert format_values(("a\x00b",), (TEXT,)) == '("a\\00b")'
    assert parse_args('("a\\00b")', (TEXT,)) == ("a\x00b",)
    assert format_values(("\x000",), (TEXT,)) == '("\\000")'  # NUL, then "0"
    assert parse_args(format_values(("\x000",), (TEXT,)), (TEXT,)) == ("\x000",)
    t = RecordType((Field("a\x00", NAT8),))
    assert str(t) == 'record { "a\\00" : nat8 }'
    assert parse_type(str(t)) == t
