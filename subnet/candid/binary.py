"""The Candid binary format: what canisters send each other on the wire (:func:`encode_args`,
:func:`decode_args`), and the subtype relation decoding needs (:func:`is_subtype`).

A message is ``DIDL``, a type table (the composite types, which may refer to each other and to
themselves), the argument types and the argument values, as the Candid specification lays it
out. Python values are those of the text side (see :mod:`subnet.candid`): decoding at the
expected types gives what :func:`~subnet.candid.parse_args` gives for the same text.

Encoding is deterministic: the type table lists each distinct composite type once, in the order
first met (depth first through the argument types), record and variant fields by field id.

Decoding reads the message at its own (wire) types first, checking every byte, then coerces
the values to the expected types by Candid's rules: extra arguments and record fields are
ignored; a missing argument or record field of type ``opt``/``reserved`` is ``None``; ``nat``
is read as ``int``; a value that does not fit ``opt T`` is ``None``; func and service
references must have a subtype of the expected type (:func:`is_subtype`).

Hostile input is bounded: a declared length is checked against the bytes left before anything
is allocated; values and types nest at most :data:`MAX_DEPTH` deep; values that take no bytes
(``null``, ``reserved``, records of those) count against :data:`ZERO_SIZED_QUOTA`, as they could
otherwise multiply without end; numbers have at most :data:`MAX_NUMBER_BITS` bits. Every error
is a :class:`~subnet.candid.CandidError`.
"""

from __future__ import annotations

import dataclasses
import enum
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from subnet.ids import Principal

from .checking import check_args, get_field, infer_type, short, tname
from .types import (
    INT,
    NAT,
    NAT8,
    NULL,
    PRIMS,
    RESERVED,
    TEXT,
    AnyType,
    CandidError,
    CandidType,
    Field,
    FuncRef,
    FuncType,
    MapType,
    OptType,
    PrimType,
    RecordType,
    RecType,
    ServiceType,
    VariantType,
    VecType,
    f32,
    omittable,
    resolve,
)

MAGIC = b"DIDL"
#: How deep values and types may nest (as the text parser allows).
MAX_DEPTH = 200
#: How many values that take no bytes on the wire one message may hold.
ZERO_SIZED_QUOTA = 100_000
#: The largest nat or int (in bits) read from the wire: about 4,200 decimal digits.
MAX_NUMBER_BITS = 14_000

_PRIM_CODES = {
    "null": -1, "bool": -2, "nat": -3, "int": -4, "nat8": -5, "nat16": -6, "nat32": -7,
    "nat64": -8, "int8": -9, "int16": -10, "int32": -11, "int64": -12, "float32": -13,
    "float64": -14, "text": -15, "reserved": -16, "empty": -17, "principal": -24,
}  # fmt: skip
_CODE_PRIMS = {code: PRIMS[name] for name, code in _PRIM_CODES.items()}
_OPT, _VEC, _RECORD, _VARIANT, _FUNC, _SERVICE = -18, -19, -20, -21, -22, -23
_MODE_CODES = {"query": 1, "oneway": 2, "composite_query": 3}
_CODE_MODES = {code: mode for mode, code in _MODE_CODES.items()}
_FIXED = {  # fixed-size numbers: (bytes, signed)
    "nat8": (1, False), "nat16": (2, False), "nat32": (4, False), "nat64": (8, False),
    "int8": (1, True), "int16": (2, True), "int32": (4, True), "int64": (8, True),
}  # fmt: skip
_F32 = struct.Struct("<f")
_F64 = struct.Struct("<d")


@dataclass(frozen=True)
class _FutureType(CandidType):
    """A wire type from a later Candid version (opcode below -24): skipped, read as ``None``."""

    opcode: int

    def __str__(self) -> str:
        return "reserved"


# ---------------------------------------------------------------------------------------------
# LEB128
# ---------------------------------------------------------------------------------------------


def uleb128(n: int) -> bytes:
    """``n`` (>= 0) as unsigned LEB128, the variable-length integers of Candid and Wasm."""
    if n < 0x80:
        return bytes((n,))
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


_leb = uleb128


