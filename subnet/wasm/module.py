"""A Wasm module as the IC sees it: bytes, their hash, the custom sections, the interface.

Reading a module needs no Wasm engine: the section headers, the custom sections
(``icp:public candid:service`` and friends), the imports and the exports are read straight from
the binary, so a malformed module or an import the simulator does not model is refused at
install with the IC's ``CanisterInvalidWasm`` (IC0505) before anything runs. Compiling and
running is :mod:`subnet.wasm.runtime`'s job.

The Candid interface comes from the ``candid:service`` custom section (``icp:public`` or
``icp:private``, as ``ic-wasm`` and the Motoko compiler write it). A module without one is a
*raw* canister: its methods take one ``bytes`` argument (the message payload) and reply with
``bytes``, which is what hand-written test modules use.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actors.canister import Canister

from ..candid import CandidError, CandidType, parse_service
from ..candid.binary import sleb128, uleb128
from ..candid.types import BLOB
from ..errors import ErrorCode, Reject

WASM_MAGIC = b"\0asm\x01\0\0\0"
IMAGE_MAGIC = b"\0subnet wasm image\n"
"""How a Wasm canister's heap image (its linear memory and globals) begins."""

_CUSTOM, _IMPORT, _EXPORT = 0, 2, 7
_EXTERN_KINDS = ("func", "table", "memory", "global", "tag")


_GLOBAL_TAGS = {"i32": b"i", "i64": b"I", "f32": b"f", "f64": b"F"}
_TAG_KINDS = {tag: kind for kind, tag in _GLOBAL_TAGS.items()}


def encode_image(globals_: Sequence[tuple[str, int | float]], memory: bytes) -> bytes:
    """A Wasm canister's heap image: its mutable globals (kind, value) and linear memory."""
    out = bytearray(IMAGE_MAGIC)
    out += struct.pack("<I", len(globals_))
    for kind, value in globals_:
        tag = _GLOBAL_TAGS.get(kind)
        if tag is None:
            raise ValueError(f"a global of type {kind} cannot be saved")
        if kind in ("f32", "f64"):
            out += tag + struct.pack("<d", float(value))
        else:
            v = int(value)
            out += tag + struct.pack("<q", v - 2**64 if v >= 2**63 else v)
    return b"".join((out, memory))  # one copy of the memory


def globals_fit(module: WasmModule, globals_: Sequence[dict[str, int | float]]) -> bool:
    """Whether uploaded snapshot globals (``{"i32": 5}``...) are the module's, type by type."""
    return [next(iter(g)) for g in globals_] == module.global_kinds


def decode_image(image: bytes) -> tuple[list[tuple[str, int | float]], memoryview]:
    """The globals and the memory of a heap image (``ValueError`` if it is none); the
    memory is a view into the image, not a copy."""
    if not image.startswith(IMAGE_MAGIC):
        raise ValueError("not a Wasm memory image")
    pos = len(IMAGE_MAGIC)
    try:
        (n,) = struct.unpack_from("<I", image, pos)
        pos += 4
        values: list[tuple[str, int | float]] = []
        for _ in range(n):
            kind = _TAG_KINDS.get(image[pos : pos + 1])
            if kind is None:
                raise ValueError("a global of unknown type")
            fmt = "<d" if kind in ("f32", "f64") else "<q"
            values.append((kind, struct.unpack_from(fmt, image, pos + 1)[0]))
            pos += 9
    except struct.error:
        raise ValueError("a truncated Wasm memory image") from None
    return values, memoryview(image)[pos:]


class InvalidWasm(ValueError):
    """A module the IC refuses to install, with the text after ``Canister's Wasm module is
    not valid: ``."""

    def reject(self) -> Reject:
        return Reject.from_error(
            ErrorCode.CanisterInvalidWasm, f"Canister's Wasm module is not valid: {self}"
        )


class _Reader:
    """LEB128 integers and names from a byte string, with bounds checks."""

    __slots__ = ("data", "end", "pos")

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def byte(self) -> int:
        if self.pos >= self.end:
            raise InvalidWasm("Failed to decode wasm module: unexpected end of section or function")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def u32(self) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7
            if shift > 35:
                raise InvalidWasm("Failed to decode wasm module: invalid var_u32")

    def bytes(self, n: int) -> bytes:
        if n > self.end - self.pos:
            raise InvalidWasm("Failed to decode wasm module: unexpected end of section or function")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def name(self) -> str:
        raw = self.bytes(self.u32())
        try:
            return raw.decode()
        except UnicodeDecodeError:
            raise InvalidWasm("Failed to decode wasm module: invalid UTF-8 name") from None


