"""The buffers of an uploaded snapshot (:class:`subnet.memory.SparseBuffer`) against a bytearray
model: same bytes, whatever is written where, while holding only the chunks with data."""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subnet.memory import CHUNK_SIZE, PAGE_SIZE, SparseBuffer

sizes = st.sampled_from([0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, 3 * CHUNK_SIZE + 5, PAGE_SIZE, 70_000])
writes = st.lists(
    st.tuples(
        st.integers(0, 70_000),
        st.binary(max_size=9000) | st.binary(max_size=5).map(lambda b: b * 2000),
    ),
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(size=sizes, writes=writes, window=st.tuples(st.integers(0, 70_000), st.integers(0, 9000)))
def test_a_sparse_buffer_holds_what_a_bytearray_would(size, writes, window):
    buffer, model = SparseBuffer(size), bytearray(size)
    for offset, data in writes:
        if offset + len(data) > size:
            with pytest.raises(ValueError):
                buffer.write(offset, data)
            continue
        buffer.write(offset, data)
        model[offset : offset + len(data)] = data
    assert len(buffer) == size
    assert buffer.to_bytes() == bytes(model)
    assert buffer.sha256() == hashlib.sha256(model).digest()
    assert buffer.data() == bytes(model[: buffer.data_end()])
    assert not any(model[buffer.data_end() :])
    assert buffer.held_chunks() == sum(
        1 for i in range(0, size, CHUNK_SIZE) if any(model[i : i + CHUNK_SIZE])
    )
    rebuilt = bytearray(size)
    for offset, run in buffer.runs(3 * CHUNK_SIZE):
        assert 0 < len(run) <= 3 * CHUNK_SIZE and offset % CHUNK_SIZE == 0
        rebuilt[offset : offset + len(run)] = run
    assert rebuilt == model
    assert buffer.reader().read() == bytes(model)
    offset, n = window
    if offset + n <= size:
        assert buffer.read(offset, n) == bytes(model[offset : offset + n])
    else:
        with pytest.raises(ValueError):
            buffer.read(offset, n)
    if size % PAGE_SIZE == 0:
        image = buffer.image()
        assert image.size() * PAGE_SIZE == size and image.to_bytes() == bytes(model)


def test_the_largest_declared_buffers_cost_nothing():
    buffer = SparseBuffer(400 * 2**30)
    buffer.write(300 * 2**30, b"x")
    assert buffer.held_chunks() == 1
    assert list(buffer.runs(2_000_000)) == [(300 * 2**30, b"x" + bytes(CHUNK_SIZE - 1))]
    assert buffer.data_end() == 300 * 2**30 + CHUNK_SIZE
    with pytest.raises(ValueError):
        SparseBuffer(400 * 2**30 + 1)
    with pytest.raises(ValueError):
        SparseBuffer(-1)