def sleb128(n: int) -> bytes:
    """``n`` as signed LEB128 (Candid's ``int`` and Wasm's ``i32.const`` immediates)."""
    if -0x40 <= n < 0x40:
        return bytes((n & 0x7F,))
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


_sleb = sleb128


# ---------------------------------------------------------------------------------------------
# Subtyping
# ---------------------------------------------------------------------------------------------


def _optional(t: CandidType) -> bool:
    """Whether a missing argument or record field of type `t` may be read as ``None``."""
    t = resolve(t)
    return isinstance(t, OptType | AnyType) or t == RESERVED


def _as_vec(t: CandidType) -> CandidType:
    if isinstance(t, MapType):
        return VecType(RecordType((Field(0, t.key), Field(1, t.value)), py=tuple))
    return t


class _Subtyping:
    def __init__(self) -> None:
        self.assumed: set[tuple[int, int]] = set()
        self.depth = 0

    def tuple(self, xs: Sequence[CandidType], ys: Sequence[CandidType]) -> bool:
        return all(self.sub(xs[i], y) if i < len(xs) else _optional(y) for i, y in enumerate(ys))

    def sub(self, a: CandidType, b: CandidType) -> bool:
        if isinstance(a, RecType) or isinstance(b, RecType):
            key = (id(a), id(b))
            if key in self.assumed:  # coinduction: a cycle that has not failed holds
                return True
            self.assumed.add(key)
        self.depth += 1
        try:
            if self.depth > 4 * MAX_DEPTH:
                raise CandidError("Candid type error: types nested too deeply")
            return self._sub(_as_vec(resolve(a)), _as_vec(resolve(b)))
        finally:
            self.depth -= 1

    def _sub(self, a: CandidType, b: CandidType) -> bool:
        if b == RESERVED or isinstance(b, AnyType | OptType) or a == PRIMS["empty"]:
            return True  # every type is a subtype of opt T (the spec's rule since 0.1.4)
        if isinstance(a, PrimType) or isinstance(b, PrimType):
            return a == b or (a == NAT and b == INT)
        if isinstance(a, VecType) and isinstance(b, VecType):
            return self.sub(a.inner, b.inner)
        if isinstance(a, RecordType) and isinstance(b, RecordType):
            have = {f.id: f.type for f in a.fields}
            return all(
                self.sub(have[f.id], f.type) if f.id in have else _optional(f.type)
                for f in b.fields
            )
        if isinstance(a, VariantType) and isinstance(b, VariantType):
            want = {f.id: f.type for f in b.fields}
            return all(f.id in want and self.sub(f.type, want[f.id]) for f in a.fields)
        if isinstance(a, FuncType) and isinstance(b, FuncType):
            return a.modes == b.modes and self.tuple(b.args, a.args) and self.tuple(a.rets, b.rets)
        if isinstance(a, ServiceType) and isinstance(b, ServiceType):
            have_m = dict(a.methods)
            return all(name in have_m and self.sub(have_m[name], t) for name, t in b.methods)
        return False


def is_subtype(a: CandidType, b: CandidType) -> bool:
    """Whether `a` is a subtype of `b` in Candid's sense (``nat <: int``, a record with more
    fields, a variant with fewer cases, anything ``<: opt T`` and ``<: reserved``, functions
    contravariant in their arguments, ...), recursive types included."""
    return _Subtyping().sub(a, b)


# ---------------------------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------------------------


