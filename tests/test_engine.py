"""The actor core: calls, call contexts, callbacks, traps, ordering, time, bad input."""

import gc

import pytest

from actors import Canister, query, trap, update
from subnet import ErrorCode, Reject, RejectCode, Subnet, SubnetError
from subnet.engine import DEFAULT_START_TIME_NS

pytestmark = pytest.mark.anyio


class Counter(Canister):
    def init(self, start: int = 0):
        self.value = start
        self.log = []

    @update
    def inc(self, by: int = 1) -> int:
        self.value += by
        self.log.append(by)
        return self.value

    @update
    def inc_then_trap(self, by: int) -> int:
        self.value += by
        self.log.append(by)
        self.stable.grow(1)
        self.stable.write(0, b"dirty")
        trap("boom")

    @update
    def divide(self, d: int) -> int:
        return 10 // d

    @query
    def get(self) -> int:
        return self.value

    @query
    def history(self) -> list[int]:
        return self.log

    @query
    def mutate_in_query(self) -> int:
        self.value = 999
        return self.value

    @update
    def who(self) -> str:
        return str(self.caller)

    @update
    def now(self) -> int:
        return self.time()


class Relay(Canister):
    """Forwards a call and records what came back."""

    def init(self):
        self.seen = []

    @update
    async def forward(self, target, method: str, *args):
        try:
            result = await self.call(target, method, *args)
        except Reject as rej:
            self.seen.append(("reject", int(rej.reject_code)))
            raise
        self.seen.append(("reply", result))
        return result

    @update
    async def forward_then_trap(self, target, method: str):
        await self.call(target, method)
        self.seen.append("after")
        raise ValueError("callback trapped")

    @query
    def log(self) -> list:
        return self.seen


async def test_deploy_call_and_query():
    async with Subnet(seed=1) as net:
        c = await net.deploy(Counter, 5, name="counter")
        assert str(c.id) == "bkyz2-fmaaa-aaaaa-qaaaq-cai"
        assert await c.call("inc", 2) == 7
        assert await c.query("get") == 7
        second = await net.deploy(Counter)
        assert str(second.id) == "bd3sg-teaaa-aaaaa-qaaba-cai"


async def test_query_changes_are_discarded():
    async with Subnet() as net:
        c = await net.deploy(Counter, 1)
        assert await c.query("mutate_in_query") == 999
        assert await c.query("get") == 1
        # a query method called as an update runs replicated, and its changes are discarded
        assert await c.call("mutate_in_query") == 999
        assert await c.query("get") == 1


async def test_trap_rolls_back_heap_and_stable_memory():
    async with Subnet() as net:
        c = await net.deploy(Counter, 1)
        await c.call("inc", 1)
        version = net.inspect(c).version
        with pytest.raises(Reject) as info:
            await c.call("inc_then_trap", 10)
        rej = info.value
        assert rej.reject_code == RejectCode.CANISTER_ERROR
        assert rej.error_code == ErrorCode.CanisterCalledTrap
        assert "boom" in rej.reject_message
        assert await c.query("get") == 2
        assert await c.query("history") == [1]
        cs = net.engine.get(c.id)
        assert cs.stable.size() == 0
        assert net.inspect(c).version == version  # a trapped execution changes nothing
        assert "trap" in [e.kind for e in net.trace]


async def test_python_exception_is_a_trap_with_its_message():
    async with Subnet() as net:
        c = await net.deploy(Counter)
        with pytest.raises(Reject) as info:
            await c.call("divide", 0)
        assert info.value.error_code == ErrorCode.CanisterCalledTrap
        assert "ZeroDivisionError" in info.value.reject_message


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


async def test_chain_with_replies_and_rejects():
    async with Subnet() as net:
        a = await net.deploy(Relay, name="a")
        b = await net.deploy(Relay, name="b")
        c = await net.deploy(Counter, 40, name="c")
        # A -> B -> C, reply travels back
        assert await a.call("forward", b.id, "forward", c.id, "inc", 2) == 42
        assert await a.query("log") == [("reply", 42)]
        assert await b.query("log") == [("reply", 42)]
        # C traps: B sees a reject (CANISTER_ERROR) and re-raises, which rejects A's call
        with pytest.raises(Reject) as info:
            await a.call("forward", b.id, "forward", c.id, "divide", 0)
        assert await b.query("log") == [("reply", 42), ("reject", 5)]
        assert await a.query("log") == [("reply", 42), ("reject", 4)]
        assert info.value.reject_code == RejectCode.CANISTER_REJECT
        assert "ZeroDivisionError" in info.value.reject_message
        # every context is closed, nothing is outstanding
        for h in (a, b, c):
            view = net.inspect(h)
            assert view.open_call_contexts == 0
            assert view.outstanding_callbacks == 0


