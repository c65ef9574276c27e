"""Heartbeats: a canister that defines ``heartbeat()`` (the IC's ``canister_heartbeat``) gets
one heartbeat execution per round while it runs.

On the IC a heartbeat task is queued for a running canister that exports
``canister_heartbeat`` in each round it is scheduled, and removed at the round's end if it
did not run (``TaskQueue``, ``remove_heartbeat_and_global_timer`` in
``rs/replicated_state/src/canister_state/system_state/task_queue.rs``); it runs as a system
task with its own call context (``CallOrigin::SystemTask``, ``call_context_manager.rs``).

Here a round is ``round_ns`` of subnet time (default 1 s; rounds start at whole multiples of
it), and subnet time moves only with steps and ``advance_time``: a heartbeat becomes ready
when time passes the start of a new round, at most one per canister at a time. So a subnet
whose only work is heartbeats goes idle, and ``run_until_idle()`` returns.
"""

from __future__ import annotations

import anyio
import pytest

from actors import Canister, query, update
from subnet import MANAGEMENT, Reject, Subnet, SubnetError
from subnet.engine import Engine
from subnet.routing import DEFAULT_ROUND_NS

pytestmark = pytest.mark.anyio

SECOND = 1_000_000_000


class Beat(Canister):
    def init(self) -> None:
        self.beats: list[int] = []
        self.trap_next = False

    def heartbeat(self) -> None:
        self.beats.append(self.time())
        if self.trap_next:
            raise ValueError("a heartbeat that traps")

    @update
    def poke(self) -> None:
        pass

    @update
    def set_trap(self, on: bool) -> None:
        self.trap_next = on

    @query
    def count(self) -> int:
        return len(self.beats)


class Counter(Canister):
    def init(self) -> None:
        self.n = 0

    @update
    def bump(self) -> int:
        self.n += 1
        return self.n


class Caller(Canister):
    """A heartbeat that makes a call, as heartbeats may."""

    def init(self, target: object) -> None:
        self.target = target
        self.got: list[int] = []

    async def heartbeat(self) -> None:
        self.got.append(await self.call(self.target, "bump"))


async def test_no_heartbeat_before_a_round_passes_and_the_subnet_goes_idle() -> None:
    async with Subnet() as net:
        beat = await net.deploy(Beat)
        assert await net.run_until_idle() == 0
        assert await beat.query("count") == 0
        net.advance_time(SECOND)
        assert await net.run_until_idle() == 1
        assert await beat.query("count") == 1
        [event] = [e for e in net.trace if e.kind == "exec" and e.method == "heartbeat"]
        assert event.data[0] == "heartbeat" and event.data[2] == "reply"


async def test_one_heartbeat_per_round_however_far_time_jumps() -> None:
    async with Subnet() as net:
        beat = await net.deploy(Beat)
        net.advance_time(3600 * SECOND)
        await net.run_until_idle()
        assert await beat.query("count") == 1


async def test_a_busy_subnet_beats_once_per_round() -> None:
    """1 ms per step, 1 s per round: 2,500 messages span two round starts."""
    async with Subnet() as net:
        beat = await net.deploy(Beat)
        start = net.time
        for _ in range(2_500):
            beat.submit("poke")
        await net.run_until_idle()
        elapsed = net.time - start
        assert await beat.query("count") == elapsed // SECOND
        rounds = [b // DEFAULT_ROUND_NS for b in net.inspect(beat).heap["beats"]]
        assert rounds == sorted(set(rounds))  # one in each round


async def test_round_ns_is_a_setting() -> None:
    async with Subnet(round_ns=10_000_000) as net:  # 10 ms: every ten 1 ms steps
        beat = await net.deploy(Beat)
        for _ in range(95):
            beat.submit("poke")
        await net.run_until_idle()
        assert 9 <= await beat.query("count") <= 11
    with pytest.raises(ValueError, match="round_ns"):
        Engine(round_ns=0)


async def test_heartbeats_that_fill_every_round_never_let_the_subnet_rest() -> None:
    """A round no longer than a step: each heartbeat moves time into the next round."""
    async with Subnet(round_ns=1_000_000, idle_limit=5_000) as net:
        beat = await net.deploy(Beat)
        net.advance_time(SECOND)
        with pytest.raises(SubnetError, match="still busy after"):
            await net.run_until_idle()
        assert await beat.query("count") > 1_000


async def test_a_stopped_canister_gets_no_heartbeat_and_a_trap_rolls_back() -> None:
    async with Subnet() as net:
        beat = await net.deploy(Beat)
        await net.management.stop_canister(canister_id=beat.id)
        net.advance_time(SECOND)
        assert await net.run_until_idle() == 0
        await net.management.start_canister(canister_id=beat.id)
        await beat.call("set_trap", True)
        net.advance_time(SECOND)
        await net.run_until_idle()
        assert await beat.query("count") == 0  # the trapped heartbeat left nothing
        assert [e.method for e in net.trace if e.kind == "trap"] == ["heartbeat"]


async def test_a_heartbeat_queued_before_a_stop_does_not_run() -> None:
    async with Subnet() as net:
        beat = await net.deploy(Beat)
        net.advance_time(SECOND)  # the heartbeat is ready
        net.submit(MANAGEMENT, "stop_canister", {"canister_id": beat.id})  # runs first
        await net.run_until_idle()
        assert net.inspect(beat).heap["beats"] == []
        dropped = [e for e in net.trace if e.kind == "exec" and e.method == "heartbeat"]
        assert [e.data for e in dropped] == [("heartbeat", 0, "dropped")]
        with pytest.raises(Reject):
            await beat.query("count")  # stopped


async def test_a_heartbeat_can_make_calls() -> None:
    async with Subnet() as net:
        counter = await net.deploy(Counter)
        caller = await net.deploy(Caller, counter.id)
        net.advance_time(SECOND)
        await net.run_until_idle()
        assert net.inspect(caller).heap["got"] == [1]
        assert net.inspect(caller).open_call_contexts == 0


def test_same_run_same_trace_on_asyncio_and_trio() -> None:
    async def run() -> bytes:
        async with Subnet(seed=9, strategy="random", round_ns=5_000_000) as net:
            counter = await net.deploy(Counter)
            await net.deploy(Caller, counter.id)
            beat = await net.deploy(Beat)
            for _ in range(40):
                beat.submit("poke")
            await net.run_until_idle()
            assert any(e.method == "heartbeat" for e in net.trace)
            return net.trace_bytes()

    assert anyio.run(run) == anyio.run(run, backend="trio")