class _Encoder:
    def __init__(self) -> None:
        self.entries: list[bytes] = []
        self.index: dict[CandidType, int] = {}

    # -- the type table ----------------------------------------------------------------------
    def ref(self, t: CandidType) -> int:
        if isinstance(t, PrimType):
            return _PRIM_CODES[t.name]
        if isinstance(t, AnyType):
            return _PRIM_CODES["reserved"]
        found = self.index.get(t)
        if found is not None:
            return found
        target = resolve(t)
        if isinstance(target, PrimType | AnyType):
            return self.ref(target)
        if isinstance(target, MapType):
            idx = self.ref(_as_vec(target))
            self.index[t] = idx
            return idx
        idx = len(self.entries)
        self.index[t] = idx
        self.entries.append(b"")
        self.entries[idx] = self.entry(target)
        return idx

    def entry(self, t: CandidType) -> bytes:
        if isinstance(t, OptType):
            return _sleb(_OPT) + _sleb(self.ref(t.inner))
        if isinstance(t, VecType):
            return _sleb(_VEC) + _sleb(self.ref(t.inner))
        if isinstance(t, RecordType | VariantType):
            out = bytearray(_sleb(_RECORD if isinstance(t, RecordType) else _VARIANT))
            out += _leb(len(t.fields))
            for f in t.fields:
                out += _leb(f.id)
                out += _sleb(self.ref(f.type))
            return bytes(out)
        if isinstance(t, FuncType):
            out = bytearray(_sleb(_FUNC))
            for group in (t.args, t.rets):
                out += _leb(len(group))
                for x in group:
                    out += _sleb(self.ref(x))
            out += _leb(len(t.modes))
            for m in t.modes:
                out.append(_MODE_CODES[m])
            return bytes(out)
        if isinstance(t, ServiceType):
            out = bytearray(_sleb(_SERVICE))
            out += _leb(len(t.methods))
            for name, mt in t.methods:
                raw = name.encode("utf-8")
                out += _leb(len(raw))
                out += raw
                out += _sleb(self.ref(mt))
            return bytes(out)
        raise CandidError(f"cannot encode type {t!r}")  # pragma: no cover

    # -- values ------------------------------------------------------------------------------
    def value(self, out: bytearray, v: Any, t: CandidType) -> None:
        if isinstance(t, RecType):
            t = resolve(t)
        if isinstance(t, PrimType):
            self.prim(out, v, t.name)
        elif isinstance(t, OptType):
            if v is None:
                out.append(0)
            else:
                out.append(1)
                self.value(out, v, t.inner)
        elif isinstance(t, VecType):
            inner = resolve(t.inner)
            if isinstance(v, bytes | bytearray) and inner == NAT8:
                out += _leb(len(v))
                out += v
                return
            if not isinstance(v, list | tuple):
                raise _mismatch(v, t)
            out += _leb(len(v))
            if inner == TEXT:
                for s in v:
                    if type(s) is not str:
                        raise _mismatch(s, inner)
                    raw = s.encode("utf-8")
                    n = len(raw)
                    if n < 0x80:
                        out.append(n)
                    else:
                        out += _leb(n)
                    out += raw
            else:
                for e in v:
                    self.value(out, e, inner)
        elif isinstance(t, MapType):
            if not isinstance(v, Mapping):
                raise _mismatch(v, t)
            out += _leb(len(v))
            for k, e in v.items():
                self.value(out, k, t.key)
                self.value(out, e, t.value)
        elif isinstance(t, RecordType):
            self.record(out, v, t)
        elif isinstance(t, VariantType):
            self.variant(out, v, t)
        elif isinstance(t, FuncType):
            if not isinstance(v, FuncRef):
                raise _mismatch(v, t)
            out += b"\x01\x01"
            raw = v.service.raw
            out += _leb(len(raw)) + raw
            name = v.method.encode("utf-8")
            out += _leb(len(name)) + name
        elif isinstance(t, ServiceType):
            if not isinstance(v, Principal):
                raise _mismatch(v, t)
            out += b"\x01" + _leb(len(v.raw)) + v.raw
        elif isinstance(t, AnyType):
            pass  # a nested unknown type goes on the wire as reserved
        else:  # pragma: no cover
            raise CandidError(f"cannot encode type {t!r}")

    def prim(self, out: bytearray, v: Any, name: str) -> None:
        if name in ("nat", "int") or name in _FIXED:
            if not isinstance(v, int) or isinstance(v, bool):
                raise _mismatch(v, PRIMS[name])
            if name == "nat":
                if v < 0:
                    raise _mismatch(v, NAT)
                out += _leb(v)
            elif name == "int":
                out += _sleb(v)
            else:
                size, signed = _FIXED[name]
                try:
                    out += v.to_bytes(size, "little", signed=signed)
                except OverflowError:
                    raise _mismatch(v, PRIMS[name]) from None
        elif name == "text":
            if not isinstance(v, str):
                raise _mismatch(v, TEXT)
            try:
                raw = v.encode("utf-8")
            except UnicodeEncodeError:
                raise CandidError(f"text is not valid Unicode: {short(v)}") from None
            out += _leb(len(raw))
            out += raw
        elif name == "bool":
            if not isinstance(v, bool):
                raise _mismatch(v, PRIMS[name])
            out.append(1 if v else 0)
        elif name in ("float32", "float64"):
            if not isinstance(v, float | int) or isinstance(v, bool):
                raise _mismatch(v, PRIMS[name])
            out += _F32.pack(f32(float(v))) if name == "float32" else _F64.pack(float(v))
        elif name == "null":
            if v is not None:
                raise _mismatch(v, NULL)
        elif name == "principal":
            if not isinstance(v, Principal):
                raise _mismatch(v, PRIMS[name])
            out += b"\x01" + _leb(len(v.raw)) + v.raw
        elif name == "empty":
            raise CandidError("no value has type empty")
        # reserved: any value, no bytes

    def record(self, out: bytearray, v: Any, t: RecordType) -> None:
        if isinstance(v, list | tuple):
            if not t.is_tuple or len(v) != len(t.fields):
                raise _mismatch(v, t)
            for f, e in zip(t.fields, v, strict=True):
                self.value(out, e, f.type)
            return
        if not (
            isinstance(v, Mapping) or (dataclasses.is_dataclass(v) and not isinstance(v, type))
        ):
            raise _mismatch(v, t)
        matched = 0
        for f in t.fields:
            found, e = get_field(v, f.label)
            if found:
                matched += 1
            elif not omittable(f.type):
                raise CandidError(f"missing field {f.label} of {tname(t)}")
            self.value(out, e, f.type)
        if isinstance(v, Mapping) and len(v) != matched:
            extra = [k for k in v if all(k != f.label for f in t.fields)]
            raise CandidError(f"unexpected field {short(extra[0], 20)} for {tname(t)}")

    def variant(self, out: bytearray, v: Any, t: VariantType) -> None:
        if t.py is str and isinstance(v, str):
            label: Any = v
            payload: Any = None
        elif isinstance(v, enum.Enum):
            label, payload = v.name, None
        elif isinstance(v, Mapping) and len(v) == 1:
            ((label, payload),) = v.items()
        else:
            raise _mismatch(v, t)
        for i, f in enumerate(t.fields):
            if f.label == label:
                out += _leb(i)
                self.value(out, payload, f.type)
                return
        raise CandidError(f"{short(label, 20)} is not a case of {tname(t)}")


