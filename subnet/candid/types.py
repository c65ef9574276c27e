"""The Candid type model: :class:`CandidType` and its subclasses, the primitive types, and the
Candid text of a type (``str(t)``, laid out by :func:`type_doc`, candid's ``pp_ty``).

Also :class:`CandidError`, the one error every part of :mod:`subnet.candid` raises for bad text
or values, the tables the other modules share (:data:`PRIMS`, :data:`INT_RANGES`,
:data:`FLOATS`), :func:`f32`, the rounding that makes a Python float a float32 value, the value
of a func reference (:class:`FuncRef`) and a service's interface (:class:`Service`,
:class:`Method`).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from subnet.ids import Principal

from .layout import (
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
from .quoting import ident_string, label_text


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
        return render(type_doc(self, named=False), 80)


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

    def __post_init__(self) -> None:
        fid = self.label if isinstance(self.label, int) else idl_hash(self.label)
        object.__setattr__(self, "_id", fid)  # computed once: decoding asks for it per value

    @property
    def id(self) -> int:
        fid: int = self.__dict__["_id"]
        return fid


@dataclass(frozen=True)
class RecordType(CandidType):
    """``record { ... }``; fields are kept in field-id order.

    ``name`` is the Candid type name (the dataclass's name) used by :func:`format_service`;
    ``py`` is what parse builds: a dataclass, ``dict`` or ``tuple``. Neither takes part in
    equality."""

    fields: tuple[Field, ...]
    name: str | None = field(default=None, compare=False)
    py: type[Any] | None = field(default=dict, compare=False)

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
    py: type[Any] = field(default=dict, compare=False)

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


@dataclass(frozen=True)
class FuncType(CandidType):
    """``func (args) -> (rets) modes``: the type of a func reference. ``modes`` holds
    ``"query"``, ``"composite_query"`` or ``"oneway"`` (none for an update)."""

    args: tuple[CandidType, ...]
    rets: tuple[CandidType, ...]
    modes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServiceType(CandidType):
    """``service { name : func_type; ... }``: the type of a service reference. ``methods`` are
    ``(name, type)`` pairs kept in the order of the names' UTF-8 bytes (the wire order); each
    type is a :class:`FuncType` (or a :class:`RecType` naming one)."""

    methods: tuple[tuple[str, CandidType], ...]

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.methods, key=lambda m: m[0].encode("utf-8", "surrogatepass")))
        names = [m[0] for m in ordered]
        if len(set(names)) != len(names):
            raise TypeError(f"service methods with the same name: {names}")
        object.__setattr__(self, "methods", ordered)


class RecType(CandidType):
    """A named type that may refer to itself (``type List = opt record { head : int; tail :
    List }``): a knot in an otherwise finite type graph. ``target`` is the type it stands for,
    set once by :meth:`define`. Equal only to itself (recursive types are compared by identity);
    ``str()`` is its name."""

    name: str
    _target: CandidType | None

    def __init__(self, name: str, target: CandidType | None = None) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "_target", target)

    def define(self, target: CandidType) -> None:
        if self._target is not None:
            raise TypeError(f"type {self.name} is already defined")
        object.__setattr__(self, "_target", target)

    @property
    def target(self) -> CandidType:
        if self._target is None:
            raise CandidError(f"type {self.name} is not defined")
        return self._target

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return f"RecType({self.name!r})"

    def __str__(self) -> str:
        return self.name


def resolve(t: CandidType) -> CandidType:
    """`t` with :class:`RecType` knots followed to the type they stand for (CandidError for a
    type that stands only for itself, ``type A = A``)."""
    hops = 0
    while isinstance(t, RecType):
        t = t.target
        hops += 1
        if hops > 10_000:
            raise CandidError("a recursive type that stands only for itself")
    return t


@dataclass(frozen=True, order=True)
class FuncRef:
    """A Candid func reference value: method `method` of the canister `service`
    (``func "aaaaa-aa".m``). A service reference value is just its :class:`Principal`."""

    service: Principal
    method: str

    def __str__(self) -> str:
        return f'func "{self.service}".{label_text(self.method)}'


@dataclass(frozen=True)
class Method:
    """One method of a :class:`Service`: argument and result types and its mode (``"update"``,
    ``"query"``, ``"composite_query"`` or ``"oneway"``)."""

    name: str
    args: tuple[CandidType, ...]
    rets: tuple[CandidType, ...]
    mode: str = "update"


@dataclass(frozen=True)
class Service:
    """A ``candid:service`` interface (:func:`parse_service`): ``methods`` by name,
    ``init_args`` (the ``(A) ->`` of an actor class's ``service : (A) -> {...}``, else ``()``),
    and the ``type`` definitions by name (recursive ones as :class:`RecType`)."""

    methods: Mapping[str, Method]
    init_args: tuple[CandidType, ...] = ()
    types: Mapping[str, CandidType] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Method:
        return self.methods[name]

    def __contains__(self, name: object) -> bool:
        return name in self.methods


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


def omittable(t: CandidType) -> bool:
    """Whether a value of type `t` may be left out, and reads as ``None``: a trailing argument
    or a record field of type ``opt``, ``null``, ``reserved`` (or unannotated); and so whether
    ``null`` fits `t`."""
    t = resolve(t)
    return isinstance(t, OptType | AnyType) or t in (NULL, RESERVED)


PRIMS = {
    t.name: t
    for t in (
        NAT, INT, NAT8, NAT16, NAT32, NAT64, INT8, INT16, INT32, INT64,
        FLOAT32, FLOAT64, BOOL, TEXT, NULL, RESERVED, EMPTY, PRINCIPAL,
    )
}  # fmt: skip

INT_RANGES: dict[str, tuple[int | None, int | None]] = {
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
FLOATS = ("float32", "float64")


def f32(x: float) -> float:
    """`x` rounded to the nearest float32 (±inf past its range): a float32 value in Python."""
    try:
        rounded: float = struct.unpack("<f", struct.pack("<f", x))[0]
        return rounded
    except OverflowError:
        return float("inf") if x > 0 else float("-inf")


# ---------------------------------------------------------------------------------------------
# The Candid text of a type (candid's pp_ty)
# ---------------------------------------------------------------------------------------------


def type_doc(t: CandidType, named: bool, names: Mapping[int, str] | None = None) -> Doc:
    """The layout document of a type. With `named`, records and variants whose ``id()`` is in
    `names` print as that name (``format_service``'s references to its type definitions)."""

    def sub(x: CandidType) -> Doc:
        return type_doc(x, named, names)

    if named and names and isinstance(t, RecordType | VariantType) and id(t) in names:
        return text(names[id(t)])
    if isinstance(t, PrimType | AnyType | RecType):
        return text(str(t))
    if isinstance(t, OptType):
        return cat(kwd("opt"), sub(t.inner))
    if isinstance(t, VecType):
        if t.inner == NAT8:
            return text("blob")
        return cat(kwd("vec"), sub(t.inner))
    if isinstance(t, MapType):
        pair = RecordType((Field(0, t.key), Field(1, t.value)), py=tuple)
        return cat(kwd("vec"), sub(pair))
    if isinstance(t, RecordType):
        if t.is_tuple:
            body = concat([sub(f.type) for f in t.fields], ";")
        else:
            body = concat(
                [cat(text(label_text(f.label)), kwd(" :"), sub(f.type)) for f in t.fields], ";"
            )
        return cat(kwd("record"), enclose("{", body, "}", SPACE_OR_BREAK))
    if isinstance(t, VariantType):
        items = []
        for f in t.fields:
            if f.type == NULL:
                items.append(text(label_text(f.label)))
            else:
                items.append(cat(text(label_text(f.label)), kwd(" :"), sub(f.type)))
        return cat(kwd("variant"), enclose("{", concat(items, ";"), "}", SPACE_OR_BREAK))
    if isinstance(t, FuncType):
        return cat(kwd("func"), func_doc(t, named, names))
    if isinstance(t, ServiceType):
        entries = [
            cat(text(ident_string(name)), kwd(" :"), _method_doc(m, named, names))
            for name, m in t.methods
        ]
        return cat(kwd("service"), enclose("{", concat(entries, ";"), "}", SPACE_OR_BREAK))
    if isinstance(t, CandidType) and type(t).__str__ is not CandidType.__str__:
        return text(str(t))  # a type that spells itself (the binary decoder's future types)
    raise TypeError(f"not a Candid type: {t!r}")  # pragma: no cover


def func_doc(t: FuncType, named: bool, names: Mapping[int, str] | None = None) -> Doc:
    """``(args) -> (rets) modes``: a function type after ``func`` or a method's name."""
    args = enclose(
        "(", concat([type_doc(a, named, names) for a in t.args], ","), ")", NOTHING_OR_BREAK
    )
    rets = enclose(
        "(", concat([type_doc(r, named, names) for r in t.rets], ","), ")", NOTHING_OR_BREAK
    )
    modes = text("".join(" " + m for m in t.modes)) if t.modes else NIL
    return ("nest", 2, cat(args, text(" ->"), text(" "), rets, modes))


def _method_doc(t: CandidType, named: bool, names: Mapping[int, str] | None) -> Doc:
    if isinstance(t, FuncType):
        return func_doc(t, named, names)
    return type_doc(t, named, names)
