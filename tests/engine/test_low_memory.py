"""The ``on_low_wasm_memory`` hook (the IC's ``canister_on_low_wasm_memory``).

Its condition, from ``is_low_wasm_memory_hook_condition_satisfied`` in
``rs/replicated_state/src/canister_state/system_state/task_queue.rs``:
``wasm_memory_limit < wasm_memory_usage + wasm_memory_threshold``. Its status
(``OnLowWasmMemoryHookStatus``: ``ConditionNotSatisfied`` -> ``Ready`` when the condition
holds -> ``Executed`` when the hook is taken from the task queue; back to
``ConditionNotSatisfied`` when the condition no longer holds; the ``update`` tests in the
same file) is what a snapshot's ``on_low_wasm_memory_hook_status`` records. The hook runs
once each time the condition becomes true.

A Python heap has no Wasm memory: its usage here is the heap image and continuation table,
padded to 64 KiB pages (what a snapshot stores as ``main_memory``); the condition is checked
once per round (``round_ns`` of subnet time), when heartbeats are scheduled.
"""

from __future__ import annotations

import pytest

from actors import Canister, query, update
from subnet import MANAGEMENT, Subnet
from subnet.api import CanisterHandle
from subnet.routing import low_wasm_memory, wasm_memory_usage

pytestmark = pytest.mark.anyio

SECOND = 1_000_000_000
PAGE = 65_536


class Grow(Canister):
    def init(self) -> None:
        self.blobs: list[bytes] = []
        self.warned = 0

    @update
    def grow(self, kib: int) -> None:
        self.blobs.append(bytes(kib * 1024))

    @update
    def shrink(self) -> None:
        self.blobs = []

    def on_low_wasm_memory(self) -> None:
        self.warned += 1

    @query
    def warnings(self) -> int:
        return self.warned


async def _round(net: Subnet) -> None:
    net.advance_time(SECOND)
    await net.run_until_idle()


async def _grow_canister(net: Subnet) -> CanisterHandle:
    grow = await net.deploy(Grow, name="grow")
    # 4 pages of memory, warn when fewer than 2 are left
    settings = {"wasm_memory_limit": 4 * PAGE, "wasm_memory_threshold": 2 * PAGE}
    await net.management.update_settings(canister_id=grow.id, settings=settings)
    return grow


async def test_the_hook_runs_once_when_the_condition_becomes_true() -> None:
    async with Subnet() as net:
        grow = await _grow_canister(net)
        cs = net.engine.get(grow.id)
        assert cs is not None
        await _round(net)
        assert (await grow.query("warnings"), cs.hook_status) == (0, "condition_not_satisfied")
        await grow.call("grow", 200)  # 4 pages now: less than 2 left
        assert wasm_memory_usage(cs) == 4 * PAGE and low_wasm_memory(cs)
        await _round(net)
        assert (await grow.query("warnings"), net.inspect(grow).hook_status) == (1, "executed")
        await _round(net)
        assert await grow.query("warnings") == 1  # once, while the condition holds
        await grow.call("shrink")
        await _round(net)
        assert cs.hook_status == "condition_not_satisfied"
        await grow.call("grow", 200)
        await _round(net)
        assert (await grow.query("warnings"), cs.hook_status) == (2, "executed")
        kinds = [e.data[0] for e in net.trace if e.kind == "exec" and e.method != "grow"]
        assert kinds.count("on_low_wasm_memory") == 2


async def test_a_hook_whose_condition_clears_before_it_runs_does_not_run() -> None:
    async with Subnet() as net:
        grow = await _grow_canister(net)
        await grow.call("grow", 200)
        net.advance_time(SECOND)  # a round: the hook is ready ...
        cs = net.engine.get(grow.id)
        assert cs is not None and cs.hook_status == "ready"
        # ... but a management call runs first and raises the limit
        settings = {"wasm_memory_limit": 64 * PAGE}
        net.submit(MANAGEMENT, "update_settings", {"canister_id": grow.id, "settings": settings})
        await net.run_until_idle()
        assert (await grow.query("warnings"), cs.hook_status) == (0, "condition_not_satisfied")
        hook = [e.data for e in net.trace if e.method == "on_low_wasm_memory"]
        assert hook == [("on_low_wasm_memory", 0, "dropped")]


async def test_the_default_threshold_never_warns() -> None:
    async with Subnet() as net:
        grow = await net.deploy(Grow)
        await grow.call("grow", 1024)
        await _round(net)
        assert await grow.query("warnings") == 0


async def test_a_snapshot_records_the_hook_status() -> None:
    async with Subnet() as net:
        grow = await _grow_canister(net)
        await grow.call("grow", 200)
        await _round(net)
        await net.management.stop_canister(canister_id=grow.id)
        snap = await net.management.take_canister_snapshot(canister_id=grow.id)
        meta = await net.management.read_canister_snapshot_metadata(
            canister_id=grow.id, snapshot_id=snap.id
        )
        assert meta.on_low_wasm_memory_hook_status == "executed"
