"""Hostile Candid text (Hypothesis): random and mutated value and type text only ever parses or
raises :class:`~subnet.candid.CandidError` (one line), and what parses prints as text that
parses back to the same thing, labels that are keywords or no identifiers, NUL, integers of
thousands of digits and floats past the largest double included.

The generated types and values are those of tests/candid/test_properties.py; `make fuzz` runs
these with many more examples."""

from __future__ import annotations

import math
import struct
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from subnet.candid import (
    ANY,
    BLOB,
    FLOAT32,
    FLOAT64,
    INT,
    INT8,
    NAT,
    NAT64,
    TEXT,
    CandidError,
    CandidType,
    Field,
    MapType,
    OptType,
    RecordType,
    VariantType,
    VecType,
    format_values,
    idl_hash,
    parse_args,
    parse_type,
)
from tests.candid.test_properties import _CANDIDISH, types_st, values_of

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Hypothesis warns when it describes a drawn strategy of nested types at length; harmless
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

KEYWORDS = (
    "true false null opt vec record variant func service principal blob bool text reserved "
    "empty nat int nat8 nat16 nat32 nat64 int8 int16 int32 int64 float32 float64 query oneway "
    "composite_query import type"
).split()

# pieces that have broken a parser before, or could: long numbers on both sides of every
# length limit, escapes at the edges of what is valid, keywords where labels go, comments
_PIECES = [
    "(", ")", "{", "}", ";", ",", ":", "=", " ", "\n", ".", "-", "+", "_", '"', "'",
    "\\", "\\00", "\\ff", "\\0", "\\u{0}", "\\u{10ffff}", "\\u{110000}", "\\u{d800}",
    "\\u{" + "f" * 20 + "}", "0x", "0X", "1e400", "-1e400", "1e-400", "inf", "-inf",
    "NaN", "nan", "e", "E", "/*", "*/", "//", "\x00", "é", "\udcff", "record", "variant",
    "vec", "opt", "blob", "principal", "func", "service", "reserved", "empty",
    "true", "false", "null", "nat", "int", "nat8", "int64", "float32", "float64",
    "text", "bool", '"aaaaa-aa"', "principal \"aaaaa-aa\"", " : ", " = ",
]  # fmt: skip
_FRAGMENTS = st.one_of(
    st.sampled_from(_PIECES),
    st.sampled_from(KEYWORDS),
    st.integers(1, 4500).map(lambda n: "9" * n),
    st.integers(1, 4000).map(lambda n: "0x" + "f" * n),
    st.integers(1, 400).map(lambda n: "1" * n + "." + "5" * n),
    st.text(max_size=3),
)
_HOSTILE = st.lists(_FRAGMENTS, max_size=12).map("".join)

_EXPECTED = st.one_of(
    st.sampled_from(
        [None, (), (TEXT,), (NAT,), (INT8,), (FLOAT32,), (FLOAT64,), (BLOB,), (OptType(NAT64),)]
    ),
    st.lists(types_st, max_size=2).map(tuple),
)


def only_candid_errors(fn: Any, *args: Any) -> Any:
    """``fn(*args)``, or None if it raised CandidError with a one-line message (anything
    else fails the property)."""
    try:
        return fn(*args)
    except CandidError as exc:
        assert str(exc) and "\n" not in str(exc), repr(str(exc))
        return None


def reprinted(text: str, types: tuple[CandidType, ...]) -> None:
    """Text that parsed under `types` prints as text that parses back and prints the same."""
    values = parse_args(text, types)
    printed = format_values(values, types)
    assert format_values(parse_args(printed, types), types) == printed


def reprinted_untyped(text: str) -> None:
    """Text that parsed without types prints, as the types its values suggest, as text that
    parses (not necessarily to the same values: untyped, a record of one type reads as a tuple,
    and a tuple prints as a vec)."""
    values = parse_args(text)
    printed = only_candid_errors(format_values, values, (ANY,) * len(values))
    if printed is not None:
        parse_args(printed)


@SETTINGS
@given(st.one_of(st.text(max_size=60), _CANDIDISH, _HOSTILE), _EXPECTED)
def test_random_text_parses_or_raises_candid_error(text, types):
    if only_candid_errors(parse_args, text, types) is not None:
        if types is None:
            reprinted_untyped(text)
        else:
            reprinted(text, types)
    only_candid_errors(parse_type, text)


