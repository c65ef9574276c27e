"""Printing Candid text: values exactly as ``dfx canister call`` prints a reply
(:func:`format_values`, :func:`format_reply`) and the ``candid:service`` interface
(:func:`format_service`).

Printing follows the Rust ``candid`` crate (``rust/candid/src/pretty/candid.rs`` and
``pretty/utils.rs``, which dfx uses via ``IDLArgs``'s ``Display``): a Wadler-style layout at 80
columns, two-space indentation, records and vecs that do not fit broken one item per line with a
trailing separator, record fields in Candid field-id (hash) order, numbers annotated with their
type (``0 : nat64``) and grouped by ``_`` (``1_000 : nat``), vecs longer than 10 elements and
values nested deeper than 10 levels printed on one line in the crate's ``Debug`` form.

Everything printed parses back: where the crate writes what no Candid parser reads (NUL as
``\\0``, a field named ``true`` bare, a null variant case's label unquoted in the ``Debug``
form), the printer quotes or escapes instead (:mod:`~subnet.candid.quoting`). Integers print in
full, however many digits they have.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from .checking import check_args, get_field, infer_type, short
from .layout import (
    HARD,
    NIL,
    NOTHING_OR_BREAK,
    SPACE_OR_BREAK,
    Doc,
    cat,
    concat,
    enclose,
    kwd,
    render,
    text,
)
from .quoting import decimal_text, ident_string, label_text, rust_escape
from .types import (
    FLOATS,
    INT_RANGES,
    NAT8,
    NULL,
    AnyType,
    CandidError,
    CandidType,
    Field,
    FuncType,
    MapType,
    OptType,
    PrimType,
    RecordType,
    ServiceType,
    VariantType,
    VecType,
    f32,
    resolve,
    type_doc,
)

# ---------------------------------------------------------------------------------------------
# Printing values (candid's pp_value / Debug for IDLValue)
# ---------------------------------------------------------------------------------------------

_MAX_ELEMENTS = 10  # vecs longer than this, and values this deep, print in the Debug form

# Values of these types print with a type annotation (`5 : nat`), so `opt` wraps them in parens.
_ANNOTATED = frozenset(INT_RANGES) | frozenset(FLOATS) | {"null", "reserved"}


def _pp_num(s: str) -> str:
    """Group digits by three with `_`, as candid's `pp_num_str` does (`-1_000`)."""
    groups = [s[max(0, i - 3) : i] for i in range(len(s), 0, -3)][::-1]
    if groups and groups[0] == "-":
        return "-" + "_".join(groups[1:])
    return "_".join(groups)


def _blob_char(b: int) -> str:
    if 0x20 <= b <= 0x7E and b not in (0x22, 0x27, 0x60, 0x5C):
        return chr(b)
    return f"\\{b:02x}"


def _blob_text(data: bytes) -> str:
    if all(0x20 <= b <= 0x7E or b in (0x09, 0x0A, 0x0D) for b in data):
        body = "".join(_blob_char(b) for b in data)
    else:
        body = "".join(f"\\{b:02x}" for b in data)
    return f'blob "{body}"'


def _shortest_f32(x: float) -> str:
    for p in range(1, 10):
        s = f"{x:.{p - 1}e}"
        if f32(float(s)) == x:
            return s
    return repr(x)  # pragma: no cover


