"""Stable memory checksums (subnet.memory): they depend on the content only, not on how it was
written."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from subnet.memory import (
    CHUNK_SIZE,
    PAGE_SIZE,
    StableMemory,
)
from tests.support.memory import mem_with


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
