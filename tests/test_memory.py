"""Tests for subnet.memory: bounds, growth, copy-on-write forks, checksums, sharing."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subnet.memory import (
    CHUNK_SIZE,
    DEFAULT_MAX_PAGES,
    PAGE_SIZE,
    MemoryImage,
    StableMemory,
    StableMemoryError,
    unique_bytes,
)

GIB_PAGES = (1 << 30) // PAGE_SIZE


def mem_with(pages: int, max_pages: int = 64) -> StableMemory:
    m = StableMemory(max_pages)
    assert m.grow(pages) == 0
    return m


# -- size and grow ------------------------------------------------------------------------


def test_fresh_memory_is_empty():
    m = StableMemory()
    assert m.size() == 0
    assert m.max_pages == DEFAULT_MAX_PAGES
    assert m.read(0, 0) == b""
    assert m.to_bytes() == b""
    assert m.held_chunks() == 0


def test_grow_returns_old_size_and_zero_fills():
    m = StableMemory(10)
    assert m.grow(2) == 0
    assert m.grow(0) == 2
    assert m.grow(3) == 2
    assert m.size() == 5
    assert m.read(0, 5 * PAGE_SIZE) == bytes(5 * PAGE_SIZE)
    assert m.held_chunks() == 0


def test_grow_past_max_returns_minus_one_and_changes_nothing():
    m = StableMemory(4)
    assert m.grow(3) == 0
    assert m.grow(2) == -1
    assert m.size() == 3
    assert m.grow(1) == 3
    assert m.grow(1) == -1
    assert StableMemory(0).grow(1) == -1


def test_grow_negative_is_an_error():
    with pytest.raises(StableMemoryError):
        StableMemory().grow(-1)


def test_negative_max_pages_rejected():
    with pytest.raises(ValueError):
        StableMemory(-1)


# -- bounds -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "n"),
    [(-1, 1), (0, -1), (PAGE_SIZE, 1), (PAGE_SIZE - 1, 2), (2 * PAGE_SIZE, 0), (-5, 0)],
)
def test_read_out_of_bounds(offset, n):
    m = mem_with(1)
    with pytest.raises(StableMemoryError, match="stable memory out of bounds"):
        m.read(offset, n)
    with pytest.raises(StableMemoryError, match="stable memory out of bounds"):
        m.fork().read(offset, n)


@pytest.mark.parametrize(
    ("offset", "size"), [(-1, 1), (PAGE_SIZE, 1), (PAGE_SIZE - 1, 2), (2 * PAGE_SIZE, 0)]
)
def test_write_out_of_bounds(offset, size):
    m = mem_with(1)
    with pytest.raises(StableMemoryError, match="stable memory out of bounds"):
        m.write(offset, b"x" * size)
    assert m.held_chunks() == 0


def test_empty_memory_rejects_any_nonempty_access():
    m = StableMemory()
    with pytest.raises(StableMemoryError):
        m.read(0, 1)
    with pytest.raises(StableMemoryError):
        m.write(0, b"a")
    m.write(0, b"")  # a zero-length access at the end is in bounds


def test_access_at_the_very_end():
    m = mem_with(1)
    m.write(PAGE_SIZE - 3, b"end")
    assert m.read(PAGE_SIZE - 3, 3) == b"end"
    assert m.read(PAGE_SIZE, 0) == b""


# -- reads and writes ---------------------------------------------------------------------


def test_small_write_read():
    m = mem_with(1)
    m.write(10, b"hello")
    assert m.read(10, 5) == b"hello"
    assert m.read(8, 9) == b"\0\0hello\0\0"
    assert m.held_chunks() == 1


def test_write_spanning_chunks_and_leaves():
    m = mem_with(20)  # 320 chunks: several leaves, height 2
    data = bytes(range(256)) * 1200  # 300 KiB: ~75 chunks, crosses a 64-chunk leaf boundary
    offset = 63 * CHUNK_SIZE - 100
    m.write(offset, data)
    assert m.read(offset, len(data)) == data
    assert m.read(offset - 1, len(data) + 2) == b"\0" + data + b"\0"
    model = bytearray(20 * PAGE_SIZE)
    model[offset : offset + len(data)] = data
    assert m.to_bytes() == bytes(model)
    assert m.read(offset + 5000, 3 * CHUNK_SIZE) == bytes(model[offset + 5000 :][: 3 * CHUNK_SIZE])


def test_write_accepts_bytearray_and_memoryview():
    m = mem_with(1)
    buf = bytearray(b"x" * CHUNK_SIZE)
    m.write(0, buf)
    buf[0] = ord("y")  # later mutation of the caller's buffer must not leak in
    m.write(CHUNK_SIZE, memoryview(b"abc"))
    assert m.read(0, 1) == b"x"
    assert m.read(CHUNK_SIZE, 3) == b"abc"


def test_overwrite_with_zeros_releases_chunk():
    m = mem_with(1)
    fresh = m.checksum()
    m.write(100, b"abc")
    assert m.checksum() != fresh
    m.write(100, bytes(3))
    assert m.held_chunks() == 0
    assert m.checksum() == fresh


# -- fork, restore, thaw ------------------------------------------------------------------


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


# -- checksums ----------------------------------------------------------------------------


def test_checksum_is_32_bytes_and_depends_on_size():
    a, b = StableMemory(), mem_with(1)
    assert len(a.checksum()) == 32
    assert a.checksum() != b.checksum()
    assert mem_with(1).checksum() == b.checksum()
    assert mem_with(2).checksum() != b.checksum()


def test_checksum_independent_of_history():
    a = mem_with(3)
    a.write(0, b"x" * 70_000)
    a.write(10, b"y" * 10)
    a.write(50_000, bytes(20_000))  # zeros written over data
    a.write(150_000, bytes(8000))  # zeros written over nothing

    b = StableMemory(64)
    b.grow(1)
    b.write(10, b"y" * 10)
    b.fork()
    b.grow(2)
    b.write(0, b"x" * 10)
    b.write(20, b"x" * 49_980)

    assert a.to_bytes() == b.to_bytes()
    assert a.checksum() == b.checksum()
    assert StableMemory.from_bytes(a.to_bytes()).checksum() == a.checksum()
    assert a.fork().checksum() == a.checksum()


def test_checksum_independent_of_history_across_heights():
    # 257 pages = 4112 chunks: three levels. Build it two ways.
    data = bytearray(257 * PAGE_SIZE)
    data[5:9] = b"head"
    data[4096 * CHUNK_SIZE + 7 : 4096 * CHUNK_SIZE + 11] = b"tail"
    a = StableMemory.from_bytes(bytes(data), max_pages=300)
    b = StableMemory(300)
    b.grow(1)
    b.write(5, b"head")
    b.grow(256)  # height 1 -> 3 with content present
    b.write(4096 * CHUNK_SIZE + 7, b"tail")
    assert a.checksum() == b.checksum()
    assert b.held_chunks() == a.held_chunks() == 2
    assert b.to_bytes() == bytes(data)


def test_checksum_changes_with_any_byte():
    m = mem_with(2)
    seen = {m.checksum()}
    for off in (0, 4095, 4096, PAGE_SIZE + 17, 2 * PAGE_SIZE - 1):
        m.write(off, b"\x01")
        seen.add(m.checksum())
    assert len(seen) == 6


# -- from_bytes / to_bytes ----------------------------------------------------------------


def test_from_bytes_roundtrip_and_errors():
    data = bytes(range(256)) * (3 * PAGE_SIZE // 256)
    m = StableMemory.from_bytes(data, max_pages=5)
    assert m.size() == 3 and m.max_pages == 5
    assert m.to_bytes() == data
    assert m.fork().to_bytes() == data
    assert m.held_chunks() == 48
    assert StableMemory.from_bytes(bytearray(PAGE_SIZE)).held_chunks() == 0
    assert StableMemory.from_bytes(b"").size() == 0
    with pytest.raises(ValueError):
        StableMemory.from_bytes(b"x" * 100)
    with pytest.raises(ValueError):
        StableMemory.from_bytes(bytes(3 * PAGE_SIZE), max_pages=2)


# -- sharing and accounting ---------------------------------------------------------------


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


# -- model-based property test ------------------------------------------------------------

MAX_PAGES = 6  # 96 chunks: height 2 once above 4 pages
OFFSETS = st.integers(0, MAX_PAGES * PAGE_SIZE + 10)

ops = st.one_of(
    st.tuples(st.just("grow"), st.integers(-1, 3)),
    st.tuples(
        st.just("write"),
        OFFSETS,
        st.one_of(
            st.binary(max_size=20),
            st.integers(0, 3 * CHUNK_SIZE).map(bytes),  # zeros
            st.tuples(st.integers(1, 255), st.integers(1, 3 * CHUNK_SIZE)).map(
                lambda t: bytes([t[0]]) * t[1]
            ),
        ),
    ),
    st.tuples(st.just("read"), OFFSETS, st.integers(0, 2 * CHUNK_SIZE + 5)),
    st.tuples(st.just("fork")),
    st.tuples(st.just("restore"), st.integers(0, 1000)),
    st.tuples(st.just("thaw"), st.integers(0, 1000)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(ops, max_size=25))
def test_matches_bytearray_model(steps):
    mem = StableMemory(MAX_PAGES)
    model = bytearray()
    images: list[tuple[MemoryImage, bytes]] = []
    for step in steps:
        kind = step[0]
        if kind == "grow":
            pages = step[1]
            if pages < 0:
                with pytest.raises(StableMemoryError):
                    mem.grow(pages)
                continue
            old = len(model) // PAGE_SIZE
            if old + pages > MAX_PAGES:
                assert mem.grow(pages) == -1
            else:
                assert mem.grow(pages) == old
                model.extend(bytes(pages * PAGE_SIZE))
        elif kind == "write":
            _, off, data = step
            if off + len(data) > len(model):
                with pytest.raises(StableMemoryError):
                    mem.write(off, data)
            else:
                mem.write(off, data)
                model[off : off + len(data)] = data
        elif kind == "read":
            _, off, n = step
            if off + n > len(model):
                with pytest.raises(StableMemoryError):
                    mem.read(off, n)
            else:
                assert mem.read(off, n) == model[off : off + n]
        elif kind == "fork":
            images.append((mem.fork(), bytes(model)))
        elif images:
            img, content = images[step[1] % len(images)]
            if kind == "restore":
                mem.restore(img)
            else:
                mem = img.thaw()
            model = bytearray(content)
        assert mem.size() == len(model) // PAGE_SIZE
        assert mem.to_bytes() == model
        assert mem.checksum() == StableMemory.from_bytes(bytes(model)).checksum()
        assert mem.held_chunks() <= len(model) // CHUNK_SIZE
    for img, content in images:  # every image stayed frozen
        assert img.to_bytes() == content
        assert img.checksum() == StableMemory.from_bytes(content).checksum()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3 * PAGE_SIZE - 1), st.binary(min_size=1, max_size=9000)),
        max_size=12,
    ),
    st.randoms(use_true_random=False),
)
def test_checksum_same_for_different_histories(writes, rnd):
    # Same final content reached by applying non-overlapping writes in different orders,
    # with forks, zero writes and growth in between for one of them.
    model = bytearray(3 * PAGE_SIZE)
    placed: list[tuple[int, bytes]] = []
    taken: set[int] = set()
    for off, data in writes:
        data = data[: len(model) - off]
        span = set(range(off, off + len(data)))
        if span & taken:
            continue
        taken |= span
        placed.append((off, data))
        model[off : off + len(data)] = data
    a = StableMemory(3)
    a.grow(3)
    for off, data in placed:
        a.write(off, data)
    b = StableMemory(3)
    b.grow(1)
    shuffled = placed[:]
    rnd.shuffle(shuffled)
    for off, data in shuffled:
        while off + len(data) > b.size() * PAGE_SIZE:
            b.grow(1)
        b.write(off, bytes(len(data)))
        b.fork()
        b.write(off, data)
    b.grow(3 - b.size())
    assert a.to_bytes() == b.to_bytes() == model
    assert a.checksum() == b.checksum() == StableMemory.from_bytes(bytes(model)).checksum()
