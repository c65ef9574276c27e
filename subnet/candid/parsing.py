"""Candid text values: parse CLI arguments and print replies the way dfx does.

Three jobs, one type model:

* :func:`candid_type` / :func:`method_signature` turn Python annotations into Candid types
  (:class:`CandidType`): ``int`` is ``int``, ``str`` is ``text``, ``list[T]`` is ``vec T``,
  ``T | None`` is ``opt T``, dataclasses are records, ... (``actors.types`` has the aliases).
* :func:`check_value` / :func:`check_args` say whether Python values fit those types; the engine
  uses them to reject calls whose arguments do not match the annotations.
* :func:`parse_args` reads Candid text (``(42 : nat64)``, ``(record { a = 1 })``, or dfx's bare
  text argument) into Python values, and :func:`format_values` / :func:`format_reply` print
  values exactly as ``dfx canister call`` does; :func:`format_service` prints the
  ``candid:service`` interface.

Representation of Candid values in Python (both directions):

==================  ===========================================================================
Candid              Python
==================  ===========================================================================
nat, int, natN...   ``int`` (range-checked)
float32, float64    ``float`` (an ``int`` is accepted where a float is expected)
bool, text, null    ``bool``, ``str``, ``None``
blob / vec nat8     ``bytes`` when annotated ``bytes``; ``list[int]`` when annotated ``list[nat8]``
principal           :class:`subnet.ids.Principal`
opt T               ``None`` or a T value (so ``opt opt T`` cannot be told apart from ``opt T``)
vec T               ``list`` (``tuple[T, ...]`` annotations give a ``tuple``)
record              a dict keyed by field name, or an instance of the annotated dataclass;
                    a ``TypedDict`` annotation gives a dict
tuple record        ``tuple[A, B]`` annotation <-> ``record { A; B }`` <-> Python ``tuple``
variant             a one-key dict ``{"ok": 5}`` (``{"running": None}`` for a null case) for
                    :class:`Variant` subclasses; ``Literal["a", "b"]`` gives the bare ``str``;
                    an ``enum.Enum`` subclass gives its members (all cases ``null``)
dict[K, V]          ``vec record { K; V }`` <-> Python ``dict`` (like a Rust ``HashMap``)
reserved            anything; read back as ``None``
==================  ===========================================================================

Results: ``-> None`` means no results ``()``; a top-level ``-> tuple[A, B]`` means *two results*
``(A, B)``, as a Rust or Motoko tuple return does (return them as a Python tuple); any other
annotation is one result. To return a single Candid tuple record use ``-> tuple[tuple[A, B]]``.
An unannotated parameter or return accepts anything (its type is printed as ``reserved``) and a
value of it is printed with a type inferred from the Python value.

Printing follows the Rust ``candid`` crate (``rust/candid/src/pretty/candid.rs`` and
``pretty/utils.rs``, which dfx uses via ``IDLArgs``'s ``Display``): a Wadler-style layout at 80
columns, two-space indentation, records and vecs that do not fit broken one item per line with a
trailing separator, record fields in Candid field-id (hash) order, numbers annotated with their
type (``0 : nat64``) and grouped by ``_`` (``1_000 : nat``), vecs longer than 10 elements and
values nested deeper than 10 levels printed on one line in the crate's ``Debug`` form.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import re
import struct
import types as _pytypes
import typing
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from subnet.ids import Principal

__all__ = [
    "ANY",
    "BLOB",
    "BOOL",
    "EMPTY",
    "FLOAT32",
    "FLOAT64",
    "INT",
    "INT8",
    "INT16",
    "INT32",
    "INT64",
    "NAT",
    "NAT8",
    "NAT16",
    "NAT32",
    "NAT64",
    "NULL",
    "PRINCIPAL",
    "RESERVED",
    "TEXT",
    "AnyType",
    "CandidError",
    "CandidMarker",
    "CandidType",
    "Field",
    "MapType",
    "OptType",
    "PrimType",
    "RecordType",
    "Variant",
    "VariantType",
    "VecType",
    "candid_type",
    "check_args",
    "check_value",
    "format_reply",
    "format_service",
    "format_type",
    "format_values",
    "idl_hash",
    "method_signature",
    "parse_args",
    "parse_type",
    "reply_values",
]


class CandidError(ValueError):
    """Candid text that cannot be parsed or values that do not fit their types (one line)."""


# ---------------------------------------------------------------------------------------------
# The type model
# ---------------------------------------------------------------------------------------------


def idl_hash(name: str) -> int:
    """Candid field id of a field name: ``h = h * 223 + byte (mod 2**32)`` over its UTF-8."""
    h = 0
    for b in name.encode("utf-8"):
        h = (h * 223 + b) & 0xFFFFFFFF
    return h


@dataclass(frozen=True)
class CandidType:
    """Base of the Candid type model. ``str(t)`` is the Candid text of the type."""

    def __str__(self) -> str:
        return _render(_type_doc(self, named=False), 80)


@dataclass(frozen=True)
class PrimType(CandidType):
    """A primitive type: ``nat``, ``int``, ``nat8`` .. ``int64``, ``float32``, ``float64``,
    ``bool``, ``text``, ``null``, ``reserved``, ``empty``, ``principal``."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class AnyType(CandidType):
    """An unannotated parameter or result: accepts any value; printed as ``reserved``."""

    def __str__(self) -> str:
        return "reserved"


@dataclass(frozen=True)
class OptType(CandidType):
    inner: CandidType


@dataclass(frozen=True)
class VecType(CandidType):
    """``vec inner``; ``py`` is the Python container parse produces (list, tuple or bytes)."""

    inner: CandidType
    py: type = field(default=list, compare=False)


@dataclass(frozen=True)
class Field:
    """A record or variant field. ``label`` is a name or a numeric id."""

    label: str | int
    type: CandidType

    @property
    def id(self) -> int:
        return self.label if isinstance(self.label, int) else idl_hash(self.label)


@dataclass(frozen=True)
class RecordType(CandidType):
    """``record { ... }``; fields are kept in field-id order.

    ``name`` is the Candid type name (the dataclass's name) used by :func:`format_service`;
    ``py`` is what parse builds: a dataclass, ``dict`` or ``tuple``. Neither takes part in
    equality."""

    fields: tuple[Field, ...]
    name: str | None = field(default=None, compare=False)
    py: Any = field(default=dict, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.fields, key=lambda f: f.id))
        ids = [f.id for f in ordered]
        if len(set(ids)) != len(ids):
            raise TypeError(f"record fields with the same Candid id: {[f.label for f in ordered]}")
        object.__setattr__(self, "fields", ordered)

    @property
    def is_tuple(self) -> bool:
        return all(f.id == i for i, f in enumerate(self.fields))


@dataclass(frozen=True)
class VariantType(CandidType):
    """``variant { ... }``; ``py`` is ``dict`` (one-key dicts), ``str`` (a ``Literal``) or an
    ``enum.Enum`` subclass."""

    fields: tuple[Field, ...]
    name: str | None = field(default=None, compare=False)
    py: Any = field(default=dict, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.fields, key=lambda f: f.id))
        ids = [f.id for f in ordered]
        if len(set(ids)) != len(ids):
            raise TypeError(f"variant cases with the same Candid id: {[f.label for f in ordered]}")
        object.__setattr__(self, "fields", ordered)


@dataclass(frozen=True)
class MapType(CandidType):
    """A Python ``dict[K, V]``: Candid ``vec record { K; V }``."""

    key: CandidType
    value: CandidType


