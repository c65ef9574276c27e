"""The Candid type model: :class:`CandidType` and its subclasses, the primitive types, and the
Candid text of a type (``str(t)``, laid out by :func:`type_doc`, candid's ``pp_ty``).

Also :class:`CandidError`, the one error every part of :mod:`subnet.candid` raises for bad text
or values, the tables the other modules share (:data:`PRIMS`, :data:`INT_RANGES`,
:data:`FLOATS`) and :func:`f32`, the rounding that makes a Python float a float32 value.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .layout import SPACE_OR_BREAK, Doc, cat, concat, enclose, kwd, render, text
from .quoting import label_text


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
    if isinstance(t, PrimType | AnyType):
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
    raise TypeError(f"not a Candid type: {t!r}")  # pragma: no cover
