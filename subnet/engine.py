"""The deterministic core: input queues, call contexts, callbacks, one message execution per step.

Everything the simulated subnet does happens inside :meth:`Engine.step`, which performs exactly
one scheduling step and returns what it did (or ``None`` when nothing is left to do). A step is
either a *subnet message* (a management-canister call, which as on the IC runs before canister
messages) or one *message execution* on one canister: an ingress message, a request from another
canister, a response that resumes a suspended method, or a global timer that came due. Loops
(``run_until_idle``, the async API, the explorer, replay) are built on that single primitive,
like SimPy's ``Environment.step``.

Why a hand-rolled coroutine trampoline and not tasks of the host event loop? Because the order
in which canister code runs must depend only on the seed and the strategy, never on how asyncio
or trio happen to schedule tasks. Canister methods are coroutines that we drive with
``send``/``throw``; the only thing they ever yield is an :class:`actors.canister.Call`. The
engine itself never awaits anything, which is what makes a run byte-for-byte identical on both
backends.

Ordering rules (the IC's): requests from one sender to one receiver start executing in the
order they were sent (one FIFO queue per sender-receiver pair, plus one FIFO of ingress messages
per canister); responses have no ordering guarantee (each response is a source of its own, so a
strategy may deliver them in any order). Every source that has work is in the *ready set*, a
sorted list of integer source ids: ids are handed out from a counter, so the order of the ready
set, and therefore every choice a strategy makes, is independent of hashing and object identity.

Atomicity: each execution either commits (heap and stable memory as the code left them, calls
sent, reply delivered) or traps (heap and stable memory rolled back to before this execution,
calls discarded). Outgoing calls are only enqueued at commit.
"""

from __future__ import annotations

import gc
import heapq
import inspect
from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import CoroutineType
from typing import Any, Literal

from sortedcontainers import SortedList

from actors.canister import Call, Canister, MethodInfo

from . import cleanup, errors
from .candid import check_args, fast_validator
from .cleanup import CALL_AWAIT, HAS_HANDLERS, UnwindRecorder, handler_codes
from .errors import ErrorCode, Reject, RejectCode
from .events import Recorder
from .heap import IMMUTABLE_SCALARS, Heap, HeapError, copy_payload, copy_value
from .ids import MANAGEMENT, Principal
from .memory import StableMemory, StableMemoryError
from .messages import Callback, CallContext, Ingress, Request, Response
from .strategies import Strategy, round_robin

DEFAULT_START_TIME_NS = 1_724_782_760_000_000_000  # 2024-08-27 18:19:20 UTC
DEFAULT_STEP_NS = 1_000_000  # each step advances subnet time by 1 ms
QUEUE_CAPACITY = 500  # requests from one canister to another waiting at once (the IC's limit)
SWEEP_EVERY = 4096  # emptied pair queues collected before they are forgotten
BIG_READY_SET = 512  # above this many ready sources, a SortedList; below SMALL, a plain list
SMALL_READY_SET = 128


