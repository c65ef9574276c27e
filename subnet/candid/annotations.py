"""Python annotations -> Candid types: :func:`candid_type` and :func:`method_signature`.

``int`` is ``int``, ``str`` is ``text``, ``list[T]`` is ``vec T``, ``T | None`` is ``opt T``,
dataclasses are records, :class:`Variant` subclasses are variants, ... (:mod:`subnet.candid`
has the whole mapping; ``actors.types`` has the aliases such as ``nat64``).

Results: ``-> None`` means no results ``()``; a top-level ``-> tuple[A, B]`` means *two results*
``(A, B)``, as a Rust or Motoko tuple return does (return them as a Python tuple); any other
annotation is one result. To return a single Candid tuple record use ``-> tuple[tuple[A, B]]``.
An unannotated parameter or return accepts anything (its type is printed as ``reserved``) and a
value of it is printed with a type inferred from the Python value.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import types as _pytypes
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from subnet.ids import Principal

from .types import (
    ANY,
    BLOB,
    BOOL,
    EMPTY,
    FLOAT64,
    INT,
    NULL,
    PRIMS,
    PRINCIPAL,
    TEXT,
    CandidType,
    Field,
    MapType,
    OptType,
    RecordType,
    VariantType,
    VecType,
)


@dataclass(frozen=True)
class CandidMarker:
    """Metadata in ``Annotated[int, CandidMarker("nat64")]``: which Candid primitive is meant."""

    name: str

    def __post_init__(self) -> None:
        if self.name not in PRIMS:
            raise ValueError(f"unknown Candid primitive {self.name!r}")


class Variant:
    """Base class of variant declarations: each annotated attribute is a case.

    ::

        class Result(Variant):
            ok: nat
            err: text

    A value is a one-key dict, ``{"ok": 5}``; ``Result(ok=5)`` builds one (and checks it has
    exactly one case). A case annotated ``null`` (or ``None``) carries ``None``.
    """

    def __new__(cls, **case: Any) -> Any:
        if len(case) != 1:
            raise TypeError(f"{cls.__name__}(...) takes exactly one case, got {len(case)}")
        ((label, _),) = case.items()
        if label not in typing.get_type_hints(cls):
            raise TypeError(f"{cls.__name__} has no case {label!r}")
        return dict(case)


def candid_type(annotation: Any) -> CandidType:
    """The Candid type of a Python annotation (see :mod:`subnet.candid` for the mapping).

    Raises ``TypeError`` for annotations with no Candid counterpart (``int | str``, recursive
    dataclasses, ...)."""
    return _candid_type(annotation, ())


def _candid_type(ann: Any, stack: tuple[Any, ...]) -> CandidType:
    if isinstance(ann, CandidType):
        return ann
    if ann is None or ann is type(None):
        return NULL
    if ann is Any or ann is object or ann is inspect.Parameter.empty:
        return ANY
    if isinstance(ann, str):
        raise TypeError(f"unresolved string annotation {ann!r}; use typing.get_type_hints first")
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if origin is typing.Annotated:
        for meta in ann.__metadata__:
            if isinstance(meta, CandidMarker):
                return PRIMS[meta.name]
        return _candid_type(args[0], stack)
    if ann is bool:
        return BOOL
    if ann is int:
        return INT
    if ann is float:
        return FLOAT64
    if ann is str:
        return TEXT
    if ann in (bytes, bytearray):
        return BLOB
    if isinstance(ann, type) and issubclass(ann, Principal):
        return PRINCIPAL
    if ann in (typing.Never, typing.NoReturn):
        return EMPTY
    if origin in (typing.Union, _pytypes.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and len(args) == 2:
            return OptType(_candid_type(rest[0], stack))
        raise TypeError(f"unions other than `T | None` have no Candid type: {ann!r}")
    if origin is typing.Literal:
        if not args or not all(isinstance(a, str) for a in args):
            raise TypeError(f"only Literal of strings maps to a Candid variant: {ann!r}")
        return VariantType(tuple(Field(a, NULL) for a in args), py=str)
    if origin in (list, Sequence, typing.Sequence) or ann in (list, Sequence):
        inner = _candid_type(args[0], stack) if args else ANY
        return VecType(inner, py=list)
    if ann is tuple:
        return VecType(ANY, py=tuple)
    if origin is tuple:
        if not args:  # tuple[()] (Python 3.11 drops the inner ())
            return RecordType((), py=tuple)
        if len(args) == 2 and args[1] is Ellipsis:
            return VecType(_candid_type(args[0], stack), py=tuple)
        if args == ((),):
            return RecordType((), py=tuple)
        return RecordType(
            tuple(Field(i, _candid_type(a, stack)) for i, a in enumerate(args)), py=tuple
        )
    if origin in (dict, Mapping, typing.Mapping) or ann in (dict, Mapping):
        if not args:
            return MapType(ANY, ANY)
        return MapType(_candid_type(args[0], stack), _candid_type(args[1], stack))
    if isinstance(ann, type):
        if ann in stack:
            raise TypeError(f"recursive types are not supported: {ann.__name__}")
        inner_stack = (*stack, ann)
        if issubclass(ann, Variant) and ann is not Variant:
            hints = typing.get_type_hints(ann, include_extras=True)
            return VariantType(
                tuple(Field(k, _candid_type(v, inner_stack)) for k, v in hints.items()),
                name=ann.__name__,
                py=dict,
            )
        if issubclass(ann, enum.Enum):
            return VariantType(tuple(Field(m.name, NULL) for m in ann), name=ann.__name__, py=ann)
        if dataclasses.is_dataclass(ann):
            hints = typing.get_type_hints(ann, include_extras=True)
            fs = tuple(
                Field(f.name, _candid_type(hints.get(f.name, Any), inner_stack))
                for f in dataclasses.fields(ann)
            )
            return RecordType(fs, name=ann.__name__, py=ann)
        if typing.is_typeddict(ann):
            hints = typing.get_type_hints(ann, include_extras=True)
            fs = tuple(Field(k, _candid_type(v, inner_stack)) for k, v in hints.items())
            return RecordType(fs, name=ann.__name__, py=dict)
    raise TypeError(f"no Candid type for annotation {ann!r}")


def method_signature(
    fn: Callable[..., Any],
) -> tuple[tuple[CandidType, ...], tuple[CandidType, ...]]:
    """``(arg_types, ret_types)`` of a canister method from its annotations.

    A leading ``self`` parameter is skipped. Unannotated parameters and an unannotated return
    are :data:`ANY`. ``-> None`` is no results; ``-> tuple[A, B]`` is two results ``(A, B)``;
    anything else is one result. ``*args`` / keyword-only parameters are refused (TypeError).
    """
    fn = inspect.unwrap(fn)
    hints = typing.get_type_hints(fn, include_extras=True)
    params = list(inspect.signature(fn).parameters.values())
    if params and params[0].name == "self":
        params = params[1:]
    arg_types = []
    for p in params:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            raise TypeError(f"{fn.__qualname__}: parameter {p.name!r} must be positional")
        arg_types.append(candid_type(hints.get(p.name, Any)))
    if "return" not in hints:
        return tuple(arg_types), (ANY,)
    ret = hints["return"]
    if ret is None or ret is type(None):
        return tuple(arg_types), ()
    if typing.get_origin(ret) is tuple:
        args = typing.get_args(ret)
        if not args or args == ((),):
            return tuple(arg_types), ()
        if not (len(args) == 2 and args[1] is Ellipsis):
            return tuple(arg_types), tuple(candid_type(a) for a in args)
    return tuple(arg_types), (candid_type(ret),)