@dataclass(frozen=True)
class Method:
    """One exported method: its Candid argument and result types and its mode. A ``raw``
    method has no Candid signature (no ``candid:service``, or not in it): one ``blob`` in,
    one out, the bytes as they are."""

    name: str
    kind: str  # "update" | "query" | "composite_query"
    args: tuple[CandidType, ...]
    results: tuple[CandidType, ...]
    raw: bool = False


@dataclass
class WasmModule:
    """A Wasm module to install: ``WasmModule.from_file(path)`` or ``WasmModule(bytes)``.

    ``imports`` are (module, name, kind) triples; ``exports`` the exported names;
    ``sections`` the custom sections by name (``icp:public``/``icp:private`` prefixes kept);
    ``methods`` the exported methods with their Candid types; ``init_args`` the types of the
    ``canister_init`` argument (from ``service : (A) -> {...}``)."""

    wasm: bytes
    name: str = "wasm"
    imports: list[tuple[str, str, str]] = field(init=False, default_factory=list)
    exports: list[str] = field(init=False, default_factory=list)
    sections: dict[str, bytes] = field(init=False, default_factory=dict)
    methods: dict[str, Method] = field(init=False, default_factory=dict)
    init_args: tuple[CandidType, ...] | None = field(init=False, default=None)
    _hash: bytes | None = field(init=False, default=None, repr=False)
    _instrumented: tuple[bytes, list[int], list[str]] | None = field(
        init=False, default=None, repr=False
    )

    def __post_init__(self) -> None:
        if not isinstance(self.wasm, bytes | bytearray | memoryview):
            raise TypeError("a Wasm module is bytes")
        self.wasm = bytes(self.wasm)
        self._read_sections()
        self._read_interface()

    @classmethod
    def from_file(cls, path: str | Path) -> WasmModule:
        path = Path(path)
        return cls(path.read_bytes(), name=path.stem)

    @property
    def module_hash(self) -> bytes:
        """SHA-256 of the module's bytes, as the IC reports it."""
        if self._hash is None:
            self._hash = hashlib.sha256(self.wasm).digest()
        return self._hash

    @property
    def instrumented(self) -> tuple[bytes, list[int], list[str]]:
        """:func:`instrument` of the module (made once): the bytes the runtime compiles, and
        the indices and types of the mutable globals."""
        if self._instrumented is None:
            self._instrumented = instrument(self.wasm)
        return self._instrumented

    @property
    def global_kinds(self) -> list[str]:
        """The types of the module's mutable globals, in index order (what a snapshot of it
        holds besides its memories)."""
        return self.instrumented[2]

    def canister_class(self) -> type[Canister]:
        """The canister class the engine installs for this module (one per module hash).
        Imports the runtime, and with it wasmtime, only now: it is an optional dependency,
        and reading a module does not need it."""
        try:
            from .code import canister_class
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise InvalidWasm(
                f"running Wasm canisters needs wasmtime (pip install 'subnet-sim[wasm]'): {exc}"
            ) from None
        from .ic0 import check_imports

        check_imports(self)
        return canister_class(self)

    def _read_sections(self) -> None:
        data = self.wasm
        if not data.startswith(b"\0asm"):
            raise InvalidWasm("Failed to decode wasm module: unsupported canister module format.")
        if data[:8] != WASM_MAGIC:
            raise InvalidWasm("Failed to decode wasm module: unknown binary version")
        r = _Reader(data, 8)
        while r.pos < r.end:
            sid = r.byte()
            size = r.u32()
            start = r.pos
            body = _Reader(data, start, start + size)
            if start + size > len(data):
                raise InvalidWasm(
                    "Failed to decode wasm module: unexpected end of section or function"
                )
            if sid == _CUSTOM:
                name = body.name()
                self.sections[name] = data[body.pos : start + size]
            elif sid == _IMPORT:
                for _ in range(body.u32()):
                    module, name = body.name(), body.name()
                    kind = body.byte()
                    self.imports.append((module, name, _kind(kind)))
                    _skip_import_desc(body, kind)
            elif sid == _EXPORT:
                for _ in range(body.u32()):
                    name = body.name()
                    body.byte()
                    body.u32()
                    self.exports.append(name)
            r.pos = start + size

    def metadata(self, name: str) -> bytes | None:
        """The canister metadata section ``name``: the custom section ``icp:public <name>``,
        else ``icp:private <name>`` (readable by the controllers); None if there is neither."""
        section = self.sections.get(f"icp:public {name}")
        return section if section is not None else self.sections.get(f"icp:private {name}")

    @property
    def service(self) -> str | None:
        """The module's Candid interface: the text of its ``candid:service`` metadata (or of
        a bare ``candid:service`` section, as some tools write it); None for a raw module."""
        section = self.metadata("candid:service")
        if section is None:
            section = self.sections.get("candid:service")
        return section.decode("utf-8", "replace") if section is not None else None

    def _read_interface(self) -> None:
        text = self.service
        exported = {
            name.split(" ", 1)[1]: name.split(" ", 1)[0][len("canister_") :]
            for name in self.exports
            if name.startswith(("canister_update ", "canister_query ", "canister_composite_query "))
        }
        if text is None:  # a raw module: bytes in, bytes out
            for method, kind in exported.items():
                self.methods[method] = Method(method, kind, (BLOB,), (BLOB,), raw=True)
            return
        try:
            service = parse_service(text)
        except CandidError as exc:
            raise InvalidWasm(f"the candid:service section does not parse: {exc}") from None
        self.init_args = tuple(service.init_args)
        for method, kind in exported.items():
            sig = service.methods.get(method)
            if sig is None:  # exported but not in the interface: callable with raw bytes
                self.methods[method] = Method(method, kind, (BLOB,), (BLOB,), raw=True)
            else:
                self.methods[method] = Method(method, kind, tuple(sig.args), tuple(sig.rets))