@contextmanager
def fewer_collections(threshold: int = 50_000) -> Iterator[None]:
    """Raise the garbage collector's first threshold for the duration of a stepping loop."""
    old = gc.get_threshold()
    if old[0] >= threshold:
        yield
        return
    gc.set_threshold(threshold, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


# -- errors the system produces (texts in subnet.errors, from the replica) ---------------------


def trap_reject(cid: Principal, exc: BaseException) -> Reject:
    """The reject a caller sees when the callee traps with ``exc``."""
    if isinstance(exc, StableMemoryError):
        return errors.canister_trapped(cid, str(exc))
    text = str(exc)
    name = type(exc).__name__
    if name == "Trap":
        return errors.canister_called_trap(cid, text)
    return errors.canister_called_trap(cid, f"{name}: {text}" if text else name)


def _decode_error(cid: Principal, method: str, detail: str) -> Reject:
    """Arguments that do not fit the method: the canister's Candid decoding traps."""
    return errors.canister_called_trap(
        cid, f"failed to decode the arguments of '{method}': {detail}"
    )


# -- state ------------------------------------------------------------------------------------


_EXECUTION_ERRORS = frozenset(
    {
        ErrorCode.CanisterMethodNotFound,
        ErrorCode.CanisterCalledTrap,
        ErrorCode.CanisterWasmModuleNotFound,
        ErrorCode.CanisterStopped,
        ErrorCode.CanisterStopping,
    }
)


def _induction_error(cs: CanisterState) -> Reject:
    """A message for a canister that is not running, refused as it arrives."""
    if cs.status == "stopped":
        return errors.canister_stopped(cs.id)
    return errors.canister_stopping(cs.id)


_TIMER_HOOKS: dict[Any, MethodInfo] = {}


def _ignore(reply: Any, reject: Reject | None) -> None:
    """The answer to a system task (a timer): nobody waits for it."""


def _wrong_sender_version(args: tuple[Any, ...], version: int) -> bool:
    """A management call whose ``sender_canister_version`` is not the caller's version."""
    if len(args) != 1 or not isinstance(args[0], dict):
        return False
    given = args[0].get("sender_canister_version")
    return given is not None and given != version


def _as_target(target: Any) -> Principal:
    """A call target given as text or as something with an ``id`` (a handle)."""
    if isinstance(target, str):
        return Principal.from_text(target)
    target = getattr(target, "id", target)
    if not isinstance(target, Principal):
        raise TypeError(f"call target {target!r} is not a principal")
    return target


class ReadySet(list[int]):
    """The ids of the sources that have work, kept sorted: a plain list with C-level bisection.

    Strategies index it and bisect it, as they would a ``SortedList``. While the set is small
    (the common case: a few queues with work) a list's insertion memmove is far cheaper than the
    pure-Python bookkeeping of a balanced structure; the engine switches to a ``SortedList``
    when the set grows large, and back when it shrinks (see ``Engine._rebalance``).
    """

    __slots__ = ()

    def add(self, sid: int) -> None:
        insort(self, sid)

    def remove(self, sid: int) -> None:
        del self[bisect_left(self, sid)]

    def discard(self, sid: int) -> None:
        i = bisect_left(self, sid)
        if i < len(self) and self[i] == sid:
            del self[i]

    def bisect_right(self, sid: int) -> int:
        return bisect_right(self, sid)


class OneShot:
    """A source with exactly one message: a response, or a timer that came due. It leaves the
    ready set when it runs (no queue of its own to keep)."""

    __slots__ = ("canister", "id", "item", "kind")

    def __init__(
        self, sid: int, kind: Literal["response", "timer"], canister: CanisterState, item: Any
    ) -> None:
        self.id = sid
        self.kind = kind  # "response" | "timer"
        self.canister = canister
        self.item = item


class Source:
    """One place work comes from: a FIFO of requests (per sender) or ingress, or one response."""

    __slots__ = ("canister", "id", "items", "kind", "sender")

    def __init__(
        self,
        sid: int,
        kind: Literal["ingress", "request"],
        canister: CanisterState,
        sender: Principal | None,
    ) -> None:
        self.id = sid
        self.kind = kind
        self.canister = canister
        self.sender = sender
        self.items: deque[Any] = deque()


class StableApi:
    """``self.stable`` inside a canister: the ``ic0.stable64_*`` calls on the live memory."""

    __slots__ = ("_state",)

    def __init__(self, state: CanisterState) -> None:
        self._state = state

    def size(self) -> int:
        return self._state.stable.size()

    def grow(self, pages: int) -> int:
        return self._state.stable.grow(pages)

    def read(self, offset: int, n: int) -> bytes:
        return self._state.stable.read(offset, n)

    def write(self, offset: int, data: bytes) -> None:
        self._state.stable.write(offset, bytes(data))


@dataclass(eq=False)
class CanisterState:
    """System state, code and heap of one canister (everything the engine knows of it)."""

    id: Principal
    engine: Engine
    controllers: list[Principal] = field(default_factory=list)
    status: str = "running"
    version: int = 0
    code: type[Canister] | None = None
    instance: Canister | None = None
    heap: Heap = field(default_factory=Heap)
    stable: StableMemory = field(default_factory=StableMemory)
    certified_data: bytes = b""
    global_timer: int = 0  # deadline in ns, 0 = not armed
    timer_at_start: int = 0  # the deadline when the current execution began (for a trap)
    # open call contexts and outstanding callbacks (system state; never part of a snapshot)
    call_contexts: dict[int, CallContext] = field(default_factory=dict)
    callbacks: dict[int, Callback] = field(default_factory=dict)
    # the heap's continuation table: slot -> continuation id (part of the heap)
    continuations: dict[int, int] = field(default_factory=dict)
    # every suspended Python frame of this canister by continuation id; frames that can never
    # run again stay referenced here (or in the graveyard) so that garbage collection cannot
    # run their finally blocks at a moment nobody chose
    frames: dict[int, CoroutineType[Any, Any, Any]] = field(default_factory=dict)
    graveyard: list[CoroutineType[Any, Any, Any]] = field(default_factory=list)
    ingress: Source | None = None
    queues: dict[Principal, Source] = field(default_factory=dict)
    history: list[Any] = field(default_factory=list)
    total_num_changes: int = 0
    stop_waiters: list[Callable[[Any, Reject | None], None]] = field(default_factory=list)
    snapshots: dict[Any, Any] = field(default_factory=dict)
    next_snapshot_id: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    # the call context of the execution in progress (for self.caller)
    current: CallContext | None = None
    _stable_api: StableApi | None = None

    # the system API the Canister base class reaches through its _system slot
    def caller(self) -> Principal:
        ctx = self.current
        if ctx is None:
            raise RuntimeError("self.caller is only defined during a message execution")
        return ctx.caller

    def time(self) -> int:
        return self.engine.time

    def stable_api(self) -> StableApi:
        if self._stable_api is None:
            self._stable_api = StableApi(self)
        return self._stable_api

    def reply(self, value: Any) -> None:
        self.engine.buffer_response(self, value, None)

    def reject(self, message: str) -> None:
        if not isinstance(message, str):
            raise TypeError("a reject message must be a str")
        self.engine.buffer_response(
            self,
            None,
            Reject(RejectCode.CANISTER_REJECT, message, ErrorCode.CanisterRejectedMessage),
        )

    def set_global_timer(self, deadline: int) -> int:
        """``ic0.global_timer_set``: arm the timer for ``deadline`` (ns; 0 disarms it);
        returns the previous deadline. A trap undoes it, like any change of the execution."""
        if not isinstance(deadline, int) or isinstance(deadline, bool) or deadline < 0:
            raise ValueError("a timer deadline is a non-negative int (nanoseconds)")
        previous = self.global_timer
        self.engine.arm_timer(self, deadline)
        return previous

    def set_certified_data(self, data: bytes) -> None:
        if not isinstance(data, bytes | bytearray) or len(data) > 32:
            raise ValueError("certified data must be at most 32 bytes")
        self.certified_data = bytes(data)

    @property
    def is_empty(self) -> bool:
        return self.code is None


# (kind, canister, method, outcome): what an internal step reports
Done = tuple[str, Principal | None, str, str]


@dataclass(frozen=True, slots=True)
class StepInfo:
    """What one step did: the unit a scenario can stop between."""

    index: int
    time: int
    kind: str  # "ingress" | "request" | "response" | "subnet"
    canister: Principal | None
    method: str
    outcome: str  # "reply" | "reject" | "await" | "trap" | "dropped" | ...

    def __str__(self) -> str:
        where = f"{self.canister}" if self.canister is not None else "subnet"
        return f"#{self.index} {self.kind} {where}.{self.method} -> {self.outcome}"


class Engine:
    """The subnet's deterministic core. Synchronous: the async :class:`subnet.Subnet` wraps it."""

    def __init__(
        self,
        *,
        strategy: Strategy | None = None,
        start_time_ns: int = DEFAULT_START_TIME_NS,
        step_ns: int = DEFAULT_STEP_NS,
        orphan_policy: str = "trap",
    ) -> None:
        if orphan_policy not in ("trap", "misdeliver"):
            raise ValueError("orphan_policy must be 'trap' or 'misdeliver'")
        self.strategy: Strategy = strategy if strategy is not None else round_robin()
        self.time = start_time_ns
        self.step_ns = step_ns
        self.queue_capacity = QUEUE_CAPACITY
        self.orphan_policy = orphan_policy
        self.steps = 0
        self.canisters: dict[Principal, CanisterState] = {}
        self.trace = Recorder(self._clock)
        self.decisions: list[int] = []
        self._next_source = 0
        self._next_id = 0  # call contexts, callbacks, continuations, ingress messages
        self._sources: dict[int, Source | OneShot] = {}
        self._ready = ReadySet()
        self._subnet_queue: deque[Request] = deque()
        self._callbacks: dict[int, Callback] = {}
        self._buffered: tuple[CallContext, Any, Reject | None] | None = None
        self._raw = self.trace.raw.append  # the hot paths record events through this
        self._emptied: list[Source] = []  # pair queues that became empty, to forget later
        # armed global timers, (deadline, canister): checked lazily against cs.global_timer
        self._timers: list[tuple[int, Principal]] = []
        # observers (the explorer's fault injection and invariants): called around every step
        self.before_step: list[Callable[[Engine], None]] = []
        self.after_step: list[Callable[[Engine, Done], None]] = []
        # the management canister plugs in here: (engine, request) -> reply | Reject | PENDING
        self.subnet_handler: Callable[[Request], Any] | None = None

    def _clock(self) -> tuple[int, int]:
        return self.steps, self.time

    # -- ids ----------------------------------------------------------------------------------
    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _new_source(
        self, kind: Literal["ingress", "request"], cs: CanisterState, sender: Principal | None
    ) -> Source:
        self._next_source += 1
        src = Source(self._next_source, kind, cs, sender)
        self._sources[src.id] = src
        return src

    # -- canisters ----------------------------------------------------------------------------
    def add_canister(self, cid: Principal, controllers: list[Principal]) -> CanisterState:
        """Create an empty, running canister (no code)."""
        cs = CanisterState(id=cid, engine=self, controllers=sorted(set(controllers)))
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

    # -- submitting work ----------------------------------------------------------------------
    def submit(
        self, sender: Principal, receiver: Principal, method: str, args: tuple[Any, ...]
    ) -> Ingress:
        """Enqueue an ingress message; it executes in a later step (or is rejected right away)."""
        ing = Ingress(self._new_id(), sender, receiver, method, args)
        self.trace.emit("submit", receiver, method, (ing.message_id, sender))
        try:
            args = copy_payload(args) if receiver == MANAGEMENT else copy_value(args)
        except HeapError as exc:
            self._finish_ingress(
                ing,
                None,
                errors.invalid_management_payload(f"arguments are not plain data: {exc}")
                if receiver == MANAGEMENT
                else _decode_error(receiver, method, f"arguments are not plain data: {exc}"),
            )
            return ing
        ing.args = args
        req = Request(sender, receiver, method, args, None, ing)
        if receiver == MANAGEMENT:
            self._subnet_queue.append(req)
            return ing
        cs = self.canisters.get(receiver)
        if cs is None:
            self._finish_ingress(ing, None, errors.call_target_not_found(receiver))
            return ing
        if cs.status != "running":  # refused at induction
            self._finish_ingress(ing, None, _induction_error(cs))
            return ing
        src = cs.ingress
        if src is None:
            src = cs.ingress = self._new_source("ingress", cs, None)
        self._push(src, req)
        return ing

    def _push(self, src: Source, item: Any) -> None:
        if not src.items:
            self._ready.add(src.id)
        src.items.append(item)

    def _enqueue_request(self, req: Request) -> None:
        receiver = req.receiver
        if not receiver._raw:  # the management canister: a subnet message
            self._subnet_queue.append(req)
            return
        cs = self.canisters.get(receiver)
        if cs is None:
            self._deliver_response(req.callback_id, None, errors.call_target_not_found(receiver))
            return
        if cs.status != "running":  # refused at induction: the caller gets a reject response
            self._deliver_response(req.callback_id, None, _induction_error(cs))
            return
        src = cs.queues.get(req.sender)
        if src is None:
            src = cs.queues[req.sender] = self._new_source("request", cs, req.sender)
        items = src.items
        if not items:
            self._ready.add(src.id)
        items.append(req)

    def _deliver_response(self, callback_id: int | None, reply: Any, reject: Reject | None) -> None:
        """Queue the response to a callback on its canister (each response is its own source)."""
        if callback_id is None or (cb := self._callbacks.get(callback_id)) is None:
            # the callback was dropped (uninstall_code): the response goes nowhere
            self.trace.emit("dropped", None, "", (callback_id,))
            return
        self._next_source = sid = self._next_source + 1
        self._sources[sid] = OneShot(
            sid, "response", self.canisters[cb.canister], Response(callback_id, reply, reject)
        )
        self._ready.add(sid)

    # -- answering ----------------------------------------------------------------------------
    def buffer_response(self, cs: CanisterState, reply: Any, reject: Reject | None) -> None:
        """``self.reply``/``self.reject``: answered at commit, forgotten on a trap."""
        ctx = cs.current
        if ctx is None or ctx.id == 0:
            raise RuntimeError("reply/reject is only possible while executing an update call")
        if ctx.responded or self._buffered is not None:
            raise RuntimeError(f"the call to {ctx.method} has already been answered")
        self._buffered = (ctx, copy_value(reply), reject)

    def _flush_buffered(self) -> None:
        buffered = self._buffered
        if buffered is not None:
            self._buffered = None
            ctx, reply, reject = buffered
            self.respond(ctx, reply, reject)

    def _finish_ingress(self, ing: Ingress, reply: Any, reject: Reject | None) -> None:
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
            self._finish_ingress(req.ingress, reply, reject)
        else:
            self._deliver_response(req.callback_id, reply, reject)

    def respond(self, ctx: CallContext, reply: Any, reject: Reject | None) -> None:
        ctx.responded = True
        if ctx.ingress is not None:
            self._finish_ingress(ctx.ingress, reply, reject)
        elif ctx.origin_callback is not None:
            if reject is not None and reject.reject_code == RejectCode.CANISTER_ERROR:
                # an error of the callee's own execution: a calling canister sees the error
                # code in front of the message (the replica turns the user error into text)
                reject = reject.for_canister_caller()
            self._deliver_response(ctx.origin_callback, reply, reject)
        elif ctx.system is not None:
            ctx.system(reply, reject)

    def drop_callbacks(self, cs: CanisterState) -> None:
        """Forget every callback of ``cs`` (uninstall): their responses will go nowhere."""
        for cb_id in cs.callbacks:
            self._callbacks.pop(cb_id, None)
        cs.callbacks.clear()

    def _close_if_done(self, cs: CanisterState, ctx: CallContext, error: Reject | None) -> None:
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
        cs.status = "stopped"
        cs.version += 1
        waiters, cs.stop_waiters = cs.stop_waiters, []
        self.trace.emit("status", cs.id, "stopped", ())
        for waiter in waiters:
            waiter(None, None)

    # -- stepping -----------------------------------------------------------------------------
    def has_work(self) -> bool:
        return bool(self._subnet_queue or self._ready)

    def step(self) -> StepInfo | None:
        """Perform exactly one scheduling step; ``None`` when there is nothing to do."""
        done = self._step()
        if done is None:
            return None
        return StepInfo(self.steps, self.time - self.step_ns, *done)

    def _step(self) -> Done | None:
        """One step; returns (kind, canister, method, outcome) or None. The hot loop."""
        if self.before_step:
            for hook in self.before_step:
                hook(self)
        if self._subnet_queue:
            req = self._subnet_queue.popleft()
            self.steps += 1
            done = self._execute_subnet_message(req)
        elif self._ready:
            ready = self._ready
            if len(ready) > 1:
                index = self.strategy.choose(ready)
                self.decisions.append(index)
            else:
                index = 0
            sid = ready[index]
            src = self._sources[sid]
            # src is a OneShot when kind is "response" or "timer", else a Source: the kind
            # string tells them apart (no isinstance in the hot loop), which mypy cannot follow
            kind = src.kind
            self.steps += 1
            if kind == "response":
                del ready[index]
                del self._sources[sid]
                done = self._execute_response(src.canister, src.item)  # type: ignore[union-attr]
            elif kind == "timer":
                del ready[index]
                del self._sources[sid]
                done = self._execute_timer(src.canister, src.item)  # type: ignore[union-attr]
            else:
                items = src.items  # type: ignore[union-attr]
                item = items.popleft()
                if not items:
                    del ready[index]
                    if kind == "request":
                        emptied = self._emptied
                        emptied.append(src)  # type: ignore[arg-type]
                        if len(emptied) >= SWEEP_EVERY:
                            self._forget_empty_queues()
                done = self._execute_request(src.canister, item, kind)
        else:
            return None
        self.time += self.step_ns
        if self._timers and self._timers[0][0] <= self.time:
            self.fire_timers()
        n = len(self._ready)
        if n > BIG_READY_SET or (SortedList is type(self._ready) and n < SMALL_READY_SET):
            self._rebalance()
        if self.after_step:
            for after in self.after_step:
                after(self, done)
        return done

    def _rebalance(self) -> None:
        """Switch the ready set between a plain list (small) and a ``SortedList`` (large)."""
        ready = self._ready
        if type(ready) is ReadySet and len(ready) > BIG_READY_SET:
            self._ready = SortedList(ready)
        elif type(ready) is SortedList and len(ready) < SMALL_READY_SET:
            self._ready = ReadySet(ready)

    # -- the global timer ---------------------------------------------------------------------
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
            self._sources[sid] = OneShot(sid, "timer", cs, deadline)
            self._ready.add(sid)
            self._raw((self.steps, self.time, "timer_due", cid, "", (deadline,)))

    def _execute_timer(self, cs: CanisterState, deadline: int) -> Done:
        code = cs.code
        hook = getattr(code, "global_timer", None) if code is not None else None
        if hook is None or cs.status != "running":
            self._raw((self.steps, self.time, "timer_skipped", cs.id, "", (deadline,)))
            return ("timer", cs.id, "global_timer", "dropped")
        info = _TIMER_HOOKS.get(hook)
        if info is None:
            info = _TIMER_HOOKS[hook] = MethodInfo(hook, "update", "global_timer", True)
        self._next_id = ctx_id = self._next_id + 1
        ctx = CallContext(ctx_id, cs.id, cs.id, "global_timer", system=_ignore, manual_reply=True)
        cs.call_contexts[ctx_id] = ctx
        outcome = self._run(cs, ctx, info, (), None)
        self._raw(
            (self.steps, self.time, "exec", cs.id, "global_timer", ("timer", ctx_id, outcome))
        )
        return ("timer", cs.id, "global_timer", outcome)

    def _forget_empty_queues(self) -> None:
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

    def run_until_idle(self, max_steps: int | None = None) -> int:
        """Step until nothing is left (or ``max_steps``); returns the number of steps taken.

        While it loops, the collector's first-generation threshold is raised: a step allocates
        a few short-lived objects, and frequent collections of a large, live subnet cost more
        than the steps themselves (docs/performance.md). The setting is restored on return.
        """
        n = 0
        step = self._step
        with fewer_collections():
            while max_steps is None or n < max_steps:
                if step() is None:
                    break
                n += 1
        return n

    # -- subnet messages ----------------------------------------------------------------------
    def _execute_subnet_message(self, req: Request) -> Done:
        handler = self.subnet_handler
        if handler is None:
            outcome = "reject"
            self.answer_request(req, None, errors.management_method_not_found(req.method))
        else:
            outcome = handler(req)
        self.trace.emit("subnet", None, req.method, (outcome,))
        return ("subnet", None, req.method, outcome)

    # -- canister messages --------------------------------------------------------------------
    def _execute_request(self, cs: CanisterState, req: Request, kind: str) -> Done:
        method = req.method
        if cs.status != "running":  # queued before the canister began stopping
            error = errors.canister_not_running(cs.id, cs.status == "stopped")
            return self._system_reject(cs, req, kind, error)
        code = cs.code
        if code is None:
            return self._system_reject(cs, req, kind, errors.wasm_module_not_found(cs.id))
        info = code.__canister_methods__.get(method)
        if info is None:
            return self._system_reject(
                cs, req, kind, errors.canister_method_not_found(cs.id, method, "update")
            )
        args = req.args
        fast = info.fast_check
        if fast is False or fast is None or not fast(args):  # the quick check did not pass
            detail = info.arity_error(len(args)) or self._type_error(info, args)
            if detail is not None:
                return self._system_reject(cs, req, kind, _decode_error(cs.id, method, detail))
        ctx = CallContext(
            self._new_id(),
            cs.id,
            req.sender,
            method,
            origin_callback=req.callback_id,
            ingress=req.ingress,
            manual_reply=info.manual_reply,
        )
        cs.call_contexts[ctx.id] = ctx
        outcome = self._run(cs, ctx, info, args, None)
        self._raw((self.steps, self.time, "exec", cs.id, method, (kind, ctx.id, outcome)))
        return (kind, cs.id, method, outcome)

    @staticmethod
    def _type_error(info: MethodInfo, args: tuple[Any, ...]) -> str | None:
        """Whether the arguments fit the method's annotations (None) or why not."""
        fast = info.fast_check
        if fast is False:  # first call: compile a quick check for simple signatures
            arg_types, _ = info.signature
            fast = None if arg_types is None else fast_validator(arg_types)
            info.fast_check = fast
        if fast is not None and fast(args):
            return None
        arg_types, _ = info.signature
        if arg_types is None:
            return None
        # optional trailing parameters (Python defaults) may be left out
        return check_args(args, arg_types[: len(args)])

    def _system_reject(self, cs: CanisterState, req: Request, kind: str, error: Reject) -> Done:
        if req.ingress is None and error.error_code in _EXECUTION_ERRORS:
            error = error.for_canister_caller()
        self.answer_request(req, None, error)
        self.trace.emit("rejected", cs.id, req.method, (kind, int(error.error_code or 0)))
        return (kind, cs.id, req.method, "reject")

    def _execute_response(self, cs: CanisterState, resp: Response) -> Done:
        cb = self._callbacks.pop(resp.callback_id, None)
        if cb is None:  # dropped by uninstall_code: the response goes nowhere
            self.trace.emit("dropped", cs.id, "", (resp.callback_id,))
            return ("response", cs.id, "", "dropped")
        del cs.callbacks[cb.id]
        ctx = cs.call_contexts[cb.call_context_id]
        ctx.outstanding -= 1
        method = ctx.method
        table = cs.continuations
        cont = table.get(cb.slot)
        coro = None
        if cont == cb.continuation_id:
            del table[cb.slot]
            coro = cs.frames.pop(cont)
        elif self.orphan_policy == "misdeliver" and cont is not None and cont in cs.frames:
            del table[cb.slot]
            coro = cs.frames.pop(cont)
            self.hazard(
                "misdelivered_response",
                cs.id,
                f"the response to callback {cb.id} ({cb.target}.{cb.method}) resumed continuation "
                f"{cont}, which now holds table slot {cb.slot}, instead of continuation "
                f"{cb.continuation_id}",
                callback=cb.id,
                continuation=cont,
                expected=cb.continuation_id,
            )
        if coro is None:
            return self._orphaned(cs, ctx, cb, resp)
        outcome = self._run(cs, ctx, None, None, (coro, resp.reply, resp.reject))
        self._raw(
            (self.steps, self.time, "exec", cs.id, method, ("response", ctx.id, outcome, cb.id))
        )
        return ("response", cs.id, method, outcome)

    def _orphaned(self, cs: CanisterState, ctx: CallContext, cb: Callback, resp: Response) -> Done:
        """A response whose continuation is not in the heap: the callback traps."""
        frame = cs.frames.pop(cb.continuation_id, None)
        if frame is not None:
            cs.graveyard.append(frame)
        reason = (
            f"callback {cb.id} for {cb.target}.{cb.method} refers to continuation "
            f"{cb.continuation_id} (table slot {cb.slot}), which is not in the canister's heap"
        )
        self.hazard(
            "orphaned_response",
            cs.id,
            f"{reason}: the callback traps and its call context can no longer be resumed",
            callback=cb.id,
            continuation=cb.continuation_id,
            call_context=ctx.id,
        )
        error = errors.canister_trapped(cs.id, reason)
        self.trace.emit("trap", cs.id, ctx.method, (error.reject_message,))
        if not ctx.responded and not ctx.outstanding:
            self.hazard(
                "starved_call_context",
                cs.id,
                f"call context {ctx.id} ({ctx.method}, called by {ctx.caller}) lost its "
                f"continuation and can never reply: the system rejects the caller",
                call_context=ctx.id,
                method=ctx.method,
            )
        self._close_if_done(cs, ctx, error)
        self.trace.emit("exec", cs.id, ctx.method, ("response", ctx.id, "trap", cb.id))
        return ("response", cs.id, ctx.method, "trap")

    # -- the execution itself -----------------------------------------------------------------
    def _run(
        self,
        cs: CanisterState,
        ctx: CallContext,
        info: MethodInfo | None,
        args: tuple[Any, ...] | None,
        resume: tuple[CoroutineType[Any, Any, Any], Any, Reject | None] | None,
    ) -> str:
        """Run one message execution: start a method, or resume a frame with a response.

        Returns the outcome: "reply", "reject", "await" (suspended on a call), or "trap".
        """
        return self._execute(cs, ctx, info, args, resume, None)

    def _execute(
        self,
        cs: CanisterState,
        ctx: CallContext,
        info: MethodInfo | None,
        args: tuple[Any, ...] | None,
        resume: tuple[CoroutineType[Any, Any, Any], Any, Reject | None] | None,
        image: Any,
    ) -> str:
        """The body of :meth:`_run`. ``image`` is the stable memory at the start of the
        execution: None for a new execution (taken here), or the one a call refused at once
        continues with."""
        if image is None:
            cs.timer_at_start = cs.global_timer
            image = cs.stable.fork()
        cs.current = ctx
        discard = info is not None and info.kind == "query"
        coro = None
        recorder = None
        try:
            if resume is None:
                result = info.fn(cs.instance, *args)  # type: ignore[union-attr, misc]
                if info.is_async:  # type: ignore[union-attr]
                    coro = result
                    yielded = coro.send(None)
                else:
                    yielded = None
                    value = result
            else:
                coro, value, reject = resume
                if (
                    getattr(coro.cr_await, "gi_code", None) is CALL_AWAIT
                    and HAS_HANDLERS.get(coro.cr_code) is False
                ):
                    codes = None  # awaiting a call directly, no handler: nothing to record
                else:
                    codes = handler_codes(coro)
                if codes:  # trace the unwinding, to keep what its cleanup does (cleanup.py)
                    recorder = UnwindRecorder(cs.instance, codes)
                    yielded = recorder.resume(coro, value, reject)
                elif reject is not None:
                    yielded = coro.throw(reject)
                else:
                    yielded = coro.send(value)
        except StopIteration as stop:
            yielded = None
            value = stop.value
        except Reject as rej:
            return self._finish(cs, ctx, image, discard, "reject", rej)
        except Exception as exc:
            changes = recorder.cleanup_changes(exc) if recorder is not None else None
            outcome = self._trap(cs, ctx, image, exc)
            if changes:
                self._cleanup(cs, ctx, changes)
            return outcome
        finally:
            cs.current = None
        if yielded is None:
            return self._finish(cs, ctx, image, discard, "reply", value)
        if discard:
            return self._trap(
                cs, ctx, image, RuntimeError("a query method cannot make calls"), coro
            )
        if not isinstance(yielded, Call):
            return self._trap(
                cs,
                ctx,
                image,
                TypeError(
                    f"canister code awaited {yielded!r}; only inter-canister calls "
                    f"(await self.call(...)) can be awaited"
                ),
                coro,
            )
        return self._suspend(cs, ctx, image, coro, yielded)  # type: ignore[arg-type]

    def _finish(
        self,
        cs: CanisterState,
        ctx: CallContext,
        image: Any,
        discard: bool,
        kind: str,
        value: Any,
    ) -> str:
        if kind == "reply":
            try:
                if type(value) not in IMMUTABLE_SCALARS:
                    value = copy_value(value)
            except HeapError as exc:
                return self._trap(cs, ctx, image, HeapError(f"the reply is not plain data: {exc}"))
            reject = None
        else:
            reject = Reject(
                RejectCode.CANISTER_REJECT, value.reject_message, ErrorCode.CanisterRejectedMessage
            )
            value = None
        if discard:
            cs.heap.rollback(cs.instance)
            cs.stable.restore(image)
        else:
            try:
                cs.heap.commit(cs.instance)
            except HeapError as exc:
                return self._trap(cs, ctx, image, exc)
            cs.version += 1
        if self._buffered is not None:
            self._flush_buffered()
        if not ctx.responded and (reject is not None or not ctx.manual_reply):
            self.respond(ctx, value, reject)
        self._close_if_done(cs, ctx, None)
        return kind

    def _suspend(
        self,
        cs: CanisterState,
        ctx: CallContext,
        image: Any,
        coro: CoroutineType[Any, Any, Any],
        call: Call,
    ) -> str:
        target = call.target
        if type(target) is not Principal:
            try:
                target = _as_target(target)
            except (TypeError, ValueError) as exc:
                return self._trap(cs, ctx, image, exc, coro)
        receiver = queue = None
        if target._raw:
            receiver = self.canisters.get(target)
            queue = receiver.queues.get(cs.id) if receiver is not None else None
            if queue is not None and len(queue.items) >= self.queue_capacity:
                # ic0.call_perform fails: the await raises at once, in this same execution
                refused = errors.call_perform_queue_full(cs.id, target, self.queue_capacity)
                return self._execute(cs, ctx, None, None, (coro, None, refused), image)
        try:
            args = copy_value(call.args) if target._raw else copy_payload(call.args)
            cs.heap.commit(cs.instance)
        except HeapError as exc:
            return self._trap(cs, ctx, image, exc, coro)
        version_during = cs.version  # what ic0.canister_version returned in this execution
        cs.version += 1
        if self._buffered is not None:
            self._flush_buffered()
        self._next_id = cont = self._next_id + 1
        self._next_id = cb_id = cont + 1
        table = cs.continuations
        slot = 0
        while slot in table:  # the lowest free slot, as a slab allocator would give
            slot += 1
        table[slot] = cont
        cs.frames[cont] = coro
        method = call.method
        cb = Callback(cb_id, cs.id, ctx.id, target, method, cont, slot)
        self._callbacks[cb_id] = cb
        cs.callbacks[cb_id] = cb
        ctx.outstanding += 1
        self._raw(
            (self.steps, self.time, "call", cs.id, method, (ctx.id, cb_id, target, cont, slot))
        )
        request = Request(cs.id, target, method, args, cb_id, None)
        # the common case, inlined (a queue was found only if the receiver was)
        if queue is not None and receiver.status == "running":  # type: ignore[union-attr]
            items = queue.items
            if not items:
                self._ready.add(queue.id)
            items.append(request)
        elif not target._raw and _wrong_sender_version(args, version_during):
            given = args[0]["sender_canister_version"]
            rej = errors.sender_version_mismatch(given, version_during).for_canister_caller()
            self._deliver_response(cb_id, None, rej)
        else:
            self._enqueue_request(request)
        return "await"

    def _trap(
        self,
        cs: CanisterState,
        ctx: CallContext,
        image: Any,
        exc: BaseException,
        coro: CoroutineType[Any, Any, Any] | None = None,
    ) -> str:
        self._buffered = None
        if cs.instance is not None:
            cs.heap.rollback(cs.instance)
        cs.stable.restore(image)
        if cs.global_timer != cs.timer_at_start:
            self.arm_timer(cs, cs.timer_at_start)
        if coro is not None:
            # a frame suspended on something we refuse: it never runs again
            cs.graveyard.append(coro)
        error = trap_reject(cs.id, exc)
        self.trace.emit("trap", cs.id, ctx.method, (error.reject_message,))
        self._close_if_done(cs, ctx, error)
        return "trap"

    def _cleanup(self, cs: CanisterState, ctx: CallContext, changes: dict[str, Any]) -> None:
        """After a trapped callback: keep what its finally blocks / context managers changed,
        as a separate atomic execution (see cleanup.py)."""
        instance = cs.instance
        cleanup.apply(instance, changes)
        try:
            cs.heap.commit(instance)
        except HeapError:
            cs.heap.rollback(instance)
            return
        self.trace.emit("cleanup", cs.id, ctx.method, tuple(sorted(changes)))

    # -- queries ------------------------------------------------------------------------------
    def query(
        self, sender: Principal, receiver: Principal, method: str, args: tuple[Any, ...]
    ) -> Any:
        """Run a query against committed state right away (no step); changes are discarded."""
        cs = self.canisters.get(receiver)
        if cs is None:
            raise errors.call_target_not_found(receiver)
        if cs.status == "stopped":
            raise errors.canister_stopped_query(receiver)
        if cs.code is None:
            raise errors.wasm_module_not_found(receiver)
        info = cs.code.__canister_methods__.get(method)
        if info is None or info.kind != "query":
            raise errors.canister_method_not_found(receiver, method, "query")
        error = info.arity_error(len(args)) or self._type_error(info, args)
        if error is not None:
            raise _decode_error(receiver, method, error)
        args = copy_value(args)
        ctx = CallContext(0, receiver, sender, method, responded=True)
        image = cs.stable.fork()
        cs.current = ctx
        try:
            result = info.fn(cs.instance, *args)
            if inspect.iscoroutine(result):
                try:
                    result.send(None)
                except StopIteration as stop:
                    result = stop.value
                else:
                    result.close()
                    raise RuntimeError("a query method cannot make calls")
            value = copy_value(result)
        except Reject as rej:
            raise Reject(
                RejectCode.CANISTER_REJECT, rej.reject_message, ErrorCode.CanisterRejectedMessage
            ) from None
        except Exception as exc:
            raise trap_reject(receiver, exc) from None
        finally:
            cs.current = None
            cs.heap.rollback(cs.instance)
            cs.stable.restore(image)
        self.trace.emit("query", receiver, method, ())
        return value

    # -- hooks run by the management canister (install, upgrade) ------------------------------
    def run_hook(
        self, cs: CanisterState, fn: Callable[..., Any], args: tuple[Any, ...], caller: Principal
    ) -> None:
        """Run ``init``/``pre_upgrade``/``post_upgrade`` synchronously as ``caller``; exceptions
        propagate (the caller reverts the whole operation)."""
        cs.current = CallContext(0, cs.id, caller, fn.__name__, responded=True)
        try:
            result = fn(*args)
            if inspect.iscoroutine(result):
                result.close()
                raise TypeError(f"{fn.__name__} must not be async: hooks cannot make calls")
        finally:
            cs.current = None

    # -- hazards ------------------------------------------------------------------------------
    def hazard(self, kind: str, cid: Principal, explanation: str, **details: Any) -> None:
        self.trace.hazard(kind, cid, explanation, details)

    # -- teardown -----------------------------------------------------------------------------
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
