"""Python values against Candid types: whether values fit (:func:`check_value`,
:func:`check_args`, :func:`fast_validator`; the engine rejects calls whose arguments do not fit
the annotations) and which type an unannotated value prints as (:func:`infer_type`).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from subnet.ids import Principal

from .annotations import candid_type
from .types import (
    ANY,
    BLOB,
    BOOL,
    FLOAT64,
    FLOATS,
    INT,
    INT_RANGES,
    NAT8,
    NULL,
    PRINCIPAL,
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
    ServiceType,
    VariantType,
    VecType,
    omittable,
    resolve,
)


def short(value: Any, limit: int = 40) -> str:
    """``repr(value)``, cut to `limit` characters, for error messages."""
    try:
        r = repr(value)
    except Exception:  # pragma: no cover - hostile __repr__
        r = f"<{type(value).__name__}>"
    return r if len(r) <= limit else r[: limit - 3] + "..."


def tname(t: CandidType, limit: int = 60) -> str:
    """A type's name for error messages: a record's or variant's class name, else its text on
    one line, cut to `limit` characters."""
    if isinstance(t, RecordType | VariantType) and t.name:
        return t.name
    s = " ".join(str(t).split())
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def get_field(value: Any, name: str | int) -> tuple[bool, Any]:
    """``(found, value)`` of a record field in a dict or an object (a dataclass)."""
    if isinstance(value, Mapping):
        if name in value:
            return True, value[name]
        return False, None
    if isinstance(name, str) and hasattr(value, name):
        return True, getattr(value, name)
    return False, None


def _check(v: Any, t: CandidType, path: str) -> str | None:
    def bad(extra: str = "") -> str:
        return f"{path}: expected {tname(t)}, got {short(v)}{extra}"

    t = resolve(t)
    if isinstance(t, AnyType):
        return None
    if isinstance(t, PrimType):
        n = t.name
        if n in INT_RANGES:
            if not _is_int(v):
                return bad()
            lo, hi = INT_RANGES[n]
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                return bad()
            return None
        if n in FLOATS:
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
            err = _check(k, t.key, f"{path} key {short(k, 20)}") or _check(
                e, t.value, f"{path}[{short(k, 20)}]"
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
            found, e = get_field(v, f.label)
            if not found:
                if omittable(f.type):
                    continue
                return f"{path}: missing field {f.label} of {tname(t)}"
            err = _check(e, f.type, f"{path}.{f.label}")
            if err:
                return err
        if isinstance(v, Mapping):
            known = {f.label for f in t.fields}
            extra = [k for k in v if k not in known]
            if extra:
                return f"{path}: unexpected field {short(extra[0], 20)} for {tname(t)}"
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
            return f"{path}: {short(label, 20)} is not a case of {tname(t)}"
        return _check(e, cases[label], f"{path}.{label}")
    if isinstance(t, FuncType):
        return None if isinstance(v, FuncRef) else bad()
    if isinstance(t, ServiceType):
        return None if isinstance(v, Principal) else bad()
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
        if isinstance(t, PrimType) and t.name in INT_RANGES:
            lo, hi = INT_RANGES[t.name]
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
    if all(shape == "one" for shape, _ in checks):
        # the common case, with fits() inlined: every parameter a simple type
        ones = [check for _, check in checks]

        def valid_simple(values: Sequence[Any]) -> bool:
            if len(values) != n:
                return False
            for v, (kind, lo, hi) in zip(values, ones, strict=True):
                if kind is None:
                    continue
                if type(v) is not kind:
                    return False
                if (lo is not None and v < lo) or (hi is not None and v > hi):
                    return False
            return True

        return valid_simple

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


# ---------------------------------------------------------------------------------------------
# Types of unannotated values
# ---------------------------------------------------------------------------------------------


def infer_type(v: Any) -> CandidType:
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
    if isinstance(v, FuncRef):
        return FuncType((), ())
    if isinstance(v, enum.Enum):
        return candid_type(type(v))
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        try:
            return candid_type(type(v))
        except TypeError:
            return RecordType(
                tuple(Field(f.name, infer_type(getattr(v, f.name))) for f in dataclasses.fields(v))
            )
    if isinstance(v, Mapping):
        if all(isinstance(k, str) for k in v):
            return RecordType(tuple(Field(k, infer_type(e)) for k, e in v.items()))
        return MapType(ANY, ANY)
    if isinstance(v, list | tuple | set | frozenset):
        items = list(v)
        ts = {infer_type(e) for e in items}
        if len(ts) <= 1:
            return VecType(ts.pop() if ts else ANY, py=list)
        if isinstance(v, tuple):
            return RecordType(tuple(Field(i, infer_type(e)) for i, e in enumerate(items)), py=tuple)
        return VecType(ANY, py=list)
    raise CandidError(f"cannot print a {type(v).__name__} value as Candid: {short(v)}")
