"""Routing: where messages go, and how every call gets exactly one answer.

The :class:`Router` holds the parts of the engine's state that messages move through: the
canisters, their input queues and the ready set (:mod:`subnet.queues`), the subnet queue of
management calls, outstanding callbacks, the ingress messages users wait on, armed timers, and
virtual time. It enqueues ingress messages and requests (refusing those for canisters that are
gone or not running, as the IC does at induction), delivers responses as sources of their own,
answers call contexts (closing them when nothing is left to wait for, and finishing a stop when
the last one closes) and records events. It runs no canister code: that is
:mod:`subnet.execution`, and the step loop that picks what runs next is :mod:`subnet.engine`.
"""

from __future__ import annotations

import heapq
from bisect import insort
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from sortedcontainers import SortedList

from . import errors
from .errors import Reject, RejectCode
from .events import Recorder
from .heap import HeapError, copy_payload, copy_value
from .ids import MANAGEMENT, Principal
from .messages import (
    INGRESS,
    REQUEST,
    RESPONSE,
    STOPPED,
    TIMER,
    Callback,
    CallContext,
    Ingress,
    Request,
    SourceKind,
)
from .queues import OneShot, ReadySet, Source
from .system import CanisterState

DEFAULT_START_TIME_NS = 1_724_782_760_000_000_000  # 2024-08-27 18:19:20 UTC
DEFAULT_STEP_NS = 1_000_000  # each step advances subnet time by 1 ms
QUEUE_CAPACITY = 500  # requests from one canister to another waiting at once (the IC's limit)

# (kind, canister, method, outcome): what an internal step reports
Done = tuple[str, Principal | None, str, str]


def induction_error(cs: CanisterState) -> Reject:
    """A message for a canister that is not running, refused as it arrives."""
    if cs.status == "stopped":
        return errors.canister_stopped(cs.id)
    return errors.canister_stopping(cs.id)


def decode_error(cid: Principal, method: str, detail: str) -> Reject:
    """Arguments that do not fit the method: the canister's Candid decoding traps."""
    return errors.canister_called_trap(
        cid, f"failed to decode the arguments of '{method}': {detail}"
    )


