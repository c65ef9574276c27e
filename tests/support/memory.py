"""Helpers of the stable memory tests (tests/memory/)."""

from subnet.memory import StableMemory


def mem_with(pages: int, max_pages: int = 64) -> StableMemory:
    m = StableMemory(max_pages)
    assert m.grow(pages) == 0
    return m