def _float_text(x: float, is_f32: bool) -> str:
    """Rust's `Display` for f64/f32 plus candid's `.0` for integral values."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    digits = _shortest_f32(x) if is_f32 else repr(x)
    s = format(Decimal(digits), "f")
    if x == int(x):
        whole = s.split(".")[0]
        if whole in ("0", "-0"):
            whole = "-0" if str(x).startswith("-") else "0"
        return whole + ".0"
    return s


def _pairs(v: Any) -> list[tuple[Any, Any]]:
    return list(v.items())


def _field_values(v: Any, t: RecordType) -> list[tuple[Field, Any]]:
    if isinstance(v, list | tuple):
        return list(zip(t.fields, v, strict=False))
    out = []
    for f in t.fields:
        found, e = get_field(v, f.label)
        out.append((f, e if found else None))
    return out


def _variant_case(v: Any, t: VariantType) -> tuple[Field, Any]:
    cases = {f.label: f for f in t.fields}
    if t.py is str:
        return cases[v], None
    if isinstance(v, enum.Enum):
        return cases[v.name], None
    ((label, e),) = v.items()
    return cases[label], e


def _resolve(v: Any, t: CandidType) -> CandidType:
    t = resolve(t)
    return infer_type(v) if isinstance(t, AnyType) else t


def _has_annotation(t: CandidType) -> bool:
    return isinstance(t, PrimType) and t.name in _ANNOTATED


def _debug(v: Any, t: CandidType) -> str:
    """candid's `Debug` for IDLValue: one line, `;` after every item."""
    t = _resolve(v, t)
    if isinstance(t, PrimType):
        n = t.name
        if n in INT_RANGES:
            s = decimal_text(v) if n in ("nat8", "int8") else _pp_num(decimal_text(v))
            return f"{s} : {n}"
        if n in FLOATS:
            x = f32(float(v)) if n == "float32" else float(v)
            return f"{_float_text(x, n == 'float32')} : {n}"
        if n == "bool":
            return "true" if v else "false"
        if n == "text":
            return '"' + rust_escape(v, quote_single=False) + '"'
        if n == "null":
            return "null : null"
        if n == "reserved":
            return "null : reserved"
        if n == "principal":
            return f'principal "{v}"'
        raise CandidError("a value of type empty cannot exist")
    if isinstance(t, OptType):
        if v is None:
            return "null"
        inner = _resolve(v, t.inner)
        if _has_annotation(inner):
            return f"opt ({_debug(v, inner)})"
        return f"opt {_debug(v, inner)}"
    if isinstance(t, VecType):
        if t.inner == NAT8:
            return _blob_text(bytes(v))
        return "vec {" + "".join(f" {_debug(e, t.inner)};" for e in v) + "}"
    if isinstance(t, MapType):
        pair = RecordType((Field(0, t.key), Field(1, t.value)), py=tuple)
        return "vec {" + "".join(f" {_debug(kv, pair)};" for kv in _pairs(v)) + "}"
    if isinstance(t, RecordType):
        parts = []
        for i, (f, e) in enumerate(_field_values(v, t)):
            if f.id == i:
                parts.append(f" {_debug(e, f.type)};")
            else:
                parts.append(f" {label_text(f.label)} = {_debug(e, f.type)};")
        return "record {" + "".join(parts) + "}"
    if isinstance(t, VariantType):
        f, e = _variant_case(v, t)
        if f.type == NULL:  # candid prints the label raw here; quoted, it parses back
            return f"variant {{ {label_text(f.label)} }}"
        return f"variant {{ {label_text(f.label)} = {_debug(e, f.type)} }}"
    if isinstance(t, FuncType):
        return f'func "{v.service}".{ident_string(v.method)}'
    if isinstance(t, ServiceType):
        return f'service "{v}"'
    raise CandidError(f"cannot print type {t}")  # pragma: no cover


def _value_doc(v: Any, t: CandidType, depth: int) -> Doc:
    """candid's `pp_value`."""
    t = _resolve(v, t)
    if depth == 0:
        return text(_debug(v, t))
    if isinstance(t, PrimType) and t.name == "text":
        return text('"' + rust_escape(v, quote_single=True) + '"')
    if isinstance(t, OptType):
        if v is None:
            return text("null")
        inner = _resolve(v, t.inner)
        if _has_annotation(inner):
            return cat(
                kwd("opt"), enclose("(", _value_doc(v, inner, depth - 1), ")", NOTHING_OR_BREAK)
            )
        return cat(kwd("opt"), _value_doc(v, inner, depth - 1))
    if isinstance(t, VecType | MapType):
        if isinstance(t, VecType) and t.inner == NAT8:
            return text(_debug(v, t))
        if len(v) > _MAX_ELEMENTS:
            return text(_debug(v, t))
        if isinstance(t, MapType):
            pair = RecordType((Field(0, t.key), Field(1, t.value)), py=tuple)
            items = [_value_doc(kv, pair, depth - 1) for kv in _pairs(v)]
        else:
            items = [_value_doc(e, t.inner, depth - 1) for e in v]
        return cat(kwd("vec"), enclose("{", concat(items, ";"), "}", SPACE_OR_BREAK))
    if isinstance(t, RecordType):
        fvs = _field_values(v, t)
        if t.is_tuple:
            items = [_value_doc(e, f.type, depth - 1) for f, e in fvs]
        else:
            items = [
                cat(text(label_text(f.label)), kwd(" ="), _value_doc(e, f.type, depth - 1))
                for f, e in fvs
            ]
        return cat(kwd("record"), enclose("{", concat(items, ";"), "}", SPACE_OR_BREAK))
    if isinstance(t, VariantType):
        f, e = _variant_case(v, t)
        if f.type == NULL:
            body = text(label_text(f.label))
        else:
            body = cat(text(label_text(f.label)), kwd(" ="), _value_doc(e, f.type, depth - 1))
        return cat(kwd("variant"), enclose("{", body, "}", SPACE_OR_BREAK))
    return text(_debug(v, t))


def format_values(values: Sequence[Any], types: Sequence[CandidType]) -> str:
    """Print an argument or result tuple exactly as dfx prints a reply: ``()``,
    ``(vec { "Hi there!" })``, ``(0 : nat64)``, records broken over lines past 80 columns.

    Raises :class:`CandidError` when the values do not fit the types."""
    err = check_args(tuple(values), tuple(types))
    if err:
        raise CandidError(err.replace("argument", "value"))
    docs = [_value_doc(v, t, _MAX_ELEMENTS) for v, t in zip(values, types, strict=True)]
    return render(enclose("(", concat(docs, ","), ")", NOTHING_OR_BREAK), 80)


