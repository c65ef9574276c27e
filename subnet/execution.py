"""One message execution: run a method, or resume a suspended one, atomically.

Why a hand-rolled coroutine trampoline and not tasks of the host event loop? Because the order
in which canister code runs must depend only on the seed and the strategy, never on how asyncio
or trio happen to schedule tasks. Canister methods are coroutines that we drive with
``send``/``throw``; the only thing they ever yield is an :class:`actors.canister.Call`. The
engine itself never awaits anything, which is what makes a run byte-for-byte identical on both
backends.

Atomicity: each execution either commits (heap and stable memory as the code left them, calls
sent, reply delivered) or traps (heap and stable memory rolled back to before this execution,
calls discarded). Outgoing calls are only enqueued at commit. When a callback traps, what its
``finally`` blocks change is kept as a separate cleanup execution (:mod:`subnet.cleanup`).

Queries run at once against committed state, and their changes are discarded; ``init``,
``pre_upgrade`` and ``post_upgrade`` run as hooks for the management canister.
"""

from __future__ import annotations

import dis
import signal
from collections.abc import Callable
from types import CoroutineType, FrameType
from typing import Any

from actors.canister import Call, MethodInfo

from . import cleanup, errors
from .budget import (
    DEFAULT_LIMIT_S,
    INSTALL_INSTRUCTIONS,
    QUERY_INSTRUCTIONS,
    UPDATE_INSTRUCTIONS,
    WATCHDOG,
    ExecutionLimit,
)
from .budget import register as register_execution
from .candid import check_args, fast_validator
from .cleanup import CALL_AWAIT, HAS_HANDLERS, UnwindRecorder, handler_codes
from .codec import size_over
from .errors import (
    MAX_INTER_CANISTER_PAYLOAD_BYTES,
    MAX_SAME_SUBNET_REQUEST_BYTES,
    ErrorCode,
    Refused,
    Reject,
    RejectCode,
)
from .heap import IMMUTABLE_SCALARS, HeapError, copy_payload, copy_value, frozen
from .ids import Principal
from .memory import StableMemoryError
from .messages import LOW_MEMORY, Callback, CallContext, Request
from .routing import Done, Router, call_deadline, decode_error, low_wasm_memory
from .system import CanisterState

# payload items whose encoding has a small fixed bound (an int only up to 64 bits: a larger
# one counts its digits); a payload of at most _FEW of them cannot reach a limit
_FIXED_SIZE = frozenset({int, bool, float, type(None), Principal})
_FEW = 16
# the IC's names of the two query modes (ApiType), in the texts of what a query cannot do
NON_REPLICATED_QUERY = "non replicated query"
REPLICATED_QUERY = "replicated query"
_AWAITING: Any = object()  # "the method has not returned": it yielded, whatever it yielded


class InjectedTrap(BaseException):
    """Thrown into a callback's frame to make it trap where it resumes (a ``BaseException``,
    so that the canister's ``except Exception`` does not take it for a reject)."""

    def __init__(self) -> None:
        super().__init__("trap injected into this callback by the explorer")


def trap_reject(cid: Principal, exc: BaseException) -> Reject:
    """The reject a caller sees when the callee traps with ``exc``."""
    if isinstance(exc, Refused):
        return exc.reject
    if isinstance(exc, InjectedTrap):
        return errors.canister_called_trap(cid, str(exc))
    if isinstance(exc, StableMemoryError):
        return errors.canister_trapped(cid, str(exc))
    if isinstance(exc, ExecutionLimit):
        return errors.instruction_limit_exceeded(cid, exc.instructions)
    text = str(exc)
    name = type(exc).__name__
    if name == "Trap":
        return errors.canister_called_trap(cid, text)
    return errors.canister_called_trap(cid, f"{name}: {text}" if text else name)


def raised_by_canister(exc: BaseException) -> bool:
    """Whether canister code raised ``exc`` (a trap), rather than the user pressing Ctrl-C
    while canister code ran (which must stop the program, not the method).

    Only ``KeyboardInterrupt`` can be either. A signal is delivered between two instructions
    of whatever code runs, or raised by the signal handler; a ``raise`` statement of the
    canister is neither: the innermost frame is stopped at a ``RAISE_VARARGS`` and is not
    the installed handler's."""
    if not isinstance(exc, KeyboardInterrupt):
        return True
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    handler = signal.getsignal(signal.SIGINT)
    if code is getattr(handler, "__code__", None):
        return False
    return code.co_code[tb.tb_lasti] == _RAISE_VARARGS


