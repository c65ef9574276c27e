"""Stable memory size, growth and bounds (subnet.memory)."""

from __future__ import annotations

import pytest

from subnet.memory import (
    DEFAULT_MAX_PAGES,
    PAGE_SIZE,
    StableMemory,
    StableMemoryError,
)
from tests.support.memory import mem_with


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
