"""Stable memory against a bytearray model, over random operations (Hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subnet.memory import (
    CHUNK_SIZE,
    PAGE_SIZE,
    MemoryImage,
    StableMemory,
    StableMemoryError,
)

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
