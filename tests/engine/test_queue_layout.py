"""How input queues are laid out, which must change nothing a run does: a queue is a plain
list while short (an ingress queue becomes a deque once long), pair queues that ran empty are
forgotten in batches and their records used again for new pairs (under new source ids), and
the callback of a call is the request it sends."""

from __future__ import annotations

from collections import deque

import pytest

from actors import Canister, update
from subnet import Principal, Subnet
from subnet.messages import Callback, Request
from subnet.queues import LONG_FIFO

pytestmark = pytest.mark.anyio


class Log(Canister):
    def init(self) -> None:
        self.seen: list[int] = []

    @update
    def note(self, i: int) -> int:
        self.seen.append(i)
        return i


class Caller(Canister):
    @update
    async def relay(self, target: Principal, i: int) -> int:
        result: int = await self.call(target, "note", i)
        return result


async def test_a_long_ingress_queue_keeps_its_order() -> None:
    async with Subnet() as net:
        log = await net.deploy(Log)
        n = 3 * LONG_FIFO
        calls = [log.submit("note", i) for i in range(n)]
        cs = net.engine.canisters[log.id]
        assert cs.ingress is not None and type(cs.ingress.items) is deque
        await net.run_until_idle()
        assert [c.result() for c in calls] == list(range(n))
        assert net.inspect(log).heap["seen"] == list(range(n))


async def test_a_short_ingress_queue_is_a_list() -> None:
    async with Subnet() as net:
        log = await net.deploy(Log)
        log.submit("note", 1)
        cs = net.engine.canisters[log.id]
        assert cs.ingress is not None and type(cs.ingress.items) is list
        await net.run_until_idle()


async def test_forgotten_pair_queues_are_used_again_under_new_ids() -> None:
    async with Subnet() as net:
        log = await net.deploy(Log)
        callers = [await net.deploy(Caller) for _ in range(3)]
        engine = net.engine
        for i, caller in enumerate(callers):
            caller.submit("relay", log.id, i)
        await net.run_until_idle()
        cs = engine.canisters[log.id]
        old = {sender: (src, src.id) for sender, src in cs.queues.items()}
        assert len(old) == 3 and all(type(src.items) is list for src, _ in old.values())
        engine.forget_empty_queues()
        assert cs.queues == {}
        for i, caller in enumerate(callers):
            caller.submit("relay", log.id, 10 + i)
        await net.run_until_idle()
        assert len(cs.queues) == 3
        objects = {id(src) for src, _ in old.values()}
        ids = {sid for _, sid in old.values()}
        assert {id(src) for src in cs.queues.values()} <= objects  # the records, used again
        assert not ids & {src.id for src in cs.queues.values()}  # under new source ids
        assert net.inspect(log).heap["seen"] == [0, 1, 2, 10, 11, 12]


async def test_the_callback_is_the_request() -> None:
    async with Subnet() as net:
        log = await net.deploy(Log)
        caller = await net.deploy(Caller)
        caller.submit("relay", log.id, 5)
        await net.step()  # the caller runs and calls
        [cb] = net.engine.canisters[caller.id].callbacks.values()
        assert isinstance(cb, Callback) and isinstance(cb, Request)
        assert (cb.id, cb.canister, cb.target) == (cb.callback_id, cb.sender, cb.receiver)
        assert (cb.canister, cb.target, cb.method, cb.args) == (caller.id, log.id, "note", (5,))
        [queued] = net.engine.canisters[log.id].queues[caller.id].items
        assert queued is cb
        await net.run_until_idle()