async def test_trap_in_callback_keeps_earlier_executions():
    async with Subnet() as net:
        a = await net.deploy(Relay)
        c = await net.deploy(Counter)
        with pytest.raises(Reject) as info:
            await a.call("forward_then_trap", c.id, "inc")
        assert "callback trapped" in info.value.reject_message
        assert await c.query("get") == 1  # the callee's execution committed
        assert await a.query("log") == []  # the trapped callback's append is rolled back
        assert net.inspect(a).open_call_contexts == 0


async def test_call_to_missing_canister_and_method():
    async with Subnet() as net:
        a = await net.deploy(Relay)
        with pytest.raises(Reject) as info:
            await a.call("forward", net.identity("nobody"), "x")
        assert await a.query("log") == [("reject", int(RejectCode.DESTINATION_INVALID))]
        c = await net.deploy(Counter)
        with pytest.raises(Reject):
            await a.call("forward", c.id, "no_such_method")
        assert (await a.query("log"))[-1][0] == "reject"
        assert info.value.reject_code == RejectCode.CANISTER_REJECT


class ManualReply(Canister):
    def init(self):
        self.steps = []

    @update(manual_reply=True)
    def silent(self) -> None:
        self.steps.append("silent")

    @update
    async def early(self, target) -> str:
        self.reply("early")
        self.steps.append("replied")
        await self.call(target, "inc")
        self.steps.append("after await")
        return "ignored"

    @query
    def log(self) -> list:
        return self.steps


async def test_did_not_reply_and_early_reply():
    async with Subnet() as net:
        m = await net.deploy(ManualReply)
        c = await net.deploy(Counter)
        with pytest.raises(Reject) as info:
            await m.call("silent")
        assert info.value.error_code == ErrorCode.CanisterDidNotReply
        assert info.value.reject_code == RejectCode.CANISTER_ERROR
        assert await m.query("log") == ["silent"]
        pending = m.submit("early", c.id)
        await net.step()
        assert pending.done and pending.result() == "early"  # answered before the callback
        assert net.inspect(m).open_call_contexts == 1  # still waiting for its own call
        await net.run_until_idle()
        assert await m.query("log") == ["silent", "replied", "after await"]
        assert net.inspect(m).open_call_contexts == 0


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


async def test_step_returns_none_when_idle():
    async with Subnet() as net:
        assert await net.step() is None
        c = await net.deploy(Counter)
        c.submit("inc")
        first = await net.step()
        assert first.kind == "ingress" and first.method == "inc" and first.outcome == "reply"
        assert await net.step() is None


class Bad(Canister):
    def init(self):
        self.ok = 1

    @update
    def store_function(self) -> None:
        self.f = lambda: 1

    @update
    def reply_object(self):
        return object()


class BadInit(Canister):
    def init(self):
        self.sock = object()


async def test_heap_must_be_plain_data():
    async with Subnet() as net:
        b = await net.deploy(Bad)
        with pytest.raises(Reject) as info:
            await b.call("store_function")
        assert "'f'" in info.value.reject_message
        assert net.inspect(b).heap == {"ok": 1}
        with pytest.raises(Reject):
            await b.call("reply_object")
        with pytest.raises(Reject) as info:
            await net.deploy(BadInit)
        assert "'sock'" in info.value.reject_message


async def test_bad_input_gives_rejects_not_tracebacks():
    async with Subnet() as net:
        c = await net.deploy(Counter)
        ghost = net.identity("ghost")
        with pytest.raises(Reject) as info:
            await net.submit(ghost, "inc")
        assert info.value.reject_code == RejectCode.DESTINATION_INVALID
        assert info.value.error_code == ErrorCode.CanisterNotFound
        with pytest.raises(Reject) as info:
            await c.call("nope")
        assert info.value.error_code == ErrorCode.CanisterMethodNotFound
        with pytest.raises(Reject) as info:
            await c.query("inc")  # an update called as a query
        assert info.value.error_code == ErrorCode.CanisterMethodNotFound
        with pytest.raises(Reject) as info:
            await c.call("inc", 1, 2, 3)
        assert "expected 0 to 1 arguments, got 3" in info.value.reject_message
        with pytest.raises(Reject) as info:
            await c.call("inc", "one")
        assert info.value.reject_code == RejectCode.CANISTER_ERROR
        with pytest.raises(Reject):
            await c.call("inc", object())
        assert await c.query("get") == 0  # none of that changed anything
        assert net.inspect(c).open_call_contexts == 0


