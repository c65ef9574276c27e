"""Snapshot take and load against a full copy of stable memory, measured in the same run.

A canister fills its stable memory (every 4 KiB chunk non-zero), then a loop: the canister
dirties some chunks (an update call), the controller takes a snapshot, then loads it; both go
through the management canister like any scenario's calls. The baseline is what a naive
implementation would do for each take: copy the whole memory (``bytes(bytearray)``).

The first take also hashes every chunk once (the checksum is a Merkle root whose node hashes are
cached afterwards); it is reported on its own line, not hidden in an average.

    python bench/snapshots.py            # 64 MiB, 256 MiB and 1 GiB
    python bench/snapshots.py --quick    # 16 MiB and 64 MiB only
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import time
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from actors import Canister, update
from subnet import Subnet
from subnet.memory import CHUNK_SIZE, PAGE_SIZE, unique_bytes

MiB = 1024 * 1024


class Big(Canister):
    @update
    def fill(self, size: int) -> None:
        self.stable.grow(size // PAGE_SIZE)
        self.stable.write(0, b"\x5a" * size)

    @update
    def dirty(self, chunks: int, stride: int, salt: int) -> None:
        mark = salt.to_bytes(8, "big")
        for i in range(chunks):
            self.stable.write(i * stride * CHUNK_SIZE, mark)


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(size: int, dirty_fractions: list[float], rounds: int) -> list[dict]:
    rows = []
    async with Subnet() as net:
        ic = net.management
        big = await net.deploy(Big)
        await big.call("fill", size)
        cs = net.engine.get(big.id)
        t = time.perf_counter()
        first = await ic.take_canister_snapshot(canister_id=big.id)
        first_take = time.perf_counter() - t
        await ic.delete_canister_snapshot(canister_id=big.id, snapshot_id=first.id)

        copies = []
        for _ in range(3):
            t = time.perf_counter()
            copy = cs.stable.to_bytes()
            copies.append(time.perf_counter() - t)
            del copy
        copy_time = min(copies)

        total_chunks = size // CHUNK_SIZE
        for fraction in dirty_fractions:
            chunks = max(1, int(total_chunks * fraction))
            stride = max(1, total_chunks // chunks)
            takes, loads = [], []
            for r in range(rounds):
                await big.call("dirty", chunks, stride, r + 1)
                t = time.perf_counter()
                snap = await ic.take_canister_snapshot(canister_id=big.id)
                takes.append(time.perf_counter() - t)
                await big.call("dirty", chunks, stride, r + 1000)
                t = time.perf_counter()
                await ic.load_canister_snapshot(canister_id=big.id, snapshot_id=snap.id)
                loads.append(time.perf_counter() - t)
                await ic.delete_canister_snapshot(canister_id=big.id, snapshot_id=snap.id)
            rows.append(
                {
                    "size": size,
                    "dirty": chunks,
                    "take": statistics.median(takes),
                    "load": statistics.median(loads),
                    "copy": copy_time,
                    "first_take": first_take,
                }
            )

        # ten snapshots, one chunk apart each: what is actually held
        for i in range(10):
            await big.call("dirty", 1, 1, 5000 + i)
            await ic.take_canister_snapshot(canister_id=big.id)
        held = unique_bytes(cs.stable, *(s.stable for s in cs.snapshots.values()))
        status = await ic.canister_status(canister_id=big.id)
        rows[-1]["held_10"] = held
        rows[-1]["memory_size"] = status.memory_size
    gc.collect()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    args = parser.parse_args()
    sizes = [16 * MiB, 64 * MiB] if args.quick else [64 * MiB, 256 * MiB, 1024 * MiB]
    fractions = [0.0, 0.01, 0.10]  # 0.0 means exactly one chunk
    rounds = 3 if args.quick else 5

    print("take/load of a snapshot vs a full copy of stable memory (median of rounds)")
    print(
        f"{'memory':>9} {'dirty chunks':>13} {'take':>10} {'load':>10} {'full copy':>10} "
        f"{'copy/take':>10} {'copy/load':>10}"
    )
    headline = None
    for size in sizes:
        rows = anyio.run(measure, size, fractions, rounds)
        for row in rows:
            ratio_take = row["copy"] / row["take"]
            ratio_load = row["copy"] / row["load"]
            print(
                f"{size // MiB:>6} MiB {row['dirty']:>13,} {row['take'] * 1e3:>8.2f}ms "
                f"{row['load'] * 1e3:>8.2f}ms {row['copy'] * 1e3:>8.1f}ms "
                f"{ratio_take:>9.0f}x {ratio_load:>9.0f}x"
            )
            if row["dirty"] == 1:
                headline = (size, ratio_take, ratio_load)
        last = rows[-1]
        extra = last["held_10"] - size
        print(
            f"{'':>9} first take (hashes every chunk once): {last['first_take'] * 1e3:.0f} ms; "
            f"10 snapshots one chunk apart hold {last['held_10'] / MiB:,.2f} MiB "
            f"= memory + {extra / CHUNK_SIZE:.0f} chunks; canister_status memory_size "
            f"(what the IC charges: each snapshot at its full size) "
            f"{last['memory_size'] / MiB:,.2f} MiB"
        )
    print(f"peak RSS: {rss_mib():,.0f} MiB")
    size, ratio_take, ratio_load = headline
    print(
        f"ratio: with {size // MiB} MiB of stable memory and 1 dirty chunk, take is "
        f"{ratio_take:,.0f}x and load {ratio_load:,.0f}x faster than a full copy "
        f"(target >= 100x)"
    )


if __name__ == "__main__":
    main()
