"""Benchmark: copy-on-write stable memory vs copying 1 GiB.

Builds a 1 GiB stable memory with every 4 KiB chunk written, then compares

* a full copy of 1 GiB (``bytes(bytearray)``), the naive way to snapshot or roll back;
* ``fork()`` + writing one chunk + ``checksum()`` (what a snapshot of a slightly changed
  memory costs, including the hash that certifies it);
* ``restore()`` (rolling back a trapped message / loading a snapshot) and ``thaw()``;

and reports the bytes held by ten forks that differ by one chunk each.

Run with ``python bench/memory_fork.py``; takes well under a minute and ~4 GiB of RAM.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from subnet.memory import CHUNK_SIZE, PAGE_SIZE, StableMemory, unique_bytes

GIB = 1 << 30
CHUNKS = GIB // CHUNK_SIZE
REPS = 2000


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:8.3f} s "
    if seconds >= 1e-3:
        return f"{seconds * 1e3:8.3f} ms"
    return f"{seconds * 1e6:8.3f} us"


def main() -> None:
    rnd = random.Random(2024)
    # 1 MiB of random bytes tiled to 1 GiB: every chunk is non-zero (and a distinct object
    # once split into chunks), so every chunk is stored and hashed.
    t0 = time.perf_counter()
    data = rnd.randbytes(1 << 20) * 1024
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    mem = StableMemory.from_bytes(data)
    t_build = time.perf_counter() - t0
    assert mem.size() == GIB // PAGE_SIZE and mem.held_chunks() == CHUNKS
    t_hash0, digest0 = timed(mem.checksum)  # hashes all 1 GiB once; cached afterwards

    buf = bytearray(data)
    del data
    copies = []
    for _ in range(3):
        t0 = time.perf_counter()
        copy = bytes(buf)
        copies.append(time.perf_counter() - t0)
        del copy
    t_copy = min(copies)
    del buf

    # fork + write one (different) chunk + checksum, repeatedly.
    chunk = b"\xab" * CHUNK_SIZE
    samples = []
    images = []
    base = mem.fork()
    for i in range(REPS):
        offset = rnd.randrange(CHUNKS) * CHUNK_SIZE
        fresh = rnd.randbytes(CHUNK_SIZE)
        t0 = time.perf_counter()
        img = mem.fork()
        mem.write(offset, fresh)
        mem.checksum()
        samples.append(time.perf_counter() - t0)
        if i < 10:
            images.append(img)
    t_fork_write_hash = statistics.median(samples)

    # Just the parts.
    def median_of(fn, reps=REPS):
        out = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
        return statistics.median(out)

    t_fork_clean = median_of(mem.fork)  # nothing written since: cached image

    def write_then_restore():
        mem.write(rnd.randrange(CHUNKS) * CHUNK_SIZE, chunk)
        mem.restore(base)

    t_write_restore = median_of(write_then_restore)
    t_restore = median_of(lambda: mem.restore(images[rnd.randrange(10)]))
    t_thaw = median_of(base.thaw)
    mem.restore(base)
    assert mem.checksum() == digest0

    # Ten forks of the 1 GiB memory, each one chunk apart from the previous one.
    live = base.thaw()
    ten = []
    for i in range(10):
        live.write(i * 1000 * CHUNK_SIZE, bytes([i + 1]) * CHUNK_SIZE)
        ten.append(live.fork())
    t_unique, held = timed(lambda: unique_bytes(base, *ten))
    naive = 11 * GIB

    rows = [
        ("generate 1 GiB of test data", t_gen),
        ("StableMemory.from_bytes(1 GiB)", t_build),
        ("first checksum (hash all 1 GiB)", t_hash0),
        ("full copy of 1 GiB: bytes(bytearray)", t_copy),
        ("fork + write 1 chunk + checksum", t_fork_write_hash),
        ("fork, nothing written since", t_fork_clean),
        ("write 1 chunk + restore", t_write_restore),
        ("restore (snapshot load)", t_restore),
        ("thaw (new live memory from image)", t_thaw),
        ("unique_bytes of base + 10 forks", t_unique),
    ]
    print(f"{'operation':42s} {'time':>11s}")
    print("-" * 54)
    for name, t in rows:
        print(f"{name:42s} {fmt(t)}")
    print("-" * 54)
    extra = held - GIB
    print(
        f"held by base + 10 forks one chunk apart: {held:,} bytes"
        f" = 1 GiB + {extra // CHUNK_SIZE} chunks"
        f" (naive copies: {naive:,} bytes)"
    )
    ratio = t_copy / t_fork_write_hash
    print(f"ratio: fork+1 write+checksum is {ratio:,.0f}x faster than a full copy")
    if ratio < 100:
        sys.exit("FAIL: expected at least 100x")


if __name__ == "__main__":
    main()
