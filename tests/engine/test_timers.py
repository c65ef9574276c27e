"""The global timer: armed by the canister, fired once at the start of the first round at or
after its deadline, rolled back by a trap, disarmed by uninstall and upgrade, kept while
stopped, restored by uploaded snapshots only."""

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


class Upgraded(Alarm):
    def post_upgrade(self) -> None:
        self.rang = []


class Rearm(Alarm):
    """Arms the timer again in post_upgrade, as it may."""

    def post_upgrade(self) -> None:
        self.rang = []
        self.set_global_timer(self.time() + 3 * SECOND)


# Interface spec, "Global timer": deactivated by install_code (any mode) and uninstall_code;
# post_upgrade may arm it again. A failed upgrade leaves it as it was.
async def test_an_upgrade_disarms_the_timer():
    async with Subnet() as net:
        alarm = await net.deploy(Alarm)
        await alarm.call("arm", SECOND)
        await net.management.install_code(
            mode="upgrade", canister_id=alarm.id, wasm_module=Upgraded
        )
        assert net.engine.get(alarm.id).global_timer == 0
        net.advance_time(10 * SECOND)
        await net.run_until_idle()
        assert await alarm.query("log") == []
        await alarm.call("arm", SECOND)
        await net.management.install_code(mode="upgrade", canister_id=alarm.id, wasm_module=Rearm)
        assert net.engine.get(alarm.id).global_timer > net.time + 2 * SECOND  # post_upgrade's
        net.advance_time(10 * SECOND)
        await net.run_until_idle()
        assert len(await alarm.query("log")) == 1


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


class Ticker(Canister):
    """Re-arms its timer for now every time it runs, and takes ordinary work meanwhile."""

    def init(self) -> None:
        self.ticks = 0

    @update
    def start(self) -> None:
        self.set_global_timer(self.time())

    @update
    def work(self) -> None:
        pass

    def global_timer(self) -> None:
        self.ticks += 1
        self.set_global_timer(self.time())

    @query
    def count(self) -> int:
        return self.ticks


# rs/execution_environment/src/execution/system_task/tests.rs ::
# global_timer_can_be_reactivated_in_canister_global_timer_method (one run per round): the
# scheduler queues the timer with the round's system tasks, so a timer re-armed for now runs
# once per round, not once per message
async def test_a_timer_rearmed_for_now_runs_once_per_round():
    async with Subnet() as net:  # rounds of 1 s, steps of 1 ms
        t = await net.deploy(Ticker)
        await t.call("start")
        for _ in range(3_000):  # 3,000 steps of work: three more rounds start
            t.submit("work")
        await net.run_until_idle(max_steps=3_000)
        assert 3 <= await t.query("count") <= 4  # not once per message


async def test_an_idle_subnet_moves_to_the_next_round_for_a_due_timer():
    async with Subnet() as net:
        t = await net.deploy(Ticker)
        await t.call("start")
        start = net.time
        assert await net.run_until_idle(max_steps=5) == 5  # never idle: it re-arms for now
        assert await t.query("count") == 5
        assert net.time >= start + 4 * SECOND  # one round each
