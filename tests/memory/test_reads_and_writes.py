"""Stable memory reads and writes, to and from bytes (subnet.memory)."""

from __future__ import annotations

import pytest

from subnet.memory import (
    CHUNK_SIZE,
    PAGE_SIZE,
    StableMemory,
)
from tests.support.memory import mem_with


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
