"""A canister's stable memory: copy-on-write, O(1) fork, incremental checksum.

What it models
--------------
``ic0.stable64_*``: a zero-initialised byte array measured in 64 KiB Wasm pages that only
grows (``grow`` returns the old size, or ``-1`` past ``max_pages``) and traps with
"stable memory out of bounds" on any access past its end.

Why it is built this way
------------------------
The engine takes a fork of every canister's stable memory before *every* message execution
and restores it if the execution traps; canister snapshots share the live memory's content.
That happens millions of times over memories of up to gigabytes, most of which are never
written at all.  So the three costs that matter are:

* ``fork()`` -- must be O(1), and nearly free for a memory nobody writes.
* one small ``write`` after a fork -- must cost O(chunk), not O(memory).
* ``checksum()`` after a few writes -- must cost O(changed chunks), not O(memory).

Structure
---------
The content is a **persistent radix tree** over 4 KiB chunks: 64-way nodes, as many levels
as the size needs (``height`` is the least ``h >= 1`` with ``64**h >= chunks``; 1 GiB is 3
levels, 400 GiB is 5).  Leaves hold immutable ``bytes`` chunks; ``None`` anywhere (a chunk
or a whole subtree) means "all zeros", so growing a memory to 1 GiB allocates nothing.

Copy-on-write uses **ownership tokens** (Clojure's transients): every node records the
token of the memory that created it.  A write walks from the root to the chunk; a node
owned by the memory's current token is mutated in place, any other node is *shared* and
is copied first (path copying: at most ``height`` lists of 64 slots).  ``fork()`` does not
copy anything -- it wraps the current root in an immutable :class:`MemoryImage` and gives
the live memory a fresh token, which turns every existing node into a shared one.  Tokens
are never reused and an image's nodes are never owned by a live token, so images stay
frozen without any bookkeeping, and ``restore``/``thaw`` are O(1) too (just adopt the
root).  A memory not written since its last fork/restore keeps that image cached, so the
engine's "fork before every message" is one attribute read when nothing changes.

The checksum is a **Merkle root**: a chunk hashes to ``sha256(chunk)``, a node to
``sha256(0x01 || 64 child hashes)`` and the memory to ``sha256(tag || size || root)``.
An absent child hashes as the precomputed hash of an all-zero subtree of its height, and a
stored all-zero chunk hashes exactly like an absent one (``sha256(bytes(4096))``), so the
checksum depends only on (size in pages, bytes) and never on history.  Each node caches
its hash (leaves also cache their 64 chunk hashes); a write clears the caches on the path
it copied or touched, and shared nodes are immutable so their caches stay valid forever.
Hashing a fresh 1 GiB memory therefore costs nothing, and re-hashing after one write costs
one chunk plus ``height`` nodes.  (Filling a shared node's cache is a benign mutation: the
value is a pure function of content that can no longer change.)

Accounting: :meth:`StableMemory.held_chunks` counts stored chunk slots (cached per node,
so O(changed) as well); :func:`unique_bytes` walks several memories/images at once,
visiting each shared node and each chunk object only once, so ten snapshots of a 1 GiB
memory differing by one chunk each count about 1 GiB + 10 chunks.

Chunks beyond ``size`` are always absent: a live memory only grows, and ``restore`` swaps
in a whole image (root, size and height together).

:class:`SparseBuffer` is the same tree behind a byte buffer of a fixed length (any length, not
only whole pages): the management canister's buffers of an uploaded snapshot, which the upload
declares up front (up to 100 MiB of module, 4 GiB of main memory, 400 GiB of stable memory) and
fills as slices arrive. A declared size costs nothing; only the 4 KiB chunks written with data
are held.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from typing import Any, Final

__all__ = [
    "CHUNK_SIZE",
    "DEFAULT_MAX_PAGES",
    "PAGE_SIZE",
    "MemoryImage",
    "SparseBuffer",
    "StableMemory",
    "StableMemoryError",
    "unique_bytes",
]

#: Wasm page size: stable memory is sized in these.
PAGE_SIZE: Final = 65536
#: Copy-on-write and hashing granularity.
CHUNK_SIZE: Final = 4096
#: 400 GiB of address space, the IC's stable memory limit.
DEFAULT_MAX_PAGES: Final = 400 * (1 << 30) // PAGE_SIZE

_CHUNK_SHIFT = 12  # log2(CHUNK_SIZE)
_CHUNK_MASK = CHUNK_SIZE - 1
_CHUNKS_PER_PAGE = PAGE_SIZE // CHUNK_SIZE
_FANOUT_BITS = 6
_FANOUT = 1 << _FANOUT_BITS  # 64 children per node
_SLOT_MASK = _FANOUT - 1

_ZERO_CHUNK: Final = bytes(CHUNK_SIZE)
_NODE_TAG = b"\x01"
_ROOT_TAG = b"ic-stable-memory\x00"

_sha256 = hashlib.sha256

# _ZERO_HASH[h]: hash of an all-zero subtree of height h (0 = a single chunk).
_ZERO_HASH: list[bytes] = [_sha256(_ZERO_CHUNK).digest()]


def _zero_hash(height: int) -> bytes:
    while len(_ZERO_HASH) <= height:
        _ZERO_HASH.append(_sha256(_NODE_TAG + _ZERO_HASH[-1] * _FANOUT).digest())
    return _ZERO_HASH[height]


_zero_hash(8)


class StableMemoryError(Exception):
    """An access the IC would trap on (message like the replica's)."""


def _oob() -> StableMemoryError:
    return StableMemoryError("stable memory out of bounds")


def _height_for(pages: int) -> int:
    """Least height >= 1 whose tree covers ``pages`` pages of chunks."""
    chunks = pages * _CHUNKS_PER_PAGE
    height = 1
    while (1 << (_FANOUT_BITS * height)) < chunks:
        height += 1
    return height


class _Node:
    """One radix-tree node.

    ``kids`` has exactly 64 slots: child nodes (internal nodes) or chunk ``bytes`` (leaves,
    height 1); ``None`` means all zeros.  ``owner`` is the token of the memory allowed to
    mutate it in place.  ``h``/``n`` cache the Merkle hash and the stored-chunk count
    (``None`` = stale); ``hs`` caches the 64 chunk hashes of a leaf (``None`` otherwise).
    Which of these a node is depends on its height, which only the walk knows: hence
    ``kids: list[Any]``, and the ignores where a leaf's ``hs`` is used.
    """

    __slots__ = ("h", "hs", "kids", "n", "owner")

    def __init__(self, kids: list[Any], owner: object, hs: list[bytes | None] | None) -> None:
        self.kids = kids
        self.owner = owner
        self.hs = hs
        self.h: bytes | None = None
        self.n: int | None = None

    def copy(self, owner: object) -> _Node:
        hs = self.hs
        return _Node(self.kids[:], owner, None if hs is None else hs[:])


def _new_node(owner: object, leaf: bool) -> _Node:
    return _Node([None] * _FANOUT, owner, [None] * _FANOUT if leaf else None)


# ---------------------------------------------------------------------------------------
# Read-side helpers shared by live memories and images (pure functions of root/height).


def _find_chunk(root: _Node | None, height: int, ci: int) -> bytes | None:
    node = root
    shift = _FANOUT_BITS * (height - 1)
    while node is not None and shift:
        node = node.kids[(ci >> shift) & _SLOT_MASK]
        shift -= _FANOUT_BITS
    if node is None:
        return None
    chunk: bytes | None = node.kids[ci & _SLOT_MASK]
    return chunk


def _gather(root: _Node | None, height: int, first: int, stop: int) -> bytes:
    """The bytes of chunks ``[first, stop)``, zeros for absent ones."""
    out: list[bytes] = []
    append = out.append
    zero = _ZERO_CHUNK

    def walk(node: _Node | None, h: int, base: int) -> None:
        span = 1 << (_FANOUT_BITS * h)
        lo = first if first > base else base
        hi = stop if stop < base + span else base + span
        if lo >= hi:
            return
        if node is None:
            append(bytes((hi - lo) * CHUNK_SIZE))
        elif h == 1:
            kids = node.kids[lo - base : hi - base]
            out.extend([zero if c is None else c for c in kids])
        else:
            sub = span >> _FANOUT_BITS
            kids = node.kids
            for i in range((lo - base) // sub, (hi - 1 - base) // sub + 1):
                walk(kids[i], h - 1, base + i * sub)

    walk(root, height, 0)
    return b"".join(out)


def _read(root: _Node | None, height: int, size: int, offset: int, n: int) -> bytes:
    if offset < 0 or n < 0 or offset + n > size * PAGE_SIZE:
        raise _oob()
    if n == 0:
        return b""
    first = offset >> _CHUNK_SHIFT
    last = (offset + n - 1) >> _CHUNK_SHIFT
    lo = offset & _CHUNK_MASK
    if first == last:
        chunk = _find_chunk(root, height, first)
        if chunk is None:
            return bytes(n)
        return chunk[lo : lo + n]
    data = _gather(root, height, first, last + 1)
    return data[lo : lo + n]


def _hash(node: _Node | None, height: int) -> bytes:
    if node is None:
        return _ZERO_HASH[height] if height < len(_ZERO_HASH) else _zero_hash(height)
    h = node.h
    if h is not None:
        return h
    if height == 1:
        # A leaf always has its chunk-hash cache (``hs`` is None only for internal nodes).
        hs: list[bytes | None] = node.hs  # type: ignore[assignment]  # leaf: hs is a list
        kids = node.kids
        zh = _ZERO_HASH[0]
        for i in range(_FANOUT):
            if hs[i] is None:
                c = kids[i]
                hs[i] = zh if c is None else _sha256(c).digest()
        h = _sha256(_NODE_TAG + b"".join(hs)).digest()  # type: ignore[arg-type]  # all filled
    else:
        sub = height - 1
        h = _sha256(_NODE_TAG + b"".join([_hash(k, sub) for k in node.kids])).digest()
    node.h = h
    return h


def _checksum(root: _Node | None, height: int, size: int) -> bytes:
    return _sha256(_ROOT_TAG + size.to_bytes(8, "little") + _hash(root, height)).digest()


def _count(node: _Node | None, height: int) -> int:
    if node is None:
        return 0
    n = node.n
    if n is not None:
        return n
    if height == 1:
        n = _FANOUT - node.kids.count(None)
    else:
        sub = height - 1
        n = sum([_count(k, sub) for k in node.kids if k is not None])
    node.n = n
    return n


class _Content:
    """Read-only view shared by :class:`StableMemory` and :class:`MemoryImage`."""

    __slots__ = ("_height", "_max_pages", "_root", "_size")

    _root: _Node | None
    _height: int
    _size: int
    _max_pages: int

    @property
    def max_pages(self) -> int:
        return self._max_pages

    def size(self) -> int:
        """Size in 64 KiB pages."""
        return self._size

    def read(self, offset: int, n: int) -> bytes:
        """``n`` bytes at ``offset``; ``StableMemoryError`` if any of it is out of bounds."""
        return _read(self._root, self._height, self._size, offset, n)

    def checksum(self) -> bytes:
        """32-byte SHA-256 Merkle root of (size in pages, content); history-independent."""
        return _checksum(self._root, self._height, self._size)

    def to_bytes(self) -> bytes:
        """The whole content, ``size() * PAGE_SIZE`` bytes."""
        return _gather(self._root, self._height, 0, self._size * _CHUNKS_PER_PAGE)

    def stored_chunks(self) -> Iterator[tuple[int, bytes]]:
        """``(chunk index, chunk)`` for every chunk stored, in index order (absent = zeros).
        For writing a memory out sparsely."""

        def walk(node: _Node, height: int, base: int) -> Iterator[tuple[int, bytes]]:
            kids = node.kids
            if height == 1:
                for i, chunk in enumerate(kids):
                    if chunk is not None:
                        yield base + i, chunk
                return
            span = len(kids) ** (height - 1)
            for i, child in enumerate(kids):
                if child is not None:
                    yield from walk(child, height - 1, base + i * span)

        if self._root is not None:
            yield from walk(self._root, self._height, 0)

    def held_chunks(self) -> int:
        """Number of stored (non-implicit) 4 KiB chunk slots.  O(changed) thanks to caching."""
        return _count(self._root, self._height)


class MemoryImage(_Content):
    """An immutable stable-memory content, as returned by :meth:`StableMemory.fork`.

    Equality and hashing are by identity; compare contents with :meth:`checksum`.
    """

    __slots__ = ()

    def __init__(self, root: _Node | None, height: int, size: int, max_pages: int) -> None:
        self._root = root
        self._height = height
        self._size = size
        self._max_pages = max_pages

    def thaw(self) -> StableMemory:
        """A new live memory with this content, sharing every chunk (O(1))."""
        mem = StableMemory(self._max_pages)
        mem._root = self._root
        mem._height = self._height
        mem._size = self._size
        mem._image = self
        return mem

    def __repr__(self) -> str:
        return f"<MemoryImage {self._size} pages>"


class StableMemory(_Content):
    """A canister's live stable memory (see the module docstring for the design)."""

    __slots__ = ("_image", "_token")

    def __init__(self, max_pages: int = DEFAULT_MAX_PAGES) -> None:
        if max_pages < 0:
            raise ValueError("max_pages must be >= 0")
        self._root = None
        self._height = 1
        self._size = 0
        self._max_pages = max_pages
        # Token owning the nodes this memory may mutate in place.
        self._token = object()
        # Cached fork: not None iff nothing changed since the last fork/restore/thaw, in
        # which case the content equals it and no reachable node is owned by _token.
        self._image: MemoryImage | None = None

    # -- size ----------------------------------------------------------------------------

    def grow(self, pages: int) -> int:
        """Grow by ``pages`` zero pages; the old size, or -1 past ``max_pages``."""
        if pages < 0:
            raise StableMemoryError("stable memory grow by a negative number of pages")
        old = self._size
        new = old + pages
        if new > self._max_pages:
            return -1
        if pages == 0:
            return old
        self._image = None
        height = _height_for(new)
        if height > self._height:
            root = self._root
            token = self._token
            for _ in range(height - self._height):
                if root is not None:
                    top = _new_node(token, leaf=False)
                    top.kids[0] = root
                    root = top
            self._root = root
            self._height = height
        self._size = new
        return old

    # -- data ----------------------------------------------------------------------------

    def _leaf_for_write(self, ci: int) -> _Node:
        """The leaf holding chunk ``ci``, path-copied so this memory owns every node on it,
        with the cached hashes/counts on the path cleared."""
        token = self._token
        node = self._root
        leaf = self._height == 1
        if node is None:
            node = self._root = _new_node(token, leaf)
        elif node.owner is not token:
            node = self._root = node.copy(token)
        else:
            node.h = node.n = None
        shift = _FANOUT_BITS * (self._height - 1)
        while shift:
            slot = (ci >> shift) & _SLOT_MASK
            shift -= _FANOUT_BITS
            kids = node.kids
            child = kids[slot]
            if child is None:
                child = kids[slot] = _new_node(token, shift == 0)
            elif child.owner is not token:
                child = kids[slot] = child.copy(token)
            else:
                child.h = child.n = None
            node = child
        return node

    def write(self, offset: int, data: bytes) -> None:
        """Write ``data`` at ``offset``; ``StableMemoryError`` if any of it is out of bounds."""
        if type(data) is not bytes:
            data = bytes(data)
        n = len(data)
        if offset < 0 or offset + n > self._size * PAGE_SIZE:
            raise _oob()
        if n == 0:
            return
        self._image = None
        end = offset + n
        first = offset >> _CHUNK_SHIFT
        last = (end - 1) >> _CHUNK_SHIFT
        zero = _ZERO_CHUNK
        leaf: _Node  # set on the first iteration (no leaf id is -1)
        leaf_id = -1
        pos = 0
        for ci in range(first, last + 1):
            if ci >> _FANOUT_BITS != leaf_id:
                leaf_id = ci >> _FANOUT_BITS
                leaf = self._leaf_for_write(ci)
            cstart = ci << _CHUNK_SHIFT
            lo = offset - cstart if offset > cstart else 0
            hi = end - cstart if end - cstart < CHUNK_SIZE else CHUNK_SIZE
            slot = ci & _SLOT_MASK
            if lo == 0 and hi == CHUNK_SIZE:
                chunk = data[pos : pos + CHUNK_SIZE]
            else:
                old = leaf.kids[slot]
                if old is None:
                    old = zero
                chunk = old[:lo] + data[pos : pos + hi - lo] + old[hi:]
            pos += hi - lo
            # Keep zero chunks implicit: saves memory, and the hash is identical anyway.
            leaf.kids[slot] = None if chunk == zero else chunk
            leaf.hs[slot] = None  # type: ignore[index]  # a leaf always has hs

    # -- fork / restore ------------------------------------------------------------------

    def fork(self) -> MemoryImage:
        """An O(1) frozen image of the current content (later writes do not affect it)."""
        image = self._image
        if image is None:
            image = self._image = MemoryImage(self._root, self._height, self._size, self._max_pages)
            # Every node reachable now belongs to the image: make them shared.
            self._token = object()
        return image

    def restore(self, image: MemoryImage) -> None:
        """O(1): the content becomes ``image``'s (which stays valid and frozen)."""
        if image is self._image:
            return
        if image._size > self._max_pages:
            raise ValueError(f"image of {image._size} pages exceeds max_pages={self._max_pages}")
        # Image nodes are owned by retired tokens, never by ours: no token change needed.
        self._root = image._root
        self._height = image._height
        self._size = image._size
        self._image = image

    # -- bulk ----------------------------------------------------------------------------

    @classmethod
    def from_bytes(cls, data: bytes, max_pages: int = DEFAULT_MAX_PAGES) -> StableMemory:
        """A memory holding ``data``, whose length must be a multiple of ``PAGE_SIZE``
        (what :meth:`to_bytes` produces) and at most ``max_pages`` pages; else ValueError.
        All-zero chunks are stored implicitly."""
        if type(data) is not bytes:
            data = bytes(data)
        if len(data) % PAGE_SIZE:
            raise ValueError(
                f"stable memory image length {len(data)} is not a multiple of "
                f"the page size {PAGE_SIZE}"
            )
        pages = len(data) // PAGE_SIZE
        if pages > max_pages:
            raise ValueError(f"stable memory image of {pages} pages exceeds {max_pages}")
        mem = cls(max_pages)
        if pages == 0:
            return mem
        token = mem._token
        height = _height_for(pages)
        zero = _ZERO_CHUNK
        total = len(data)
        leaf_bytes = CHUNK_SIZE * _FANOUT
        level: list[_Node | None] = []
        for base in range(0, total, leaf_bytes):
            kids: list[bytes | None] = [
                data[o : o + CHUNK_SIZE]
                for o in range(base, min(base + leaf_bytes, total), CHUNK_SIZE)
            ]
            kids = [None if c == zero else c for c in kids]
            if kids.count(None) == len(kids):
                level.append(None)
                continue
            if len(kids) < _FANOUT:
                kids.extend([None] * (_FANOUT - len(kids)))
            level.append(_Node(kids, token, [None] * _FANOUT))
        for _ in range(height - 1):
            parents: list[_Node | None] = []
            for i in range(0, len(level), _FANOUT):
                nodes = level[i : i + _FANOUT]
                if nodes.count(None) == len(nodes):
                    parents.append(None)
                    continue
                if len(nodes) < _FANOUT:
                    nodes.extend([None] * (_FANOUT - len(nodes)))
                parents.append(_Node(nodes, token, None))
            level = parents
        assert len(level) == 1
        mem._root = level[0]
        mem._height = height
        mem._size = pages
        return mem

    def __repr__(self) -> str:
        return f"<StableMemory {self._size}/{self._max_pages} pages>"


class SparseBuffer:
    """A zero-initialised byte buffer of a fixed length that holds only the 4 KiB chunks
    written with data (a :class:`StableMemory` of whole pages underneath, so any length up to
    ``DEFAULT_MAX_PAGES`` pages costs nothing until data arrives).

    Reads and writes outside ``[0, len(buffer))`` raise ``ValueError``.
    """

    __slots__ = ("_memory", "_size")

    def __init__(self, size: int) -> None:
        if not 0 <= size <= DEFAULT_MAX_PAGES * PAGE_SIZE:
            raise ValueError(
                f"a buffer of {size} bytes is outside 0..{DEFAULT_MAX_PAGES * PAGE_SIZE}"
            )
        self._size = size
        self._memory = StableMemory()
        self._memory.grow(-(-size // PAGE_SIZE))

    def __len__(self) -> int:
        return self._size

    def _check(self, offset: int, n: int) -> None:
        if offset < 0 or n < 0 or offset + n > self._size:
            raise ValueError(
                f"bytes {offset}..{offset + n} are outside a buffer of {self._size} bytes"
            )

    def read(self, offset: int, n: int) -> bytes:
        """``n`` bytes at ``offset`` (zeros where nothing was written)."""
        self._check(offset, n)
        return self._memory.read(offset, n)

    def write(self, offset: int, data: bytes) -> None:
        """Write ``data`` at ``offset`` (all-zero chunks stay implicit)."""
        self._check(offset, len(data))
        self._memory.write(offset, data)

    def to_bytes(self) -> bytes:
        """The whole content, ``len(self)`` bytes."""
        return self._memory.read(0, self._size)

    def stored_chunks(self) -> Iterator[tuple[int, bytes]]:
        """``(offset, bytes)`` of every chunk held, in order, the last one cut at the end of
        the buffer; everything else is zeros."""
        size = self._size
        for index, chunk in self._memory.stored_chunks():
            offset = index * CHUNK_SIZE
            yield offset, chunk if offset + CHUNK_SIZE <= size else chunk[: size - offset]

    def runs(self, max_bytes: int) -> Iterator[tuple[int, bytes]]:
        """``(offset, bytes)`` of the data held, in order: runs of adjacent chunks, each at most
        ``max_bytes`` long (at least one chunk); everything else is zeros."""
        per_run = max(1, max_bytes // CHUNK_SIZE)
        start = end = -1
        parts: list[bytes] = []
        for offset, chunk in self.stored_chunks():
            if offset != end or len(parts) == per_run:
                if parts:
                    yield start, b"".join(parts)
                start, parts = offset, []
            parts.append(chunk)
            end = offset + len(chunk)
        if parts:
            yield start, b"".join(parts)

    def data(self) -> bytes:
        """The content up to :meth:`data_end` (every byte after it is zero)."""
        return self._memory.read(0, self.data_end())

    def data_end(self) -> int:
        """The end of the last chunk held (0 if none): every byte from here on is zero."""
        end = 0
        for offset, chunk in self.stored_chunks():
            end = offset + len(chunk)
        return end

    def held_chunks(self) -> int:
        """Number of 4 KiB chunks held."""
        return self._memory.held_chunks()

    def reader(self) -> io.BufferedReader:
        """A binary file reading the content from the start, as far as the reader asks."""
        return io.BufferedReader(_BufferReader(self))

    def image(self) -> MemoryImage:
        """The content as a stable memory image (O(1), sharing the chunks); the length must be
        whole pages (else ValueError)."""
        if self._size % PAGE_SIZE:
            raise ValueError(
                f"a buffer of {self._size} bytes is not a whole number of {PAGE_SIZE}-byte pages"
            )
        return self._memory.fork()

    def sha256(self) -> bytes:
        """SHA-256 of the whole content (the zeros in between fed from one block)."""
        h = hashlib.sha256()
        zeros = bytes(min(self._size, 1 << 20))

        def skip(n: int) -> None:
            while n > 0:
                step = min(n, len(zeros))
                h.update(zeros[:step] if step < len(zeros) else zeros)
                n -= step

        pos = 0
        for offset, chunk in self.stored_chunks():
            skip(offset - pos)
            h.update(chunk)
            pos = offset + len(chunk)
        skip(self._size - pos)
        return h.digest()

    def __repr__(self) -> str:
        return f"<SparseBuffer {self._size} bytes, {self.held_chunks()} chunks held>"


class _BufferReader(io.RawIOBase):
    """The raw file under :meth:`SparseBuffer.reader`."""

    def __init__(self, buffer: SparseBuffer) -> None:
        self._buffer = buffer
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._buffer)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, b: Any) -> int:
        n = max(0, min(len(b), len(self._buffer) - self._pos))
        if n:
            b[:n] = self._buffer.read(self._pos, n)
            self._pos += n
        return n


def unique_bytes(*memories: StableMemory | MemoryImage) -> int:
    """Bytes of distinct chunk objects held by all of ``memories`` together.

    Shared subtrees are visited once, so the cost is O(distinct nodes), and a chunk shared
    by several memories (or snapshots) counts once.
    """
    seen_nodes: set[int] = set()
    chunks: set[int] = set()

    def walk(node: _Node, height: int) -> None:
        if id(node) in seen_nodes:
            return
        seen_nodes.add(id(node))
        if height == 1:
            chunks.update([id(c) for c in node.kids if c is not None])
        else:
            sub = height - 1
            for k in node.kids:
                if k is not None:
                    walk(k, sub)

    for mem in memories:
        if mem._root is not None:
            walk(mem._root, mem._height)
    return len(chunks) * CHUNK_SIZE