def _mutate(text: str, edits: list[tuple[float, int, str]]) -> str:
    for where, delete, insert in edits:
        at = int(where * (len(text) + 1))
        text = text[:at] + insert + text[at + delete :]
    return text


_EDITS = st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 4), _FRAGMENTS),
                  min_size=1, max_size=4)  # fmt: skip


@SETTINGS
@given(st.data())
def test_mutated_candid_text_parses_or_raises_candid_error(data):
    types = data.draw(st.lists(types_st, min_size=1, max_size=3).map(tuple), label="types")
    values = tuple(data.draw(values_of(t), label="value") for t in types)
    text = _mutate(format_values(values, types), data.draw(_EDITS, label="edits"))
    if only_candid_errors(parse_args, text, types) is not None:
        reprinted(text, types)
    if only_candid_errors(parse_args, text) is not None:
        reprinted_untyped(text)
    type_text = _mutate(str(data.draw(types_st, label="type")), data.draw(_EDITS, label="edits"))
    parsed = only_candid_errors(parse_type, type_text)
    if parsed is not None:
        assert str(parse_type(str(parsed))) == str(parsed)


# -- round trips, labels of any kind ----------------------------------------------------------

_LABEL = st.one_of(
    st.sampled_from(KEYWORDS),
    st.text(st.characters(codec="utf-8"), max_size=6),
    st.integers(0, 2**32 - 1),
)


def relabeled(t: CandidType, draw: Any) -> CandidType:
    """`t` with every record and variant label drawn anew (keywords, any text, numbers)."""
    if isinstance(t, OptType):
        return OptType(relabeled(t.inner, draw))
    if isinstance(t, VecType):
        return VecType(relabeled(t.inner, draw), py=t.py)
    if isinstance(t, MapType):
        return MapType(t.key, relabeled(t.value, draw))
    if isinstance(t, RecordType | VariantType):
        if isinstance(t, RecordType) and t.py is tuple:
            return RecordType(
                tuple(Field(f.label, relabeled(f.type, draw)) for f in t.fields), py=tuple
            )
        labels = draw(
            st.lists(
                _LABEL,
                min_size=len(t.fields),
                max_size=len(t.fields),
                unique_by=lambda lb: lb if isinstance(lb, int) else idl_hash(lb),
            )
        )
        fields = tuple(
            Field(lb, relabeled(f.type, draw)) for lb, f in zip(labels, t.fields, strict=True)
        )
        return type(t)(fields)
    return t


@SETTINGS
@given(st.data())
def test_types_with_any_labels_print_as_text_that_parses_back(data):
    t = relabeled(data.draw(types_st, label="type"), data.draw)
    printed = str(t)
    assert str(parse_type(printed)) == printed


@SETTINGS
@given(st.data())
def test_values_with_any_labels_print_as_text_that_parses_back(data):
    types = tuple(
        relabeled(t, data.draw) for t in data.draw(st.lists(types_st, max_size=3), label="types")
    )
    values = tuple(data.draw(values_of(t), label="value") for t in types)
    printed = format_values(values, types)
    assert parse_args(printed, types) == values
    assert format_values(parse_args(printed, types), types) == printed
    reprinted_untyped(printed)


def _same_float(a: float, b: float, width: str) -> bool:
    return struct.pack(width, a) == struct.pack(width, b) or (math.isnan(a) and math.isnan(b))


@SETTINGS
@given(
    st.text(st.characters(codec="utf-8"), max_size=20),
    st.integers(-(10**3999), 10**3999),
    st.floats(),
    st.floats(width=32),
)
def test_text_integers_and_floats_of_any_kind_print_as_text_that_parses_back(s, n, x, y):
    types = (TEXT, INT, FLOAT64, FLOAT32)
    printed = format_values((s, n, x, y), types)
    s2, n2, x2, y2 = parse_args(printed, types)
    assert (s2, n2) == (s, n)
    assert _same_float(x2, x, "<d") and _same_float(y2, y, "<f")
    reprinted_untyped(printed)