_RAISE_VARARGS = dis.opmap["RAISE_VARARGS"]

_EXECUTION_ERRORS = frozenset(
    {
        ErrorCode.CanisterMethodNotFound,
        ErrorCode.CanisterCalledTrap,
        ErrorCode.CanisterWasmModuleNotFound,
        ErrorCode.CanisterStopped,
        ErrorCode.CanisterStopping,
    }
)

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


class Executor(Router):
    """Message executions on top of the router (see the module docstring)."""

    execution_limit: float | None = DEFAULT_LIMIT_S
    """Wall-clock seconds one execution may run before it traps with IC0522 (the stand-in
    for the IC's instruction limit, :mod:`subnet.budget`); None: no limit."""

    instruction_limit: int | None = None
    """The most instructions (wasmtime fuel) one execution of a Wasm canister may use; None:
    the IC's limit for its kind (40 billion for an update). Lower it to find endless loops
    in Wasm code sooner."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # callbacks whose next execution traps (the explorer's "trap" fault)
        self._doomed: set[int] = set()
        # (canister, method) of every execution that ran past its budget: the explorer
        # reports each as a failure
        self.overruns: list[tuple[Principal, str]] = []

    def execute_task(self, cs: CanisterState, kind: str, item: Any) -> Done:
        """Run a system task: a global timer that came due (``item`` is its deadline), a
        heartbeat or the low-memory hook."""
        if kind == "timer":
            return self.execute_timer(cs, item)
        cs.tasks_queued.discard(kind)
        code = cs.code
        hook = getattr(code, kind, None) if code is not None else None
        if kind == LOW_MEMORY and cs.hook_status == "ready" and not low_wasm_memory(cs):
            # the condition no longer holds (memory freed, settings changed): the IC updates
            # the status after every execution and settings change, and removes the task
            cs.hook_status = "condition_not_satisfied"
        if (
            hook is None
            or cs.status != "running"
            or (kind == LOW_MEMORY and cs.hook_status != "ready")
        ):
            # uninstalled, stopped, or the hook's condition no longer holds: nothing runs
            self._raw((self.steps, self.time, "exec", cs.id, kind, kind, 0, "dropped"))
            return (kind, cs.id, kind, "dropped")
        if kind == LOW_MEMORY:
            cs.hook_status = "executed"  # taken from the task queue (``TaskQueue::pop_front``)
        return self._run_task(cs, hook, kind, kind)

    def execute_timer(self, cs: CanisterState, deadline: int) -> Done:
        code = cs.code
        hook = getattr(code, "global_timer", None) if code is not None else None
        if hook is None or cs.status != "running":
            self._raw((self.steps, self.time, "timer_skipped", cs.id, "", deadline))
            return ("timer", cs.id, "global_timer", "dropped")
        return self._run_task(cs, hook, "global_timer", "timer")

    def _run_task(self, cs: CanisterState, hook: Any, name: str, kind: str) -> Done:
        """Run a system task's method as an update with a system call context: nobody waits
        for its answer; it may make calls, and a trap rolls back only its own changes."""
        info = _TIMER_HOOKS.get(hook)
        if info is None:
            info = _TIMER_HOOKS[hook] = MethodInfo(hook, "update", name, True)
        self._next_id = ctx_id = self._next_id + 1
        ctx = CallContext(ctx_id, cs.id, cs.id, name, system=_ignore, manual_reply=True)
        cs.call_contexts[ctx_id] = ctx
        cs.deadline = 0
        if cs.runtime is not None:
            outcome = self._execute_foreign(cs, ctx, "task", name, ())
        else:
            outcome = self._execute(cs, ctx, info, ())
        self._raw((self.steps, self.time, "exec", cs.id, name, kind, ctx_id, outcome))
        return (kind, cs.id, name, outcome)

    def execute_subnet_message(self, req: Request) -> Done:
        handler = self.subnet_handler
        if handler is None:
            outcome = "reject"
            self.answer_request(req, None, errors.management_method_not_found(req.method))
        else:
            outcome = handler(req)
        self.trace.emit("subnet", None, req.method, (outcome,))
        return ("subnet", None, req.method, outcome)

    def execute_request(self, cs: CanisterState, req: Request, kind: str) -> Done:
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
                return self._system_reject(cs, req, kind, decode_error(cs.id, method, detail))
        self._next_id = ctx_id = self._next_id + 1
        ctx = CallContext(
            ctx_id,
            cs.id,
            req.sender,
            method,
            req.callback_id,
            req.ingress,
            None,
            False,
            0,
            info.manual_reply,
        )
        cs.call_contexts[ctx_id] = ctx
        cs.deadline = req.deadline
        if cs.runtime is not None:
            outcome = self._execute_foreign(cs, ctx, info.kind, method, args)
        else:
            outcome = self._execute(cs, ctx, info, args)
        self._raw((self.steps, self.time, "exec", cs.id, method, kind, ctx_id, outcome))
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

    def execute_response(self, cs: CanisterState, resp: tuple[int, Any, Reject | None]) -> Done:
        """Resume the frame a response is for; ``resp`` is (callback id, reply, reject)."""
        callback_id, reply, reject = resp
        cb = self._callbacks.pop(callback_id, None)
        if cb is None:  # a callback that is gone: the response goes nowhere
            self.trace.emit("dropped", cs.id, "", (callback_id,))
            return ("response", cs.id, "", "dropped")
        del cs.callbacks[cb.id]
        ctx = cs.call_contexts[cb.call_context_id]
        ctx.outstanding -= 1
        if ctx.deleted:  # uninstalled meanwhile: no code runs (execution/response.rs, validate)
            self.trace.emit("dropped", cs.id, "", (callback_id,))
            self.close_if_done(cs, ctx, None)
            return ("response", cs.id, "", "dropped")
        if cb.closure is not None and cs.runtime is not None:
            return self._respond_foreign(cs, ctx, cb, reply, reject)
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
            return self._orphaned(cs, ctx, cb)
        answer = "reply" if reject is None else "reject"  # what the callee answered
        if self._doomed and callback_id in self._doomed:
            self._doomed.discard(callback_id)
            reject = InjectedTrap()  # type: ignore[assignment]
        cs.deadline = cb.deadline
        outcome = self._resume(cs, ctx, coro, reply, reject, None)
        self._raw(
            (
                self.steps,
                self.time,
                "exec",
                cs.id,
                method,
                "response",
                ctx.id,
                outcome,
                cb.id,
                answer,
            )
        )
        return ("response", cs.id, method, outcome)

    def doom_callback(self, callback_id: int) -> None:
        """Make the next execution of this callback trap right where its frame resumes (the
        explorer's ``trap`` fault): ``finally`` blocks run as its cleanup, as after any trap
        in a callback."""
        self._doomed.add(callback_id)

    def _orphaned(self, cs: CanisterState, ctx: CallContext, cb: Callback) -> Done:
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
        self.close_if_done(cs, ctx, error)
        self.trace.emit("exec", cs.id, ctx.method, ("response", ctx.id, "trap", cb.id))
        return ("response", cs.id, ctx.method, "trap")

    def _execute(
        self, cs: CanisterState, ctx: CallContext, info: MethodInfo, args: tuple[Any, ...]
    ) -> str:
        """Run one message execution that starts a method (``info``, ``args``). Returns the
        outcome: "reply", "reject", "await" or "trap"."""
        cs.timer_at_start = cs.global_timer
        image = cs.stable.fork()
        if not WATCHDOG.armed and self.execution_limit is not None:
            WATCHDOG.arm(self.execution_limit)
        cs.current = ctx
        query = info.kind == "query"  # called as an update: its changes are discarded
        if query:
            cs.query_mode = REPLICATED_QUERY
        coro = None
        try:
            result = info.fn(cs.instance, *args)
            if info.is_async:
                coro = result
                yielded = coro.send(None)
                value: Any = _AWAITING
            else:
                value = result
        except StopIteration as stop:
            value = stop.value
        except Reject as rej:
            return self._finish(cs, ctx, image, query, "reject", rej)
        except BaseException as exc:
            if not raised_by_canister(exc):  # a real Ctrl-C: stop the program
                raise
            return self._trap(cs, ctx, image, exc)
        finally:
            cs.current = None
            if query:
                cs.query_mode = None
        if value is not _AWAITING:
            return self._finish(cs, ctx, image, query, "reply", value)
        if query:
            refused = Refused(errors.not_in_mode(cs.id, "ic0_call_new", REPLICATED_QUERY))
            return self._trap(cs, ctx, image, refused, coro)
        if isinstance(yielded, Call):
            return self._suspend(cs, ctx, image, coro, yielded)  # type: ignore[arg-type]
        return self._not_a_call(cs, ctx, image, coro, yielded)  # type: ignore[arg-type]

    def _resume(
        self,
        cs: CanisterState,
        ctx: CallContext,
        coro: CoroutineType[Any, Any, Any],
        value: Any,
        reject: BaseException | None,
        image: Any,
    ) -> str:
        """Run one message execution that resumes a frame with a response (``value``, or
        ``reject`` thrown into it). Returns the outcome, as :meth:`_execute`. ``image`` is the
        stable memory at the start of the execution: None for a new execution (taken here),
        or the one a call refused at once continues with."""
        if image is None:
            cs.timer_at_start = cs.global_timer
            image = cs.stable.fork()
        if not WATCHDOG.armed and self.execution_limit is not None:
            WATCHDOG.arm(self.execution_limit)
        cs.current = ctx
        recorder = None
        try:
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
            value = _AWAITING
        except StopIteration as stop:
            value = stop.value
        except Reject as rej:
            return self._finish(cs, ctx, image, False, "reject", rej)
        except BaseException as exc:
            if not raised_by_canister(exc):  # a real Ctrl-C: stop the program
                raise
            changes = recorder.cleanup_changes(exc) if recorder is not None else None
            outcome = self._trap(cs, ctx, image, exc)
            if changes is not None:  # the trap unwound frames with handlers: a cleanup ran
                self._cleanup(cs, ctx, changes)
            return outcome
        finally:
            cs.current = None
        if value is not _AWAITING:
            return self._finish(cs, ctx, image, False, "reply", value)
        if isinstance(yielded, Call):
            return self._suspend(cs, ctx, image, coro, yielded)
        return self._not_a_call(cs, ctx, image, coro, yielded)

    def _not_a_call(
        self,
        cs: CanisterState,
        ctx: CallContext,
        image: Any,
        coro: CoroutineType[Any, Any, Any],
        yielded: Any,
    ) -> str:
        """The method awaited something that is not a call: a trap."""
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
            kind_of = type(value)
            if kind_of not in IMMUTABLE_SCALARS:
                try:
                    value = copy_value(value)
                except HeapError as exc:
                    bad = HeapError(f"the reply is not plain data: {exc}")
                    return self._trap(cs, ctx, image, bad)
            if kind_of not in _FIXED_SIZE or (kind_of is int and value.bit_length() > 64):
                size = size_over((value,), MAX_INTER_CANISTER_PAYLOAD_BYTES)
                if size is not None:
                    limit = MAX_INTER_CANISTER_PAYLOAD_BYTES
                    refused = Refused(errors.reply_too_large(cs.id, size, limit))
                    return self._trap(cs, ctx, image, refused)
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
            self.flush_buffered()
        if not ctx.responded and (reject is not None or not ctx.manual_reply):
            origin = ctx.origin_callback
            if reject is None and ctx.ingress is None and origin is not None:
                # respond()'s common case, inlined: a reply to a calling canister; and
                # deliver_response()'s, a callback still there, of an unbounded call
                ctx.responded = True
                cb = self._callbacks.get(origin)
                if cb is None or cb.deadline:
                    self.deliver_response(origin, value, None)
                else:
                    self.queue_response(cb, (origin, value, None))
            else:
                self.respond(ctx, value, reject)
        if ctx.outstanding or not ctx.responded:
            self.close_if_done(cs, ctx, None)
            return kind
        # close_if_done's common case, inlined: answered, nothing outstanding
        contexts = cs.call_contexts
        if contexts.pop(ctx.id, None) is not None:
            self._raw((self.steps, self.time, "context_closed", cs.id, ctx.method, ctx.id))
        if cs.status == "stopping" and not contexts:
            self.finish_stop(cs)
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
                return self._resume(cs, ctx, coro, None, refused, image)
        try:
            if target._raw:
                args = copy_value(call.args)
                recorded = args  # what the trace keeps: the arguments, if nothing can change
                measure = len(args) > _FEW  # a few small numbers and ids cannot reach the limit
                for arg in args:
                    kind = type(arg)
                    if kind not in _FIXED_SIZE or (kind is int and arg.bit_length() > 64):
                        measure = True
                        break
                if measure:
                    size = size_over(args, MAX_SAME_SUBNET_REQUEST_BYTES)
                    if size is not None:  # ic0.call_perform refuses it: a trap
                        limit = MAX_SAME_SUBNET_REQUEST_BYTES
                        error = errors.request_too_large(cs.id, target, call.method, size, limit)
                        return self._trap(cs, ctx, image, Refused(error), coro)
                    recorded = frozen(args)
            else:
                args = copy_payload(call.args)
                recorded = None  # a management call's: code is not data
            cs.heap.commit(cs.instance)
        except HeapError as exc:
            return self._trap(cs, ctx, image, exc, coro)
        version_during = cs.version  # what ic0.canister_version returned in this execution
        cs.version += 1
        if self._buffered is not None:
            self.flush_buffered()
        self._next_id = cont = self._next_id + 1
        table = cs.continuations
        slot = 0
        while slot in table:  # the lowest free slot, as a slab allocator would give
            slot += 1
        table[slot] = cont
        cs.frames[cont] = coro
        cb = self._register_call(
            cs, ctx, target, call.method, args, recorded, cont, slot, call.timeout, None
        )
        # the common case, inlined (a queue was found only if the receiver was)
        if queue is not None and receiver.status == "running":  # type: ignore[union-attr]
            self.queue_request(queue, cb)
        else:
            self._send(cb, version_during)
        return "await"

    def _register_call(
        self,
        cs: CanisterState,
        ctx: CallContext,
        target: Principal,
        method: str,
        args: tuple[Any, ...],
        recorded: Any,
        cont: int,
        slot: int,
        timeout: int | None,
        closure: Any,
    ) -> Callback:
        """Register the callback of a call made at commit (a Python frame's or foreign
        code's: the same rules), record the call event, and watch a bounded-wait call's
        deadline. The callback is the request it sends, too (one record)."""
        self._next_id = cb_id = self._next_id + 1
        deadline = 0 if timeout is None else call_deadline(self.time, timeout)
        cb = Callback(
            cs.id, target, method, args, cb_id, None, deadline, ctx.id, cont, slot, closure
        )
        self._callbacks[cb_id] = cb
        cs.callbacks[cb_id] = cb
        ctx.outstanding += 1
        self._raw(
            (
                self.steps,
                self.time,
                "call",
                cs.id,
                method,
                ctx.id,
                cb_id,
                target,
                cont,
                slot,
                recorded,
            )
        )
        if deadline:
            self.watch_deadline(deadline, cb_id)
        return cb

    def _send(self, cb: Callback, version_during: int) -> None:
        """Send a registered call's request; a management call whose
        ``sender_canister_version`` is not the caller's is answered at once instead."""
        args = cb.args
        if (
            not cb.receiver._raw
            and cb.method in self.sender_version_methods
            and _wrong_sender_version(args, version_during)
        ):
            given = args[0]["sender_canister_version"]
            rej = errors.sender_version_mismatch(given, version_during).for_canister_caller()
            self.deliver_response(cb.callback_id, None, rej)
        else:
            self.enqueue_request(cb)

    def _execute_foreign(
        self,
        cs: CanisterState,
        ctx: CallContext,
        kind: str,
        method: str,
        args: tuple[Any, ...],
        closure: Any = None,
        response: tuple[Any, Reject | None, Principal, str] | None = None,
        cleanup: Callable[[], Reject | None] | None = None,
    ) -> str:
        """One execution of foreign code (a Wasm module): run it, then apply what it asked
        for with the rules of :meth:`_execute` (commit or roll back, calls sent at commit,
        the reply or reject delivered). ``cleanup`` runs a callback's cleanup closure after a
        trap (its own trap, if any). Returns the outcome."""
        runtime = cs.runtime
        assert runtime is not None
        cs.timer_at_start = cs.global_timer
        image = cs.stable.fork()
        cs.current = ctx
        try:
            result = runtime.run(
                kind,
                method,
                args,
                ctx.caller,
                replied=ctx.responded,
                deadline=cs.deadline,
                closure=closure,
                response=response,
            )
        finally:
            cs.current = None
        for line in result.debug:
            self.trace.emit("debug_print", cs.id, ctx.method, (line,))
        if result.trap is not None:
            runtime.rollback()
            if result.trap.error_code == ErrorCode.CanisterInstructionLimitExceeded:
                self.overruns.append((cs.id, ctx.method))
            return self._trap(cs, ctx, image, Refused(result.trap), cleanup=cleanup)
        version_during = cs.version
        if kind == "query":  # a query called as an update: its changes are discarded
            runtime.rollback()
            cs.stable.restore(image)
        else:
            runtime.commit()
            if result.certified_data is not None:
                cs.certified_data = result.certified_data
            cs.version += 1
        for call in result.calls:
            self._send_foreign(cs, ctx, call, version_during)
        if result.reject is not None:
            reject = Reject(
                RejectCode.CANISTER_REJECT, result.reject, ErrorCode.CanisterRejectedMessage
            )
            self.respond(ctx, None, reject)
            outcome = "reject"
        else:
            if result.reply is not None:
                self.respond(ctx, result.reply[0], None)
            outcome = "await" if result.calls else "reply"
        self.close_if_done(cs, ctx, None)
        return outcome

    def _send_foreign(
        self, cs: CanisterState, ctx: CallContext, call: Any, version_during: int
    ) -> None:
        """Register the callback of a call foreign code made, and send the request. The
        continuation table maps the closure's env (the code's own handle on its
        continuation, a slot of its memory) to a continuation id, as for Python frames."""
        target = call.target
        self._next_id = cont = self._next_id + 1
        (_, slot), _, _ = call.closure
        cs.continuations[slot] = cont
        recorded = frozen(call.args) if target._raw else None
        cb = self._register_call(
            cs,
            ctx,
            target,
            call.method,
            call.args,
            recorded,
            cont,
            slot,
            call.timeout,
            call.closure,
        )
        self._send(cb, version_during)

    def _respond_foreign(
        self,
        cs: CanisterState,
        ctx: CallContext,
        cb: Callback,
        reply: Any,
        reject: Reject | None,
    ) -> Done:
        """A response to foreign code: its reply or reject closure runs, whatever the
        canister's memory now holds (after a snapshot load, that is observed, not modelled:
        the hazard names the case, the trace records what the code then did). A trap in the
        closure runs the cleanup closure, whose changes are kept."""
        table = cs.continuations
        cont = table.get(cb.slot)
        if cont == cb.continuation_id:
            del table[cb.slot]
        else:
            self.hazard(
                "orphaned_response",
                cs.id,
                f"callback {cb.id} for {cb.target}.{cb.method} refers to continuation "
                f"{cb.continuation_id} (env {cb.slot}), which the canister's memory does not "
                f"hold: its closure runs against memory that never registered it",
                callback=cb.id,
                continuation=cb.continuation_id,
                call_context=ctx.id,
            )
        answer = "reply" if reject is None else "reject"
        on_reply, on_reject, on_cleanup = cb.closure
        runtime = cs.runtime
        assert runtime is not None  # (a closure is foreign code's)

        def run_cleanup() -> Reject | None:
            """The cleanup closure, an execution of its own; its trap, if it traps."""
            result = runtime.run("cleanup", ctx.method, (), ctx.caller, closure=on_cleanup)
            if result.trap is not None:
                runtime.rollback()
                return result.trap
            runtime.commit()
            cs.version += 1  # a successful execution of its own
            self.trace.emit("cleanup", cs.id, ctx.method, ("call_on_cleanup",))
            return None

        cleanup = run_cleanup if on_cleanup is not None else None
        doomed = bool(self._doomed) and cb.id in self._doomed
        cs.deadline = cb.deadline
        if doomed:
            self._doomed.discard(cb.id)
            image = cs.stable.fork()
            trap = InjectedTrap()
            outcome = self._trap(cs, ctx, image, trap, cleanup=cleanup)
        else:
            outcome = self._execute_foreign(
                cs,
                ctx,
                answer,
                ctx.method,
                (),
                closure=on_reply if reject is None else on_reject,
                response=(reply, reject, cb.target, cb.method),
                cleanup=cleanup,
            )
        self._raw(
            (
                self.steps,
                self.time,
                "exec",
                cs.id,
                ctx.method,
                "response",
                ctx.id,
                outcome,
                cb.id,
                answer,
            )
        )
        return ("response", cs.id, ctx.method, outcome)

    def _trap(
        self,
        cs: CanisterState,
        ctx: CallContext,
        image: Any,
        exc: BaseException,
        coro: CoroutineType[Any, Any, Any] | None = None,
        cleanup: Callable[[], Reject | None] | None = None,
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
        if isinstance(exc, ExecutionLimit):
            self.overruns.append((cs.id, ctx.method))
        self.trace.emit("trap", cs.id, ctx.method, (error.reject_message,))
        if cleanup is not None:  # foreign code's cleanup closure, before the call is answered
            failed = cleanup()
            if failed is not None:
                error = errors.cleanup_also_failed(cs.id, error, failed)
        self.close_if_done(cs, ctx, error)
        return "trap"

    def _cleanup(self, cs: CanisterState, ctx: CallContext, changes: dict[str, Any]) -> None:
        """After a trapped callback: keep what its finally blocks / context managers changed,
        as a separate atomic execution (see cleanup.py), which counts as a successful
        execution: the canister version goes up, as after the IC's cleanup callback."""
        instance = cs.instance
        cleanup.apply(instance, changes)
        try:
            cs.heap.commit(instance)
        except HeapError:
            cs.heap.rollback(instance)
            return
        cs.version += 1
        if changes:
            self.trace.emit("cleanup", cs.id, ctx.method, tuple(sorted(changes)))

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
            raise decode_error(receiver, method, error)
        if cs.runtime is not None:
            value = cs.runtime.query(method, copy_value(args), sender)
            self.trace.emit("query", receiver, method, ())
            return value
        args = copy_value(args)
        ctx = CallContext(0, receiver, sender, method, responded=True)
        cs.deadline = 0
        image = cs.stable.fork()
        if not WATCHDOG.armed and self.execution_limit is not None:
            WATCHDOG.arm(self.execution_limit)
        cs.current = ctx
        cs.query_mode = NON_REPLICATED_QUERY
        try:
            result = info.fn(cs.instance, *args)
            if type(result) is CoroutineType:
                try:
                    result.send(None)
                except StopIteration as stop:
                    result = stop.value
                else:
                    result.close()
                    raise Refused(
                        errors.not_in_mode(receiver, "ic0_call_new", NON_REPLICATED_QUERY)
                    )
            value = copy_value(result)
        except Reject as rej:
            raise Reject(
                RejectCode.CANISTER_REJECT, rej.reject_message, ErrorCode.CanisterRejectedMessage
            ) from None
        except BaseException as exc:
            if not raised_by_canister(exc):
                raise
            raise trap_reject(receiver, exc) from None
        finally:
            cs.current = None
            cs.query_mode = None
            cs.heap.rollback(cs.instance)
            cs.stable.restore(image)
        self.trace.emit("query", receiver, method, ())
        return value

    def run_hook(
        self, cs: CanisterState, fn: Callable[..., Any], args: tuple[Any, ...], caller: Principal
    ) -> None:
        """Run ``init``/``pre_upgrade``/``post_upgrade`` synchronously as ``caller``; exceptions
        propagate (the caller reverts the whole operation)."""
        if not WATCHDOG.armed and self.execution_limit is not None:
            WATCHDOG.arm(self.execution_limit)
        cs.current = CallContext(0, cs.id, caller, fn.__name__, responded=True)
        cs.deadline = 0
        try:
            result = fn(*args)
            if type(result) is CoroutineType:
                result.close()
                raise TypeError(f"{fn.__name__} must not be async: hooks cannot make calls")
        finally:
            cs.current = None


def _limits(instructions: int) -> Callable[[FrameType], tuple[float | None, int]]:
    """How the watchdog reads an execution's budget from a frame of ``Executor``."""

    def limits(frame: FrameType) -> tuple[float | None, int]:
        executor = frame.f_locals.get("self")
        return getattr(executor, "execution_limit", None), instructions

    return limits


register_execution(Executor._execute.__code__, _limits(UPDATE_INSTRUCTIONS))
register_execution(Executor._resume.__code__, _limits(UPDATE_INSTRUCTIONS))
register_execution(Executor.query.__code__, _limits(QUERY_INSTRUCTIONS))
register_execution(Executor.run_hook.__code__, _limits(INSTALL_INSTRUCTIONS))