def _mismatch(v: Any, t: CandidType) -> CandidError:
    return CandidError(f"expected {tname(t)}, got {short(v)}")


def encode_args(values: Sequence[Any], types: Sequence[CandidType]) -> bytes:
    """The Candid binary message (``DIDL...``) of the argument (or result) tuple `values` at
    `types`. The same values and types always give the same bytes.

    An unannotated type (:data:`~subnet.candid.ANY`) takes the type of its value (as printing
    does); an unknown type nested in that goes on the wire as ``reserved``. Raises
    :class:`CandidError` when the values do not fit the types."""
    values, types = tuple(values), tuple(types)
    if len(values) != len(types):
        n = len(types)
        raise CandidError(f"expected {n} argument{'s' if n != 1 else ''}, got {len(values)}")
    types = tuple(
        infer_type(v) if isinstance(t, AnyType) else t for v, t in zip(values, types, strict=True)
    )
    out = bytearray(_head(types))
    enc = _VALUES
    try:
        for v, t in zip(values, types, strict=True):
            enc.value(out, v, t)
    except CandidError as e:
        detail = check_args(values, types)
        raise CandidError(detail or str(e)) from None
    return bytes(out)


@lru_cache(maxsize=1024)
def _head(types: tuple[CandidType, ...]) -> bytes:
    """A message's head: the magic, the type table and the argument types' references. It
    depends on the types alone, and a canister's calls use a few tuples of them: made once
    for each (types are compared by structure, recursive ones by identity)."""
    enc = _Encoder()
    refs = [enc.ref(t) for t in types]
    out = bytearray(MAGIC)
    out += _leb(len(enc.entries))
    for entry in enc.entries:
        out += entry
    out += _leb(len(refs))
    for r in refs:
        out += _sleb(r)
    return bytes(out)