async def test_exactly_one_response_per_call():
    async with Subnet(strategy="random", seed=3) as net:
        a = await net.deploy(Relay)
        b = await net.deploy(Relay)
        c = await net.deploy(Counter)
        calls = []
        for i in range(20):
            target = [(c.id, "inc"), (c.id, "divide", 0), (net.identity("x"), "y")][i % 3]
            calls.append(a.submit("forward", b.id, "forward", *target))
        await net.run_until_idle()
        assert all(p.done for p in calls)
        done = [e for e in net.trace if e.kind == "ingress_done" and e.method == "forward"]
        assert len(done) == len(calls) == len({e.data[0] for e in done})
        assert await c.query("get") == 7


class Sink(Canister):
    def init(self):
        self.order = []

    @update
    def take(self, item: int) -> None:
        self.order.append(item)

    @query
    def seen(self) -> list[int]:
        return self.order


class Sender(Canister):
    @update
    async def send(self, sink, item: int) -> None:
        await self.call(sink, "take", item)


@pytest.mark.parametrize("seed", range(8))
async def test_requests_are_fifo_per_sender_receiver_pair(seed):
    async with Subnet(strategy="random", seed=seed) as net:
        sink = await net.deploy(Sink)
        senders = [await net.deploy(Sender) for _ in range(3)]
        for i in range(30):
            senders[i % 3].submit("send", sink.id, i)
        await net.run_until_idle()
        order = await sink.query("seen")
        assert sorted(order) == list(range(30))
        for k in range(3):
            mine = [x for x in order if x % 3 == k]
            assert mine == sorted(mine)  # each sender's requests executed in send order


async def test_responses_can_arrive_in_any_order():
    orders = set()
    for seed in range(12):
        async with Subnet(strategy="random", seed=seed) as net:
            a = await net.deploy(Relay)
            c = await net.deploy(Counter)
            p1 = a.submit("forward", c.id, "inc", 1)
            p2 = a.submit("forward", c.id, "inc", 10)
            await net.run_until_idle()
            resolved = [
                e.data[0] for e in net.trace if e.kind == "ingress_done" and e.method == "forward"
            ]
            orders.add(tuple(resolved))
            assert {p1.result(), p2.result()} <= {1, 10, 11}
    assert len(orders) > 1


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


async def test_inspecting_an_unknown_canister_is_a_clear_error():
    async with Subnet() as net:
        c = await net.deploy(Counter)
        pending = c.submit("inc")
        await net.run_until_idle()
        assert pending.result() == 1
        with pytest.raises(SubnetError):
            net.inspect(net.identity("nobody"))


class Aliaser(Canister):
    def init(self):
        self.items = ["start"]

    @update
    async def hold(self, target) -> None:
        items = self.items  # a reference held across the await
        await self.call(target, "inc")
        items.append("after await")

    @update
    def trap_here(self) -> None:
        self.items.append("rolled back")
        raise ValueError("boom")

    @query
    def get(self) -> list:
        return self.items


async def test_a_trap_elsewhere_keeps_references_held_across_await_valid():
    """Rollback refills containers in place, as Wasm memory stays where it is after a trap."""
    async with Subnet() as net:
        al = await net.deploy(Aliaser)
        c = await net.deploy(Counter)
        pending = al.submit("hold", c.id)
        await net.step()
        with pytest.raises(Reject):
            await al.call("trap_here")
        await net.run_until_idle()
        assert pending.result() is None
        assert await al.query("get") == ["start", "after await"]


class Flooder(Canister):
    def init(self):
        self.refused = 0

    @update
    async def send(self, sink, item: int) -> str:
        try:
            await self.call(sink, "take", item)
        except Reject as rej:
            self.refused += 1
            return f"{rej.reject_code.name}: {rej.reject_message}"
        return "sent"


class Oldest:
    """Always run the oldest ready source: here, the flooder's ingress queue."""

    name = "oldest"

    def choose(self, ready):
        return 0


async def test_a_full_queue_refuses_the_call_at_once():
    async with Subnet(strategy=Oldest()) as net:
        net.engine.queue_capacity = 3
        sink = await net.deploy(Sink)
        flooder = await net.deploy(Flooder)
        calls = [flooder.submit("send", sink.id, i) for i in range(5)]
        for _ in range(5):  # only the flooder runs: five executions, five calls
            await net.step()
        await net.run_until_idle()
        results = [p.result() for p in calls]
        assert results[:3] == ["sent"] * 3
        assert all(r.startswith("SYS_TRANSIENT: Couldn't send message") for r in results[3:])
        assert await sink.query("seen") == [0, 1, 2]
        assert net.inspect(flooder).heap["refused"] == 2


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


async def test_unknown_names_are_clear_errors():
    async with Subnet() as net:
        await net.deploy(Counter, name="counter")
        with pytest.raises(SubnetError, match="neither a canister name"):
            net.inspect("countre")
        with pytest.raises(SubnetError, match="known: counter"):
            net.submit("countre", "inc")
