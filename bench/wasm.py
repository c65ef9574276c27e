"""Wasm canisters: executions per second of the Motoko chat next to the Python chat, and
snapshot take and load for a Motoko canister whose heap holds 100 MiB, in one run.

The Python chat (actors/chat.py) is the baseline: the same ``append`` calls, submitted and run
the same way. A Wasm execution costs the call into wasmtime, the Candid encoding at the
boundary, and a comparison of the linear memory with its committed pages, which copies the
pages that changed (subnet/wasm/pages.py): at 100 MiB of messages, the second table shows
what an append, a take (the first hashes every page; the next only the changed ones) and a
load cost.

    python bench/wasm.py            # 300 messages; a 100 MiB heap
    python bench/wasm.py --quick    # 100 messages; a 16 MiB heap
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import machine, parser

from actors.chat import Chat
from subnet import Subnet
from subnet.wasm import WasmModule

MiB = 1024 * 1024
CHAT = Path(__file__).resolve().parents[1] / "actors" / "motoko" / "chat.wasm"


async def appends(code: object, n: int, text: str = "Hi there!") -> float:
    """Seconds per ``append`` over ``n`` messages submitted at once, then run to idle."""
    async with Subnet() as net:
        chat = await net.deploy(code)  # type: ignore[arg-type]
        await chat.call("append", text)  # warm: compiled, instantiated
        t0 = time.perf_counter()
        for _ in range(n):
            chat.submit("append", text)
        await net.run_until_idle()
        return (time.perf_counter() - t0) / n


async def big_heap(size: int) -> dict[str, float]:
    """A Motoko chat grown to ``size`` bytes of messages: an append, a take, a load."""
    piece = "x" * MiB
    async with Subnet(execution_limit=None) as net:
        chat = await net.deploy(WasmModule.from_file(CHAT))
        t0 = time.perf_counter()
        for _ in range(size // MiB):
            await chat.call("append", piece)
        grow = time.perf_counter() - t0
        memory = net.engine.canisters[chat.id].heap_size()  # its committed pages, not a copy
        t0 = time.perf_counter()
        await chat.call("append", "one more")
        append = time.perf_counter() - t0
        ic = net.management
        t0 = time.perf_counter()
        snap = await ic.take_canister_snapshot(canister_id=chat.id)
        take = time.perf_counter() - t0
        await chat.call("append", "after the take")
        t0 = time.perf_counter()
        await ic.take_canister_snapshot(canister_id=chat.id)
        again = time.perf_counter() - t0
        t0 = time.perf_counter()
        await ic.load_canister_snapshot(canister_id=chat.id, snapshot_id=snap.id)
        load = time.perf_counter() - t0
        await chat.call("append", "after the load")  # the loaded memory runs
        return {
            "memory": memory / MiB,
            "grow": grow,
            "append": append,
            "take": take,
            "again": again,
            "load": load,
        }


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    n = 100 if args.quick else 300
    size = (16 if args.quick else 100) * MiB
    print(machine())
    best_py = best_wasm = float("inf")
    for _ in range(args.repeat or 3):
        best_py = min(best_py, anyio.run(appends, Chat, n))
        best_wasm = min(best_wasm, anyio.run(appends, WasmModule.from_file(CHAT), n))
    print(f"\nappend, {n} messages, best of {args.repeat or 3}")
    print(f"  Python chat       {1 / best_py:10,.0f} executions/s   {best_py * 1e6:8.0f} µs")
    print(
        f"  Motoko chat       {1 / best_wasm:10,.0f} executions/s   {best_wasm * 1e6:8.0f} µs"
        f"   ({best_wasm / best_py:.1f}x the Python chat's time)"
    )
    big = anyio.run(big_heap, size)
    print(f"\nMotoko chat with {big['memory']:.0f} MiB of linear memory")
    print(f"  grow it ({size // MiB} appends of 1 MiB)  {big['grow']:8.2f} s")
    print(f"  one append                     {big['append'] * 1e3:8.1f} ms")
    print(f"  take_canister_snapshot         {big['take'] * 1e3:8.1f} ms   (every page hashed)")
    print(f"  take again, one append later   {big['again'] * 1e3:8.1f} ms")
    print(f"  load_canister_snapshot         {big['load'] * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