def reply_values(
    result: Any, ret_types: Sequence[CandidType]
) -> tuple[tuple[Any, ...], tuple[CandidType, ...]]:
    """``(values, types)`` of a method's Python return value under its result types.

    No result types: ``()``; one: ``(result,)``; several: ``tuple(result)``. An unannotated
    result (``(ANY,)``) that is ``None`` is no results, as ``()`` is what the method meant."""
    ret_types = tuple(ret_types)
    if not ret_types:
        return (), ()
    if len(ret_types) == 1:
        if isinstance(ret_types[0], AnyType) and result is None:
            return (), ()
        return (result,), ret_types
    if not isinstance(result, tuple | list) or len(result) != len(ret_types):
        raise CandidError(f"expected {len(ret_types)} results, got {short(result)}")
    return tuple(result), ret_types


def format_reply(result: Any, ret_types: Sequence[CandidType]) -> str:
    """What ``dfx canister call`` prints for a method's Python return value."""
    values, types = reply_values(result, ret_types)
    return format_values(values, types)


# ---------------------------------------------------------------------------------------------
# Printing types and services (candid's compile; pp_ty is types.type_doc)
# ---------------------------------------------------------------------------------------------


def format_type(t: CandidType) -> str:
    """The Candid text of a type, inline (named records spelled out)."""
    return str(t)


def _collect_named(t: CandidType, out: dict[str, list[CandidType]]) -> None:
    # a RecType knot prints as its name: no definition is collected for it, nor inside it
    if isinstance(t, RecordType | VariantType):
        if t.name:
            same = out.setdefault(t.name, [])
            if any(x is t for x in same):
                return
            same.append(t)
        for f in t.fields:
            _collect_named(f.type, out)
    elif isinstance(t, OptType | VecType):
        _collect_named(t.inner, out)
    elif isinstance(t, MapType):
        _collect_named(t.key, out)
        _collect_named(t.value, out)
    elif isinstance(t, FuncType):
        for x in (*t.args, *t.rets):
            _collect_named(x, out)
    elif isinstance(t, ServiceType):
        for _name, mt in t.methods:
            _collect_named(mt, out)


def format_service(
    methods: Mapping[str, tuple[str, Sequence[CandidType], Sequence[CandidType]]],
) -> str:
    """The ``candid:service`` text a Rust canister exports (candid's ``compile``), e.g.::

        service : {
          append : (text) -> ();
          dump : () -> (vec text) query;
          remove_spam : () -> (nat64);
        }

    ``methods`` maps a method name to ``(kind, arg_types, ret_types)``, kind being ``"update"``,
    ``"query"``, ``"composite_query"`` or ``"oneway"``. Records and variants declared as classes
    become ``type Name = ...;`` definitions (sorted by name) ahead of the service; methods are
    sorted by name. No trailing newline."""
    groups: dict[str, list[CandidType]] = {}
    for _kind, args, rets in methods.values():
        for t in (*args, *rets):
            _collect_named(t, groups)
    names: dict[int, str] = {}
    defs: list[tuple[str, CandidType]] = []
    for name, ts in groups.items():
        distinct: list[CandidType] = []
        for t in ts:
            idx = next((i for i, d in enumerate(distinct) if d == t), None)
            if idx is None:
                distinct.append(t)
                idx = len(distinct) - 1
            names[id(t)] = name if idx == 0 else f"{name}_{idx}"
        for i, t in enumerate(distinct):
            defs.append((name if i == 0 else f"{name}_{i}", t))
    defs.sort(key=lambda d: d[0])

    def body_of(t: CandidType) -> Doc:
        # the definition itself is spelled out; references inside it use names
        inner_names = {k: v for k, v in names.items() if k != id(t)}
        return type_doc(t, True, inner_names)

    parts: list[Doc] = []
    for name, t in defs:
        parts.append(cat(kwd("type"), kwd(name), kwd("="), body_of(t), text(";"), HARD))
    entries = []
    for mname in sorted(methods):
        kind, args, rets = methods[mname]
        if kind not in ("update", "query", "composite_query", "oneway"):
            raise ValueError(f"unknown method kind {kind!r} for {mname}")
        arg_doc = enclose(
            "(", concat([type_doc(a, True, names) for a in args], ","), ")", NOTHING_OR_BREAK
        )
        ret_doc = enclose(
            "(", concat([type_doc(r, True, names) for r in rets], ","), ")", NOTHING_OR_BREAK
        )
        modes = NIL if kind == "update" else text(" " + kind)  # RcDoc::space(): no break
        fn_doc: Doc = ("nest", 2, cat(arg_doc, text(" ->"), text(" "), ret_doc, modes))
        entries.append(cat(text(ident_string(mname)), kwd(" :"), fn_doc))
    parts.append(cat(kwd("service :"), enclose("{", concat(entries, ";"), "}", SPACE_OR_BREAK)))
    return render(cat(*parts), 80)
