"""The committed pages of a Wasm canister's memory (subnet/wasm/pages.py) against a model:
random executions write bytes anywhere, grow the memory and commit or trap; snapshots are
taken and loaded between them. After each step the live memory is exactly the model's, so a
commit keeps every change, a trap undoes every write (pages it grew stay, zeroed: Wasm
memories cannot shrink), and a load puts back the memory of the take."""

import struct

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subnet import Reject, Subnet
from tests.hostile import examples

wasmtime = pytest.importorskip("wasmtime")

from subnet.wasm import WasmModule  # noqa: E402

PAGE = 65536
SCRATCH = 1024  # the argument is copied here; writes go above it

# poke: argument = grow (u8), trap (u8), n (u16), then n times (offset u32, value u8)
POKE = r"""(module
 (import "ic0" "msg_arg_data_size" (func $size (result i32)))
 (import "ic0" "msg_arg_data_copy" (func $copy (param i32 i32 i32)))
 (import "ic0" "msg_reply" (func $reply))
 (memory 1)
 (func (export "canister_update poke")
   (local $n i32) (local $i i32) (local $p i32) (local $trap i32)
   (call $copy (i32.const 0) (i32.const 0) (call $size))
   (local.set $trap (i32.load8_u (i32.const 1)))
   (drop (memory.grow (i32.load8_u (i32.const 0))))
   (local.set $n (i32.load16_u (i32.const 2)))
   (local.set $p (i32.const 4))
   (block $done
     (loop $next
       (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
       (i32.store8 (i32.load (local.get $p)) (i32.load8_u (i32.add (local.get $p) (i32.const 4))))
       (local.set $p (i32.add (local.get $p) (i32.const 5)))
       (local.set $i (i32.add (local.get $i) (i32.const 1)))
       (br $next)))
   ;; the scratch area is the canister's business: clear it, so the model need not hold it
   (memory.fill (i32.const 0) (i32.const 0) (i32.const 1024))
   ;; the trap comes after every write: a trap must undo them all
   (if (local.get $trap) (then unreachable))
   (call $reply))
)"""

execution = st.fixed_dictionaries(
    {
        "grow": st.integers(0, 2),
        "trap": st.booleans(),
        "writes": st.lists(st.tuples(st.integers(0, 3 * PAGE), st.integers(1, 255)), max_size=6),
        "snapshot": st.sampled_from([None, "take", "load"]),
    }
)


def message(grow: int, trap: bool, writes: list[tuple[int, int]]) -> bytes:
    body = b"".join(struct.pack("<IB", off, val) for off, val in writes)
    return struct.pack("<BBH", grow, int(trap), len(writes)) + body


@settings(max_examples=examples(30), deadline=None)
@given(steps=st.lists(execution, min_size=1, max_size=8))
def test_the_live_memory_is_always_the_models(steps):
    module = WasmModule(wasmtime.wat2wasm(POKE), name="poke")

    async def main() -> None:
        async with Subnet() as net:
            ic = net.management
            poke = await net.deploy(module)
            runtime = net.engine.canisters[poke.id].runtime.runtime
            model = bytearray(PAGE)
            taken: tuple[object, bytearray] | None = None
            for step in steps:
                size = len(model)
                writes = [(max(SCRATCH, off), val) for off, val in step["writes"]]
                fits = all(off < size + step["grow"] * PAGE for off, _ in writes)
                grown = model + bytes(step["grow"] * PAGE)
                try:
                    await poke.call("poke", message(step["grow"], step["trap"], writes))
                    committed = True
                except Reject:
                    committed = False
                assert committed == (fits and not step["trap"])
                model = grown  # grown pages stay, even after a trap (zeroed)
                if committed:
                    for off, val in writes:
                        model[off] = val
                assert runtime.memory_bytes() == bytes(model)
                if step["snapshot"] == "take":
                    snap = await ic.take_canister_snapshot(canister_id=poke.id)
                    taken = (snap.id, bytearray(model))
                elif step["snapshot"] == "load" and taken is not None:
                    await ic.load_canister_snapshot(canister_id=poke.id, snapshot_id=taken[0])
                    # the load writes the image; pages the memory has beyond it are zeroed
                    image = taken[1]
                    model = bytearray(image) + bytes(len(model) - len(image))
                    assert runtime.memory_bytes() == bytes(model)

    anyio.run(main)
