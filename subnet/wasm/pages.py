"""A Wasm canister's committed memory, kept as 64 KiB pages, and its images.

The linear memory lives in wasmtime; Python gets no copy-on-write view of it and no list of
the pages an execution wrote. So the runtime keeps the *committed* memory beside it, as a list
of immutable pages (:class:`CommittedMemory`), and finds what an execution changed by
comparing page by page (``memcmp``, several GB/s) instead of copying the whole memory before
each execution:

* a commit copies only the pages that differ from the committed ones;
* a rollback writes back only the pages that differ;
* a snapshot (:class:`WasmImage`) shares the committed pages: taking it copies references,
  and its checksum hashes only pages not hashed before (the digests are kept per page);
* a load writes only the pages that differ from the live memory.

So every operation costs one comparison of the memory plus what actually changed, as the IC's
dirty-page tracking does (where the comparison is free).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .module import decode_image, encode_image

PAGE = 65536
"""The Wasm page, and the unit of comparison and sharing."""

_libc = ctypes.CDLL(ctypes.util.find_library("c"))
_memcmp = _libc.memcmp
_memcmp.restype = ctypes.c_int
_memcmp.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]


@dataclass(eq=False)
class WasmImage:
    """A snapshot of a Wasm canister's heap: its mutable globals (type, value) and its
    linear memory as shared, immutable pages. ``digests`` caches each page's SHA-256 (None:
    not computed yet)."""

    globals: tuple[tuple[str, Any], ...]
    pages: tuple[bytes, ...]
    digests: list[bytes | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.digests) != len(self.pages):
            self.digests = [None] * len(self.pages)

    def __len__(self) -> int:
        return sum(len(p) for p in self.pages)

    def memory(self) -> bytes:
        """The linear memory as one bytes object (a copy)."""
        return b"".join(self.pages)

    def memory_digest(self) -> bytes:
        """A hash of the memory: SHA-256 over the pages' SHA-256s (only pages not hashed
        before are hashed now)."""
        return hashlib.sha256(b"".join(_hashed(self.pages, self.digests))).digest()

    def to_bytes(self) -> bytes:
        """The image as bytes (:func:`~subnet.wasm.module.encode_image`): a state file's."""
        return encode_image(self.globals, self.memory())

    @classmethod
    def from_bytes(cls, image: bytes) -> WasmImage:
        values, memory = decode_image(image)
        pages = tuple(bytes(memory[i : i + PAGE]) for i in range(0, len(memory), PAGE))
        return cls(tuple(values), pages)

    @classmethod
    def of(cls, image: bytes | WasmImage) -> WasmImage:
        return image if isinstance(image, WasmImage) else cls.from_bytes(image)


def _hashed(pages: Sequence[bytes], digests: list[bytes | None]) -> list[bytes]:
    """Each page's SHA-256: ``digests``, with the ones not known yet (None) computed in
    place."""
    for i, digest in enumerate(digests):
        if digest is None:
            digests[i] = hashlib.sha256(pages[i]).digest()
    return digests  # type: ignore[return-value]  # every entry is set now


def page_digest(memory: bytes | memoryview) -> bytes:
    """What :meth:`WasmImage.memory_digest` gives for this memory: SHA-256 over the SHA-256
    of each 64 KiB page (the digest of a Wasm canister's main memory in a snapshot's content
    checksum, so that a snapshot hashes only pages it has not hashed before)."""
    view = memoryview(memory)
    digests = b"".join(
        hashlib.sha256(view[i : i + PAGE]).digest() for i in range(0, len(view), PAGE)
    )
    return hashlib.sha256(digests).digest()


class CommittedMemory:
    """The committed pages of one linear memory, and the comparisons against the live one.

    ``base``/``size`` are given on every call: the live memory moves when it grows."""

    def __init__(self) -> None:
        self.pages: list[bytes] = []
        self.digests: list[bytes | None] = []

    def load(self, base: int, size: int) -> None:
        """Take every page of the live memory as committed (a fresh instance)."""
        self.pages = [ctypes.string_at(base + off, PAGE) for off in range(0, size, PAGE)]
        self.digests = [None] * len(self.pages)

    def commit(self, base: int, size: int) -> int:
        """Make the live memory the committed one, copying only the pages that differ;
        returns how many did."""
        pages, digests = self.pages, self.digests
        changed = 0
        n = min(len(pages), size // PAGE)
        for i in range(n):
            if _memcmp(base + i * PAGE, pages[i], PAGE):
                pages[i] = ctypes.string_at(base + i * PAGE, PAGE)
                digests[i] = None
                changed += 1
        for off in range(n * PAGE, size, PAGE):  # grown
            pages.append(ctypes.string_at(base + off, PAGE))
            digests.append(None)
            changed += 1
        return changed

    def revert(self, base: int, size: int) -> int:
        """Make the live memory the committed one again, writing back only the pages that
        differ; pages past the committed memory (grown by the execution) are zeroed, as
        Wasm memories cannot shrink. Returns how many pages were written."""
        pages = self.pages
        written = 0
        n = min(len(pages), size // PAGE)
        for i in range(n):
            if _memcmp(base + i * PAGE, pages[i], PAGE):
                ctypes.memmove(base + i * PAGE, pages[i], PAGE)
                written += 1
        if size > n * PAGE:
            ctypes.memset(base + n * PAGE, 0, size - n * PAGE)
            written += (size - n * PAGE) // PAGE
        return written

    def image(self, globals_: Sequence[tuple[str, Any]]) -> WasmImage:
        """A snapshot sharing the committed pages, with every page's digest (only pages
        changed since the last image are hashed)."""
        digests = _hashed(self.pages, self.digests)
        return WasmImage(tuple(globals_), tuple(self.pages), list(digests))

    def adopt(self, image: WasmImage, base: int, size: int) -> None:
        """Make ``image``'s pages the live and the committed memory (a snapshot load),
        writing only the live pages that differ; ``size`` must hold the image."""
        pages = image.pages
        for i, page in enumerate(pages):
            if _memcmp(base + i * PAGE, page, PAGE):
                ctypes.memmove(base + i * PAGE, page, PAGE)
        end = len(pages) * PAGE
        if size > end:
            ctypes.memset(base + end, 0, size - end)
        self.pages = list(pages)
        self.digests = list(image.digests)
        # pages past the image (the memory was larger) are committed as zeros
        zero = bytes(PAGE)
        for _ in range(end, size, PAGE):
            self.pages.append(zero)
            self.digests.append(None)
