"""Candid type aliases for canister method annotations.

Annotate canister methods with these (or with plain Python types) and the simulator checks
arguments, parses CLI text and prints replies as Candid (see :mod:`subnet.candid`)::

    from actors import Canister, update, query, nat64, vec, opt, Variant

    class Chat(Canister):
        @update
        def append(self, message: text) -> None: ...       # (text) -> ()
        @query
        def dump(self) -> vec[text]: ...                   # () -> (vec text) query
        @update
        def remove_spam(self) -> nat64: ...                # () -> (nat64)

Plain Python types mean: ``int`` -> ``int``, ``str`` -> ``text``, ``bytes`` -> ``blob``,
``float`` -> ``float64``, ``bool`` -> ``bool``, ``list[T]`` -> ``vec T``, ``T | None`` ->
``opt T``, ``dict[K, V]`` -> ``vec record { K; V }``, ``Principal`` -> ``principal``.

Records: a ``@dataclass`` (values are instances, or dicts with the field names) or a
``TypedDict`` (values are dicts). Tuples: ``tuple[A, B]`` is the Candid tuple ``record { A; B }``
with Python tuple values (``tuple[T, ...]`` is ``vec T``). As a *return* annotation a tuple means
several results: ``-> tuple[nat, text]`` is ``-> (nat, text)``.

Variants: subclass :class:`Variant` and annotate the cases; a value is a one-key dict::

    class Result(Variant):
        ok: nat
        err: text

    Result(ok=5) == {"ok": 5}

A case of type ``null`` carries ``None`` (``{"running": None}``). ``Literal["a", "b"]`` is a
variant of null cases whose values are the strings; an ``enum.Enum`` subclass is one whose
values are its members.

Limits: ``opt opt T`` reads back as ``opt T`` (both use ``None``); no recursive types; no
``func`` / ``service`` values.
"""

from __future__ import annotations

from typing import Annotated, Never, Optional

from subnet.candid import CandidMarker, Variant
from subnet.ids import Principal

__all__ = [
    "Variant",
    "blob",
    "empty",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "nat",
    "nat8",
    "nat16",
    "nat32",
    "nat64",
    "null",
    "opt",
    "principal",
    "reserved",
    "text",
    "vec",
]

nat = Annotated[int, CandidMarker("nat")]
nat8 = Annotated[int, CandidMarker("nat8")]
nat16 = Annotated[int, CandidMarker("nat16")]
nat32 = Annotated[int, CandidMarker("nat32")]
nat64 = Annotated[int, CandidMarker("nat64")]
int8 = Annotated[int, CandidMarker("int8")]
int16 = Annotated[int, CandidMarker("int16")]
int32 = Annotated[int, CandidMarker("int32")]
int64 = Annotated[int, CandidMarker("int64")]
float32 = Annotated[float, CandidMarker("float32")]
float64 = float
text = str
blob = bytes
principal = Principal
#: Candid ``null`` as a value type (a *return* annotation ``-> None`` means no results instead).
null = Annotated[None, CandidMarker("null")]
#: Any value is accepted and read back as ``None``.
reserved = Annotated[object, CandidMarker("reserved")]
#: No value has this type.
empty = Annotated[Never, CandidMarker("empty")]

#: ``vec[T]`` is ``list[T]``: Candid ``vec T``.
vec = list
#: ``opt[T]`` is ``T | None``: Candid ``opt T``.
opt = Optional
