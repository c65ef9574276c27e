"""A canister's heap: its instance attributes, as committed state that a trap can roll back.

The heap of a Python canister is the instance's ``__dict__``. Its values must be plain data that
CBOR encodes (None, bool, int, float, str, bytes, list, tuple, dict, set, frozenset and
``Principal``), because a heap has to survive three things that real Wasm memory survives: a
trap (roll back to the last commit), a snapshot (an image held outside the canister) and a
download (bytes on disk).

Why not encode the whole heap after every execution? Because most attributes are immutable
scalars (ints, strings) and for those the object itself *is* the committed value: keeping a
reference costs nothing and restores exactly. Only containers need an encoded image, since the
code may mutate them in place. So a commit costs O(size of the mutable attributes) and a trap
costs a decode of those, and the common counter-style canister pays almost nothing.

Images are canonical CBOR (:mod:`subnet.codec`): the same heap gives the same bytes in every
process, and a rollback never reorders a dict.
"""

from __future__ import annotations

from typing import Any

# decode/encode are re-exported: heap.encode/heap.decode are the heap's image format.
from .codec import HeapError as HeapError
from .codec import cbor_head
from .codec import decode as decode
from .codec import encode as encode
from .ids import Principal, SnapshotId

IMMUTABLE_SCALARS: frozenset[type] = frozenset(
    {int, str, bytes, bool, float, type(None), Principal}
)


class _Slow(Exception):
    """The value is too big or too unusual for the quick copy: use the wire format."""


_QUICK_LIMIT = 64  # items per container; beyond that the C encoder is faster


def _quick_copy(value: Any, depth: int) -> Any:
    kind = type(value)
    if kind in IMMUTABLE_SCALARS:
        return value
    if depth > 4:
        raise _Slow
    if kind is tuple or kind is list:
        if len(value) > _QUICK_LIMIT:
            raise _Slow
        items = [_quick_copy(item, depth + 1) for item in value]
        return items if kind is list else tuple(items)
    if kind is dict:
        if len(value) > _QUICK_LIMIT:
            raise _Slow
        return {_quick_copy(k, depth + 1): _quick_copy(v, depth + 1) for k, v in value.items()}
    raise _Slow  # sets (their encoding is canonical), bytearrays, anything else


def copy_value(value: Any) -> Any:
    """A deep copy as through the wire format: what crosses a canister boundary is never
    shared. Small payloads of plain data are copied directly (the common case: a few scalars,
    a short list of principals); anything else goes through CBOR, which also refuses what is
    not plain data."""
    kind = type(value)
    if kind in IMMUTABLE_SCALARS:
        return value
    if kind is tuple:  # an argument tuple of scalars (the common case) is shared as it is
        for item in value:
            if type(item) not in IMMUTABLE_SCALARS:
                break
        else:
            return value
    try:
        return _quick_copy(value, 0)
    except _Slow:
        return decode(encode(value))


def restore_into(live: Any, saved: Any) -> Any:
    """Return ``saved``, reusing the container objects of ``live`` where the shapes agree."""
    kind = type(saved)
    if type(live) is not kind:
        return saved
    if kind is list:
        common = min(len(live), len(saved))
        items = [restore_into(live[i], saved[i]) for i in range(common)] + saved[common:]
        live[:] = items
        return live
    if kind is dict:
        items = [(k, restore_into(live[k], v) if k in live else v) for k, v in saved.items()]
        live.clear()
        live.update(items)
        return live
    if kind is set:
        live.clear()
        live.update(saved)
        return live
    return saved


def copy_payload(value: Any) -> Any:
    """Copy a management-canister argument: plain data, plus code (a class) and ids, which are
    immutable and pass by reference."""
    if isinstance(value, dict):
        return {k: copy_payload(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_payload(v) for v in value]
    if isinstance(value, tuple):
        return tuple(copy_payload(v) for v in value)
    if isinstance(value, type | SnapshotId):
        return value
    if hasattr(value, "__dataclass_fields__"):
        return value  # a frozen settings record
    return copy_value(value)


class Heap:
    """The committed heap of one canister instance: what a trap rolls back to.

    ``commit(instance)`` records the instance's current attributes as committed (raising
    ``HeapError`` naming the first attribute that is not plain data, in which case nothing is
    committed); ``rollback(instance)`` makes the instance's attributes equal to the committed ones
    again; ``image()`` is the canonical byte image used by snapshots.
    """

    __slots__ = ("_committed",)

    def __init__(self) -> None:
        # name -> (value, image); image is None for immutable scalars (the value is the image).
        self._committed: dict[str, tuple[Any, bytes | None]] = {}

    def commit(self, instance: object) -> None:
        state = instance.__dict__
        if not state and not self._committed:
            return  # a canister with an empty heap (common in benchmarks and relays)
        committed: dict[str, tuple[Any, bytes | None]] = {}
        for name, value in state.items():
            if type(value) in IMMUTABLE_SCALARS:
                committed[name] = (value, None)
                continue
            try:
                committed[name] = (value, encode(value))
            except HeapError as exc:
                raise HeapError(
                    f"attribute {name!r} of {type(instance).__name__} cannot be stored in the "
                    f"canister heap: {exc} (heap values must be None, bool, int, float, str, "
                    f"bytes, list, tuple, dict, set or Principal)"
                ) from None
        self._committed = committed

    def rollback(self, instance: object) -> None:
        """Make the instance's attributes equal to the committed ones again, *in place*: a
        container that was in the heap at commit is refilled rather than replaced, so that a
        suspended frame holding a reference to it (a guard's set, say) still sees the heap,
        as a pointer into Wasm memory stays valid across another message's trap."""
        state = instance.__dict__
        state.clear()
        for name, (value, image) in self._committed.items():
            state[name] = value if image is None else restore_into(value, decode(image))

    def image(self) -> bytes:
        """The committed heap as one CBOR map (attribute order as committed).

        Built from the committed images themselves, so it is exact even if someone mutated a
        live container outside a message execution.
        """
        parts = [cbor_head(5, len(self._committed))]
        for name, (value, image) in self._committed.items():
            parts.append(encode(name))
            parts.append(encode(value) if image is None else image)
        return b"".join(parts)

    def values(self) -> dict[str, Any]:
        """A fresh copy of the committed heap, for inspection."""
        return {
            name: value if image is None else decode(image)
            for name, (value, image) in self._committed.items()
        }

    @staticmethod
    def restore_image(instance: object, image: bytes) -> None:
        """Replace the instance's attributes with those of ``image`` (from :meth:`image`)."""
        values = decode(image)
        if not isinstance(values, dict):
            raise HeapError("a heap image must be a CBOR map of attribute names to values")
        state = instance.__dict__
        state.clear()
        for name, value in values.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise HeapError(f"heap image has an invalid attribute name {name!r}")
            state[name] = value
