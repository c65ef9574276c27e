"""Bytes on disk and in images: canonical CBOR for plain data, atomic writes, versioned files.

Everything the simulator stores (heap images, snapshots, trace files, the CLI's state file) is
CBOR produced here. Two private tags keep Python's shapes: 55801 for tuples (so a tuple comes
back a tuple) and 55802 for principals. Sets are encoded in a sorted, canonical order, so the
bytes never depend on Python's per-process string hashing; dicts keep insertion order.

A *document* is a file with a header: ``{"format": NAME, "version": N, ...}``. Readers check
both and refuse, with a clear message, a file of another format or version.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
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


def decode(data: bytes) -> Any:
    """Decode what :func:`encode` produced."""
    return cbor2.loads(data, semantic_decoders=_DECODERS)


class DocumentError(ValueError):
    """A file that is not the document it should be. ``problem`` is ``"damaged"`` (not CBOR;
    ``detail`` says why), ``"format"`` (another kind of file) or ``"version"`` (``detail`` is the
    version found); each reader turns it into its own message."""

    def __init__(self, problem: str, detail: Any = None) -> None:
        super().__init__(f"{problem}: {detail!r}")
        self.problem = problem
        self.detail = detail


def encode_document(fmt: str, version: int, body: dict[str, Any]) -> bytes:
    """A versioned document: the header fields first, then ``body``."""
    return encode({"format": fmt, "version": version, **body})


def decode_document(data: bytes, fmt: str, version: int) -> dict[str, Any]:
    """The fields of a document written by :func:`encode_document` (raises
    :class:`DocumentError`)."""
    try:
        doc = decode(data)
    except Exception as exc:  # any decoding failure: not CBOR at all
        raise DocumentError("damaged", str(exc)) from None
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        raise DocumentError("format")
    if doc.get("version") != version:
        raise DocumentError("version", doc.get("version"))
    return doc


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
