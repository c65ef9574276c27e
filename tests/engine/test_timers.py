"""The global timer: armed by the canister, fired once when subnet time passes the deadline,
rolled back by a trap, disarmed by uninstall, kept while stopped, restored by uploaded
snapshots only."""

import pytest

from actors import Canister, query, update
from subnet import MANAGEMENT, Reject, Subnet

pytestmark = pytest.mark.anyio

SECOND = 1_000_000_000


class Alarm(Canister):
    def init(self):
        self.rang = []

    @update
    def arm(self, delay: int) -> int:
        return self.set_global_timer(self.time() + delay)

    @update
    def arm_then_trap(self, delay: int) -> None:
        self.set_global_timer(self.time() + delay)
        raise ValueError("trap after arming")

    def global_timer(self):
        self.rang.append(self.time())

    @query
    def log(self) -> list[int]:
        return self.rang


class Pinger(Canister):
    """A timer that makes a call, as timers may."""

    def init(self, target):
        self.target = target
        self.got = None

    @update
    def arm(self) -> None:
        self.set_global_timer(self.time() + SECOND)

    async def global_timer(self):
        self.got = await self.call(self.target, "arm", SECOND)


async def test_a_timer_fires_once_when_time_passes_it():
    async with Subnet() as net:
        alarm = await net.deploy(Alarm)
        assert await alarm.call("arm", 5 * SECOND) == 0
        net.advance_time(2 * SECOND)
        await net.run_until_idle()
        assert await alarm.query("log") == []
        net.advance_time(5 * SECOND)
        await net.run_until_idle()
        [rang] = await alarm.query("log")
        assert rang >= net.engine.time - net.engine.step_ns * 5
        net.advance_time(60 * SECOND)
        await net.run_until_idle()
        assert len(await alarm.query("log")) == 1  # once
        assert net.engine.get(alarm.id).global_timer == 0


async def test_a_trap_undoes_arming_and_uninstall_disarms():
    async with Subnet() as net:
        alarm = await net.deploy(Alarm)
        with pytest.raises(Reject):
            await alarm.call("arm_then_trap", SECOND)
        assert net.engine.get(alarm.id).global_timer == 0
        await alarm.call("arm", SECOND)
        await net.management.uninstall_code(canister_id=alarm.id)
        assert net.engine.get(alarm.id).global_timer == 0
        net.advance_time(10 * SECOND)
        assert await net.run_until_idle() == 0


async def test_a_stopped_canister_keeps_its_timer_until_started():
    async with Subnet() as net:
        alarm = await net.deploy(Alarm)
        await alarm.call("arm", SECOND)
        await net.management.stop_canister(canister_id=alarm.id)
        net.advance_time(10 * SECOND)
        await net.run_until_idle()
        assert net.inspect(alarm).heap["rang"] == []
        await net.management.start_canister(canister_id=alarm.id)
        await net.run_until_idle()
        assert len(await alarm.query("log")) == 1


async def test_timers_can_make_calls():
    async with Subnet() as net:
        alarm = await net.deploy(Alarm)
        pinger = await net.deploy(Pinger, alarm.id)
        await pinger.call("arm")
        net.advance_time(2 * SECOND)
        await net.run_until_idle()
        assert net.inspect(pinger).heap["got"] == 0  # the previous deadline of alarm's timer
        assert net.engine.get(alarm.id).global_timer > 0
        assert net.inspect(pinger).open_call_contexts == 0


async def test_uploaded_snapshot_arms_the_timer_it_carries():
    async with Subnet() as net:
        ic = net.management
        alarm = await net.deploy(Alarm)
        snap = await ic.take_canister_snapshot(canister_id=alarm.id)
        meta = await ic.read_canister_snapshot_metadata(canister_id=alarm.id, snapshot_id=snap.id)
        parts = {}
        for kind, size in (
            ("wasm_module", meta.wasm_module_size),
            ("main_memory", meta.wasm_memory_size),
        ):
            parts[kind] = (
                await ic.read_canister_snapshot_data(
                    canister_id=alarm.id,
                    snapshot_id=snap.id,
                    kind={kind: {"offset": 0, "size": size}},
                )
            ).chunk
        up = await net.submit(
            MANAGEMENT,
            "upload_canister_snapshot_metadata",
            {
                "canister_id": alarm.id,
                "wasm_module_size": len(parts["wasm_module"]),
                "wasm_memory_size": len(parts["main_memory"]),
                "stable_memory_size": 0,
                "global_timer": {"active": net.time + SECOND},
            },
        )
        for kind, chunk in parts.items():
            await ic.upload_canister_snapshot_data(
                canister_id=alarm.id,
                snapshot_id=up["snapshot_id"],
                kind={kind: {"offset": 0}},
                chunk=chunk,
            )
        await ic.load_canister_snapshot(canister_id=alarm.id, snapshot_id=up["snapshot_id"])
        net.advance_time(2 * SECOND)
        await net.run_until_idle()
        assert len(await alarm.query("log")) == 1
