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
  ``candid:service`` interface, and :func:`parse_service` reads one (a Wasm module's
  ``candid:service`` custom section) into a :class:`Service`.
* :func:`encode_args` / :func:`decode_args` write and read the Candid binary format
  (``DIDL...``), what canisters send each other on the wire; decoding applies Candid's
  subtyping (:func:`is_subtype`).

The modules, each importing only those listed before it:

* :mod:`~subnet.candid.layout`: the pretty-printer's document combinators and renderer (a
  Wadler-style layout, as the Rust ``pretty`` crate runs it).
* :mod:`~subnet.candid.quoting`: Rust string escapes, the quoting of labels and names, and the
  decimal text of integers of any length.
* :mod:`~subnet.candid.types`: :class:`CandidError`, the type model (:class:`CandidType` and its
  subclasses, recursive types as :class:`RecType` knots, the primitive type constants), the
  Candid text of a type, :class:`FuncRef` and a service's interface (:class:`Service`,
  :class:`Method`).
* :mod:`~subnet.candid.annotations`: Python annotations -> Candid types (:class:`CandidMarker`,
  :class:`Variant`, :func:`candid_type`, :func:`method_signature`).
* :mod:`~subnet.candid.checking`: whether Python values fit types (:func:`check_value`,
  :func:`check_args`, :func:`fast_validator`) and the type of an unannotated value.
* :mod:`~subnet.candid.printing`: values and services as Candid text (:func:`format_values`,
  :func:`reply_values`, :func:`format_reply`, :func:`format_type`, :func:`format_service`).
* :mod:`~subnet.candid.parsing`: Candid text -> Python values (:func:`parse_args`,
  :func:`parse_type`): tokenizer, parser and the converter to the expected types; and
  ``candid:service`` text -> :class:`Service` (:func:`parse_service`).
* :mod:`~subnet.candid.binary`: the Candid binary format (:func:`encode_args`,
  :func:`decode_args`) and the subtype relation (:func:`is_subtype`).

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
empty               no value (decoding one is an error)
func reference      :class:`FuncRef` ``(service, method)`` (``func "aaaaa-aa".m``)
service reference   the service's :class:`~subnet.ids.Principal` (``service "aaaaa-aa"``)
==================  ===========================================================================

Read from the binary format without the expected types (``decode_args(data)``), a record is a
dict keyed by numeric field id (the wire has no names; a ``tuple`` when the ids are
``0..n-1``), a variant a one-key dict keyed by field id, and a blob ``bytes``.
"""

from .annotations import CandidMarker, Variant, candid_type, method_signature
from .binary import decode_args, encode_args, is_subtype
from .checking import check_args, check_value, fast_validator
from .parsing import parse_args, parse_service, parse_type
from .printing import format_reply, format_service, format_type, format_values, reply_values
from .types import (
    ANY,
    BLOB,
    BOOL,
    EMPTY,
    FLOAT32,
    FLOAT64,
    INT,
    INT8,
    INT16,
    INT32,
    INT64,
    NAT,
    NAT8,
    NAT16,
    NAT32,
    NAT64,
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
    Method,
    OptType,
    PrimType,
    RecordType,
    RecType,
    Service,
    ServiceType,
    VariantType,
    VecType,
    idl_hash,
    resolve,
)

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
    "FuncRef",
    "FuncType",
    "MapType",
    "Method",
    "OptType",
    "PrimType",
    "RecType",
    "RecordType",
    "Service",
    "ServiceType",
    "Variant",
    "VariantType",
    "VecType",
    "candid_type",
    "check_args",
    "check_value",
    "decode_args",
    "encode_args",
    "fast_validator",
    "format_reply",
    "format_service",
    "format_type",
    "format_values",
    "idl_hash",
    "is_subtype",
    "method_signature",
    "parse_args",
    "parse_service",
    "parse_type",
    "reply_values",
    "resolve",
]