_VALUES = _Encoder()  # values are encoded without the table: one encoder serves every message


# ---------------------------------------------------------------------------------------------
# Decoding: the wire types and values
# ---------------------------------------------------------------------------------------------


class _Decoder:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.end = len(data)
        self.quota = ZERO_SIZED_QUOTA
        self.zero_memo: dict[int, bool] = {}

    def fail(self, msg: str) -> CandidError:
        return CandidError(f"Candid decode error at byte {self.pos}: {msg}")

    # -- bytes and numbers ---------------------------------------------------------------------
    def byte(self) -> int:
        if self.pos >= self.end:
            raise self.fail("unexpected end of input")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def take(self, n: int) -> bytes:
        if n > self.end - self.pos:
            raise self.fail(f"{n} bytes declared, {self.end - self.pos} left")
        start = self.pos
        self.pos += n
        return self.data[start : self.pos]

    def leb(self, max_bits: int = 64) -> int:
        data, pos, end = self.data, self.pos, self.end
        result = shift = 0
        while True:
            if pos >= end:
                raise self.fail("unexpected end of input in a LEB128 number")
            b = data[pos]
            pos += 1
            result |= (b & 0x7F) << shift
            if b < 0x80:
                break
            shift += 7
            if shift > max_bits + 63:
                raise self.fail("LEB128 number too long")
        if result >> max_bits:
            raise self.fail("number too large")
        self.pos = pos
        return result

    def sleb(self, max_bits: int = 64) -> int:
        data, pos, end = self.data, self.pos, self.end
        result = shift = 0
        while True:
            if pos >= end:
                raise self.fail("unexpected end of input in a LEB128 number")
            b = data[pos]
            pos += 1
            result |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                break
            if shift > max_bits + 63:
                raise self.fail("LEB128 number too long")
        if b & 0x40:
            result -= 1 << shift
        if result >> max_bits not in (0, -1):
            raise self.fail("number too large")
        self.pos = pos
        return result

    def count(self, what: str) -> int:
        """A length of things that take at least a byte each: no more than the bytes left."""
        n = self.leb()
        if n > self.end - self.pos:
            raise self.fail(f"{what} {n} is longer than the input")
        return n

    def text(self) -> str:
        raw = self.take(self.leb())
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail("text is not valid UTF-8") from None

    def charge(self, n: int) -> None:
        self.quota -= n
        if self.quota < 0:
            raise self.fail(f"more than {ZERO_SIZED_QUOTA} values that take no bytes")

    # -- the type table ------------------------------------------------------------------------
    def table(self) -> tuple[list[CandidType], list[CandidType]]:
        """The type table and the argument types."""
        n = self.count("type table length")
        raw: list[tuple[Any, ...]] = []
        for _ in range(n):
            op = self.sleb()
            if op in (_OPT, _VEC):
                raw.append((op, self.typeref(n)))
            elif op in (_RECORD, _VARIANT):
                k = self.count("field count")
                fields: list[tuple[int, int]] = []
                for _ in range(k):
                    fid = self.leb()
                    if fid > 0xFFFFFFFF:
                        raise self.fail(f"field id {fid} larger than 32 bits")
                    if fields and fid <= fields[-1][0]:
                        raise self.fail("field ids not in increasing order")
                    fields.append((fid, self.typeref(n)))
                raw.append((op, fields))
            elif op == _FUNC:
                args = [self.typeref(n) for _ in range(self.count("argument count"))]
                rets = [self.typeref(n) for _ in range(self.count("result count"))]
                modes = []
                for _ in range(self.count("annotation count")):
                    code = self.byte()
                    if code not in _CODE_MODES:
                        raise self.fail(f"unknown function annotation {code}")
                    modes.append(_CODE_MODES[code])
                raw.append((op, args, rets, tuple(modes)))
            elif op == _SERVICE:
                methods: list[tuple[bytes, int]] = []
                for _ in range(self.count("method count")):
                    name = self.take(self.leb())
                    if methods and name <= methods[-1][0]:
                        raise self.fail("method names not in increasing order")
                    methods.append((name, self.typeref(n)))
                raw.append((op, methods))
            elif op < -24:
                self.take(self.leb())
                raw.append((op,))
            else:
                raise self.fail(f"type {op} cannot be in the type table")
        for entry in raw:
            if entry[0] == _SERVICE:
                for name, ref in entry[1]:
                    if ref < 0 or raw[ref][0] != _FUNC:
                        raise self.fail("a service method whose type is no function type")
                    try:
                        name.decode("utf-8")
                    except UnicodeDecodeError:
                        raise self.fail("method name is not valid UTF-8") from None
        nargs = self.count("argument count")
        arg_refs = [self.typeref(n) for _ in range(nargs)]
        types = _TableBuilder(raw, self).build()
        return types, [types[r] if r >= 0 else _CODE_PRIMS[r] for r in arg_refs]

    def typeref(self, n: int) -> int:
        r = self.sleb()
        if r >= n or (r < 0 and r not in _CODE_PRIMS):
            raise self.fail(f"type index {r} out of range")
        return r

    # -- values --------------------------------------------------------------------------------
    def zero_sized(self, t: CandidType) -> bool:
        """Whether values of `t` take no bytes (null, reserved, records of those)."""
        t = resolve(t)
        key = id(t)
        if key in self.zero_memo:
            return self.zero_memo[key]
        if t in (NULL, RESERVED):
            return True
        if not isinstance(t, RecordType):
            return False
        self.zero_memo[key] = True  # a cycle of records takes no bytes either
        result = all(self.zero_sized(f.type) for f in t.fields)
        self.zero_memo[key] = result
        return result

    def read(self, t: CandidType, depth: int) -> Any:
        if isinstance(t, RecType):
            t = resolve(t)
        if isinstance(t, PrimType):
            return self.prim(t.name)
        if depth > MAX_DEPTH:
            raise self.fail(f"values nested more than {MAX_DEPTH} deep")
        if isinstance(t, OptType):
            flag = self.byte()
            if flag == 0:
                return None
            if flag != 1:
                raise self.fail(f"opt flag {flag} is neither 0 nor 1")
            return (self.read(t.inner, depth + 1),)
        if isinstance(t, VecType):
            n = self.leb()
            inner = resolve(t.inner)
            if inner == NAT8:
                return self.take(n)
            if self.zero_sized(inner):
                if n > self.quota:
                    raise self.fail(f"vec of {n} values that take no bytes")
                if inner in (NULL, RESERVED):
                    self.charge(n)
                    return [None] * n
            elif n > self.end - self.pos:
                raise self.fail(f"vec length {n} is longer than the input")
            if inner == TEXT:
                return [self.text() for _ in range(n)]
            return [self.read(inner, depth + 1) for _ in range(n)]
        if isinstance(t, RecordType):
            if self.zero_sized(t):
                self.charge(1)
            return {f.id: self.read(f.type, depth + 1) for f in t.fields}
        if isinstance(t, VariantType):
            i = self.leb()
            if i >= len(t.fields):
                raise self.fail(f"variant index {i} out of range")
            f = t.fields[i]
            return (f.id, self.read(f.type, depth + 1))
        if isinstance(t, FuncType):
            if self.byte() != 1:
                raise self.fail("opaque func reference")
            service = self.principal()
            return FuncRef(service, self.text())
        if isinstance(t, ServiceType):
            return self.principal()
        if isinstance(t, _FutureType):
            size = self.leb()
            if self.leb():
                raise self.fail("references in a value of a future type")
            self.take(size)
            return None
        raise self.fail(f"cannot decode type {t}")  # pragma: no cover

    def principal(self) -> Principal:
        if self.byte() != 1:
            raise self.fail("opaque principal reference")
        raw = self.take(self.leb())
        try:
            return Principal(raw)
        except ValueError as e:
            raise self.fail(str(e)) from None

    def prim(self, name: str) -> Any:
        if name == "text":
            return self.text()
        if name == "nat":
            return self.leb(MAX_NUMBER_BITS)
        if name == "int":
            return self.sleb(MAX_NUMBER_BITS)
        if name in _FIXED:
            size, signed = _FIXED[name]
            return int.from_bytes(self.take(size), "little", signed=signed)
        if name == "bool":
            b = self.byte()
            if b > 1:
                raise self.fail(f"bool byte {b} is neither 0 nor 1")
            return b == 1
        if name in ("null", "reserved"):
            self.charge(1)
            return None
        if name == "float64":
            return _F64.unpack(self.take(8))[0]
        if name == "float32":
            return _F32.unpack(self.take(4))[0]
        if name == "principal":
            return self.principal()
        raise self.fail("no value has type empty")


