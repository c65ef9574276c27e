"""Stepping: one execution per step, subnet time moves by a fixed step, suspended frames wait in
callbacks (and are not collected), and the engine, not the host event loop, orders messages."""

import gc

import pytest

from actors import Canister, update
from subnet import Subnet
from subnet.routing import DEFAULT_START_TIME_NS
from tests.canisters import Counter, Relay

pytestmark = pytest.mark.anyio


async def test_step_returns_none_when_idle():
    async with Subnet() as net:
        assert await net.step() is None
        c = await net.deploy(Counter)
        c.submit("inc")
        first = await net.step()
        assert first.kind == "ingress" and first.method == "inc" and first.outcome == "reply"
        assert await net.step() is None


async def test_caller_and_time():
    async with Subnet() as net:
        c = await net.deploy(Counter)
        alice = net.identity("alice")
        assert await c.call("who", sender=alice) == str(alice)
        assert await c.call("who") == str(net.default_identity)
        t1 = await c.call("now")
        t2 = await c.call("now")
        # each call is one step, and a step moves subnet time on by step_ns
        assert t1 >= DEFAULT_START_TIME_NS
        assert t2 == t1 + net.engine.step_ns
        assert net.engine.time == t2 + net.engine.step_ns


async def test_continuation_ids_are_held_by_callbacks():
    async with Subnet() as net:
        a = await net.deploy(Relay)
        c = await net.deploy(Counter)
        pending = a.submit("forward", c.id, "inc")
        info = await net.step()
        assert info.outcome == "await"
        cs = net.engine.get(a.id)
        [cb] = cs.callbacks.values()
        assert net.inspect(a).continuations == {cb.slot: cb.continuation_id}
        assert cb.continuation_id in cs.frames
        assert net.inspect(a).outstanding_callbacks == 1
        await net.run_until_idle()
        assert pending.result() == 1
        assert net.inspect(a).continuations == {}
        assert cs.frames == {}


async def test_garbage_collection_runs_no_abandoned_frame():
    class Locker(Canister):
        def init(self):
            self.locked = False

        @update
        async def work(self, target):
            self.locked = True
            try:
                await self.call(target, "inc")
            finally:
                self.locked = False

    async with Subnet() as net:
        lk = await net.deploy(Locker)
        c = await net.deploy(Counter)
        lk.submit("work", c.id)
        await net.step()  # suspended holding the lock
        assert net.inspect(lk).heap == {"locked": True}
        gc.collect()
        assert net.inspect(lk).heap == {"locked": True}
        await net.run_until_idle()
        assert net.inspect(lk).heap == {"locked": False}


async def test_concurrent_tasks_awaiting_calls_share_one_deterministic_schedule():
    """Several tasks may await calls at once: the engine, not the host event loop, decides
    which message runs next. (Submissions are made in a fixed order here: when tasks race to
    submit, the order of their submissions is the event loop's, and trio varies it on purpose.)
    """
    import anyio

    async def run():
        async with Subnet(seed=4, strategy="random") as net:
            a = await net.deploy(Relay)
            c = await net.deploy(Counter)
            pending = [a.submit("forward", c.id, "inc", i) for i in range(1, 6)]
            results = {}

            async def waiter(i, p):
                results[i] = await p

            async with anyio.create_task_group() as tg:
                for i, p in enumerate(pending, 1):
                    tg.start_soon(waiter, i, p)
            return results, await c.query("get"), net.trace_bytes()

    first = await run()
    second = await run()
    assert first[1] == 15 and sorted(first[0]) == [1, 2, 3, 4, 5]
    assert first == second