NAT = PrimType("nat")
INT = PrimType("int")
NAT8 = PrimType("nat8")
NAT16 = PrimType("nat16")
NAT32 = PrimType("nat32")
NAT64 = PrimType("nat64")
INT8 = PrimType("int8")
INT16 = PrimType("int16")
INT32 = PrimType("int32")
INT64 = PrimType("int64")
FLOAT32 = PrimType("float32")
FLOAT64 = PrimType("float64")
BOOL = PrimType("bool")
TEXT = PrimType("text")
NULL = PrimType("null")
RESERVED = PrimType("reserved")
EMPTY = PrimType("empty")
PRINCIPAL = PrimType("principal")
BLOB = VecType(NAT8, py=bytes)
ANY = AnyType()

_PRIMS = {
    t.name: t
    for t in (
        NAT, INT, NAT8, NAT16, NAT32, NAT64, INT8, INT16, INT32, INT64,
        FLOAT32, FLOAT64, BOOL, TEXT, NULL, RESERVED, EMPTY, PRINCIPAL,
    )
}  # fmt: skip

_INT_RANGES: dict[str, tuple[int | None, int | None]] = {
    "nat": (0, None),
    "int": (None, None),
    "nat8": (0, 2**8 - 1),
    "nat16": (0, 2**16 - 1),
    "nat32": (0, 2**32 - 1),
    "nat64": (0, 2**64 - 1),
    "int8": (-(2**7), 2**7 - 1),
    "int16": (-(2**15), 2**15 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
}
_FLOATS = ("float32", "float64")

# Values of these types print with a type annotation (`5 : nat`), so `opt` wraps them in parens.
_ANNOTATED = frozenset(_INT_RANGES) | frozenset(_FLOATS) | {"null", "reserved"}


# ---------------------------------------------------------------------------------------------
# Python annotations -> Candid types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidMarker:
    """Metadata in ``Annotated[int, CandidMarker("nat64")]``: which Candid primitive is meant."""

    name: str

    def __post_init__(self) -> None:
        if self.name not in _PRIMS:
            raise ValueError(f"unknown Candid primitive {self.name!r}")


class Variant:
    """Base class of variant declarations: each annotated attribute is a case.

    ::

        class Result(Variant):
            ok: nat
            err: text

    A value is a one-key dict, ``{"ok": 5}``; ``Result(ok=5)`` builds one (and checks it has
    exactly one case). A case annotated ``null`` (or ``None``) carries ``None``.
    """

    def __new__(cls, **case: Any) -> Any:  # type: ignore[misc]
        if len(case) != 1:
            raise TypeError(f"{cls.__name__}(...) takes exactly one case, got {len(case)}")
        ((label, _),) = case.items()
        if label not in typing.get_type_hints(cls):
            raise TypeError(f"{cls.__name__} has no case {label!r}")
        return dict(case)


def candid_type(annotation: Any) -> CandidType:
    """The Candid type of a Python annotation (see the module docstring for the mapping).

    Raises ``TypeError`` for annotations with no Candid counterpart (``int | str``, recursive
    dataclasses, ...)."""
    return _candid_type(annotation, ())


def _candid_type(ann: Any, stack: tuple[Any, ...]) -> CandidType:
    if isinstance(ann, CandidType):
        return ann
    if ann is None or ann is type(None):
        return NULL
    if ann is Any or ann is object or ann is inspect.Parameter.empty:
        return ANY
    if isinstance(ann, str):
        raise TypeError(f"unresolved string annotation {ann!r}; use typing.get_type_hints first")
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if origin is typing.Annotated:
        for meta in ann.__metadata__:
            if isinstance(meta, CandidMarker):
                return _PRIMS[meta.name]
        return _candid_type(args[0], stack)
    if ann is bool:
        return BOOL
    if ann is int:
        return INT
    if ann is float:
        return FLOAT64
    if ann is str:
        return TEXT
    if ann in (bytes, bytearray):
        return BLOB
    if isinstance(ann, type) and issubclass(ann, Principal):
        return PRINCIPAL
    if ann in (typing.Never, typing.NoReturn):
        return EMPTY
    if origin in (typing.Union, _pytypes.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and len(args) == 2:
            return OptType(_candid_type(rest[0], stack))
        raise TypeError(f"unions other than `T | None` have no Candid type: {ann!r}")
    if origin is typing.Literal:
        if not args or not all(isinstance(a, str) for a in args):
            raise TypeError(f"only Literal of strings maps to a Candid variant: {ann!r}")
        return VariantType(tuple(Field(a, NULL) for a in args), py=str)
    if origin in (list, Sequence, typing.Sequence) or ann in (list, Sequence):
        inner = _candid_type(args[0], stack) if args else ANY
        return VecType(inner, py=list)
    if ann is tuple:
        return VecType(ANY, py=tuple)
    if origin is tuple:
        if not args:  # tuple[()] (Python 3.11 drops the inner ())
            return RecordType((), py=tuple)
        if len(args) == 2 and args[1] is Ellipsis:
            return VecType(_candid_type(args[0], stack), py=tuple)
        if args == ((),):
            return RecordType((), py=tuple)
        return RecordType(
            tuple(Field(i, _candid_type(a, stack)) for i, a in enumerate(args)), py=tuple
        )
    if origin in (dict, Mapping, typing.Mapping) or ann in (dict, Mapping):
        if not args:
            return MapType(ANY, ANY)
        return MapType(_candid_type(args[0], stack), _candid_type(args[1], stack))
    if isinstance(ann, type):
        if ann in stack:
            raise TypeError(f"recursive types are not supported: {ann.__name__}")
        inner_stack = (*stack, ann)
        if issubclass(ann, Variant) and ann is not Variant:
            hints = typing.get_type_hints(ann, include_extras=True)
            return VariantType(
                tuple(Field(k, _candid_type(v, inner_stack)) for k, v in hints.items()),
                name=ann.__name__,
                py=dict,
            )
        if issubclass(ann, enum.Enum):
            return VariantType(tuple(Field(m.name, NULL) for m in ann), name=ann.__name__, py=ann)
        if dataclasses.is_dataclass(ann):
            hints = typing.get_type_hints(ann, include_extras=True)
            fs = tuple(
                Field(f.name, _candid_type(hints.get(f.name, Any), inner_stack))
                for f in dataclasses.fields(ann)
            )
            return RecordType(fs, name=ann.__name__, py=ann)
        if typing.is_typeddict(ann):
            hints = typing.get_type_hints(ann, include_extras=True)
            fs = tuple(Field(k, _candid_type(v, inner_stack)) for k, v in hints.items())
            return RecordType(fs, name=ann.__name__, py=dict)
    raise TypeError(f"no Candid type for annotation {ann!r}")


def method_signature(
    fn: Callable[..., Any],
) -> tuple[tuple[CandidType, ...], tuple[CandidType, ...]]:
    """``(arg_types, ret_types)`` of a canister method from its annotations.

    A leading ``self`` parameter is skipped. Unannotated parameters and an unannotated return
    are :data:`ANY`. ``-> None`` is no results; ``-> tuple[A, B]`` is two results ``(A, B)``;
    anything else is one result. ``*args`` / keyword-only parameters are refused (TypeError).
    """
    fn = inspect.unwrap(fn)
    hints = typing.get_type_hints(fn, include_extras=True)
    params = list(inspect.signature(fn).parameters.values())
    if params and params[0].name == "self":
        params = params[1:]
    arg_types = []
    for p in params:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            raise TypeError(f"{fn.__qualname__}: parameter {p.name!r} must be positional")
        arg_types.append(candid_type(hints.get(p.name, Any)))
    if "return" not in hints:
        return tuple(arg_types), (ANY,)
    ret = hints["return"]
    if ret is None or ret is type(None):
        return tuple(arg_types), ()
    if typing.get_origin(ret) is tuple:
        args = typing.get_args(ret)
        if not args or args == ((),):
            return tuple(arg_types), ()
        if not (len(args) == 2 and args[1] is Ellipsis):
            return tuple(arg_types), tuple(candid_type(a) for a in args)
    return tuple(arg_types), (candid_type(ret),)


# ---------------------------------------------------------------------------------------------
# Checking Python values against types
# ---------------------------------------------------------------------------------------------


def _short(value: Any, limit: int = 40) -> str:
    try:
        r = repr(value)
    except Exception:  # pragma: no cover - hostile __repr__
        r = f"<{type(value).__name__}>"
    return r if len(r) <= limit else r[: limit - 3] + "..."


def _tname(t: CandidType, limit: int = 60) -> str:
    if isinstance(t, RecordType | VariantType) and t.name:
        return t.name
    s = " ".join(str(t).split())
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _get_field(value: Any, name: str | int) -> tuple[bool, Any]:
    if isinstance(value, Mapping):
        if name in value:
            return True, value[name]
        return False, None
    if isinstance(name, str) and hasattr(value, name):
        return True, getattr(value, name)
    return False, None


def _check(v: Any, t: CandidType, path: str) -> str | None:
    def bad(extra: str = "") -> str:
        return f"{path}: expected {_tname(t)}, got {_short(v)}{extra}"

    if isinstance(t, AnyType):
        return None
    if isinstance(t, PrimType):
        n = t.name
        if n in _INT_RANGES:
            if not _is_int(v):
                return bad()
            lo, hi = _INT_RANGES[n]
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                return bad()
            return None
        if n in _FLOATS:
            return None if isinstance(v, float) or _is_int(v) else bad()
        if n == "bool":
            return None if isinstance(v, bool) else bad()
        if n == "text":
            return None if isinstance(v, str) else bad()
        if n == "null":
            return None if v is None else bad()
        if n == "reserved":
            return None
        if n == "principal":
            return None if isinstance(v, Principal) else bad()
        return bad()  # empty: no value fits
    if isinstance(t, OptType):
        return None if v is None else _check(v, t.inner, path)
    if isinstance(t, VecType):
        if t.inner == NAT8 and isinstance(v, bytes | bytearray):
            return None
        if not isinstance(v, list | tuple):
            return bad()
        for i, e in enumerate(v):
            err = _check(e, t.inner, f"{path}[{i}]")
            if err:
                return err
        return None
    if isinstance(t, MapType):
        if not isinstance(v, Mapping):
            return bad()
        for k, e in v.items():
            err = _check(k, t.key, f"{path} key {_short(k, 20)}") or _check(
                e, t.value, f"{path}[{_short(k, 20)}]"
            )
            if err:
                return err
        return None
    if isinstance(t, RecordType):
        if isinstance(v, list | tuple) and t.is_tuple:
            if len(v) != len(t.fields):
                return bad()
            for f, e in zip(t.fields, v, strict=True):
                err = _check(e, f.type, f"{path}.{f.label}")
                if err:
                    return err
            return None
        is_record = isinstance(v, Mapping) or (
            dataclasses.is_dataclass(v) and not isinstance(v, type)
        )
        if t.py is tuple or not is_record:
            return bad()
        for f in t.fields:
            found, e = _get_field(v, f.label)
            if not found:
                if isinstance(f.type, OptType) or f.type in (RESERVED, NULL, ANY):
                    continue
                return f"{path}: missing field {f.label} of {_tname(t)}"
            err = _check(e, f.type, f"{path}.{f.label}")
            if err:
                return err
        if isinstance(v, Mapping):
            known = {f.label for f in t.fields}
            extra = [k for k in v if k not in known]
            if extra:
                return f"{path}: unexpected field {_short(extra[0], 20)} for {_tname(t)}"
        return None
    if isinstance(t, VariantType):
        cases = {f.label: f.type for f in t.fields}
        if t.py is str:
            return None if isinstance(v, str) and v in cases else bad()
        if isinstance(t.py, type) and issubclass(t.py, enum.Enum):
            return None if isinstance(v, t.py) else bad()
        if not isinstance(v, Mapping) or len(v) != 1:
            return bad(" (a variant value is a dict with one key)")
        ((label, e),) = v.items()
        if label not in cases:
            return f"{path}: {_short(label, 20)} is not a case of {_tname(t)}"
        return _check(e, cases[label], f"{path}.{label}")
    return bad()  # pragma: no cover


def check_value(value: Any, t: CandidType, path: str = "value") -> str | None:
    """None when ``value`` fits ``t``; else a one-line message naming where it does not
    (``value.items[2]: expected nat64, got -1``)."""
    return _check(value, t, path)


def check_args(values: Sequence[Any], types: Sequence[CandidType]) -> str | None:
    """None when the argument tuple fits the parameter types, else a one-line message:
    ``expected 1 argument, got 2`` or ``argument 1: expected nat64, got -1``."""
    if len(values) != len(types):
        n = len(types)
        return f"expected {n} argument{'s' if n != 1 else ''}, got {len(values)}"
    for i, (v, t) in enumerate(zip(values, types, strict=True), 1):
        err = _check(v, t, f"argument {i}")
        if err:
            return err
    return None


def fast_validator(types: Sequence[CandidType]) -> Callable[[Sequence[Any]], bool] | None:
    """A quick yes/no check of an argument tuple against simple parameter types (numbers,
    text, bool, principal, blob, reserved), or None when some type needs the full check.

    ``True`` means the arguments fit; ``False`` means "run :func:`check_args` for the message".
    The engine checks every request's arguments, so this keeps the common case cheap."""

    def simple(t: CandidType) -> tuple[Any, Any, Any] | None:
        if isinstance(t, AnyType) or t == RESERVED:
            return (None, None, None)
        if isinstance(t, PrimType) and t.name in _INT_RANGES:
            lo, hi = _INT_RANGES[t.name]
            return (int, lo, hi)
        for prim, kind in ((TEXT, str), (BOOL, bool), (PRINCIPAL, Principal), (BLOB, bytes)):
            if t == prim:
                return (kind, None, None)
        return None

    def fits(v: Any, check: tuple[Any, Any, Any]) -> bool:
        kind, lo, hi = check
        if kind is None:
            return True
        if type(v) is not kind:
            return False
        return not ((lo is not None and v < lo) or (hi is not None and v > hi))

    checks: list[tuple[str, tuple[Any, Any, Any]]] = []
    for t in types:
        check = simple(t)
        if check is not None:
            checks.append(("one", check))
        elif isinstance(t, VecType) and t.py is list and (check := simple(t.inner)) is not None:
            checks.append(("vec", check))  # e.g. a route: vec principal
        else:
            return None
    n = len(checks)

    def valid(values: Sequence[Any]) -> bool:
        if len(values) != n:
            return False
        for v, (shape, check) in zip(values, checks, strict=True):
            if shape == "one":
                if not fits(v, check):
                    return False
            elif type(v) is not list or not all(fits(item, check) for item in v):
                return False
        return True

    return valid


def _infer_type(v: Any) -> CandidType:
    """A Candid type for a value of an unannotated result (best effort)."""
    if v is None:
        return NULL
    if isinstance(v, bool):
        return BOOL
    if isinstance(v, int):
        return INT
    if isinstance(v, float):
        return FLOAT64
    if isinstance(v, str):
        return TEXT
    if isinstance(v, bytes | bytearray):
        return BLOB
    if isinstance(v, Principal):
        return PRINCIPAL
    if isinstance(v, enum.Enum):
        return candid_type(type(v))
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        try:
            return candid_type(type(v))
        except TypeError:
            return RecordType(
                tuple(Field(f.name, _infer_type(getattr(v, f.name))) for f in dataclasses.fields(v))
            )
    if isinstance(v, Mapping):
        if all(isinstance(k, str) for k in v):
            return RecordType(tuple(Field(k, _infer_type(e)) for k, e in v.items()))
        return MapType(ANY, ANY)
    if isinstance(v, list | tuple | set | frozenset):
        items = list(v)
        ts = {_infer_type(e) for e in items}
        if len(ts) <= 1:
            return VecType(ts.pop() if ts else ANY, py=list)
        if isinstance(v, tuple):
            return RecordType(
                tuple(Field(i, _infer_type(e)) for i, e in enumerate(items)), py=tuple
            )
        return VecType(ANY, py=list)
    raise CandidError(f"cannot print a {type(v).__name__} value as Candid: {_short(v)}")


# ---------------------------------------------------------------------------------------------
# A Wadler-style layout engine, as the Rust `pretty` crate runs it
# ---------------------------------------------------------------------------------------------
# Documents are tuples: ("nil",), ("text", s), ("line",) (a hard newline), ("alt", broken, flat),
# ("group", d), ("nest", k, d), ("cat", (d, ...)). `best` lays a document out at a width: a group
# is printed flat when its flat form plus whatever follows it up to the next possible line break
# fits; otherwise its line breaks become newlines. Widths count UTF-8 bytes, as the crate does.

_NIL = ("nil",)
_HARD = ("line",)
_SPACE_OR_BREAK = ("alt", _HARD, ("text", " "))
_NOTHING_OR_BREAK = ("alt", _HARD, _NIL)
_BREAK, _FLAT = 0, 1


def _text(s: str) -> tuple:
    return ("text", s)


def _cat(*docs: tuple) -> tuple:
    return ("cat", docs)


def _kwd(s: str) -> tuple:
    return ("text", s + " ")


def _enclose(left: str, doc: tuple, right: str, line: tuple) -> tuple:
    if doc is _NIL:
        return _text(left + right)
    return ("group", _cat(("nest", 2, _cat(_text(left), line, doc)), line, _text(right)))


def _concat(docs: Iterable[tuple], sep: str) -> tuple:
    """Items separated by `sep` + line; when broken, the last item also gets `sep`."""
    docs = list(docs)
    if not docs:
        return _NIL
    parts: list[tuple] = []
    for i, d in enumerate(docs):
        if i:
            parts.append(_text(sep))
            parts.append(_SPACE_OR_BREAK)
        parts.append(d)
    single = ("cat", tuple(parts))
    return ("alt", _cat(single, _text(sep)), single)


def _fits(doc: tuple, pos: int, width: int, bcmds: list) -> bool:
    fcmds = [doc]
    bidx = len(bcmds)
    mode = _FLAT
    while True:
        if fcmds:
            d = fcmds.pop()
        elif bidx == 0:
            return True
        else:
            bidx -= 1
            mode = _BREAK
            d = bcmds[bidx][2]
        while True:
            k = d[0]
            if k == "cat":
                if not d[1]:
                    break
                fcmds.extend(reversed(d[1][1:]))
                d = d[1][0]
                continue
            if k == "alt":
                d = d[1] if mode == _BREAK else d[2]
                continue
            if k == "group":
                d = d[1]
                continue
            if k == "nest":
                d = d[2]
                continue
            if k == "line":
                return mode == _BREAK
            if k == "text":
                pos += len(d[1].encode("utf-8"))
                if pos > width:
                    return False
            break


def _render(doc: tuple, width: int) -> str:
    out: list[str] = []
    pos = 0
    bcmds: list[tuple[int, int, tuple]] = [(0, _BREAK, doc)]
    while bcmds:
        ind, mode, d = bcmds.pop()
        while True:
            k = d[0]
            if k == "cat":
                if not d[1]:
                    break
                for child in reversed(d[1][1:]):
                    bcmds.append((ind, mode, child))
                d = d[1][0]
                continue
            if k == "alt":
                d = d[1] if mode == _BREAK else d[2]
                continue
            if k == "group":
                if mode == _BREAK and _fits(d[1], pos, width, bcmds):
                    mode = _FLAT
                d = d[1]
                continue
            if k == "nest":
                ind += d[1]
                d = d[2]
                continue
            if k == "line":
                out.append("\n" + " " * ind)
                pos = ind
            elif k == "text":
                out.append(d[1])
                pos += len(d[1].encode("utf-8"))
            break
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Printing values (candid's pp_value / Debug for IDLValue)
# ---------------------------------------------------------------------------------------------

_MAX_ELEMENTS = 10  # vecs longer than this, and values this deep, print in the Debug form
_KEYWORDS = frozenset(
    "import service func type opt vec record variant blob principal nat nat8 nat16 nat32 nat64 "
    "int int8 int16 int32 int64 float32 float64 bool text null reserved empty oneway query "
    "composite_query".split()
)
_ID_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _pp_num(s: str) -> str:
    """Group digits by three with `_`, as candid's `pp_num_str` does (`-1_000`)."""
    groups = [s[max(0, i - 3) : i] for i in range(len(s), 0, -3)][::-1]
    if groups and groups[0] == "-":
        return "-" + "_".join(groups[1:])
    return "_".join(groups)


def _rust_escape(s: str, *, quote_single: bool) -> str:
    """Rust's `str::escape_debug` (`quote_single`) / `{:?}` body of a string."""
    out = []
    for i, c in enumerate(s):
        o = ord(c)
        if c == "\0":
            out.append("\\0")
        elif c == "\t":
            out.append("\\t")
        elif c == "\r":
            out.append("\\r")
        elif c == "\n":
            out.append("\\n")
        elif c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "'" and quote_single:
            out.append("\\'")
        elif 0x20 <= o < 0x7F:
            out.append(c)
        else:
            cat = unicodedata.category(c)
            unprintable = cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs")
            if unprintable or (i == 0 and cat in ("Mn", "Me")):
                out.append(f"\\u{{{o:x}}}")
            else:
                out.append(c)
    return "".join(out)


def _ident_string(name: str) -> str:
    if _ID_RE.match(name) and name not in _KEYWORDS:
        return name
    return '"' + _rust_escape(name, quote_single=True) + '"'


def _label_text(label: str | int) -> str:
    return str(label) if isinstance(label, int) else _ident_string(label)


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


def _f32(x: float) -> float:
    try:
        return struct.unpack("<f", struct.pack("<f", x))[0]
    except OverflowError:
        return float("inf") if x > 0 else float("-inf")


def _shortest_f32(x: float) -> str:
    for p in range(1, 10):
        s = f"{x:.{p - 1}e}"
        if _f32(float(s)) == x:
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
        found, e = _get_field(v, f.label)
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
    return _infer_type(v) if isinstance(t, AnyType) else t


def _has_annotation(t: CandidType) -> bool:
    return isinstance(t, PrimType) and t.name in _ANNOTATED


def _debug(v: Any, t: CandidType) -> str:
    """candid's `Debug` for IDLValue: one line, `;` after every item."""
    t = _resolve(v, t)
    if isinstance(t, PrimType):
        n = t.name
        if n in _INT_RANGES:
            s = str(v) if n in ("nat8", "int8") else _pp_num(str(v))
            return f"{s} : {n}"
        if n in _FLOATS:
            x = _f32(float(v)) if n == "float32" else float(v)
            return f"{_float_text(x, n == 'float32')} : {n}"
        if n == "bool":
            return "true" if v else "false"
        if n == "text":
            return '"' + _rust_escape(v, quote_single=False) + '"'
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
                parts.append(f" {_label_text(f.label)} = {_debug(e, f.type)};")
        return "record {" + "".join(parts) + "}"
    if isinstance(t, VariantType):
        f, e = _variant_case(v, t)
        if f.type == NULL:
            return f"variant {{ {f.label} }}"
        return f"variant {{ {_label_text(f.label)} = {_debug(e, f.type)} }}"
    raise CandidError(f"cannot print type {t}")  # pragma: no cover


def _value_doc(v: Any, t: CandidType, depth: int) -> tuple:
    """candid's `pp_value`."""
    t = _resolve(v, t)
    if depth == 0:
        return _text(_debug(v, t))
    if isinstance(t, PrimType) and t.name == "text":
        return _text('"' + _rust_escape(v, quote_single=True) + '"')
    if isinstance(t, OptType):
        if v is None:
            return _text("null")
        inner = _resolve(v, t.inner)
        if _has_annotation(inner):
            return _cat(
                _kwd("opt"), _enclose("(", _value_doc(v, inner, depth - 1), ")", _NOTHING_OR_BREAK)
            )
        return _cat(_kwd("opt"), _value_doc(v, inner, depth - 1))
    if isinstance(t, VecType | MapType):
        if isinstance(t, VecType) and t.inner == NAT8:
            return _text(_debug(v, t))
        if len(v) > _MAX_ELEMENTS:
            return _text(_debug(v, t))
        if isinstance(t, MapType):
            pair = RecordType((Field(0, t.key), Field(1, t.value)), py=tuple)
            items = [_value_doc(kv, pair, depth - 1) for kv in _pairs(v)]
        else:
            items = [_value_doc(e, t.inner, depth - 1) for e in v]
        return _cat(_kwd("vec"), _enclose("{", _concat(items, ";"), "}", _SPACE_OR_BREAK))
    if isinstance(t, RecordType):
        fvs = _field_values(v, t)
        if t.is_tuple:
            items = [_value_doc(e, f.type, depth - 1) for f, e in fvs]
        else:
            items = [
                _cat(_text(_label_text(f.label)), _kwd(" ="), _value_doc(e, f.type, depth - 1))
                for f, e in fvs
            ]
        return _cat(_kwd("record"), _enclose("{", _concat(items, ";"), "}", _SPACE_OR_BREAK))
    if isinstance(t, VariantType):
        f, e = _variant_case(v, t)
        if f.type == NULL:
            body = _text(_label_text(f.label))
        else:
            body = _cat(_text(_label_text(f.label)), _kwd(" ="), _value_doc(e, f.type, depth - 1))
        return _cat(_kwd("variant"), _enclose("{", body, "}", _SPACE_OR_BREAK))
    return _text(_debug(v, t))


def format_values(values: Sequence[Any], types: Sequence[CandidType]) -> str:
    """Print an argument or result tuple exactly as dfx prints a reply: ``()``,
    ``(vec { "Hi there!" })``, ``(0 : nat64)``, records broken over lines past 80 columns.

    Raises :class:`CandidError` when the values do not fit the types."""
    err = check_args(tuple(values), tuple(types))
    if err:
        raise CandidError(err.replace("argument", "value"))
    docs = [_value_doc(v, t, _MAX_ELEMENTS) for v, t in zip(values, types, strict=True)]
    return _render(_enclose("(", _concat(docs, ","), ")", _NOTHING_OR_BREAK), 80)


def reply_values(result: Any, ret_types: Sequence[CandidType]) -> tuple[tuple, tuple]:
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
        raise CandidError(f"expected {len(ret_types)} results, got {_short(result)}")
    return tuple(result), ret_types


def format_reply(result: Any, ret_types: Sequence[CandidType]) -> str:
    """What ``dfx canister call`` prints for a method's Python return value."""
    values, types = reply_values(result, ret_types)
    return format_values(values, types)


# ---------------------------------------------------------------------------------------------
# Printing types and services (candid's pp_ty / compile)
# ---------------------------------------------------------------------------------------------


def _type_doc(t: CandidType, named: bool, names: Mapping[int, str] | None = None) -> tuple:
    def sub(x: CandidType) -> tuple:
        return _type_doc(x, named, names)

    if named and names and isinstance(t, RecordType | VariantType) and id(t) in names:
        return _text(names[id(t)])
    if isinstance(t, PrimType | AnyType):
        return _text(str(t))
    if isinstance(t, OptType):
        return _cat(_kwd("opt"), sub(t.inner))
    if isinstance(t, VecType):
        if t.inner == NAT8:
            return _text("blob")
        return _cat(_kwd("vec"), sub(t.inner))
    if isinstance(t, MapType):
        pair = RecordType((Field(0, t.key), Field(1, t.value)), py=tuple)
        return _cat(_kwd("vec"), sub(pair))
    if isinstance(t, RecordType):
        if t.is_tuple:
            body = _concat([sub(f.type) for f in t.fields], ";")
        else:
            body = _concat(
                [_cat(_text(_label_text(f.label)), _kwd(" :"), sub(f.type)) for f in t.fields], ";"
            )
        return _cat(_kwd("record"), _enclose("{", body, "}", _SPACE_OR_BREAK))
    if isinstance(t, VariantType):
        items = []
        for f in t.fields:
            if f.type == NULL:
                items.append(_text(_label_text(f.label)))
            else:
                items.append(_cat(_text(_label_text(f.label)), _kwd(" :"), sub(f.type)))
        return _cat(_kwd("variant"), _enclose("{", _concat(items, ";"), "}", _SPACE_OR_BREAK))
    raise TypeError(f"not a Candid type: {t!r}")  # pragma: no cover


def format_type(t: CandidType) -> str:
    """The Candid text of a type, inline (named records spelled out)."""
    return str(t)


def _collect_named(t: CandidType, out: dict[str, list[CandidType]]) -> None:
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

    def body_of(t: CandidType) -> tuple:
        # the definition itself is spelled out; references inside it use names
        inner_names = {k: v for k, v in names.items() if k != id(t)}
        return _type_doc(t, True, inner_names)

    parts: list[tuple] = []
    for name, t in defs:
        parts.append(_cat(_kwd("type"), _kwd(name), _kwd("="), body_of(t), _text(";"), _HARD))
    entries = []
    for mname in sorted(methods):
        kind, args, rets = methods[mname]
        if kind not in ("update", "query", "composite_query", "oneway"):
            raise ValueError(f"unknown method kind {kind!r} for {mname}")
        arg_doc = _enclose(
            "(", _concat([_type_doc(a, True, names) for a in args], ","), ")", _NOTHING_OR_BREAK
        )
        ret_doc = _enclose(
            "(", _concat([_type_doc(r, True, names) for r in rets], ","), ")", _NOTHING_OR_BREAK
        )
        modes = _NIL if kind == "update" else _text(" " + kind)  # RcDoc::space(): no break
        fn_doc = ("nest", 2, _cat(arg_doc, _text(" ->"), _text(" "), ret_doc, modes))
        entries.append(_cat(_text(_ident_string(mname)), _kwd(" :"), fn_doc))
    parts.append(
        _cat(_kwd("service :"), _enclose("{", _concat(entries, ";"), "}", _SPACE_OR_BREAK))
    )
    return _render(_cat(*parts), 80)


# ---------------------------------------------------------------------------------------------
# Lexing and parsing Candid text
# ---------------------------------------------------------------------------------------------

_MAX_NESTING = 200
_MAX_DIGITS = 4000


@dataclass(frozen=True)
class _Tok:
    kind: str  # punct char, "sign", "dec", "hex", "float", "bool", "text", "id", "kw", "eof"
    value: Any
    start: int
    end: int


_WORD_KEYWORDS = frozenset(
    "null vec record variant func service oneway query composite_query blob type import opt "
    "principal".split()
)
_RE_WS = re.compile(r"[ \t\r\n]+")
_RE_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RE_HEX = re.compile(r"0[xX][0-9a-fA-F][_0-9a-fA-F]*")
_RE_DEC = re.compile(r"[0-9][_0-9]*")
_RE_FLOAT1 = re.compile(r"[0-9]*\.[0-9]*")
_RE_FLOAT2 = re.compile(r"[0-9]+(?:\.[0-9]*)?[eE][+-]?[0-9]+")
_RE_CODEPOINT = re.compile(r"\\u\{([0-9a-fA-F][_0-9a-fA-F]*)\}")
_RE_BYTE = re.compile(r"\\([0-9a-fA-F]{2})")
_SIMPLE_ESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", "\\": b"\\", '"': b'"', "'": b"'"}


def _where(src: str, pos: int) -> str:
    line = src.count("\n", 0, pos) + 1
    col = pos - (src.rfind("\n", 0, pos) + 1) + 1
    return f"at {line}:{col}"


def _describe(tok: _Tok) -> str:
    if tok.kind == "eof":
        return "end of input"
    if tok.kind == "text":
        return "a string"
    if tok.kind in ("dec", "hex", "float"):
        return f"number {tok.value}"
    return repr(str(tok.value))


def _tokenize(src: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(src)

    def fail(pos: int, msg: str) -> CandidError:
        return CandidError(f"Candid parse error {_where(src, pos)}: {msg}")

    while i < n:
        m = _RE_WS.match(src, i)
        if m:
            i = m.end()
            continue
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if src.startswith("/*", i):
            depth, j = 1, i + 2
            while depth:
                a, b = src.find("/*", j), src.find("*/", j)
                if b < 0:
                    raise fail(i, "unclosed comment")
                if 0 <= a < b:
                    depth, j = depth + 1, a + 2
                else:
                    depth, j = depth - 1, b + 2
            i = j
            continue
        if c == '"':
            buf = bytearray()
            j = i + 1
            while True:
                if j >= n:
                    raise fail(i, "unclosed string")
                c2 = src[j]
                if c2 == '"':
                    j += 1
                    break
                if c2 != "\\":
                    k = j
                    while k < n and src[k] not in '\\"':
                        k += 1
                    buf += src[j:k].encode("utf-8", "surrogatepass")
                    j = k
                    continue
                m = _RE_CODEPOINT.match(src, j)
                if m:
                    hexdigits = m.group(1).replace("_", "")
                    cp = int(hexdigits[-8:], 16) if len(hexdigits) <= 8 else 0x110000
                    if cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
                        raise fail(j, f"unicode escape out of range {hexdigits}")
                    buf += chr(cp).encode("utf-8")
                    j = m.end()
                    continue
                m = _RE_BYTE.match(src, j)
                if m:
                    buf.append(int(m.group(1), 16))
                    j = m.end()
                    continue
                if j + 1 >= n:
                    raise fail(i, "unclosed string")
                esc = src[j + 1]
                if esc not in _SIMPLE_ESCAPES:
                    raise fail(j, f"unknown escape character {esc!r}")
                buf += _SIMPLE_ESCAPES[esc]
                j += 2
            toks.append(_Tok("text", bytes(buf), i, j))
            i = j
            continue
        if c.isascii() and (c.isdigit() or c == "."):
            best: tuple[int, str] | None = None
            for kind, rx in (
                ("hex", _RE_HEX),
                ("dec", _RE_DEC),
                ("float", _RE_FLOAT1),
                ("float", _RE_FLOAT2),
            ):
                m = rx.match(src, i)
                if m and m.end() > i and (best is None or m.end() > best[0]):
                    best = (m.end(), kind)
            if best and not (best[1] == "float" and src[i : best[0]] == "."):
                j, kind = best
                raw = src[i:j]
                if kind == "hex":
                    value = raw[2:].replace("_", "")
                elif kind == "dec":
                    value = raw.replace("_", "")
                else:
                    value = raw
                if len(value) > _MAX_DIGITS:
                    raise fail(i, "number too long")
                toks.append(_Tok(kind, value, i, j))
                i = j
                continue
        m = _RE_ID.match(src, i)
        if m:
            word = m.group()
            if word in ("true", "false"):
                toks.append(_Tok("bool", word == "true", i, m.end()))
            elif word in _WORD_KEYWORDS:
                toks.append(_Tok("kw", word, i, m.end()))
            else:
                toks.append(_Tok("id", word, i, m.end()))
            i = m.end()
            continue
        if c in "+-":
            toks.append(_Tok("sign", c, i, i + 1))
            i += 1
            continue
        if c in "(){};,.:=":
            toks.append(_Tok(c, c, i, i + 1))
            i += 1
            continue
        raise fail(i, f"unexpected character {c!r}")
    toks.append(_Tok("eof", None, n, n))
    return toks


@dataclass
class _Node:
    """A parsed, not yet typed value (candid's IDLValue as the parser makes it)."""

    kind: str  # num float text bool null opt vec record variant blob principal ann reserved
    value: Any
    start: int
    end: int


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.toks = _tokenize(src)
        self.i = 0
        self.depth = 0

    # -- helpers -----------------------------------------------------------------------------
    def peek(self, k: int = 0) -> _Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> _Tok:
        t = self.toks[self.i]
        if t.kind != "eof":
            self.i += 1
        return t

    def error(self, tok: _Tok, expected: str) -> CandidError:
        return CandidError(
            f"Candid parse error {_where(self.src, tok.start)}: expected {expected}, "
            f"found {_describe(tok)}"
        )

    def expect(self, kind: str, what: str | None = None) -> _Tok:
        t = self.peek()
        if t.kind != kind:
            raise self.error(t, what or repr(kind))
        return self.next()

    def is_kw(self, word: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t.kind == "kw" and t.value == word

    def enter(self) -> None:
        self.depth += 1
        if self.depth > _MAX_NESTING:
            raise CandidError(
                f"Candid parse error {_where(self.src, self.peek().start)}: nested too deeply"
            )

    def text_value(self, tok: _Tok) -> str:
        try:
            return tok.value.decode("utf-8")
        except UnicodeDecodeError:
            raise CandidError(
                f"Candid parse error {_where(self.src, tok.start)}: not valid unicode text"
            ) from None

    def end(self) -> None:
        t = self.peek()
        if t.kind != "eof":
            raise self.error(t, "end of input")

    # -- values -------------------------------------------------------------------------------
    def args(self) -> list[_Node]:
        self.expect("(", "'('")
        out = []
        while self.peek().kind != ")":
            out.append(self.annval())
            if self.peek().kind == ",":
                self.next()
            elif self.peek().kind != ")":
                raise self.error(self.peek(), "',' or ')'")
        self.next()
        return out

    def annval(self) -> _Node:
        v = self.arg()
        if self.peek().kind == ":":
            self.next()
            t = self.typ()
            return _Node("ann", (v, t), v.start, self.toks[self.i - 1].end)
        return v

    def arg(self) -> _Node:
        self.enter()
        try:
            return self._arg()
        finally:
            self.depth -= 1

    def _arg(self) -> _Node:
        t = self.peek()
        k = t.kind
        if k == "bool":
            self.next()
            return _Node("bool", t.value, t.start, t.end)
        if k in ("sign", "dec", "hex", "float"):
            return self.number()
        if k == "text":
            self.next()
            return _Node("text", self.text_value(t), t.start, t.end)
        if k == "id" and t.value in ("NaN", "inf"):
            self.next()
            return _Node("float", t.value, t.start, t.end)
        if k == "(":
            self.next()
            v = self.annval()
            self.expect(")", "')'")
            return v
        if k == "kw":
            w = t.value
            if w == "null":
                self.next()
                return _Node("null", None, t.start, t.end)
            if w == "opt":
                self.next()
                inner = self.arg()
                return _Node("opt", inner, t.start, inner.end)
            if w == "blob":
                self.next()
                s = self.expect("text", "a string after blob")
                return _Node("blob", s.value, t.start, s.end)
            if w == "principal":
                self.next()
                s = self.expect("text", "a string after principal")
                text = self.text_value(s)
                try:
                    p = Principal.from_text(text)
                except (ValueError, TypeError) as e:
                    raise CandidError(
                        f"Candid parse error {_where(self.src, s.start)}: "
                        f"invalid principal {text!r}: {e}"
                    ) from None
                return _Node("principal", p, t.start, s.end)
            if w == "vec":
                self.next()
                self.expect("{", "'{' after vec")
                items = []
                while self.peek().kind != "}":
                    items.append(self.annval())
                    if self.peek().kind == ";":
                        self.next()
                    elif self.peek().kind != "}":
                        raise self.error(self.peek(), "';' or '}'")
                end = self.next().end
                return _Node("vec", items, t.start, end)
            if w == "record":
                return self.record()
            if w == "variant":
                self.next()
                self.expect("{", "'{' after variant")
                label, val = self.variant_field()
                end = self.expect("}", "'}'").end
                return _Node("variant", (label, val), t.start, end)
            if w in ("service", "func"):
                raise CandidError(
                    f"Candid parse error {_where(self.src, t.start)}: {w} values are not supported"
                )
        raise self.error(t, "a value")

    def number(self) -> _Node:
        start = self.peek().start
        sign = ""
        if self.peek().kind == "sign":
            sign = self.next().value
        t = self.peek()
        if t.kind == "dec":
            self.next()
            return _Node("num", ("-" if sign == "-" else "") + t.value, start, t.end)
        if t.kind == "hex":
            self.next()
            return _Node("num", ("-" if sign == "-" else "") + str(int(t.value, 16)), start, t.end)
        if t.kind == "float":
            self.next()
            return _Node("float", ("-" if sign == "-" else "") + t.value, start, t.end)
        if t.kind == "id" and t.value == "inf" and sign:
            self.next()
            return _Node("float", sign + "inf", start, t.end)
        raise self.error(t, "a number")

    def field_id(self, tok: _Tok) -> int:
        n = int(tok.value, 16) if tok.kind == "hex" else int(tok.value)
        if n > 0xFFFFFFFF:
            raise CandidError(
                f"Candid parse error {_where(self.src, tok.start)}: field id out of u32 range"
            )
        return n

    def label(self) -> str | int | None:
        """A field label if the next tokens are `label =`-ish (caller checks `=`)."""
        t = self.peek()
        if t.kind in ("dec", "hex"):
            self.next()
            return self.field_id(t)
        if t.kind == "id":
            self.next()
            return t.value
        if t.kind == "bool":  # dfx prints a field named true/false unquoted: read it back
            self.next()
            return "true" if t.value else "false"
        if t.kind == "text":
            self.next()
            return self.text_value(t)
        return None

    def record(self) -> _Node:
        start = self.next().start
        self.expect("{", "'{' after record")
        fields: list[tuple[str | int, _Node]] = []
        next_id = 0
        seen: dict[int, str | int] = {}
        while self.peek().kind != "}":
            t = self.peek()
            if t.kind in ("dec", "hex", "id", "bool", "text") and self.peek(1).kind == "=":
                label = self.label()
                assert label is not None
                self.next()  # '='
                val = self.annval()
                fid = label if isinstance(label, int) else idl_hash(label)
            else:
                val = self.annval()
                label = fid = next_id
            if fid in seen:
                raise CandidError(
                    f"Candid parse error {_where(self.src, t.start)}: "
                    f"duplicate record field {label}"
                )
            seen[fid] = label
            next_id = fid + 1
            fields.append((label, val))
            if self.peek().kind == ";":
                self.next()
            elif self.peek().kind != "}":
                raise self.error(self.peek(), "';' or '}'")
        end = self.next().end
        return _Node("record", fields, start, end)

    def variant_field(self) -> tuple[str | int, _Node | None]:
        t = self.peek()
        label = self.label()
        if label is None:
            raise self.error(t, "a variant case name")
        if self.peek().kind == "=":
            self.next()
            return label, self.annval()
        return label, None

    # -- types (for annotations) ---------------------------------------------------------------
    def typ(self) -> CandidType:
        self.enter()
        try:
            return self._typ()
        finally:
            self.depth -= 1

    def _typ(self) -> CandidType:
        t = self.peek()
        if t.kind == "id":
            self.next()
            if t.value in _PRIMS:
                return _PRIMS[t.value]
            raise CandidError(
                f"Candid parse error {_where(self.src, t.start)}: unknown type {t.value!r}"
            )
        if t.kind == "kw":
            w = t.value
            if w in ("null", "principal"):
                self.next()
                return _PRIMS[w]
            if w == "blob":
                self.next()
                return VecType(NAT8, py=bytes)
            if w == "opt":
                self.next()
                return OptType(self.typ())
            if w == "vec":
                self.next()
                inner = self.typ()
                return VecType(inner, py=bytes if inner == NAT8 else list)
            if w in ("record", "variant"):
                self.next()
                self.expect("{", f"'{{' after {w}")
                fields: list[Field] = []
                next_id = 0
                while self.peek().kind != "}":
                    ft = self.peek()
                    if ft.kind in ("dec", "hex", "id", "text") and self.peek(1).kind == ":":
                        label = self.label()
                        assert label is not None
                        self.next()
                        fty = self.typ()
                    elif w == "variant":
                        label = self.label()
                        if label is None:
                            raise self.error(ft, "a variant case")
                        fty = NULL
                    else:
                        fty = self.typ()
                        label = next_id
                    fid = label if isinstance(label, int) else idl_hash(label)
                    if any(f.id == fid for f in fields):
                        raise CandidError(
                            f"Candid parse error {_where(self.src, ft.start)}: "
                            f"duplicate field {label}"
                        )
                    next_id = fid + 1
                    fields.append(Field(label, fty))
                    if self.peek().kind == ";":
                        self.next()
                    elif self.peek().kind != "}":
                        raise self.error(self.peek(), "';' or '}'")
                self.next()
                if w == "record":
                    is_tuple = all(
                        f.id == i for i, f in enumerate(sorted(fields, key=lambda f: f.id))
                    )
                    return RecordType(tuple(fields), py=tuple if is_tuple and fields else dict)
                return VariantType(tuple(fields), py=dict)
        raise self.error(t, "a type")


def parse_type(text: str) -> CandidType:
    """Parse Candid type text (``vec record { a : nat; text }``); no func/service types."""
    p = _Parser(text)
    t = p.typ()
    p.end()
    return t


# ---------------------------------------------------------------------------------------------
# Parsed values -> Python values of the expected types (candid's annotate_type)
# ---------------------------------------------------------------------------------------------


class _Converter:
    def __init__(self, src: str) -> None:
        self.src = src

    def fail(self, node: _Node, msg: str) -> CandidError:
        return CandidError(f"Candid argument error {_where(self.src, node.start)}: {msg}")

    def mismatch(self, node: _Node, t: CandidType) -> CandidError:
        shown = " ".join(self.src[node.start : node.end].split())
        if len(shown) > 40:
            shown = shown[:37] + "..."
        return self.fail(node, f"expected {_tname(t)}, found {shown}")

    def infer(self, node: _Node) -> Any:
        k = node.kind
        if k == "num":
            return int(node.value)
        if k == "float":
            return _parse_float(node.value)
        if k in ("text", "bool", "principal", "blob"):
            return node.value
        if k == "null":
            return None
        if k == "opt":
            return self.infer(node.value)
        if k == "vec":
            return [self.infer(e) for e in node.value]
        if k == "record":
            fields = node.value
            if all(label == i for i, (label, _) in enumerate(fields)) and fields:
                return tuple(self.infer(v) for _, v in fields)
            return {label: self.infer(v) for label, v in fields}
        if k == "variant":
            label, val = node.value
            return {label: None if val is None else self.infer(val)}
        if k == "ann":
            inner, t = node.value
            return self.convert(inner, t)
        raise self.fail(node, "cannot read this value")  # pragma: no cover

    def convert(self, node: _Node, t: CandidType) -> Any:
        k = node.kind
        if isinstance(t, AnyType):
            return self.infer(node)
        if k == "ann":
            inner, at = node.value
            self.convert(inner, at)  # the value must fit its own annotation first
            if not _compatible(at, t):
                raise self.fail(node, f"type mismatch: {at} cannot be of type {_tname(t)}")
            return self.convert(inner, t)
        if t == RESERVED:
            return None
        if isinstance(t, PrimType):
            n = t.name
            if n in _INT_RANGES:
                if k != "num":
                    raise self.mismatch(node, t)
                v = int(node.value)
                lo, hi = _INT_RANGES[n]
                negative_nat = lo == 0 and node.value.startswith("-")  # "-0" is no nat either
                if (lo is not None and v < lo) or (hi is not None and v > hi) or negative_nat:
                    raise self.fail(node, f"{node.value} is out of range for {n}")
                return v
            if n in _FLOATS:
                if k == "num":
                    v = float(int(node.value))
                elif k == "float":
                    v = _parse_float(node.value)
                else:
                    raise self.mismatch(node, t)
                return _f32(v) if n == "float32" else v
            want = {"bool": "bool", "text": "text", "null": "null", "principal": "principal"}
            if n in want and k == want[n]:
                return node.value
            raise self.mismatch(node, t)
        if isinstance(t, OptType):
            if k == "null":
                return None
            if k == "opt":
                return self.convert(node.value, t.inner)
            raise self.mismatch(node, t)
        if isinstance(t, VecType):
            if t.inner == NAT8 and k == "blob":
                return bytes(node.value) if t.py is bytes else t.py(node.value)
            if k != "vec":
                raise self.mismatch(node, t)
            items = [self.convert(e, t.inner) for e in node.value]
            if t.py is bytes:
                return bytes(items)
            return tuple(items) if t.py is tuple else items
        if isinstance(t, MapType):
            if k != "vec":
                raise self.mismatch(node, t)
            pair = RecordType((Field(0, t.key), Field(1, t.value)), py=tuple)
            out = {}
            for e in node.value:
                key, val = self.convert(e, pair)
                try:
                    out[key] = val
                except TypeError:
                    raise self.fail(e, f"{_short(key)} cannot be a dict key") from None
            return out
        if isinstance(t, RecordType):
            if k != "record":
                raise self.mismatch(node, t)
            by_id = {(lb if isinstance(lb, int) else idl_hash(lb)): v for lb, v in node.value}
            values: dict[str | int, Any] = {}
            for f in t.fields:
                if f.id in by_id:
                    values[f.label] = self.convert(by_id[f.id], f.type)
                elif isinstance(f.type, OptType) or f.type in (RESERVED, NULL, ANY):
                    values[f.label] = None
                else:
                    raise self.fail(node, f"record field {f.label} not found")
            if t.py is tuple:
                return tuple(values[f.label] for f in t.fields)
            if t.py is dict or t.py is None:
                return values
            return t.py(**values)
        if isinstance(t, VariantType):
            if k != "variant":
                raise self.mismatch(node, t)
            label, val = node.value
            lid = label if isinstance(label, int) else idl_hash(label)
            for f in t.fields:
                if f.id == lid:
                    payload = self.convert(val or _Node("null", None, node.start, node.end), f.type)
                    if t.py is str:
                        return f.label
                    if isinstance(t.py, type) and issubclass(t.py, enum.Enum):
                        return t.py[f.label]
                    return {f.label: payload}
            raise self.fail(node, f"variant field {label} not found in {_tname(t)}")
        raise self.mismatch(node, t)  # pragma: no cover


def _compatible(annotated: CandidType, expected: CandidType) -> bool:
    if expected == RESERVED or annotated == expected:
        return True
    if annotated == NAT and expected == INT:
        return True
    if isinstance(expected, MapType) and isinstance(annotated, VecType):
        pair = RecordType((Field(0, expected.key), Field(1, expected.value)))
        return annotated.inner == pair
    return isinstance(expected, OptType) and annotated in (NULL, RESERVED)


def _parse_float(s: str) -> float:
    if s in ("NaN", "-NaN", "+NaN"):
        return float("nan")
    return float(s)


def _fill_omitted(values: list[Any], types: tuple[CandidType, ...]) -> None:
    for t in types[len(values) :]:
        if isinstance(t, OptType | AnyType) or t in (NULL, RESERVED):
            values.append(None)
        else:
            raise CandidError(
                f"Candid argument error: omitted values cannot be of type {_tname(t)}"
            )


def parse_args(text: str, types: Sequence[CandidType] | None = None) -> tuple:
    """Parse a Candid argument text into a tuple of Python values.

    ``text`` is ``(v1, v2, ...)`` with Candid values (numbers with ``_``, hex ``0x..``, floats,
    escapes ``\\n \\" \\u{..} \\de``, comments, annotations ``(42 : nat64)``, ...). When
    ``types`` is given, values are converted to fit them (numbers typed by the expected type,
    records to the dataclass, blob to bytes, ...) and trailing ``opt``/``null``/``reserved``
    arguments may be omitted (they become ``None``).

    As dfx's ``canister call`` does: if the text is not a parenthesised argument list, does not
    start with ``(`` and exactly one argument is expected, then it is the whole argument -- taken
    verbatim as the string when that argument is ``text`` and the text does not start with ``"``
    (``Hi there!``), else parsed as one Candid value (``42``, ``record { a = 1 }``).

    Raises :class:`CandidError` (one line, with ``line:column``) on any error."""
    if not isinstance(text, str):
        raise CandidError(f"Candid argument text must be a str, not {type(text).__name__}")
    expected = None if types is None else tuple(types)
    try:
        parser = _Parser(text)
        nodes = parser.args()
        parser.end()
    except CandidError:
        if expected is None or len(expected) != 1 or text.startswith("("):
            raise
        if expected[0] == TEXT and not text.startswith('"'):
            return (text,)
        parser = _Parser(text)
        nodes = [parser.annval()]
        parser.end()
    conv = _Converter(text)
    if expected is None:
        return tuple(conv.infer(n) for n in nodes)
    if len(nodes) > len(expected):
        n = len(expected)
        raise CandidError(
            f"Candid argument error: expected {n} argument{'s' if n != 1 else ''}, got {len(nodes)}"
        )
    values = [conv.convert(node, t) for node, t in zip(nodes, expected, strict=False)]
    _fill_omitted(values, expected)
    return tuple(values)
