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

from itertools import islice
from typing import Any

# decode/encode are re-exported: heap.encode/heap.decode are the heap's image format.
from .codec import HeapError as HeapError
from .codec import add_set_type, cbor_head
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


def frozen(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """Arguments as a trace event keeps them: the tuple itself when its items are immutable,
    else a copy of its own, which nobody mutates later."""
    for arg in args:
        if type(arg) not in IMMUTABLE_SCALARS:
            return copy_value(args)  # type: ignore[no-any-return]
    return args


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


# -- tracked containers -----------------------------------------------------------------------
#
# A committed heap's lists, dicts and sets are instances of these subclasses. Each mutation
# appends an undo record to the journal of the heap that owns the container, so that a commit
# costs what the execution changed (the journal) and a rollback undoes exactly that, in place:
# a reference held across an ``await`` still sees the heap after another execution's trap. The
# records, undone last to first:
#   (DSET, d, key, old)   put old back          (DNEW, d, key)      delete the new key
#   (LSET, l, i, old)     put old back          (LCUT, l, n)        truncate to n items
#   (SADD, s, x)          add x back            (SDEL, s, x)        discard x
#   (LPOP, l, x)          append x back (a pop from the end: no copy of the list)
#   (SNAP, c, copy)       refill c from copy (an operation that reorders or removes: the whole
#                         container is copied once per execution, so dict order survives)


DSET, DNEW, LSET, LCUT, SADD, SDEL, SNAP, LPOP = range(8)


class Journal(list[tuple[Any, ...]]):
    """A heap's undo records since its last commit. ``epoch`` counts the commits and rollbacks
    that emptied it, so a container copies itself (SNAP) at most once per execution."""

    __slots__ = ("epoch",)

    def __init__(self) -> None:
        super().__init__()
        self.epoch = 0

    def reset(self) -> None:
        self.clear()
        self.epoch += 1


class TrackedDict(dict[Any, Any]):
    """A heap dict: every change is journaled (see the comment above)."""

    __slots__ = ("_journal", "_root", "_snapped")
    _journal: Journal  # the owning heap's journal
    _snapped: int  # the journal epoch in which this container was last copied
    _root: str | None  # the attribute it is in (None: more than one)

    def __setitem__(self, key: Any, value: Any) -> None:
        if key in self:
            self._journal.append((DSET, self, key, dict.__getitem__(self, key)))
        else:
            self._journal.append((DNEW, self, key))
        dict.__setitem__(self, key, value)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return dict.__getitem__(self, key)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __ior__(self, other: Any) -> TrackedDict:  # type: ignore[misc]
        self.update(other)
        return self

    def _snap(self) -> None:
        journal = self._journal
        if self._snapped != journal.epoch:  # once per execution: the copy undoes the rest
            self._snapped = journal.epoch
            journal.append((SNAP, self, list(dict.items(self))))

    def __delitem__(self, key: Any) -> None:
        self._snap()
        dict.__delitem__(self, key)

    def pop(self, *args: Any) -> Any:
        self._snap()
        return dict.pop(self, *args)

    def popitem(self) -> tuple[Any, Any]:
        self._snap()
        return dict.popitem(self)

    def clear(self) -> None:
        self._snap()
        dict.clear(self)


class TrackedList(list[Any]):
    """A heap list: every change is journaled (see the comment above)."""

    __slots__ = ("_journal", "_root", "_snapped")
    _journal: Journal  # the owning heap's journal
    _snapped: int  # the journal epoch in which this container was last copied
    _root: str | None  # the attribute it is in (None: more than one)

    def __setitem__(self, index: Any, value: Any) -> None:
        if type(index) is int and -len(self) <= index < len(self):
            self._journal.append((LSET, self, index % len(self), list.__getitem__(self, index)))
        else:
            self._snap()
        list.__setitem__(self, index, value)

    def append(self, value: Any) -> None:
        self._journal.append((LCUT, self, len(self)))
        list.append(self, value)

    def extend(self, values: Any) -> None:
        self._journal.append((LCUT, self, len(self)))
        list.extend(self, values)

    def __iadd__(self, values: Any) -> TrackedList:  # type: ignore[misc]
        self.extend(values)
        return self

    def _snap(self) -> None:
        journal = self._journal
        if self._snapped != journal.epoch:  # once per execution: the copy undoes the rest
            self._snapped = journal.epoch
            journal.append((SNAP, self, list(self)))

    def insert(self, index: Any, value: Any) -> None:
        self._snap()
        list.insert(self, index, value)

    def pop(self, index: Any = -1) -> Any:
        if index == -1 or index == len(self) - 1:  # from the end: cheap to undo
            value = list.pop(self)
            self._journal.append((LPOP, self, value))
            return value
        self._snap()
        return list.pop(self, index)

    def remove(self, value: Any) -> None:
        self._snap()
        list.remove(self, value)

    def clear(self) -> None:
        self._snap()
        list.clear(self)

    def sort(self, *args: Any, **kwargs: Any) -> None:
        self._snap()
        list.sort(self, *args, **kwargs)

    def reverse(self) -> None:
        self._snap()
        list.reverse(self)

    def __delitem__(self, index: Any) -> None:
        self._snap()
        list.__delitem__(self, index)

    def __imul__(self, n: Any) -> TrackedList:  # type: ignore[misc]
        self._snap()
        list.__imul__(self, n)
        return self


class TrackedSet(set[Any]):
    """A heap set: every change is journaled (see the comment above)."""

    __slots__ = ("_journal", "_root", "_snapped")
    _journal: Journal  # the owning heap's journal
    _snapped: int  # the journal epoch in which this container was last copied
    _root: str | None  # the attribute it is in (None: more than one)

    def add(self, value: Any) -> None:
        if value not in self:
            self._journal.append((SDEL, self, value))
            set.add(self, value)

    def discard(self, value: Any) -> None:
        if value in self:
            self._journal.append((SADD, self, value))
            set.discard(self, value)

    def remove(self, value: Any) -> None:
        if value not in self:
            raise KeyError(value)
        self.discard(value)

    def pop(self) -> Any:
        value = set.pop(self)
        self._journal.append((SADD, self, value))
        return value

    def _snap(self) -> None:
        journal = self._journal
        if self._snapped != journal.epoch:  # once per execution: the copy undoes the rest
            self._snapped = journal.epoch
            journal.append((SNAP, self, set(self)))

    def clear(self) -> None:
        self._snap()
        set.clear(self)

    def update(self, *others: Any) -> None:
        for other in others:
            for value in other:
                self.add(value)

    def __ior__(self, other: Any) -> TrackedSet:  # type: ignore[misc]
        self.update(other)
        return self

    def difference_update(self, *others: Any) -> None:
        self._snap()
        set.difference_update(self, *others)

    def intersection_update(self, *others: Any) -> None:
        self._snap()
        set.intersection_update(self, *others)

    def symmetric_difference_update(self, other: Any) -> None:
        self._snap()
        set.symmetric_difference_update(self, other)

    def __isub__(self, other: Any) -> TrackedSet:  # type: ignore[misc]
        self.difference_update(other)
        return self

    def __iand__(self, other: Any) -> TrackedSet:  # type: ignore[misc]
        self.intersection_update(other)
        return self

    def __ixor__(self, other: Any) -> TrackedSet:  # type: ignore[misc]
        self.symmetric_difference_update(other)
        return self


add_set_type(TrackedSet)
TRACKED = (TrackedDict, TrackedList, TrackedSet)


class _Opaque(Exception):
    """A value holds a mutable object the journal cannot follow (a ``bytearray``)."""


def _undo(journal: Journal) -> None:
    """Undo the journal's records, last first. A container copied in this execution (SNAP)
    is put back by its copy: its later records are skipped, since changes after the copy are
    not all journaled (it is copied once per execution)."""
    copied: dict[int, int] = {}  # container id -> index of its copy in the journal
    for index, record in enumerate(journal):
        if record[0] == SNAP:
            copied.setdefault(id(record[1]), index)
    for index in range(len(journal) - 1, -1, -1):
        record = journal[index]
        op = record[0]
        c = record[1]
        if copied and op != SNAP and copied.get(id(c), index) < index:
            continue
        if op == DSET:
            dict.__setitem__(c, record[2], record[3])
        elif op == DNEW:
            dict.__delitem__(c, record[2])
        elif op == LSET:
            list.__setitem__(c, record[2], record[3])
        elif op == LCUT:
            list.__delitem__(c, slice(record[2], None))
        elif op == SADD:
            set.add(c, record[2])
        elif op == SDEL:
            set.discard(c, record[2])
        elif op == LPOP:
            list.append(c, record[2])
        else:  # SNAP
            kind = type(c)
            if kind is TrackedDict:
                dict.clear(c)
                dict.update(c, record[2])
            elif kind is TrackedList:
                list.__setitem__(c, slice(None), record[2])
            else:
                set.clear(c)
                set.update(c, record[2])
    journal.reset()


CHUNK = 1024  # entries per cached piece of a large dict's image
CHUNKED = 4 * CHUNK  # dicts at least this large keep their image in pieces


class _DictChunks:
    """The image of one large heap dict in pieces of ``CHUNK`` entries (in dict order), so that
    a snapshot after a few changed entries re-encodes a few pieces, not the whole dict."""

    __slots__ = ("d", "parts", "pos", "size")

    def __init__(self, d: TrackedDict) -> None:
        self.d = d
        self.size = len(d)
        self.pos: dict[Any, int] = {}
        self.parts: list[bytes | None] = []
        items = iter(dict.items(d))
        while piece := dict(islice(items, CHUNK)):  # one pass over the dict
            index = len(self.parts)
            self.pos.update(dict.fromkeys(piece, index))
            self.parts.append(encode(piece)[len(cbor_head(5, len(piece))) :])

    def changed(self, record: tuple[Any, ...]) -> bool:
        """Follow one journal record on this dict; False if the pieces cannot follow it."""
        op = record[0]
        if op == DSET:
            self.parts[self.pos[record[2]]] = None
            return True
        if op == DNEW:
            index = self.size // CHUNK
            self.pos[record[2]] = index
            self.size += 1
            if index == len(self.parts):
                self.parts.append(None)
            else:
                self.parts[index] = None
            return True
        return False

    def image(self) -> bytes:
        d = self.d
        parts = self.parts
        for index, part in enumerate(parts):
            if part is None:
                piece = dict(islice(dict.items(d), index * CHUNK, (index + 1) * CHUNK))
                parts[index] = encode(piece)[len(cbor_head(5, len(piece))) :]
        return cbor_head(5, len(d)) + b"".join(parts)  # type: ignore[arg-type]


class Heap:
    """The committed heap of one canister instance: what a trap rolls back to.

    ``commit(instance)`` records the instance's current attributes as committed (raising
    ``HeapError`` naming the first attribute that is not plain data, in which case nothing is
    committed); ``rollback(instance)`` makes the instance's attributes equal to the committed ones
    again; ``image()`` is the canonical byte image used by snapshots.

    Both cost what the execution changed, not what the heap holds. At commit, an attribute that
    still holds its committed object costs nothing, unless the journal says a container in it
    changed: then only the changed entries are checked (and a container written into the heap
    becomes a tracked one, a copy: a local alias of a *new* container does not follow it across
    an ``await``, as the docs say of all locals). A rollback undoes the journal and puts the
    committed attribute objects back. An attribute that holds a ``bytearray`` (mutable, not
    tracked) is kept as an encoded image and re-encoded at every commit, as every attribute
    used to be.
    """

    __slots__ = ("_chunks", "_committed", "_images", "journal")

    def __init__(self) -> None:
        # name -> (value, image); image is None for immutable scalars and tracked containers
        # (the object is the committed value), bytes for an opaque attribute
        self._committed: dict[str, tuple[Any, bytes | None]] = {}
        self._images: dict[str, bytes] = {}  # cached encodings of committed attributes
        self._chunks: dict[str, _DictChunks] = {}  # large dicts' images, in pieces
        self.journal = Journal()

    # -- adopting values ------------------------------------------------------------------------
    def _adopt(self, value: Any, root: str | None, top: bool = False) -> Any:
        """``value`` as heap data: containers become tracked (copies, journaling to this heap),
        anything else is checked to be plain data (raises ``HeapError``). An attribute (``top``)
        that is a ``bytearray`` or another encodable value this heap does not know raises
        ``_Opaque``: it is kept as an image, as before; inside a container, a ``bytearray``
        becomes ``bytes`` and other such values are kept as they are (immutable ones: an
        ``IntEnum`` member, a ``Decimal``)."""
        kind = type(value)
        if kind in IMMUTABLE_SCALARS:
            return value
        if kind in TRACKED:
            if value._journal is self.journal:
                if value._root != root:
                    value._root = None  # in two attributes: any change invalidates every image
                self._check_children(value, root)
                return value
            kind = kind.__mro__[1]  # another heap's container: copy it as plain data
        if kind is dict:
            out: Any = TrackedDict()
            for k, v in value.items():
                dict.__setitem__(out, self._adopt_key(k), self._adopt(v, root))
        elif kind is list:
            out = TrackedList(self._adopt(v, root) for v in value)
        elif kind is set:
            out = TrackedSet(self._adopt_key(v) for v in value)
        elif kind is tuple:
            return tuple(self._adopt(v, root) for v in value)
        elif kind is frozenset:
            return frozenset(self._adopt_key(v) for v in value)
        elif kind is bytearray:
            if top:
                raise _Opaque
            return bytes(value)
        else:
            encode(value)  # raises HeapError with the codec's own words
            if top:
                raise _Opaque  # encodable but not ours to track
            return value
        out._journal = self.journal
        out._root = root
        out._snapped = -1
        return out

    def _adopt_key(self, value: Any) -> Any:
        if type(value) in IMMUTABLE_SCALARS:
            return value
        if type(value) in (tuple, frozenset):
            return self._adopt(value, None)
        encode(value)  # an unhashable key never gets here; anything else raises HeapError
        return value

    def _check_children(self, c: Any, root: str | None) -> None:
        """Adopt what a tracked container holds (after an operation that may have put anything
        anywhere in it: a snapshot record)."""
        kind = type(c)
        if kind is TrackedDict:
            for k, v in list(dict.items(c)):
                if type(v) not in IMMUTABLE_SCALARS:
                    dict.__setitem__(c, k, self._adopt(v, root))
        elif kind is TrackedList:
            for i, v in enumerate(c):
                if type(v) not in IMMUTABLE_SCALARS:
                    list.__setitem__(c, i, self._adopt(v, root))
        else:
            for v in c:
                self._adopt_key(v)

    def _check_record(self, record: tuple[Any, ...], scanned: dict[int, int]) -> None:
        """Adopt what one journal record wrote (the value now at that place). ``scanned`` maps
        a container's id to the index from which this commit already checked it to its end,
        so that many appends (or copies) of one container are checked once, not once each."""
        op = record[0]
        c = record[1]
        root = c._root
        if op == DSET or op == DNEW:
            key = record[2]
            if dict.__contains__(c, key):
                if op == DNEW:
                    self._adopt_key(key)
                v = dict.__getitem__(c, key)
                if type(v) not in IMMUTABLE_SCALARS:
                    dict.__setitem__(c, key, self._adopt(v, root))
        elif op == LSET:
            i = record[2]
            if i < len(c):
                v = list.__getitem__(c, i)
                if type(v) not in IMMUTABLE_SCALARS:
                    list.__setitem__(c, i, self._adopt(v, root))
        elif op == LCUT:
            start = record[2]
            done = scanned.get(id(c))
            if done is not None and done <= start:
                return
            scanned[id(c)] = start
            for i in range(start, len(c) if done is None else done):
                v = list.__getitem__(c, i)
                if type(v) not in IMMUTABLE_SCALARS:
                    list.__setitem__(c, i, self._adopt(v, root))
        elif op == SDEL:
            if record[2] in c:
                self._adopt_key(record[2])
        elif op == SNAP:
            if scanned.get(id(c)) != 0:
                scanned[id(c)] = 0
                self._check_children(c, root)

    # -- commit and rollback --------------------------------------------------------------------
    def commit(self, instance: object) -> None:
        state = instance.__dict__
        committed = self._committed
        journal = self.journal
        if not journal:
            # the common cases, as cheap as they can be: nothing changed but scalars (a counter,
            # a flag), or nothing at all (a relay, a reader)
            fast: dict[str, tuple[Any, bytes | None]] = {}
            for name, value in state.items():
                if type(value) in IMMUTABLE_SCALARS:
                    fast[name] = (value, None)
                    continue
                entry = committed.get(name)
                if entry is None or entry[0] is not value or entry[1] is not None:
                    break
                fast[name] = entry
            else:
                self._committed = fast
                return
        try:
            dirty: set[str | None] = set()
            chunks = self._chunks
            scanned: dict[int, int] = {}
            for record in journal:
                self._check_record(record, scanned)
                root = record[1]._root
                dirty.add(root)
                if chunks and root in chunks:
                    pieces = chunks[root]
                    if pieces.d is not record[1] or not pieces.changed(record):
                        del chunks[root]
            new: dict[str, tuple[Any, bytes | None]] = {}
            for name, value in state.items():
                before = committed.get(name)
                if before is not None and before[0] is value and before[1] is None:
                    new[name] = before
                    continue
                try:
                    adopted = self._adopt(value, name, top=True)
                except _Opaque:
                    new[name] = (value, encode(value))
                    continue
                new[name] = (adopted, None)
        except HeapError as exc:
            raise HeapError(
                f"attribute {self._culprit(state, dirty)!r} of {type(instance).__name__} cannot "
                f"be stored in the canister heap: {exc} (heap values must be None, bool, int, "
                f"float, str, bytes, list, tuple, dict, set or Principal)"
            ) from None
        for name, (adopted, image) in new.items():
            if image is None and state[name] is not adopted:
                state[name] = adopted
        images = self._images
        if None in dirty:
            images.clear()
            self._chunks.clear()
        else:
            for root in dirty:
                if root is not None:
                    images.pop(root, None)
        for name in committed.keys() - new.keys():
            images.pop(name, None)
        for name, entry in new.items():
            old = committed.get(name)
            if old is None or old[0] is not entry[0] or entry[1] is not None:
                images.pop(name, None)
        self._committed = new
        journal.reset()

    def _culprit(self, state: dict[str, Any], dirty: set[str | None]) -> str:
        """The attribute to name in an error: the first changed one, in attribute order."""
        committed = self._committed
        for name, value in state.items():
            entry = committed.get(name)
            if entry is None or entry[0] is not value or name in dirty or None in dirty:
                return name
        return next(iter(state), "?")

    def rollback(self, instance: object) -> None:
        """Make the instance's attributes equal to the committed ones again, *in place*: the
        journal is undone, so a container that was in the heap at commit keeps its identity,
        and a suspended frame holding a reference to it (a guard's set, say) still sees the
        heap, as a pointer into Wasm memory stays valid across another message's trap."""
        if self.journal:
            _undo(self.journal)
        state = instance.__dict__
        committed = self._committed
        if len(state) == len(committed):
            for name, value in state.items():
                entry = committed.get(name)
                if entry is None or entry[0] is not value or entry[1] is not None:
                    break
            else:
                return
        state.clear()
        for name, (value, image) in committed.items():
            state[name] = value if image is None else restore_into(value, decode(image))

    # -- images ---------------------------------------------------------------------------------
    def image(self) -> bytes:
        """The committed heap as one CBOR map (attribute order as committed); each attribute's
        encoding is cached until a commit changes it, a large dict's in pieces."""
        images = self._images
        chunks = self._chunks
        parts = [cbor_head(5, len(self._committed))]
        for name, (value, image) in self._committed.items():
            parts.append(encode(name))
            if type(value) in IMMUTABLE_SCALARS:
                parts.append(encode(value))
                continue
            if type(value) is TrackedDict and len(value) >= CHUNKED:
                pieces = chunks.get(name)
                if pieces is None or pieces.d is not value or pieces.size != len(value):
                    pieces = chunks[name] = _DictChunks(value)
                parts.append(pieces.image())
                continue
            if image is None:
                image = images.get(name)
                if image is None:
                    image = images[name] = encode(value)
            parts.append(image)
        return b"".join(parts)

    def values(self) -> dict[str, Any]:
        """A fresh copy of the committed heap, for inspection."""
        return {
            name: value
            if type(value) in IMMUTABLE_SCALARS
            else decode(image if image is not None else encode(value))
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