class _TableBuilder:
    """Type table entries -> types; an entry met again while it is being built becomes a
    :class:`RecType` knot."""

    def __init__(self, raw: list[tuple[Any, ...]], dec: _Decoder) -> None:
        self.raw = raw
        self.dec = dec
        self.built: dict[int, CandidType] = {}
        self.building: set[int] = set()
        self.knots: dict[int, RecType] = {}
        self.depth = 0

    def build(self) -> list[CandidType]:
        return [self.ref(i) for i in range(len(self.raw))]

    def ref(self, r: int) -> CandidType:
        if r < 0:
            return _CODE_PRIMS[r]
        if r in self.built:
            return self.built[r]
        if r in self.building:
            return self.knots.setdefault(r, RecType(f"rec_{r}"))
        if self.depth >= MAX_DEPTH:
            raise self.dec.fail(f"types nested more than {MAX_DEPTH} deep")
        self.building.add(r)
        self.depth += 1
        t = self.make(self.raw[r])
        self.depth -= 1
        self.building.discard(r)
        if r in self.knots:
            self.knots[r].define(t)
            t = self.knots[r]
        self.built[r] = t
        return t

    def make(self, entry: tuple[Any, ...]) -> CandidType:
        op = entry[0]
        if op == _OPT:
            return OptType(self.ref(entry[1]))
        if op == _VEC:
            inner = self.ref(entry[1])
            return VecType(inner, py=bytes if inner == NAT8 else list)
        if op in (_RECORD, _VARIANT):
            fields = tuple(Field(fid, self.ref(r)) for fid, r in entry[1])
            if op == _VARIANT:
                return VariantType(fields)
            is_tuple = bool(fields) and all(f.id == i for i, f in enumerate(fields))
            return RecordType(fields, py=tuple if is_tuple else dict)
        if op == _FUNC:
            args = tuple(self.ref(r) for r in entry[1])
            rets = tuple(self.ref(r) for r in entry[2])
            return FuncType(args, rets, entry[3])
        if op == _SERVICE:
            return ServiceType(tuple((name.decode("utf-8"), self.ref(r)) for name, r in entry[1]))
        return _FutureType(op)


