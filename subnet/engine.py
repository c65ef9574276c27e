"""The deterministic core: input queues, call contexts, callbacks, one message execution per step.

Everything the simulated subnet does happens inside :meth:`Engine.step`, which performs exactly
one scheduling step and returns what it did (or ``None`` when nothing is left to do). A step is
either a *subnet message* (a management-canister call, which as on the IC runs before canister
messages) or one *message execution* on one canister: an ingress message, a request from another
canister, a response that resumes a suspended method, or a system task (a global timer that came
due, a heartbeat, the low-memory hook). After each step, subnet time moves by ``step_ns``, and
what came due with it (deadlines of bounded-wait calls, timers, a new round) becomes ready work.
Loops
(``run_until_idle``, the async API, the explorer, replay) are built on that single primitive,
like SimPy's ``Environment.step``.

The parts it is built from each explain their own rules: :mod:`subnet.queues` the ordering
rules (FIFO per sender-receiver pair, responses in any order, a ready set whose order never
depends on hashing), :mod:`subnet.routing` how every call gets exactly one answer, and
:mod:`subnet.execution` why canister code runs on a hand-rolled coroutine trampoline and what
makes an execution atomic. Every choice of a step goes through the strategy's chooser
(:mod:`subnet.choices`), so a run replays from its choice list.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import CoroutineType
from typing import Any

from .execution import Executor
from .ids import Principal
from .queues import REBALANCE_EVERY, SWEEP_EVERY, SourcesView, rebalanced
from .routing import DEFAULT_ROUND_NS, DEFAULT_START_TIME_NS, DEFAULT_STEP_NS, Done
from .strategies import Strategy, round_robin, with_chooser
from .system import CanisterState


@contextmanager
def fewer_collections(threshold: int = 50_000) -> Iterator[None]:
    """Raise the garbage collector's first threshold for the duration of a stepping loop, and
    leave what existed before the loop out of its collections (``gc.freeze``): a large subnet
    is mostly long-lived objects, which a full collection would otherwise walk again and again
    while the loop runs. They are handed back (``gc.unfreeze``) when it ends."""
    old = gc.get_threshold()
    if old[0] >= threshold:
        yield
        return
    gc.set_threshold(threshold, *old[1:])
    freeze = gc.get_freeze_count() == 0  # the program's own frozen objects stay as they are
    if freeze:
        gc.freeze()
    try:
        yield
    finally:
        if freeze:
            gc.unfreeze()
        gc.set_threshold(*old)


@dataclass(frozen=True, slots=True)
class StepInfo:
    """What one step did: the unit a scenario can stop between."""

    index: int
    time: int
    kind: str  # "ingress" | "request" | "response" | "timer" | "heartbeat" | ... | "subnet"
    canister: Principal | None
    method: str
    outcome: str  # "reply" | "reject" | "await" | "trap" | "dropped" | ...

    def __str__(self) -> str:
        where = f"{self.canister}" if self.canister is not None else "subnet"
        return f"#{self.index} {self.kind} {where}.{self.method} -> {self.outcome}"


class Engine(Executor):
    """The subnet's deterministic core. Synchronous: the async :class:`subnet.Subnet` wraps it.

    The layers it is built from, each a module of its own: :class:`~subnet.routing.Router`
    (queues, responses, call contexts, timers, time) and :class:`~subnet.execution.Executor`
    (one message execution, queries, hooks). This class is the step loop on top: which source
    runs next (the strategy's choice), observers around every step, teardown.
    """

    def __init__(
        self,
        *,
        strategy: Strategy | None = None,
        start_time_ns: int = DEFAULT_START_TIME_NS,
        step_ns: int = DEFAULT_STEP_NS,
        orphan_policy: str = "trap",
        round_ns: int = DEFAULT_ROUND_NS,
    ) -> None:
        super().__init__(
            start_time_ns=start_time_ns,
            step_ns=step_ns,
            orphan_policy=orphan_policy,
            round_ns=round_ns,
        )
        self.strategy: Strategy = with_chooser(strategy) if strategy is not None else round_robin()
        # the one record of every choice of the run (scheduling, and the explorer's faults)
        self.chooser = self.strategy.chooser
        # observers (the explorer's fault injection and invariants): called around every step
        self.before_step: list[Callable[[Engine], None]] = []
        self.after_step: list[Callable[[Engine, Done], None]] = []

    def use_strategy(self, strategy: Strategy) -> None:
        """Replace the strategy (and so the chooser that records the choices)."""
        self.strategy = strategy
        self.chooser = strategy.chooser

    @property
    def decisions(self) -> list[int]:
        """Every choice of the run so far (see :mod:`subnet.choices`)."""
        return self.chooser.choices

    def sources_view(self) -> SourcesView:
        """A read-only view of the sources in the ready set, for strategies that look at
        what a source is (PCT)."""
        return SourcesView(self._sources, self._callbacks, self.canisters)

    def step(self) -> StepInfo | None:
        """Perform exactly one scheduling step; ``None`` when there is nothing to do."""
        done = self._step()
        if done is None:
            return None
        return StepInfo(self.steps, self.time - self.step_ns, *done)

    def _step(self) -> Done | None:
        """One step; returns (kind, canister, method, outcome) or None."""
        if self.before_step:
            for hook in self.before_step:
                hook(self)
        if self._subnet_queue:
            req = self._subnet_queue.popleft()
            self.steps += 1
            done = self.execute_subnet_message(req)
        elif (ready := self._ready) or (self.round_for_due_timer() and (ready := self._ready)):
            index = self.strategy.choose(ready) if len(ready) > 1 else 0
            self.steps += 1
            done = self._take(ready, index)
        else:
            return None
        self.time = now = self.time + self.step_ns
        if self._due <= now:  # a deadline, a timer or a new round: see fire_timers
            self.fire_timers()
        if not self.steps % REBALANCE_EVERY:
            self._ready = rebalanced(self._ready)
        if self.after_step:
            for after in self.after_step:
                after(self, done)
        return done

    def _take(self, ready: Any, index: int) -> Done:
        """Run the next message of the ready source at ``index``: the part of a step that
        :meth:`_step` and :meth:`run_until_idle` share.

        The source is a ``Source`` (a FIFO) when its kind is "request" or "ingress", else a
        ``OneShot`` (a response, or a system task: a due timer, a heartbeat, the low-memory
        hook): the kind string tells them apart (no isinstance in the hot loop), which mypy
        cannot follow."""
        sid = ready[index]
        src = self._sources[sid]
        kind = src.kind
        if kind == "response":
            del ready[index]
            del self._sources[sid]
            return self.execute_response(src.canister, src.item)  # type: ignore[union-attr]
        if kind == "request":
            items = src.items  # type: ignore[union-attr]
            item = items.pop(0)  # type: ignore[call-arg]  # a pair queue: always a list
            if not items:
                del ready[index]
                emptied = self._emptied
                emptied.append(src)  # type: ignore[arg-type]
                if len(emptied) >= SWEEP_EVERY:
                    self.forget_empty_queues()
            return self.execute_request(src.canister, item, kind)
        if kind == "ingress":
            items = src.items  # type: ignore[union-attr]
            if type(items) is list:
                item = items.pop(0)
            else:  # a long ingress queue: a deque
                item = items.popleft()  # type: ignore[union-attr]
            if not items:
                del ready[index]
            return self.execute_request(src.canister, item, kind)
        del ready[index]
        del self._sources[sid]
        return self.execute_task(src.canister, kind, src.item)  # type: ignore[union-attr]

    def run_until_idle(self, max_steps: int | None = None) -> int:
        """Step until nothing is left (or ``max_steps``); returns the number of steps taken.

        While it loops, the collector's first-generation threshold is raised: a step allocates
        a few short-lived objects, and frequent collections of a large, live subnet cost more
        than the steps themselves (docs/performance.md). The setting is restored on return.

        The loop is :meth:`_step` without what the common step does not need (observers, a
        subnet message): what a step costs beyond the execution itself is the point of it.
        """
        start = steps = self.steps  # every step taken adds one: the count is the difference
        stop = sys.maxsize if max_steps is None else steps + max_steps
        step, take = self._step, self._take
        # none of these is replaced while a subnet runs (observers are added to the lists)
        before, after, subnet_queue = self.before_step, self.after_step, self._subnet_queue
        step_ns = self.step_ns
        with fewer_collections():
            ready = self._ready
            choose = self.strategy.choose
            while steps < stop:
                if not ready or subnet_queue or before or after:
                    if step() is None:
                        break
                    steps = self.steps
                    ready = self._ready
                    choose = self.strategy.choose
                    continue
                index = choose(ready) if len(ready) > 1 else 0
                self.steps = steps = steps + 1
                take(ready, index)
                self.time = now = self.time + step_ns
                if self._due <= now:  # a deadline, a timer or a new round: see fire_timers
                    self.fire_timers()
                if not steps % REBALANCE_EVERY:
                    self._ready = ready = rebalanced(ready)
        return steps - start

    def busy(self) -> bool:
        """Whether a step would do something (a message is ready, or a timer is due)."""
        return self.has_work()

    def close(self) -> None:
        """Close every frame still held, against a detached heap, so that nothing runs later."""
        for cs in self.canisters.values():
            frames = [*cs.frames.values(), *cs.graveyard]
            cs.frames.clear()
            cs.graveyard.clear()
            for frame in frames:
                close_detached(cs, frame)


def close_detached(cs: CanisterState, frame: CoroutineType[Any, Any, Any]) -> None:
    """Close an abandoned frame so that whatever its ``finally`` blocks do changes nothing."""
    instance = cs.instance
    image = cs.stable.fork()
    try:
        frame.close()
    except BaseException:
        pass
    finally:
        if instance is not None:
            cs.heap.rollback(instance)
        cs.stable.restore(image)