def _kind(code: int) -> str:
    if code >= len(_EXTERN_KINDS):
        raise InvalidWasm("Failed to decode wasm module: invalid external kind")
    return _EXTERN_KINDS[code]


def _skip_limits(r: _Reader) -> None:
    flags = r.byte()
    r.u32()
    if flags & 1:
        r.u32()


def _skip_import_desc(r: _Reader, kind: int) -> None:
    if kind == 0:  # func: a type index
        r.u32()
    elif kind == 1:  # table: reftype, limits
        r.byte()
        _skip_limits(r)
    elif kind == 2:  # memory: limits
        _skip_limits(r)
    elif kind == 3:  # global: valtype, mutability
        r.byte()
        r.byte()
    else:  # tag: attribute, type index
        r.byte()
        r.u32()


_GLOBAL, _MEMORY = 6, 5
_VALUE_TYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128"}
_AFTER_EXPORT = frozenset({8, 9, 10, 11, 12})
GLOBAL_PREFIX = "__subnet_global_"
MEMORY_EXPORT = "__subnet_memory"
TABLE_EXPORT = "__subnet_table"  # the callbacks' table, which the IC's instrumentation exports
_TABLE = 4


_leb = uleb128
_sleb = sleb128


def _skip_const_expr(r: _Reader) -> None:
    """Skip a constant expression up to its ``end`` (0x0B)."""
    while True:
        op = r.byte()
        if op == 0x0B:
            return
        if op in (0x41, 0x42):  # i32.const / i64.const: a signed LEB
            while r.byte() & 0x80:
                pass
        elif op == 0x43:
            r.bytes(4)
        elif op == 0x44:
            r.bytes(8)
        elif op in (0x23, 0xD2):  # global.get, ref.func
            r.u32()
        elif op == 0xD0:  # ref.null t
            r.byte()
        elif op in (0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E):  # extended constant arithmetic
            pass
        elif op == 0xFD:  # v128.const
            r.u32()
            r.bytes(16)
        else:
            raise InvalidWasm("Failed to decode wasm module: unsupported constant expression")


_TYPE, _FUNCTION, _CODE = 1, 3, 10
SAVE_GLOBALS = "__subnet_save_globals"
LOAD_GLOBALS = "__subnet_load_globals"
SCRATCH = "__subnet_scratch"
# (store opcode, load opcode, log2 of the alignment) of each value type a helper moves
_MOVES = {
    "i32": (0x36, 0x28, 2),
    "i64": (0x37, 0x29, 3),
    "f32": (0x38, 0x2A, 2),
    "f64": (0x39, 0x2B, 3),
}


def _with(count_body: bytes, entries: Sequence[bytes]) -> bytes:
    """A vector section's body with ``entries`` appended (its count raised)."""
    r = _Reader(count_body)
    count = r.u32() if count_body else 0
    return _leb(count + len(entries)) + count_body[r.pos :] + b"".join(entries)


def _helper_bodies(mutable: Sequence[int], kinds: Sequence[str], scratch: int) -> list[bytes]:
    """The code of the two helpers: copy every mutable global to the scratch memory (at 8
    bytes each), and back (multi-memory: the memory index follows the alignment flag)."""
    save, load = bytearray(), bytearray()
    for k, (g, kind) in enumerate(zip(mutable, kinds, strict=True)):
        store, loader, align = _MOVES[kind]
        memarg = bytes([align | 0x40]) + _leb(scratch) + b"\x00"
        address = b"\x41" + _sleb(8 * k)  # i32.const
        save += address + b"\x23" + _leb(g) + bytes([store]) + memarg  # global.get, store
        load += address + bytes([loader]) + memarg + b"\x24" + _leb(g)  # load, global.set
    return [
        _leb(len(code) + 2) + b"\x00" + code + b"\x0b"  # no locals, the code, end
        for code in (bytes(save), bytes(load))
    ]


