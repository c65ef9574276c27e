"""Properties of Candid text over generated types and values (Hypothesis): printing and parsing
round trip, lines fit 80 columns, any text at all parses or raises CandidError."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from subnet import candid
from subnet.candid import (
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
    check_args,
    format_values,
    idl_hash,
    parse_args,
    parse_type,
)
from subnet.ids import Principal
from tests.support.candid import (
    P0,
    P1,
)

# Generate a type, then a value of it; format; parse back; equal


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


@pytest.mark.slow
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


@settings(max_examples=200, deadline=None)
@given(types_st)
def test_type_text_round_trips(t):
    assert str(parse_type(str(t))) == str(t)


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


_TYPES = [
    (candid.candid_type(str), candid.candid_type(int)),
    (candid.candid_type(bytes),),
    (),
]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.sampled_from(_TYPES))
def test_candid_parser_never_fails_other_than_with_candid_error(text, types):
    try:
        candid.parse_args(text, types)
    except candid.CandidError as exc:
        assert "\n" not in str(exc)