# ---------------------------------------------------------------------------------------------
# Decoding: wire values -> values of the expected types
# ---------------------------------------------------------------------------------------------

_PASS_THROUGH = frozenset(PRIMS) - {"empty", "reserved"}


def _coerce(v: Any, wt: CandidType, et: CandidType) -> Any:
    """The wire value `v` (of wire type `wt`) as a value of the expected type `et`."""
    if isinstance(wt, RecType):
        wt = resolve(wt)
    if isinstance(et, RecType):
        et = resolve(et)
    if isinstance(et, AnyType):
        return _coerce(v, wt, wt)
    if isinstance(et, PrimType):
        if et == RESERVED:
            return None
        if wt == et or (wt == NAT and et == INT):
            if et.name == "empty":  # pragma: no cover - the wire holds no empty values
                raise CandidError("no value has type empty")
            return v
        raise _wrong(wt, et)
    if isinstance(et, OptType):
        if wt in (NULL, RESERVED) or isinstance(wt, _FutureType):
            return None
        if isinstance(wt, OptType):
            if v is None:
                return None
            v, wt = v[0], wt.inner
        elif omittable(et.inner):  # null fits it: only a null or opt value reads as one
            return None
        try:
            return _coerce(v, wt, et.inner)
        except CandidError:
            return None  # a value that does not fit opt T is null
    if isinstance(et, VecType):
        if not isinstance(wt, VecType):
            raise _wrong(wt, et)
        wi, ei = resolve(wt.inner), resolve(et.inner)
        if isinstance(wi, PrimType) and (wi == ei or (wi == NAT and ei == INT)):
            if wi.name in _PASS_THROUGH:
                items = v
            else:
                items = [_coerce(e, wi, ei) for e in v]
        else:
            items = [_coerce(e, wi, ei) for e in v]
        if et.py is bytes:
            return bytes(items)
        if et.py is tuple:
            return tuple(items)
        return items if type(items) is list else list(items)
    if isinstance(et, MapType):
        pair = RecordType((Field(0, et.key), Field(1, et.value)), py=tuple)
        if not isinstance(wt, VecType):
            raise _wrong(wt, et)
        out = {}
        for e in v:
            key, val = _coerce(e, wt.inner, pair)
            try:
                out[key] = val
            except TypeError:
                raise CandidError(f"{short(key)} cannot be a dict key") from None
        return out
    if isinstance(et, RecordType):
        if not isinstance(wt, RecordType):
            raise _wrong(wt, et)
        wire = {f.id: f.type for f in wt.fields}
        values: dict[str | int, Any] = {}
        for f in et.fields:
            if f.id in wire:
                values[f.label] = _coerce(v[f.id], wire[f.id], f.type)
            elif _optional(f.type):
                values[f.label] = None
            else:
                raise CandidError(f"record field {f.label} not found in the value")
        if et.py is tuple:
            return tuple(values[f.label] for f in et.fields)
        if et.py is dict or et.py is None:
            return values
        return et.py(**cast(dict[str, Any], values))
    if isinstance(et, VariantType):
        if not isinstance(wt, VariantType):
            raise _wrong(wt, et)
        fid, payload = v
        wire_t = next(f.type for f in wt.fields if f.id == fid)
        for f in et.fields:
            if f.id == fid:
                value = _coerce(payload, wire_t, f.type)
                if et.py is str:
                    return f.label
                if isinstance(et.py, type) and issubclass(et.py, enum.Enum):
                    return et.py[cast(str, f.label)]
                return {f.label: value}
        raise CandidError(f"variant case {fid} not found in {tname(et)}")
    if isinstance(et, FuncType | ServiceType):
        if not is_subtype(wt, et):
            raise _wrong(wt, et)
        return v
    if isinstance(et, _FutureType):
        return None
    raise _wrong(wt, et)  # pragma: no cover


