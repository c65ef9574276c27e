"""Routing: where messages go, and how every call gets exactly one answer.

The :class:`Router` holds the parts of the engine's state that messages move through: the
canisters, their input queues and the ready set (:mod:`subnet.queues`), the subnet queue of
management calls, outstanding callbacks, the ingress messages users wait on, armed timers, and
virtual time. It enqueues ingress messages and requests (refusing those for canisters that are
gone or not running, as the IC does at induction), delivers responses as sources of their own,
answers call contexts (closing them when nothing is left to wait for, and finishing a stop when
the last one closes) and records events. It runs no canister code: that is
:mod:`subnet.execution`, and the step loop that picks what runs next is :mod:`subnet.engine`.

Time is virtual and moves only with the run (``step_ns`` per step, ``advance_time``); whatever
comes due as it moves becomes ready work in :meth:`Router.fire_timers`, never from the wall
clock: expired deadlines of bounded-wait calls, global timers, and, at every new round
(``round_ns`` of subnet time), heartbeats and the low-memory hook.
"""

from __future__ import annotations

import heapq
from bisect import insort
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from sortedcontainers import SortedList

from . import errors
from .codec import encode, size_over
from .errors import MAX_INGRESS_PAYLOAD_BYTES, Refused, Reject, RejectCode
from .events import Recorder
from .heap import HeapError, copy_payload, copy_value, frozen
from .ids import MANAGEMENT, Principal
from .memory import PAGE_SIZE
from .messages import (
    HEARTBEAT,
    INGRESS,
    LOW_MEMORY,
    REQUEST,
    RESPONSE,
    RUNNING,
    STOPPED,
    TIMER,
    Callback,
    CallContext,
    Ingress,
    Request,
    SourceKind,
)
from .queues import SWEEP_EVERY, OneShot, ReadySet, Source, longer
from .system import CanisterState

DEFAULT_START_TIME_NS = 1_724_782_760_000_000_000  # 2024-08-27 18:19:20 UTC
DEFAULT_STEP_NS = 1_000_000  # each step advances subnet time by 1 ms
QUEUE_CAPACITY = 500  # requests from one canister to another waiting at once (the IC's limit)
STOP_CANISTER_TIMEOUT_NS = 5 * 60 * 1_000_000_000  # STOP_CANISTER_TIMEOUT_DURATION: 5 minutes
DEFAULT_ROUND_NS = 1_000_000_000  # a round (heartbeats, the low-memory hook): 1 s of subnet time
SECOND_NS = 1_000_000_000
MAX_CALL_TIMEOUT_SECONDS = 300
"""The longest timeout of a bounded-wait call; longer ones are silently capped (the spec's
``MAX_CALL_TIMEOUT``; ``MAX_CALL_TIMEOUT_SECONDS`` in ``rs/embedders/src/wasmtime_embedder/
system_api.rs``)."""
DEFAULT_WASM_MEMORY_LIMIT = 3 * 1024**3  # the setting's default, as canister_status reports it

# (kind, canister, method, outcome): what an internal step reports
Done = tuple[str, Principal | None, str, str]


def induction_error(cs: CanisterState) -> Reject:
    """A message for a canister that is not running, refused as it arrives."""
    if cs.status == "stopped":
        return errors.canister_stopped(cs.id)
    return errors.canister_stopping(cs.id)


def call_deadline(now: int, timeout: int) -> int:
    """The deadline of a bounded-wait call made at ``now`` with ``timeout`` seconds: the
    timeout capped at ``MAX_CALL_TIMEOUT_SECONDS``, the sum rounded down to a whole second
    (``CoarseTime::floor``; ``into_request`` in ``rs/embedders/src/wasmtime_embedder/
    system_api/request_in_prep.rs``)."""
    timeout = min(timeout, MAX_CALL_TIMEOUT_SECONDS)
    return (now + timeout * SECOND_NS) // SECOND_NS * SECOND_NS


