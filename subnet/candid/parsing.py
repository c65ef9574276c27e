"""Reading Candid text: :func:`parse_args` reads CLI argument text (``(42 : nat64)``,
``(record { a = 1 })``, or dfx's bare text argument) into Python values of the expected types;
:func:`parse_type` reads type text.

Three stages: a tokenizer, a parser building untyped nodes (candid's ``IDLValue``), and a
converter giving them the expected types (candid's ``annotate_type``).

Numbers are limited to 4,000 decimal digits (3,321 hex digits, the same magnitude), a parse
error past that. A float literal, or an integer read as a float, beyond the largest double is
±inf, as the Rust ``candid`` crate reads it (``str::parse::<f64>``).
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from subnet.ids import Principal

from .checking import short, tname
from .quoting import decimal_int
from .types import (
    ANY,
    FLOATS,
    INT,
    INT_RANGES,
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
    Method,
    OptType,
    PrimType,
    RecordType,
    RecType,
    Service,
    ServiceType,
    VariantType,
    VecType,
    f32,
    idl_hash,
    omittable,
    resolve,
)

# ---------------------------------------------------------------------------------------------
# Lexing and parsing Candid text
# ---------------------------------------------------------------------------------------------


_MAX_NESTING = 200
_MAX_DIGITS = 4000  # digits of a number (or characters of a float)
_MAX_HEX_DIGITS = 3321  # 16**3321 < 10**4000: a hex number prints in at most _MAX_DIGITS digits
_LABEL_TOKENS = ("dec", "hex", "id", "bool", "text")  # what may start a `label =` / `label :`
_MODES = ("query", "composite_query", "oneway")


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
        shown = tok.value if len(tok.value) <= 40 else tok.value[:37] + "..."
        return f"number {shown}"
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
                if len(value) > (_MAX_HEX_DIGITS if kind == "hex" else _MAX_DIGITS):
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
        if src.startswith("->", i):
            toks.append(_Tok("->", "->", i, i + 2))
            i += 2
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
    def __init__(self, src: str, names: dict[str, RecType] | None = None) -> None:
        self.src = src
        self.toks = _tokenize(src)
        self.i = 0
        self.depth = 0
        # type names in scope (parse_service): each a RecType defined once all are read
        self.names = names

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
            decoded: str = tok.value.decode("utf-8")
            return decoded
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
                return _Node("principal", self.principal(s), t.start, s.end)
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
            if w == "service":
                self.next()
                s = self.expect("text", "a string after service")
                return _Node("service", self.principal(s), t.start, s.end)
            if w == "func":
                self.next()
                s = self.expect("text", "a string after func")
                self.expect(".", "'.' after the func's principal")
                m = self.peek()
                if m.kind == "id":
                    method = m.value
                elif m.kind == "text":
                    method = self.text_value(m)
                else:
                    raise self.error(m, "a method name")
                self.next()
                return _Node("func", FuncRef(self.principal(s), method), t.start, m.end)
        raise self.error(t, "a value")

    def principal(self, s: _Tok) -> Principal:
        text = self.text_value(s)
        try:
            return Principal.from_text(text)
        except (ValueError, TypeError) as e:
            raise CandidError(
                f"Candid parse error {_where(self.src, s.start)}: invalid principal {text!r}: {e}"
            ) from None

    def number(self) -> _Node:
        start = self.peek().start
        sign = ""
        if self.peek().kind == "sign":
            sign = self.next().value
        t = self.peek()
        if t.kind in ("dec", "hex"):  # (negative, magnitude): "-0" is no nat, and -0.0 a float
            self.next()
            magnitude = decimal_int(t.value) if t.kind == "dec" else int(t.value, 16)
            return _Node("num", (sign == "-", magnitude), start, t.end)
        if t.kind == "float":
            self.next()
            return _Node("float", ("-" if sign == "-" else "") + t.value, start, t.end)
        if t.kind == "id" and t.value == "inf" and sign:
            self.next()
            return _Node("float", sign + "inf", start, t.end)
        raise self.error(t, "a number")

    def field_id(self, tok: _Tok) -> int:
        n = int(tok.value, 16) if tok.kind == "hex" else decimal_int(tok.value)
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
            name: str = t.value
            return name
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
            if t.kind in _LABEL_TOKENS and self.peek(1).kind == "=":
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
            if t.value in PRIMS:
                return PRIMS[t.value]
            if self.names is not None:
                if t.value not in self.names:
                    self.names[t.value] = RecType(t.value)
                return self.names[t.value]
            raise CandidError(
                f"Candid parse error {_where(self.src, t.start)}: unknown type {t.value!r}"
            )
        if t.kind == "kw":
            w = t.value
            if w in ("null", "principal"):
                self.next()
                return PRIMS[w]
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
                    if ft.kind in _LABEL_TOKENS and self.peek(1).kind == ":":
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
            if w == "func":
                self.next()
                return self.functype()
            if w == "service":
                self.next()
                return self.servicetype()
        raise self.error(t, "a type")

    def tuple_type(self) -> tuple[CandidType, ...]:
        """``(A, name : B, ...)``: argument or result types (argument names are dropped)."""
        self.expect("(", "'('")
        out: list[CandidType] = []
        while self.peek().kind != ")":
            if self.peek().kind in ("id", "text") and self.peek(1).kind == ":":
                self.next()
                self.next()
            out.append(self.typ())
            if self.peek().kind == ",":
                self.next()
            elif self.peek().kind != ")":
                raise self.error(self.peek(), "',' or ')'")
        self.next()
        return tuple(out)

    def functype(self) -> FuncType:
        args = self.tuple_type()
        self.expect("->", "'->'")
        rets = self.tuple_type()
        modes: list[str] = []
        while self.peek().kind == "kw" and self.peek().value in _MODES:
            modes.append(self.next().value)
        return FuncType(args, rets, tuple(modes))

    def method_type(self) -> CandidType:
        t = self.peek()
        if t.kind == "(":
            return self.functype()
        if t.kind == "id":
            return self.typ()  # a name that should stand for a func type
        raise self.error(t, "a method type")

    def servicetype(self) -> ServiceType:
        self.expect("{", "'{' after service")
        methods: list[tuple[str, CandidType]] = []
        seen: set[str] = set()
        while self.peek().kind != "}":
            nt = self.peek()
            if nt.kind == "id":
                name = nt.value
            elif nt.kind == "text":
                name = self.text_value(nt)
            else:
                raise self.error(nt, "a method name")
            self.next()
            self.expect(":", "':' after the method name")
            if name in seen:
                raise CandidError(
                    f"Candid parse error {_where(self.src, nt.start)}: duplicate method {name}"
                )
            seen.add(name)
            methods.append((name, self.method_type()))
            if self.peek().kind == ";":
                self.next()
            elif self.peek().kind != "}":
                raise self.error(self.peek(), "';' or '}'")
        self.next()
        return ServiceType(tuple(methods))  # (the names are distinct: checked above)


def parse_type(text: str) -> CandidType:
    """Parse Candid type text (``vec record { a : nat; text }``, ``func (text) -> () query``,
    ``service { f : () -> () }``); no type names (:func:`parse_service` reads definitions)."""
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

    def shown(self, node: _Node) -> str:
        """The text of a node, on one line, cut to 40 characters."""
        shown = " ".join(self.src[node.start : node.end].split())
        return shown if len(shown) <= 40 else shown[:37] + "..."

    def mismatch(self, node: _Node, t: CandidType) -> CandidError:
        return self.fail(node, f"expected {tname(t)}, found {self.shown(node)}")

    def infer(self, node: _Node) -> Any:
        k = node.kind
        if k == "num":
            return _integer(node)
        if k == "float":
            return _parse_float(node.value)
        if k in ("text", "bool", "principal", "blob", "service", "func"):
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
        t = resolve(t)
        if isinstance(t, AnyType):
            return self.infer(node)
        if k == "ann":
            inner, at = node.value
            self.convert(inner, at)  # the value must fit its own annotation first
            if not _compatible(at, t):
                raise self.fail(node, f"type mismatch: {at} cannot be of type {tname(t)}")
            return self.convert(inner, t)
        if t == RESERVED:
            return None
        if isinstance(t, PrimType):
            n = t.name
            if n in INT_RANGES:
                if k != "num":
                    raise self.mismatch(node, t)
                v = _integer(node)
                lo, hi = INT_RANGES[n]
                negative_nat = lo == 0 and node.value[0]  # "-0" is no nat either
                if (lo is not None and v < lo) or (hi is not None and v > hi) or negative_nat:
                    raise self.fail(node, f"{self.shown(node)} is out of range for {n}")
                return v
            if n in FLOATS:
                if k == "num":
                    x = _integer_float(node)
                elif k == "float":
                    x = _parse_float(node.value)
                else:
                    raise self.mismatch(node, t)
                return f32(x) if n == "float32" else x
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
                    raise self.fail(e, f"{short(key)} cannot be a dict key") from None
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
            return t.py(**cast(dict[str, Any], values))  # a dataclass's labels are all names
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
                        return t.py[cast(str, f.label)]  # an enum's labels are member names
                    return {f.label: payload}
            raise self.fail(node, f"variant field {label} not found in {tname(t)}")
        if isinstance(t, ServiceType) and k == "service":
            return node.value
        if isinstance(t, FuncType) and k == "func":
            return node.value
        raise self.mismatch(node, t)


def _compatible(annotated: CandidType, expected: CandidType) -> bool:
    annotated, expected = resolve(annotated), resolve(expected)
    if expected == RESERVED or annotated == expected:
        return True
    if annotated == NAT and expected == INT:
        return True
    if isinstance(expected, MapType) and isinstance(annotated, VecType):
        pair = RecordType((Field(0, expected.key), Field(1, expected.value)))
        return annotated.inner == pair
    return isinstance(expected, OptType) and annotated in (NULL, RESERVED)


def _integer(node: _Node) -> int:
    negative, magnitude = node.value
    value = int(magnitude)
    return -value if negative else value


def _integer_float(node: _Node) -> float:
    """An integer literal read as a float as the Rust ``candid`` crate reads it (Rust's
    ``str::parse::<f64>``): the nearest float, ``-0.0`` for ``-0``, and ±inf past the largest
    float (as for ``1e400``)."""
    negative, magnitude = node.value
    try:
        x = float(magnitude)
    except OverflowError:
        x = math.inf
    return -x if negative else x


def _parse_float(s: str) -> float:
    if s in ("NaN", "-NaN", "+NaN"):
        return float("nan")
    return float(s)


def _fill_omitted(values: list[Any], types: tuple[CandidType, ...]) -> None:
    for t in types[len(values) :]:
        if omittable(t):
            values.append(None)
        else:
            raise CandidError(f"Candid argument error: omitted values cannot be of type {tname(t)}")


def parse_args(text: str, types: Sequence[CandidType] | None = None) -> tuple[Any, ...]:
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


# ---------------------------------------------------------------------------------------------
# A candid:service interface
# ---------------------------------------------------------------------------------------------


class _Expander:
    """Type definitions -> types: a name that is not part of a cycle is replaced by the type it
    stands for; a recursive one stays a :class:`RecType` knot, defined as its body."""

    def __init__(self, raw: dict[str, CandidType], knots: dict[str, RecType]) -> None:
        self.raw = raw
        self.knots = knots
        self.done: dict[str, CandidType] = {}
        self.stack: list[str] = []
        self.recursive: set[str] = set()
        self.depth = 0

    def name(self, n: str) -> CandidType:
        if n in self.done:
            return self.done[n]
        knot = self.knots[n]
        if n in self.stack:
            self.recursive.add(n)
            return knot
        self.stack.append(n)
        body = self.expand(self.raw[n])
        self.stack.pop()
        if n in self.recursive:
            seen: set[int] = {id(knot)}
            t: CandidType | None = body
            while isinstance(t, RecType):
                if id(t) in seen:
                    raise CandidError(f"Candid type error: type {n} stands only for itself")
                seen.add(id(t))
                t = t._target  # a knot still being defined has none
            knot.define(body)
            self.done[n] = knot
        else:
            self.done[n] = body
        return self.done[n]

    def expand(self, t: CandidType) -> CandidType:
        self.depth += 1
        try:
            if self.depth > 2 * _MAX_NESTING:
                raise CandidError("Candid type error: type definitions nested too deeply")
            return self._expand(t)
        finally:
            self.depth -= 1

    def _expand(self, t: CandidType) -> CandidType:
        x = self.expand
        if isinstance(t, RecType):
            return self.name(t.name)
        if isinstance(t, OptType):
            return OptType(x(t.inner))
        if isinstance(t, VecType):
            inner = x(t.inner)
            return VecType(inner, py=bytes if inner == NAT8 else t.py)
        if isinstance(t, RecordType):
            fields = tuple(Field(f.label, x(f.type)) for f in t.fields)
            return RecordType(fields, name=t.name, py=t.py)
        if isinstance(t, VariantType):
            fields = tuple(Field(f.label, x(f.type)) for f in t.fields)
            return VariantType(fields, name=t.name, py=t.py)
        if isinstance(t, FuncType):
            return FuncType(tuple(map(x, t.args)), tuple(map(x, t.rets)), t.modes)
        if isinstance(t, ServiceType):
            return ServiceType(tuple((m, x(mt)) for m, mt in t.methods))
        return t


def parse_service(text: str) -> Service:
    """Read a ``candid:service`` interface: ``type`` definitions (recursive ones too), then
    ``service : { m : (A) -> (B) query; ... }``, ``service : (init) -> { ... }`` (an actor
    class) or ``service : Name``. Argument names (``(to : principal)``) are dropped.

    Raises :class:`CandidError` on bad text, undefined or duplicate names, a definition that
    stands only for itself (``type A = B; type B = A``) and methods whose type is no function
    type."""
    if not isinstance(text, str):
        raise CandidError(f"Candid service text must be a str, not {type(text).__name__}")
    knots: dict[str, RecType] = {}
    p = _Parser(text, knots)
    raw: dict[str, CandidType] = {}
    while p.is_kw("type") or p.is_kw("import"):
        t = p.next()
        if t.value == "import":
            raise CandidError(f"Candid parse error {_where(text, t.start)}: imports not supported")
        nt = p.peek()
        if nt.kind != "id" or nt.value in PRIMS:
            raise p.error(nt, "a type name")
        p.next()
        if nt.value in raw:
            raise CandidError(
                f"Candid parse error {_where(text, nt.start)}: duplicate type {nt.value}"
            )
        p.expect("=", "'='")
        raw[nt.value] = p.typ()
        knots.setdefault(nt.value, RecType(nt.value))
        p.expect(";", "';'")
    init: tuple[CandidType, ...] = ()
    body: CandidType = ServiceType(())
    if p.is_kw("service"):
        p.next()
        if p.peek().kind == "id":
            p.next()  # the service's name
        p.expect(":", "':' after service")
        if p.peek().kind == "(":
            init = p.tuple_type()
            p.expect("->", "'->'")
        body = p.servicetype() if p.peek().kind == "{" else p.typ()
        if p.peek().kind == ";":
            p.next()
    p.end()
    undefined = sorted(n for n in knots if n not in raw)
    if undefined:
        raise CandidError(f"Candid type error: undefined type {undefined[0]}")
    ex = _Expander(raw, knots)
    types = {n: ex.name(n) for n in raw}
    init = tuple(ex.expand(t) for t in init)
    svc = resolve(ex.expand(body))
    if not isinstance(svc, ServiceType):
        raise CandidError(f"Candid type error: the service's type is no service type: {svc}")
    methods: dict[str, Method] = {}
    for name, mt in svc.methods:
        ft = resolve(mt)
        if not isinstance(ft, FuncType):
            raise CandidError(f"Candid type error: method {name} has no function type: {ft}")
        mode = ft.modes[0] if ft.modes else "update"
        methods[name] = Method(name, ft.args, ft.rets, mode)
    return Service(methods, init, types)
