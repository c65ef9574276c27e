"""Bytes on disk and in images: canonical CBOR for plain data, atomic writes, versioned files.

Everything the simulator stores (heap images, snapshots, trace files, the CLI's state file) is
CBOR produced here. Two private tags keep Python's shapes: 55801 for tuples (so a tuple comes
back a tuple) and 55802 for principals. Sets are encoded in a sorted, canonical order, so the
bytes never depend on Python's per-process string hashing; dicts keep insertion order.

A *document* is a file with a header: ``{"format": NAME, "version": N, ...}``. Readers check
both and refuse, with a clear message, a file of another format or version. A *sealed* document
keeps its body as the CBOR bytes of a map, next to their SHA-256 (``{"format": NAME,
"version": N, "sha256": DIGEST, "body": BYTES}``): a reader decodes the body only when the
digest matches, so a damaged file is refused before any of it is trusted.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

import cbor2

from .ids import Principal

TUPLE_TAG = 55801
PRINCIPAL_TAG = 55802


def cbor_head(major: int, n: int) -> bytes:
    """A CBOR item head (major type and length/argument)."""
    if n < 24:
        return bytes([major << 5 | n])
    for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | extra]) + n.to_bytes(size, "big")
    raise ValueError("length too large for CBOR")


_T = TypeVar("_T")

#: A cbor2 encoder hook for values of type ``_T``.
_Encoder: TypeAlias = Callable[[cbor2.CBOREncoder, _T], None]
#: A cbor2 semantic decoder: (tagged value, immutable wanted) -> decoded value.
_Decoder: TypeAlias = Callable[[Any, bool], Any]

_TUPLE_HEAD = cbor_head(6, TUPLE_TAG)
_PRINCIPAL_HEAD = cbor_head(6, PRINCIPAL_TAG)


class HeapError(Exception):
    """A value that is not plain data: it cannot be in a canister heap, a snapshot or a message."""


def _encode_tuple(encoder: cbor2.CBOREncoder, value: tuple[Any, ...]) -> None:
    encoder.write(_TUPLE_HEAD + cbor_head(4, len(value)))
    encode_item = encoder.encode
    for item in value:
        encode_item(item)


def _encode_principal(encoder: cbor2.CBOREncoder, value: Principal) -> None:
    raw = value._raw
    encoder.write(_PRINCIPAL_HEAD + cbor_head(2, len(raw)) + raw)


def _encode_set(encoder: cbor2.CBOREncoder, value: set[Any] | frozenset[Any]) -> None:
    items = sorted(encode(item) for item in value)
    encoder.write(cbor_head(6, 258) + cbor_head(4, len(items)) + b"".join(items))


_ENCODERS: dict[type, _Encoder[Any]] = {
    tuple: _encode_tuple,
    Principal: _encode_principal,
    set: _encode_set,
    frozenset: _encode_set,
}


def add_set_type(cls: type[set[Any]]) -> None:
    """Encode instances of ``cls`` (a ``set`` subclass) canonically, as sets are."""
    _ENCODERS[cls] = _encode_set


def _refuse(encoder: cbor2.CBOREncoder, value: Any) -> None:
    raise HeapError(f"a value of type {type(value).__name__} is not plain data")


_DECODERS: dict[int, _Decoder] = {
    TUPLE_TAG: lambda value, immutable: tuple(value),
    PRINCIPAL_TAG: lambda value, immutable: Principal(value),
}


def encode(value: Any) -> bytes:
    """Encode plain data as CBOR (raises ``HeapError`` for anything else)."""
    try:
        return cbor2.dumps(value, encoders=_ENCODERS, default=_refuse)
    except HeapError:
        raise
    except (cbor2.CBOREncodeError, TypeError, ValueError, RecursionError) as exc:
        raise HeapError(str(exc) or type(exc).__name__) from None


_PRINCIPAL_BOUND = len(_PRINCIPAL_HEAD) + 2 + 29  # tag, bytes head, at most 29 bytes
# the encodings with a small fixed bound (an int's depends on its digits)
_FIXED_BOUND: dict[type, int] = {bool: 9, float: 9, type(None): 9, Principal: _PRINCIPAL_BOUND}
_BOUND_ITEMS = 64  # items per container bounded without encoding; beyond, it is measured


class _Measure(Exception):
    """A value :func:`_bound` does not bound: its encoding is measured instead."""


def _bound(value: Any, depth: int) -> int:
    """An upper bound of the size of ``value``'s encoding, without encoding it (raises
    :class:`_Measure` for what it does not bound: sets, deep or long containers, other
    types). Integers count their digits: a bignum's bytes follow its tag and head."""
    kind = type(value)
    if kind is list or kind is tuple:
        if depth > 4 or len(value) > _BOUND_ITEMS:
            raise _Measure
        bound = 9
        fixed = _FIXED_BOUND
        for item in value:  # the common items inline: ids, flags, small numbers
            size = fixed.get(type(item))
            bound += _bound(item, depth + 1) if size is None else size
        return bound
    size = _FIXED_BOUND.get(kind)
    if size is not None:
        return size
    if kind is int:
        bits: int = value.bit_length()
        return bits // 8 + 13
    if kind is bytes:
        return len(value) + 9
    if kind is str:
        return 4 * len(value) + 9
    if kind is dict:
        if depth > 4 or len(value) > _BOUND_ITEMS:
            raise _Measure
        bound = 9
        for key, item in value.items():
            bound += _bound(key, depth + 1) + _bound(item, depth + 1)
        return bound
    raise _Measure