def _wrong(wt: CandidType, et: CandidType) -> CandidError:
    return CandidError(f"a {tname(wt)} value on the wire cannot be read as {tname(et)}")


def decode_args(data: bytes, types: Sequence[CandidType] | None = None) -> tuple[Any, ...]:
    """The values of the Candid binary message `data`, as values of `types`.

    Extra arguments on the wire are ignored and missing trailing ``opt``/``reserved``
    arguments are ``None``; within values Candid's subtyping applies (see the module's text).
    With ``types=None`` the values are read at the wire types alone: records are keyed by field
    id (a tuple when the ids are ``0..n-1``), variants are one-key dicts by field id, and
    reserved and future-type values are ``None``.

    Raises :class:`CandidError` on malformed input, trailing bytes, or values that do not fit
    `types`."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise CandidError(f"a Candid message is bytes, not {type(data).__name__}")
    data = bytes(data)
    if not data.startswith(MAGIC):
        raise CandidError("not a Candid message: it does not start with DIDL")
    dec = _Decoder(data)
    dec.pos = len(MAGIC)
    _table, wire_types = dec.table()
    wire_values = [dec.read(t, 0) for t in wire_types]
    if dec.pos != dec.end:
        raise dec.fail(f"{dec.end - dec.pos} bytes left over after the values")
    if types is None:
        return tuple(_coerce(v, t, t) for v, t in zip(wire_values, wire_types, strict=True))
    expected = tuple(types)
    out = []
    for i, et in enumerate(expected):
        if i < len(wire_values):
            try:
                out.append(_coerce(wire_values[i], wire_types[i], et))
            except CandidError as e:
                raise CandidError(f"Candid decode error: argument {i + 1}: {e}") from None
        elif _optional(et):
            out.append(None)
        else:
            raise CandidError(
                f"Candid decode error: argument {i + 1} ({tname(et)}) is missing: the message "
                f"has {len(wire_values)}"
            )
    return tuple(out)