def instrument(wasm: bytes) -> tuple[bytes, list[int], list[str]]:
    """The module with every mutable global it defines exported (as ``__subnet_global_N``,
    N its global index), and its memory and table exported when they are not (the table holds
    the callbacks ``ic0.call_new`` names by index), so that the simulator can
    take snapshots, as the IC's own instrumentation exports every global; and, when the
    globals are numbers, a scratch memory with two functions that copy every mutable global
    into it and back (:data:`SAVE_GLOBALS`, :data:`LOAD_GLOBALS`): one call keeps what a
    rollback puts back, instead of one call per global. Returns the bytes, and the indices
    and the types of the mutable globals."""
    r = _Reader(wasm, 8)
    sections: list[tuple[int, bytes]] = []
    imported = {0: 0, 1: 0, 2: 0, 3: 0}  # functions, tables, memories, globals imported
    defined = {_TYPE: 0, _FUNCTION: 0, _TABLE: 0, _MEMORY: 0}
    mutable: list[int] = []
    kinds: list[str] = []
    memory_exported = table_exported = False
    while r.pos < r.end:
        sid = r.byte()
        size = r.u32()
        body = _Reader(wasm, r.pos, r.pos + size)
        if sid == _IMPORT:
            for _ in range(body.u32()):
                body.name()
                body.name()
                kind = body.byte()
                if kind in imported:
                    imported[kind] += 1
                _skip_import_desc(body, kind)
        elif sid in defined:
            defined[sid] = body.u32()
        elif sid == _GLOBAL:
            for i in range(body.u32()):
                value_type = _VALUE_TYPES.get(body.byte(), "other")
                if body.byte() == 1:
                    mutable.append(imported[3] + i)
                    kinds.append(value_type)
                _skip_const_expr(body)
        elif sid == _EXPORT:
            for _ in range(body.u32()):
                body.name()
                kind = body.byte()
                index = body.u32()
                if kind == 2 and index == 0:
                    memory_exported = True
                elif kind == 1 and index == 0:
                    table_exported = True
        sections.append((sid, wasm[r.pos : r.pos + size]))
        r.pos += size
    has_memory = imported[2] + defined[_MEMORY] > 0

    def export(name: str, kind: int, index: int) -> bytes:
        return _leb(len(name)) + name.encode() + bytes([kind]) + _leb(index)

    extra = [export(f"{GLOBAL_PREFIX}{g}", 3, g) for g in mutable]
    if has_memory and not memory_exported:
        extra.append(export(MEMORY_EXPORT, 2, 0))
    if imported[1] + defined[_TABLE] > 0 and not table_exported:
        extra.append(export(TABLE_EXPORT, 1, 0))
    present = {sid for sid, _ in sections}
    helpers = (
        bool(mutable)
        and len(mutable) <= 8192
        and all(kind in _MOVES for kind in kinds)
        and {_TYPE, _FUNCTION, _MEMORY, _CODE} <= present
    )
    added: dict[int, list[bytes]] = {}
    if helpers:
        scratch = imported[2] + defined[_MEMORY]
        first = imported[0] + defined[_FUNCTION]
        added = {
            _TYPE: [b"\x60\x00\x00"],  # () -> ()
            _FUNCTION: [_leb(defined[_TYPE])] * 2,
            _MEMORY: [b"\x00\x01"],  # one page, no maximum
            _CODE: _helper_bodies(mutable, kinds, scratch),
        }
        extra += [
            export(SAVE_GLOBALS, 0, first),
            export(LOAD_GLOBALS, 0, first + 1),
            export(SCRATCH, 2, scratch),
        ]
    if not extra:
        return wasm, mutable, kinds
    out = bytearray(wasm[:8])

    def section(sid: int, content: bytes) -> None:
        out.extend(bytes([sid]) + _leb(len(content)) + content)

    exported = False
    for sid, content in sections:
        if not exported and (sid == _EXPORT or sid in _AFTER_EXPORT):
            exported = True
            section(_EXPORT, _with(content if sid == _EXPORT else b"", extra))
            if sid == _EXPORT:
                continue
        section(sid, _with(content, added[sid]) if sid in added else content)
    if not exported:
        section(_EXPORT, _with(b"", extra))
    return bytes(out), mutable, kinds


def module_of(code: Any) -> WasmModule | None:
    """The Wasm module canister code runs (``None`` for a Python class, or no code): the
    class a module installs as (:func:`subnet.wasm.code.canister_class`) carries it."""
    module = getattr(code, "__wasm__", None)
    return module if isinstance(module, WasmModule) else None