def wasm_memory_usage(cs: CanisterState) -> int:
    """What stands for a canister's Wasm memory size: its heap image and continuation table,
    padded to whole 64 KiB pages, which is what a snapshot stores as its ``main_memory``
    (a Python heap has no Wasm memory of its own)."""
    if cs.code is None:
        return 0
    n = cs.heap_size() + len(encode(dict(cs.continuations)))
    return -(-n // PAGE_SIZE) * PAGE_SIZE


def low_wasm_memory(cs: CanisterState) -> bool:
    """Whether the condition of the ``on_low_wasm_memory`` hook holds: less Wasm memory is
    left under ``wasm_memory_limit`` than ``wasm_memory_threshold``, that is
    ``wasm_memory_limit < wasm_memory_usage + wasm_memory_threshold``
    (``is_low_wasm_memory_hook_condition_satisfied`` in
    ``rs/replicated_state/src/canister_state/system_state/task_queue.rs``)."""
    settings = cs.extra.get("settings") or {}
    threshold = settings.get("wasm_memory_threshold") or 0
    limit = settings.get("wasm_memory_limit")
    if limit is None:
        limit = DEFAULT_WASM_MEMORY_LIMIT
    return bool(limit < wasm_memory_usage(cs) + threshold)


def update_hook_condition(cs: CanisterState) -> None:
    """Bring the low-memory hook's status up to date with its condition: ``ready`` when the
    condition starts to hold, ``condition_not_satisfied`` when it does not (``executed``
    stays while it holds). The replica does this at the start of each round and right after
    every subnet message that succeeds on a canister
    (``update_on_low_wasm_memory_hook_condition``)."""
    if low_wasm_memory(cs):
        if cs.hook_status == "condition_not_satisfied":
            cs.hook_status = "ready"
    else:
        cs.hook_status = "condition_not_satisfied"


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
        round_ns: int = DEFAULT_ROUND_NS,
    ) -> None:
        if orphan_policy not in ("trap", "misdeliver"):
            raise ValueError("orphan_policy must be 'trap' or 'misdeliver'")
        if isinstance(round_ns, bool) or not isinstance(round_ns, int) or round_ns < 1:
            raise ValueError(f"round_ns is a number of nanoseconds above 0, not {round_ns!r}")
        self.time = start_time_ns
        self.step_ns = step_ns
        self.round_ns = round_ns
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
        self._spare: list[Source] = []  # forgotten pair queues, for new_source to use again
        # armed global timers, (deadline, canister): checked lazily against cs.global_timer
        self._timers: list[tuple[int, Principal]] = []
        # deadlines of bounded-wait calls, (deadline, callback id): checked lazily too; the
        # bounded-wait callbacks with a response queued (the IC's
        # ``callbacks_with_enqueued_response``), and those the system answered (SYS_UNKNOWN)
        self._deadlines: list[tuple[int, int]] = []
        # pending stop_canister requests, by when they time out: (deadline, order, canister,
        # the request's answer, what it is answered with then)
        self._stop_deadlines: list[tuple[int, int, CanisterState, Any, Reject]] = []
        self._stops_made = 0
        self._answered: set[int] = set()
        self._expired: set[int] = set()
        # when the next round starts (heartbeats, the low-memory hook), and the earliest time
        # anything may come due: the step loop calls fire_timers() once time reaches it
        self._next_round = self._round_after(start_time_ns)
        self._due = self._next_round
        # the canisters whose code defines a system task (heartbeat, the low-memory hook), kept
        # up to date wherever code changes (code_changed); a round looks at these alone, in the
        # order the canisters were created (rebuilt when the set changes: None)
        self._with_tasks: set[Principal] = set()
        self._task_order: list[CanisterState] | None = []
        # the field names of the management canister's arguments (set by it): what a Wasm
        # canister's Candid message to it is decoded by
        self.management_fields: frozenset[str] = frozenset()
        # the management methods whose argument carries ``sender_canister_version``, the only
        # ones whose value the caller's version is checked against
        self.sender_version_methods: frozenset[str] = frozenset()
        # the management canister plugs in here: request -> outcome
        self.subnet_handler: Callable[[Request], Any] | None = None
        # and its ingress filter: an ingress message to it -> the refusal, or None to accept
        self.ingress_filter: Callable[[Request], Reject | None] | None = None

    def clock(self) -> tuple[int, int]:
        return self.steps, self.time

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def new_source(self, kind: SourceKind, cs: CanisterState, sender: Principal | None) -> Source:
        self._next_source = sid = self._next_source + 1
        spare = self._spare
        if spare and kind == REQUEST:  # a forgotten pair queue, empty: used again, as new
            src = spare.pop()
            src.id = sid
            src.canister = cs
            src.sender = sender
        else:
            src = Source(sid, kind, cs, sender)
        self._sources[sid] = src
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
        # an idle subnet has no deadlines; its rounds go on from the time it was saved at
        self._next_round = self._due = self._round_after(self.time)

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
        if cs.id in self._with_tasks:
            self._with_tasks.discard(cs.id)
            self._task_order = None
        sources = [cs.ingress, *cs.queues.values()]
        for src in sources:
            if src is None:
                continue
            items = src.items
            while items:
                req = items[0]
                del items[0]
                self.answer_request(req, None, errors.call_target_not_found(cs.id))
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
        try:
            args = copy_payload(args) if receiver == MANAGEMENT else copy_value(args)
        except HeapError as exc:
            self.trace.emit("submit", receiver, method, (ing.message_id, sender, None))
            self.finish_ingress(
                ing,
                None,
                errors.invalid_management_payload(f"arguments are not plain data: {exc}")
                if receiver == MANAGEMENT
                else decode_error(receiver, method, f"arguments are not plain data: {exc}"),
            )
            return ing
        recorded = None if receiver == MANAGEMENT else frozen(args)
        self.trace.emit("submit", receiver, method, (ing.message_id, sender, recorded))
        if (size := size_over(args, MAX_INGRESS_PAYLOAD_BYTES)) is not None:
            self.finish_ingress(ing, None, errors.ingress_too_large(size))
            return ing
        ing.args = args
        req = Request(sender, receiver, method, args, None, ing)
        if receiver == MANAGEMENT:
            # the ingress filter refuses some calls before execution; nothing runs then
            refused = self.ingress_filter(req) if self.ingress_filter is not None else None
            if refused is not None:
                self.finish_ingress(ing, None, refused)
                return ing
            self._subnet_queue.append(req)
            return ing
        cs = self.canisters.get(receiver)
        if cs is None:
            self.finish_ingress(ing, None, errors.call_target_not_found(receiver))
            return ing
        if cs.status != "running":  # refused at induction
            self.finish_ingress(ing, None, induction_error(cs))
            return ing
        if cs.code is None:  # refused by the ingress filter (inspect_message.rs)
            self.finish_ingress(ing, None, errors.ingress_no_wasm_module())
            return ing
        src = cs.ingress
        if src is None:
            src = cs.ingress = self.new_source(INGRESS, cs, None)
        self._push(src, req)
        return ing

    def _push(self, src: Source, item: Any) -> None:
        """Queue an ingress message."""
        if not src.items:
            self._ready.add(src.id)
        longer(src, item)

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
        self.queue_request(src, req)

    def queue_request(self, src: Source, req: Request) -> None:
        """Append a request to its pair queue; a queue that gets work joins the ready set."""
        items = src.items
        if not items:
            ready = self._ready
            if type(ready) is ReadySet:
                insort(ready, src.id)
            else:
                ready.add(src.id)
        items.append(req)

    def deliver_response(self, callback_id: int | None, reply: Any, reject: Reject | None) -> None:
        """Queue the response to a callback on its canister (each response is its own source).

        A bounded-wait call takes the first response queued for it: one that comes after the
        system answered it (its deadline expired) is dropped (``has_callback`` and the
        ``callbacks_with_enqueued_response`` check in ``rs/replicated_state/src/
        canister_state/system_state.rs`` and ``queues.rs``: duplicate best-effort responses
        are silently dropped). Once the callback has run, any response finds it gone."""
        if callback_id is None or (cb := self._callbacks.get(callback_id)) is None:
            # the callback was dropped (uninstall_code): the response goes nowhere
            self.trace.emit("dropped", None, "", (callback_id,))
            return
        if cb.deadline:
            answered = self._answered
            if callback_id in answered:  # the system answered it: this response goes nowhere
                self.trace.emit("dropped", cb.canister, "", (callback_id,))
                return
            answered.add(callback_id)
        self.queue_response(cb, (callback_id, reply, reject))

    def queue_response(self, cb: Callback, item: tuple[int, Any, Reject | None]) -> None:
        """Make the response to ``cb`` a source of its own; its item is (callback id, reply,
        reject): a tuple, cheaper than a Response."""
        self._next_source = sid = self._next_source + 1
        self._sources[sid] = OneShot(sid, RESPONSE, self.canisters[cb.canister], item)
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
        if ctx.responded or self._buffered is not None:  # a contract violation: a trap
            api = "msg_reply_data_append" if reject is None else "msg_reject"
            raise Refused(
                errors.contract_violation(cs.id, f"ic0.{api}: the call is already replied")
            )
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
            self._raw((self.steps, self.time, "context_closed", cs.id, ctx.method, ctx.id))
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
        """Whether a step would do something: a message is ready, or a timer is due (it runs
        at the next round, :meth:`round_for_due_timer`)."""
        return bool(self._subnet_queue or self._ready) or self.timer_due()

    def arm_timer(self, cs: CanisterState, deadline: int) -> None:
        """Set a canister's global timer (0 disarms it); it runs at the start of the first
        round at or after ``deadline`` (:meth:`fire_timers`)."""
        cs.global_timer = deadline
        if deadline:
            heapq.heappush(self._timers, (deadline, cs.id))

    def watch_deadline(self, deadline: int, callback_id: int) -> None:
        """Expire the callback of a bounded-wait call once subnet time passes ``deadline``."""
        heapq.heappush(self._deadlines, (deadline, callback_id))
        if deadline + 1 < self._due:
            self._due = deadline + 1

    def time_out_stop(self, cs: CanisterState, answer: Any, reject: Reject) -> None:
        """Answer a pending ``stop_canister`` (``answer``, one of ``cs.stop_waiters``) with
        ``reject`` if the canister has not stopped ``STOP_CANISTER_TIMEOUT_NS`` from now: the
        check is made as each round starts, as the replica's scheduler makes it."""
        self._stops_made += 1
        deadline = self.time + STOP_CANISTER_TIMEOUT_NS
        heapq.heappush(self._stop_deadlines, (deadline, self._stops_made, cs, answer, reject))

    def _time_out_stops(self, now: int) -> None:
        stops = self._stop_deadlines
        while stops and stops[0][0] <= now:
            _, _, cs, answer, reject = heapq.heappop(stops)
            if answer in cs.stop_waiters:  # still pending: the canister stays stopping
                cs.stop_waiters.remove(answer)
                answer(None, reject)

    def _round_after(self, time: int) -> int:
        """The start of the first round after ``time``: rounds start at whole multiples of
        ``round_ns``."""
        return (time // self.round_ns + 1) * self.round_ns

    def fire_timers(self) -> None:
        """Make everything that came due as subnet time moved ready work, in this order:

        - bounded-wait calls whose deadline passed without a response are answered with
          ``SYS_UNKNOWN`` (:meth:`expire_callback`);
        - when a new round has started: every timer of a running canister that is due
          becomes a ready message (``canister_global_timer``), so a timer runs at most once
          per round, as the replica's scheduler queues it with the round's system tasks. A
          timer fires once: it is disarmed as it is scheduled. A canister that is not
          running keeps its timer armed; ``start_canister`` re-arms it; and each running
          canister that defines them gets its other system tasks: the low-memory hook if its
          condition holds, a heartbeat. Pending ``stop_canister`` calls time out then too.

        Called by the step loop whenever time reaches the earliest of these, and after
        ``advance_time``: expiry is part of the run, never of the wall clock."""
        now = self.time
        deadlines = self._deadlines
        if deadlines and deadlines[0][0] < now:
            self._expire_deadlines(now)
        if now >= self._next_round:
            self._next_round = self._round_after(now)
            self._fire_due_timers(now)
            if self._stop_deadlines and self._stop_deadlines[0][0] <= now:
                self._time_out_stops(now)
            if self._with_tasks:
                self._new_round()
            if self._answered:  # forget the callbacks that have run (once a round)
                live = self._callbacks.keys()
                self._answered &= live
                self._expired &= live
        due = self._next_round
        if deadlines and deadlines[0][0] + 1 < due:
            due = deadlines[0][0] + 1
        self._due = due

    def round_for_due_timer(self) -> bool:
        """Nothing is ready, but a running canister's timer is due: move time to the start of
        the next round (on the IC rounds go on whether or not there are messages), where the
        timer runs (:meth:`fire_timers`). Returns whether it did. A timer due later waits for
        the run or ``advance_time`` to reach it, as before; a timer that re-arms itself for
        now keeps the subnet busy, once per round, as on the IC."""
        if not self.timer_due():
            return False
        self.time = self._next_round
        self.fire_timers()
        return True

    def timer_due(self) -> bool:
        """Whether a running canister's timer is due and waits for the next round."""
        timers = self._timers
        while timers:
            deadline, cid = timers[0]
            if self._armed(deadline, cid) is None:
                heapq.heappop(timers)
                continue
            return deadline <= self.time
        return False

    def _armed(self, deadline: int, cid: Principal) -> CanisterState | None:
        """The canister whose timer an entry of the timer heap still is: None when it was
        disarmed or re-armed since, or the canister is gone or not running."""
        cs = self.canisters.get(cid)
        if cs is None or cs.global_timer != deadline or cs.status != "running":
            return None
        return cs

    def _fire_due_timers(self, now: int) -> None:
        timers = self._timers
        while timers and timers[0][0] <= now:
            deadline, cid = heapq.heappop(timers)
            cs = self._armed(deadline, cid)
            if cs is None:
                continue
            cs.global_timer = 0
            self._next_source = sid = self._next_source + 1
            self._sources[sid] = OneShot(sid, TIMER, cs, deadline)
            self._ready.add(sid)
            self._raw((self.steps, self.time, "timer_due", cid, "", deadline))

    # -- bounded-wait calls --------------------------------------------------------------------
    def _expire_deadlines(self, now: int) -> None:
        """Answer every bounded-wait call whose deadline is before ``now`` and that has no
        response queued yet (``time_out_callbacks``, ``expire_callbacks`` in
        ``rs/replicated_state/src/canister_state/system_state/call_context_manager.rs``:
        deadlines ``< now``)."""
        deadlines = self._deadlines
        callbacks = self._callbacks
        while deadlines and deadlines[0][0] < now:
            _, callback_id = heapq.heappop(deadlines)
            cb = callbacks.get(callback_id)
            if cb is not None and callback_id not in self._answered:
                self.expire_callback(cb)

    def expire_callback(self, cb: Callback) -> str:
        """Answer a bounded-wait call with ``SYS_UNKNOWN`` now, as the IC does when its
        deadline passes (and the explorer's ``timeout`` fault at any moment); returns what
        happened, which the ``expired`` event records:

        - ``"request dropped"``: the request was still queued at the callee; it is dropped
          and never executes (an expired or shed inbound request, ``time_out_messages`` /
          ``on_inbound_message_dropped`` in ``rs/replicated_state/src/canister_state/
          queues.rs``); the caller gets ``Call deadline has expired.``;
        - ``"deadline"``: the callee has taken the call (and may still be working on it): the
          caller gets ``Call deadline has expired.``, and the callee's answer, when it comes,
          is dropped;
        - ``"response dropped"``: the callee's response is already queued for the caller:
          it is dropped and the caller gets ``Response was dropped.`` in its place (a shed
          inbound best-effort response, ``CanisterInput::ResponseDropped``).

        Either way the callee may or may not have executed the call, which is the point."""
        if cb.id in self._answered:
            reason = "response dropped"
            for sid in self._ready:
                src = self._sources[sid]
                if src.kind == RESPONSE and src.item[0] == cb.id:  # type: ignore[union-attr]
                    src.item = (cb.id, None, errors.response_dropped())  # type: ignore[union-attr]
                    break
        else:
            reason = "request dropped" if self._drop_request(cb) else "deadline"
            self._answered.add(cb.id)
            self._next_source = sid = self._next_source + 1
            self._sources[sid] = OneShot(
                sid, RESPONSE, self.canisters[cb.canister], (cb.id, None, errors.deadline_expired())
            )
            self._ready.add(sid)
        self._expired.add(cb.id)
        self._raw(
            (self.steps, self.time, "expired", cb.canister, cb.method, cb.id, cb.target, reason)
        )
        return reason

    def can_time_out(self, cb: Callback) -> bool:
        """Whether ``cb`` is a bounded-wait call the system has not answered yet."""
        return bool(cb.deadline) and cb.id not in self._expired

    def _drop_request(self, cb: Callback) -> bool:
        """Take the request of callback ``cb`` out of the callee's input queue, if it is
        still there."""
        callee = self.canisters.get(cb.target)
        src = callee.queues.get(cb.canister) if callee is not None else None
        if src is None:
            return False
        items = src.items
        for req in items:
            if req.callback_id == cb.id:
                items.remove(req)
                if not items:
                    self._ready.discard(src.id)
                    self._emptied.append(src)
                return True
        return False

    # -- rounds: heartbeats and the low-memory hook --------------------------------------------
    def code_changed(self, cs: CanisterState) -> None:
        """Note that a canister's code changed (installed, upgraded, uninstalled, loaded from
        a snapshot or a saved subnet, or put back after a failed change): whether it defines a
        system task decides whether rounds look at it."""
        code = cs.code
        has_tasks = code is not None and bool(getattr(code, "__system_tasks__", ()))
        with_tasks = self._with_tasks
        if has_tasks != (cs.id in with_tasks):
            if has_tasks:
                with_tasks.add(cs.id)
            else:
                with_tasks.discard(cs.id)
            self._task_order = None

    def _new_round(self) -> None:
        """A round started: queue the system tasks of every running canister that defines
        them, at most one of each kind at a time (the IC's task queue, ``task_queue.rs``;
        heartbeats are queued for every round a canister is scheduled in, the hook while
        its status is ``ready``). The hook's status is checked here, once per round. Only
        the canisters whose code defines a task are looked at, in the order they were
        created."""
        order = self._task_order
        if order is None:
            with_tasks = self._with_tasks
            order = [cs for cid, cs in self.canisters.items() if cid in with_tasks]
            self._task_order = order
        for cs in order:
            code = cs.code
            if code is None or cs.status != RUNNING:
                continue
            tasks = code.__system_tasks__
            if not tasks:
                continue
            queued = cs.tasks_queued
            if LOW_MEMORY in tasks:
                update_hook_condition(cs)
                if cs.hook_status == "ready" and LOW_MEMORY not in queued:
                    self._queue_task(cs, LOW_MEMORY)
            if HEARTBEAT in tasks and HEARTBEAT not in queued:
                self._queue_task(cs, HEARTBEAT)

    def _queue_task(self, cs: CanisterState, kind: SourceKind) -> None:
        cs.tasks_queued.add(kind)
        self._next_source = sid = self._next_source + 1
        self._sources[sid] = OneShot(sid, kind, cs, None)
        self._ready.add(sid)

    def forget_empty_queues(self) -> None:
        """Drop pair queues that are still empty (a later request makes a new one): without
        this, a subnet where many canisters call each other keeps a queue for every pair that
        ever talked. Done in batches, so a busy pair does not pay for a new queue each time."""
        sources = self._sources
        spare = self._spare
        for src in self._emptied:
            if not src.items and sources.get(src.id) is src:
                del sources[src.id]
                queues = src.canister.queues
                # a request source always has a sender
                if queues.get(src.sender) is src:  # type: ignore[arg-type]
                    del queues[src.sender]  # type: ignore[arg-type]
                    if len(spare) < SWEEP_EVERY:
                        spare.append(src)
        self._emptied.clear()

    def hazard(self, kind: str, cid: Principal, explanation: str, **details: Any) -> None:
        self.trace.hazard(kind, cid, explanation, details)