class Router:
    """The engine's message routing (see the module docstring)."""

    def __init__(
        self,
        *,
        start_time_ns: int = DEFAULT_START_TIME_NS,
        step_ns: int = DEFAULT_STEP_NS,
        orphan_policy: str = "trap",
    ) -> None:
        if orphan_policy not in ("trap", "misdeliver"):
            raise ValueError("orphan_policy must be 'trap' or 'misdeliver'")
        self.time = start_time_ns
        self.step_ns = step_ns
        self.queue_capacity = QUEUE_CAPACITY
        self.orphan_policy = orphan_policy
        self.steps = 0
        self.canisters: dict[Principal, CanisterState] = {}
        self.trace = Recorder(self.clock)
        self._next_source = 0
        self._next_id = 0  # call contexts, callbacks, continuations, ingress messages
        self._sources: dict[int, Source | OneShot] = {}
        self._ready: ReadySet | SortedList = ReadySet()
        self._subnet_queue: deque[Request] = deque()
        self._callbacks: dict[int, Callback] = {}
        self._buffered: tuple[CallContext, Any, Reject | None] | None = None
        self._raw = self.trace.raw.append  # the hot paths record events through this
        self._emptied: list[Source] = []  # pair queues that became empty, to forget later
        # armed global timers, (deadline, canister): checked lazily against cs.global_timer
        self._timers: list[tuple[int, Principal]] = []
        # the management canister plugs in here: request -> outcome
        self.subnet_handler: Callable[[Request], Any] | None = None

    def clock(self) -> tuple[int, int]:
        return self.steps, self.time

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def new_source(self, kind: SourceKind, cs: CanisterState, sender: Principal | None) -> Source:
        self._next_source += 1
        src = Source(self._next_source, kind, cs, sender)
        self._sources[src.id] = src
        return src

    # -- saving and loading an idle subnet (subnet.persist) -----------------------------------
    def state(self) -> dict[str, Any]:
        """The routing state an idle subnet keeps: virtual time, the step count, the
        configuration, and the id counters (the source counter orders the scheduler's choices)."""
        return {
            "time": self.time,
            "step_ns": self.step_ns,
            "steps": self.steps,
            "orphan_policy": self.orphan_policy,
            "next_id": self._next_id,
            "next_source": self._next_source,
        }

    def restore(self, doc: Mapping[str, Any]) -> None:
        """Take back what :meth:`state` returned, on a router that has routed nothing yet
        (canisters and their queue sources are restored after, see :meth:`restore_source`)."""
        if doc["orphan_policy"] not in ("trap", "misdeliver"):
            raise ValueError("orphan_policy must be 'trap' or 'misdeliver'")
        self.time = doc["time"]
        self.step_ns = doc["step_ns"]
        self.steps = doc["steps"]
        self.orphan_policy = doc["orphan_policy"]
        self._next_id = doc["next_id"]
        self._next_source = doc["next_source"]

    def restore_source(
        self, sid: int, kind: SourceKind, cs: CanisterState, sender: Principal | None
    ) -> Source:
        """An (empty) input queue of a restored canister, under the id it was saved with: the
        ids order the ready set, so the scheduler chooses as it would have before the save."""
        src = Source(sid, kind, cs, sender)
        self._sources[sid] = src
        return src

    def add_canister(self, cid: Principal, controllers: list[Principal]) -> CanisterState:
        """Create an empty, running canister (no code)."""
        cs = CanisterState(id=cid, host=self, controllers=sorted(set(controllers)))
        self.canisters[cid] = cs
        return cs

    def remove_canister(self, cs: CanisterState) -> None:
        """Delete a (stopped) canister: queued requests are rejected, its id is never reused."""
        del self.canisters[cs.id]
        sources = [cs.ingress, *cs.queues.values()]
        for src in sources:
            if src is None:
                continue
            while src.items:
                self.answer_request(src.items.popleft(), None, errors.call_target_not_found(cs.id))
            self._ready.discard(src.id)
            self._sources.pop(src.id, None)
        cs.queues.clear()
        cs.ingress = None
        cs.snapshots.clear()
        self.trace.emit("deleted", cs.id, "", ())

    def get(self, cid: Principal) -> CanisterState | None:
        return self.canisters.get(cid)

    def submit(
        self, sender: Principal, receiver: Principal, method: str, args: tuple[Any, ...]
    ) -> Ingress:
        """Enqueue an ingress message; it executes in a later step (or is rejected right away)."""
        ing = Ingress(self.new_id(), sender, receiver, method, args)
        self.trace.emit("submit", receiver, method, (ing.message_id, sender))
        try:
            args = copy_payload(args) if receiver == MANAGEMENT else copy_value(args)
        except HeapError as exc:
            self.finish_ingress(
                ing,
                None,
                errors.invalid_management_payload(f"arguments are not plain data: {exc}")
                if receiver == MANAGEMENT
                else decode_error(receiver, method, f"arguments are not plain data: {exc}"),
            )
            return ing
        ing.args = args
        req = Request(sender, receiver, method, args, None, ing)
        if receiver == MANAGEMENT:
            self._subnet_queue.append(req)
            return ing
        cs = self.canisters.get(receiver)
        if cs is None:
            self.finish_ingress(ing, None, errors.call_target_not_found(receiver))
            return ing
        if cs.status != "running":  # refused at induction
            self.finish_ingress(ing, None, induction_error(cs))
            return ing
        src = cs.ingress
        if src is None:
            src = cs.ingress = self.new_source(INGRESS, cs, None)
        self._push(src, req)
        return ing

    def _push(self, src: Source, item: Any) -> None:
        if not src.items:
            self._ready.add(src.id)
        src.items.append(item)

    def enqueue_request(self, req: Request) -> None:
        receiver = req.receiver
        if not receiver._raw:  # the management canister: a subnet message
            self._subnet_queue.append(req)
            return
        cs = self.canisters.get(receiver)
        if cs is None:
            self.deliver_response(req.callback_id, None, errors.call_target_not_found(receiver))
            return
        if cs.status != "running":  # refused at induction: the caller gets a reject response
            self.deliver_response(req.callback_id, None, induction_error(cs))
            return
        src = cs.queues.get(req.sender)
        if src is None:
            src = cs.queues[req.sender] = self.new_source(REQUEST, cs, req.sender)
        items = src.items
        if not items:
            ready = self._ready
            if type(ready) is ReadySet:
                insort(ready, src.id)
            else:
                ready.add(src.id)
        items.append(req)

    def deliver_response(self, callback_id: int | None, reply: Any, reject: Reject | None) -> None:
        """Queue the response to a callback on its canister (each response is its own source)."""
        if callback_id is None or (cb := self._callbacks.get(callback_id)) is None:
            # the callback was dropped (uninstall_code): the response goes nowhere
            self.trace.emit("dropped", None, "", (callback_id,))
            return
        self._next_source = sid = self._next_source + 1
        # the source's item is (callback id, reply, reject): a tuple, cheaper than a Response
        self._sources[sid] = OneShot(
            sid, RESPONSE, self.canisters[cb.canister], (callback_id, reply, reject)
        )
        ready = self._ready
        if type(ready) is ReadySet:
            ready.append(sid)  # the newest source id is the largest: the list stays sorted
        else:
            ready.add(sid)

    def buffer_response(self, cs: CanisterState, reply: Any, reject: Reject | None) -> None:
        """``self.reply``/``self.reject``: answered at commit, forgotten on a trap."""
        ctx = cs.current
        if ctx is None or ctx.id == 0:
            raise RuntimeError("reply/reject is only possible while executing an update call")
        if ctx.responded or self._buffered is not None:
            raise RuntimeError(f"the call to {ctx.method} has already been answered")
        self._buffered = (ctx, copy_value(reply), reject)

    def flush_buffered(self) -> None:
        buffered = self._buffered
        if buffered is not None:
            self._buffered = None
            ctx, reply, reject = buffered
            self.respond(ctx, reply, reject)

    def finish_ingress(self, ing: Ingress, reply: Any, reject: Reject | None) -> None:
        ing.done = True
        ing.reply = reply
        ing.reject = reject
        self.trace.emit(
            "ingress_done",
            ing.receiver,
            ing.method,
            (
                ing.message_id,
                "reject" if reject else "reply",
                (int(reject.reject_code), reject.reject_message) if reject else None,
            ),
        )

    def answer_request(self, req: Request, reply: Any, reject: Reject | None) -> None:
        """Answer a request that did not open a call context (rejected by the system, or a
        subnet message)."""
        if req.ingress is not None:
            self.finish_ingress(req.ingress, reply, reject)
        else:
            self.deliver_response(req.callback_id, reply, reject)

    def respond(self, ctx: CallContext, reply: Any, reject: Reject | None) -> None:
        ctx.responded = True
        if ctx.ingress is not None:
            self.finish_ingress(ctx.ingress, reply, reject)
        elif ctx.origin_callback is not None:
            if reject is not None and reject.reject_code == RejectCode.CANISTER_ERROR:
                # an error of the callee's own execution: a calling canister sees the error
                # code in front of the message (the replica turns the user error into text)
                reject = reject.for_canister_caller()
            self.deliver_response(ctx.origin_callback, reply, reject)
        elif ctx.system is not None:
            ctx.system(reply, reject)

    def drop_callbacks(self, cs: CanisterState) -> None:
        """Forget every callback of ``cs`` (uninstall): their responses will go nowhere."""
        for cb_id in cs.callbacks:
            self._callbacks.pop(cb_id, None)
        cs.callbacks.clear()

    def close_if_done(self, cs: CanisterState, ctx: CallContext, error: Reject | None) -> None:
        """Close a call context that has nothing left to wait for; reject it if it never
        replied (with ``error``, or 'did not reply')."""
        if ctx.outstanding:
            return
        if not ctx.responded:
            if error is None:
                error = (
                    errors.did_not_reply(cs.id) if ctx.ingress is not None else errors.no_response()
                )
            self.respond(ctx, None, error)
        if cs.call_contexts.pop(ctx.id, None) is not None:
            self._raw((self.steps, self.time, "context_closed", cs.id, ctx.method, (ctx.id,)))
        if cs.status == "stopping" and not cs.call_contexts:
            self.finish_stop(cs)

    def finish_stop(self, cs: CanisterState) -> None:
        """A stopping canister with no open call contexts becomes stopped; stops reply."""
        cs.status = STOPPED
        cs.version += 1
        waiters, cs.stop_waiters = cs.stop_waiters, []
        self.trace.emit("status", cs.id, "stopped", ())
        for waiter in waiters:
            waiter(None, None)

    def has_work(self) -> bool:
        return bool(self._subnet_queue or self._ready)

    def arm_timer(self, cs: CanisterState, deadline: int) -> None:
        """Set a canister's global timer (0 disarms it)."""
        cs.global_timer = deadline
        if deadline:
            heapq.heappush(self._timers, (deadline, cs.id))

    def fire_timers(self) -> None:
        """Make every due timer of a running canister a ready message (``canister_global_timer``).

        A timer fires once: it is disarmed as it is scheduled, as on the IC. A canister that is
        not running keeps its timer armed; ``start_canister`` re-arms it."""
        timers = self._timers
        while timers and timers[0][0] <= self.time:
            deadline, cid = heapq.heappop(timers)
            cs = self.canisters.get(cid)
            if cs is None or cs.global_timer != deadline or cs.status != "running":
                continue
            cs.global_timer = 0
            self._next_source = sid = self._next_source + 1
            self._sources[sid] = OneShot(sid, TIMER, cs, deadline)
            self._ready.add(sid)
            self._raw((self.steps, self.time, "timer_due", cid, "", (deadline,)))

    def forget_empty_queues(self) -> None:
        """Drop pair queues that are still empty (a later request makes a new one): without
        this, a subnet where many canisters call each other keeps a queue for every pair that
        ever talked. Done in batches, so a busy pair does not pay for a new queue each time."""
        sources = self._sources
        for src in self._emptied:
            if not src.items and sources.get(src.id) is src:
                del sources[src.id]
                queues = src.canister.queues
                # a request source always has a sender
                if queues.get(src.sender) is src:  # type: ignore[arg-type]
                    del queues[src.sender]  # type: ignore[arg-type]
        self._emptied.clear()

    def hazard(self, kind: str, cid: Principal, explanation: str, **details: Any) -> None:
        self.trace.hazard(kind, cid, explanation, details)