def size_over(values: tuple[Any, ...], limit: int) -> int | None:
    """The size of a message payload (``values``, its arguments or its reply) when it is over
    ``limit`` bytes, else None. The size is that of the payload's CBOR encoding, close to
    Candid's for the same values. It is bounded first without encoding (:func:`_bound`), so
    the common small payload costs a walk over its items; only a payload whose bound is over
    the limit, or that is not bounded, is encoded."""
    try:
        if _bound(values, 0) <= limit:
            return None
    except _Measure:
        pass
    try:
        size = len(encode(values))
    except HeapError:
        return None  # not plain data: refused elsewhere, with its own message
    return size if size > limit else None


def decode(data: bytes) -> Any:
    """Decode what :func:`encode` produced (raises ``HeapError`` for bytes that are not CBOR:
    whatever the CBOR decoder raises on them, never another exception)."""
    try:
        return cbor2.loads(data, semantic_decoders=_DECODERS)
    except Exception as exc:  # cbor2's errors are not ValueErrors; a semantic tag raises any
        raise HeapError(f"not a valid CBOR image: {exc}") from None


def _decode_whole(data: bytes) -> Any:
    """One CBOR item that is the whole of ``data`` (``HeapError`` otherwise)."""
    stream = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(stream, semantic_decoders=_DECODERS).decode()
    except Exception as exc:  # as in decode()
        raise HeapError(str(exc) or type(exc).__name__) from None
    if stream.tell() != len(data):
        raise HeapError(f"{len(data) - stream.tell()} byte(s) after the end of the document")
    return value


def describe(value: Any) -> str:
    """A value read from a file, briefly, for a message: never a huge integer's digits (Python
    refuses to print more than 4300), a whole container or a long blob, and never an error."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of {value.bit_length()} bits"
    if isinstance(value, list | tuple | dict | set | frozenset):
        return f"a {type(value).__name__} of {len(value)}"
    if isinstance(value, str | bytes | bytearray) and len(value) > 40:
        return repr(value[:40]) + "..."
    try:
        text = repr(value)
    except Exception:  # a value whose repr fails (a tag around a huge integer)
        return f"a {type(value).__name__}"
    return text if len(text) <= 60 else text[:60] + "..."


class DocumentError(ValueError):
    """A file that is not the document it should be. ``problem`` is ``"damaged"`` (not CBOR;
    ``detail`` says why), ``"format"`` (another kind of file) or ``"version"`` (``detail`` is the
    version found); each reader turns it into its own message."""

    def __init__(self, problem: str, detail: Any = None) -> None:
        super().__init__(f"{problem}: {describe(detail)}")
        self.problem = problem
        self.detail = detail


_HEADER = ("format", "version")
_SEALED = (*_HEADER, "sha256", "body")


def encode_document(fmt: str, version: int, body: dict[str, Any], *, sealed: bool = False) -> bytes:
    """A versioned document: the header fields first, then ``body`` (``sealed``: the body's
    CBOR bytes and their SHA-256, see the module docstring)."""
    if not sealed:
        return encode({"format": fmt, "version": version, **body})
    inner = encode(body)
    digest = hashlib.sha256(inner).digest()
    return encode({"format": fmt, "version": version, "sha256": digest, "body": inner})


def decode_document(
    data: bytes, fmt: str, version: int | Collection[int], *, sealed: Collection[int] = ()
) -> dict[str, Any]:
    """The fields of a document written by :func:`encode_document`, header included (raises
    :class:`DocumentError`). ``version`` is the version read, or the versions; a version in
    ``sealed`` is a sealed document, whose digest is checked before its body is decoded."""
    try:
        doc = _decode_whole(data)
    except HeapError as exc:  # not CBOR at all, or more than one item
        raise DocumentError("damaged", str(exc)) from None
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        raise DocumentError("format")
    found = doc.get("version")
    versions = (version,) if isinstance(version, int) else tuple(version)
    if type(found) is not int or found not in versions:  # (True == 1, 1.0 == 1: not versions)
        raise DocumentError("version", found)
    if found not in sealed:
        return doc
    if set(doc) != set(_SEALED):
        raise DocumentError("damaged", "its header is not format, version, sha256 and body")
    digest, inner = doc["sha256"], doc["body"]
    if not isinstance(digest, bytes) or not isinstance(inner, bytes):
        raise DocumentError("damaged", "its sha256 and body are not byte strings")
    if hashlib.sha256(inner).digest() != digest:
        raise DocumentError("damaged", "its content does not match its SHA-256 checksum")
    try:
        body = _decode_whole(inner)
    except HeapError as exc:
        raise DocumentError("damaged", str(exc)) from None
    if not isinstance(body, dict) or any(key in body for key in _HEADER):
        raise DocumentError("damaged", "its body is not a map of fields")
    return {"format": fmt, "version": found, **body}


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old file or the new one."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
