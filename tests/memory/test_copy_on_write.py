"""Copy-on-write images of stable memory (subnet.memory): fork, restore, thaw, and the chunks
images share."""

from __future__ import annotations

import time

import pytest

from subnet.memory import (
    CHUNK_SIZE,
    PAGE_SIZE,
    MemoryImage,
    StableMemory,
    StableMemoryError,
    unique_bytes,
)
from tests.support.memory import mem_with

GIB_PAGES = (1 << 30) // PAGE_SIZE


def test_fork_isolates_later_writes():
    m = mem_with(2)
    m.write(0, b"before")
    img = m.fork()
    m.write(0, b"after!")
    m.write(PAGE_SIZE, b"new")
    assert img.read(0, 6) == b"before"
    assert img.read(PAGE_SIZE, 3) == bytes(3)
    assert m.read(0, 6) == b"after!"


def test_fork_isolates_growth():
    m = mem_with(1, max_pages=400)
    img = m.fork()
    assert m.grow(300) == 1  # height grows from 1 to 3 levels
    m.write(300 * PAGE_SIZE, b"far")
    assert img.size() == 1
    assert img.to_bytes() == bytes(PAGE_SIZE)
    with pytest.raises(StableMemoryError):
        img.read(PAGE_SIZE, 1)


def test_restore_rolls_back_writes_and_growth():
    m = mem_with(1)
    m.write(5, b"keep")
    img = m.fork()
    before = m.checksum()
    m.write(5, b"lost")
    m.grow(3)
    m.write(3 * PAGE_SIZE, b"zzz")
    m.restore(img)
    assert m.size() == 1
    assert m.read(5, 4) == b"keep"
    assert m.checksum() == before
    # The image stays valid and frozen after being restored and written over again.
    m.write(5, b"again")
    assert img.read(5, 4) == b"keep"
    m.restore(img)
    assert m.read(5, 5) == b"keep\0"


def test_trap_rollback_loop_reuses_the_image():
    m = mem_with(1)
    m.write(0, b"state")
    img = m.fork()
    for i in range(100):
        assert m.fork() is img  # nothing written since: same image, O(1)
        m.write(0, bytes([i]))
        m.restore(img)
    assert m.read(0, 5) == b"state"
    assert unique_bytes(m, img) == CHUNK_SIZE


def test_thaw_is_independent_both_ways():
    m = mem_with(1)
    m.write(0, b"orig")
    img = m.fork()
    a = img.thaw()
    b = img.thaw()
    assert isinstance(a, StableMemory) and a.max_pages == m.max_pages
    a.write(0, b"AAAA")
    b.write(0, b"BBBB")
    m.write(0, b"MMMM")
    assert img.read(0, 4) == b"orig"
    assert (a.read(0, 4), b.read(0, 4), m.read(0, 4)) == (b"AAAA", b"BBBB", b"MMMM")
    assert a.grow(1) == 1 and b.size() == 1 and img.size() == 1


def test_images_of_images():
    m = mem_with(1)
    imgs = []
    for i in range(5):
        m.write(0, bytes([i + 1]) * 10)
        imgs.append(m.fork())
    for i, img in enumerate(imgs):
        assert img.read(0, 10) == bytes([i + 1]) * 10
    assert isinstance(imgs[0], MemoryImage)


def test_restore_image_too_large_for_max_pages():
    big = mem_with(10, max_pages=10)
    small = StableMemory(5)
    with pytest.raises(ValueError):
        small.restore(big.fork())


def test_fork_and_one_write_adds_one_chunk():
    data = b"\x07" * (4 * PAGE_SIZE)
    m = StableMemory.from_bytes(data)
    base = unique_bytes(m)
    assert base == 4 * PAGE_SIZE
    img = m.fork()
    assert unique_bytes(m, img) == base
    m.write(12345, b"!")
    assert unique_bytes(m, img) == base + CHUNK_SIZE
    assert unique_bytes(m) == unique_bytes(img) == base
    assert m.held_chunks() == img.held_chunks() == 64


def test_ten_snapshots_share_chunks():
    m = StableMemory.from_bytes(b"\x01" * (8 * PAGE_SIZE))
    snaps = [m.fork()]  # the original content, plus ten snapshots one chunk apart
    for i in range(10):
        m.write(i * 3 * CHUNK_SIZE, b"snap%d" % i)
        snaps.append(m.fork())
    assert unique_bytes(m, *snaps) == 8 * PAGE_SIZE + 10 * CHUNK_SIZE
    assert unique_bytes() == 0


def test_one_gib_logical_memory_is_instant():
    t0 = time.perf_counter()
    m = StableMemory()
    assert m.grow(GIB_PAGES) == 0
    fresh = m.checksum()
    m.write(0, b"first")
    m.write((1 << 30) - 5, b"last!")
    img = m.fork()
    m.write((1 << 29) + 4090, b"straddles a chunk boundary")
    assert m.read(0, 5) == b"first"
    assert m.read((1 << 30) - 5, 5) == b"last!"
    assert m.read((1 << 29) + 4090, 26) == b"straddles a chunk boundary"
    assert img.read((1 << 29) + 4090, 26) == bytes(26)
    assert m.held_chunks() == 4 and img.held_chunks() == 2
    assert unique_bytes(m, img) == 4 * CHUNK_SIZE
    assert len({fresh, img.checksum(), m.checksum()}) == 3
    other = StableMemory()
    other.grow(GIB_PAGES)
    assert other.checksum() == fresh
    m.restore(img)
    assert m.checksum() == img.checksum()
    assert time.perf_counter() - t0 < 0.5
