"""Benchmark: executed messages/s for two canisters calling each other.

The exchange: canister A's async update ``ping(b, n)`` runs
``for i in range(n): self.total += await self.call(b, "pong", i)`` and B's sync update
``pong(i)`` bumps a counter and returns ``i``. That is 1 ingress execution (A starts), then per
round trip one request execution (B.pong) and one response execution (the callback resumes A's
frame): ``1 + 2n`` executed messages, each exactly one engine step (checked against
``net.engine.steps``). This exercises the engine's whole call path -- call context, callback,
continuation table, suspend/commit, request queue, response source, resume/commit -- which a
chain of ingress messages would not (no callbacks, no continuations). Only one source is ready at
any time, so the strategy is never consulted: this is the cost of a step itself.

Rows:
* ``subnet engine.run_until_idle``: the synchronous engine loop (what the async API drives).
* ``subnet await net.run_until_idle``: the same through the async API on asyncio (anyio); it
  only adds a checkpoint every 256 steps.
* ``subnet, 8 pairs (round_robin)``: eight such pairs at once, so the strategy picks among
  several ready sources at each step (informational).
* ``simpy``: a SimPy model of the same exchange: process A puts ``(i, reply_event)`` into B's
  ``simpy.Store`` and yields the reply event; process B gets from the store and succeeds the
  event. The same ``1 + 2n`` message handlings, no virtual time spent.
* ``simpy + 1 ms timeout``: the same with a ``yield env.timeout(0.001)`` per handling, like the
  engine's 1 ms of subnet time per step (informational).
* ``trampoline``: a bare loop driving the same two coroutines with ``send`` through a deque, no
  bookkeeping at all: the practical limit for a Python coroutine simulator.

Targets (docs/performance.md): subnet >= 1.0x SimPy; trampoline within 3x of subnet.

Run: ``python bench/pingpong.py [--quick] [--messages N] [--repeat R]``.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import anyio
from _common import best_of, machine, parser, rate, table, timed, usec

from actors import Canister, update
from subnet import Principal, Subnet

# -- the canisters ----------------------------------------------------------------------------


class Pong(Canister):
    def init(self) -> None:
        self.count = 0

    @update
    def pong(self, i: int) -> int:
        self.count += 1
        return i


class Ping(Canister):
    def init(self) -> None:
        self.total = 0

    @update
    async def ping(self, b: Principal, n: int) -> int:
        for i in range(n):
            self.total += await self.call(b, "pong", i)
        return self.total


def expected_total(n: int) -> int:
    return n * (n - 1) // 2


# -- subnet -----------------------------------------------------------------------------------


def subnet_sync(n: int, pairs: int = 1) -> tuple[float, int]:
    """Deploy (untimed), submit the ingress message(s), time ``engine.run_until_idle()``."""
    per_pair = n // pairs

    async def main() -> tuple[float, int]:
        async with Subnet(seed=1) as net:
            calls = []
            for _ in range(pairs):
                b = await net.deploy(Pong)
                a = await net.deploy(Ping)
                calls.append(a.submit("ping", b.id, per_pair))
            engine = net.engine
            steps0 = engine.steps
            seconds, _ = timed(engine.run_until_idle)
            for call in calls:
                assert call.result() == expected_total(per_pair)
            return seconds, engine.steps - steps0

    return anyio.run(main)


def subnet_async(n: int) -> tuple[float, int]:
    """The same, timing ``await net.run_until_idle()`` on the asyncio backend."""

    async def main() -> tuple[float, int]:
        async with Subnet(seed=1) as net:
            b = await net.deploy(Pong)
            a = await net.deploy(Ping)
            call = a.submit("ping", b.id, n)
            steps0 = net.engine.steps
            t0 = time.perf_counter()
            await net.run_until_idle()
            seconds = time.perf_counter() - t0
            assert call.result() == expected_total(n)
            return seconds, net.engine.steps - steps0

    return anyio.run(main)


# -- SimPy ------------------------------------------------------------------------------------


def simpy_model(n: int, tick: float | None = None) -> tuple[float, int]:
    import simpy

    env = simpy.Environment()
    inbox = simpy.Store(env)
    handled = [0]
    result: list[int] = []

    def pong():
        count = 0
        while True:
            i, reply = yield inbox.get()
            handled[0] += 1  # the request execution
            if tick is not None:
                yield env.timeout(tick)
            count += 1
            reply.succeed(i)

    def ping():
        handled[0] += 1  # the ingress execution
        if tick is not None:
            yield env.timeout(tick)
        total = 0
        for i in range(n):
            reply = env.event()
            inbox.put((i, reply))
            total += yield reply
            handled[0] += 1  # the response execution
            if tick is not None:
                yield env.timeout(tick)
        result.append(total)

    def run() -> None:
        env.process(pong())
        env.run(until=env.process(ping()))

    seconds, _ = timed(run)
    assert result == [expected_total(n)]
    return seconds, handled[0]


# -- bare trampoline --------------------------------------------------------------------------


class _Call:
    __slots__ = ("args", "method", "target")

    def __init__(self, target, method, args):
        self.target = target
        self.method = method
        self.args = args

    def __await__(self):
        return (yield self)


def trampoline(n: int) -> tuple[float, int]:
    """Two coroutines, one deque of messages, ``send``: nothing else."""
    state = {"count": 0}

    def pong(i):
        state["count"] += 1
        return i

    async def ping(b, n):
        total = 0
        for i in range(n):
            total += await _Call(b, "pong", (i,))
        return total

    methods = {"pong": pong}
    result: list[int] = []

    def run() -> int:
        steps = 0
        queue = deque()
        queue.append((False, ping("b", n), None))  # the ingress message
        pop = queue.popleft
        push = queue.append
        while queue:
            is_request, a, b = pop()
            steps += 1
            if is_request:  # a = (caller frame, call), b unused
                frame, call = a
                push((False, frame, methods[call.method](*call.args)))
            else:  # resume frame a with reply b
                try:
                    call = a.send(b)
                except StopIteration as stop:
                    result.append(stop.value)
                    continue
                push((True, (a, call), None))
        return steps

    seconds, steps = timed(run)
    assert result == [expected_total(n)]
    return seconds, steps


# -- main -------------------------------------------------------------------------------------


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument(
        "--messages",
        type=int,
        default=None,
        help="round trips (each is 2 executed messages; default 60000)",
    )
    args = p.parse_args()
    n = args.messages or (3000 if args.quick else 60_000)
    repeat = args.repeat or (1 if args.quick else 3)

    runs = [
        ("subnet engine.run_until_idle", lambda: subnet_sync(n)),
        ("subnet await net.run_until_idle", lambda: subnet_async(n)),
        ("subnet, 8 pairs (round_robin)", lambda: subnet_sync(n, pairs=8)),
        ("simpy", lambda: simpy_model(n)),
        ("simpy + 1 ms timeout", lambda: simpy_model(n, tick=0.001)),
        ("trampoline", lambda: trampoline(n)),
    ]
    best = best_of(repeat, runs)
    for name in (
        "subnet engine.run_until_idle",
        "subnet await net.run_until_idle",
        "simpy",
        "trampoline",
    ):
        assert best[name][1] == 2 * n + 1, (name, best[name][1])

    print(f"pingpong: {n:,} round trips = {2 * n + 1:,} executed messages, best of {repeat}")
    print(f"machine: {machine()}")
    rows = []
    for name, _ in runs:
        seconds, count = best[name]
        rows.append(
            [name, f"{count:,}", f"{seconds:.3f}", rate(count, seconds), usec(count, seconds)]
        )
    print(table(["run", "messages", "seconds", "messages/s", "us/message"], rows))

    sub_rate = best["subnet engine.run_until_idle"][1] / best["subnet engine.run_until_idle"][0]
    simpy_rate = best["simpy"][1] / best["simpy"][0]
    tramp_rate = best["trampoline"][1] / best["trampoline"][0]
    print(
        f"ratio: subnet/simpy = {sub_rate / simpy_rate:.2f}x (target >= 1.0), "
        f"trampoline/subnet = {tramp_rate / sub_rate:.2f}x (target <= 3.0)"
    )


if __name__ == "__main__":
    main()
