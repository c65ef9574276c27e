"""What survives a trap in a callback: the frame's cleanup, as the IC's cleanup callback runs it.

When a callback traps on the IC, its execution is rolled back, and then the system runs the
*cleanup callback* the canister registered for that call. The Rust CDK uses it to drop the
suspended future, which runs the destructors of the values it held (a ``CallerGuard`` releases
its lock); Motoko runs its ``finally`` blocks. The changes those make persist. The IC security
guidelines rely on this ("handle traps in callbacks"), so scenarios must be able to show both
sides: a lock released in a ``finally`` block survives a trap after the ``await``, and a lock
released by ordinary code after the ``await`` does not.

Python cannot rewind a frame to its ``await``: by the time a trap reaches the engine, the
exception has already unwound the frame and run its ``finally`` blocks and ``__exit__``
methods, whose changes the rollback would then discard. So, for a callback whose suspended
frames contain exception handlers (``try``/``finally``/``with``, found once per code object), the
engine records the heap at the moment the exception starts to unwind those frames (a trace
function, installed only for such executions, sees the exception event before any handler
runs). After the trap it rolls back as usual and then re-applies, attribute by attribute, what
changed between that moment and the end of the unwinding: the cleanup's own effects, as a
separate atomic execution.

Limits, stated plainly: the granularity is the heap attribute (a cleanup that changes one key
of a dict keeps the whole dict as the unwinding left it); ``except`` blocks that re-raise are
part of the unwinding too (ic-cdk would run only destructors); stable memory written during the
unwinding is rolled back.
"""

from __future__ import annotations

import dis
import sys
from types import CodeType, CoroutineType, FrameType
from typing import Any

from actors.canister import Call

from .heap import HeapError, decode, encode

CALL_AWAIT = Call.__await__.__code__

HAS_HANDLERS: dict[CodeType, bool] = {}


def _has_handlers(code: CodeType) -> bool:
    """Whether the code has an except/finally/with handler (not just the implicit ones)."""
    known = HAS_HANDLERS.get(code)
    if known is None:
        known = any(ins.opname == "PUSH_EXC_INFO" for ins in dis.get_instructions(code))
        HAS_HANDLERS[code] = known
    return known


_NONE: frozenset[CodeType] = frozenset()


def handler_codes(coro: CoroutineType[Any, Any, Any]) -> frozenset[CodeType]:
    """The code objects of the suspended chain of frames that have handlers."""
    # the common case, a method awaiting a call directly with no handler: no walk needed
    code = coro.cr_code
    awaited = coro.cr_await
    if getattr(awaited, "gi_code", None) is CALL_AWAIT and not HAS_HANDLERS.get(code, True):
        return _NONE
    codes: set[CodeType] = set()
    obj: Any = coro
    while obj is not None:
        frame_code = getattr(obj, "cr_code", None) or getattr(obj, "gi_code", None)
        if frame_code is None:
            break
        if _has_handlers(frame_code):
            codes.add(frame_code)
        obj = getattr(obj, "cr_await", None) or getattr(obj, "gi_yieldfrom", None)
    return frozenset(codes) if codes else _NONE


def capture(instance: object) -> dict[str, bytes | None]:
    """The instance's attributes as encoded images (None for one that cannot be encoded)."""
    images: dict[str, bytes | None] = {}
    for name, value in instance.__dict__.items():
        try:
            images[name] = encode(value)
        except HeapError:
            images[name] = None
    return images


class UnwindRecorder:
    """A trace function that notes the heap when an exception starts unwinding the frames."""

    def __init__(self, instance: object, codes: frozenset[CodeType]) -> None:
        self.instance = instance
        self.codes = codes
        self.captured: dict[int, tuple[BaseException, dict[str, bytes | None]]] = {}

    def global_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code in self.codes:
            return self.local_trace
        return None

    def local_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "exception":
            exc = arg[1]
            if not isinstance(exc, StopIteration | GeneratorExit) and id(exc) not in self.captured:
                self.captured[id(exc)] = (exc, capture(self.instance))
        return self.local_trace

    def resume(
        self, coro: CoroutineType[Any, Any, Any], value: Any, reject: BaseException | None
    ) -> Any:
        previous = sys.gettrace()
        sys.settrace(self.global_trace)
        try:
            return coro.throw(reject) if reject is not None else coro.send(value)
        finally:
            sys.settrace(previous)

    def cleanup_changes(self, exc: BaseException) -> dict[str, Any] | None:
        """What the unwinding changed after ``exc`` was raised: {name: new value or MISSING}."""
        entry = self.captured.get(id(exc))
        if entry is None or entry[0] is not exc:
            return None
        before = entry[1]
        after = capture(self.instance)
        changes: dict[str, Any] = {}
        for name in before.keys() | after.keys():
            old, new = before.get(name, MISSING), after.get(name, MISSING)
            if old == new:
                continue
            if new is MISSING:
                changes[name] = MISSING
            elif new is not None:
                changes[name] = decode(new)
        return changes


MISSING: Any = object()


def apply(instance: object, changes: dict[str, Any]) -> None:
    state = instance.__dict__
    for name in sorted(changes):
        value = changes[name]
        if value is MISSING:
            state.pop(name, None)
        else:
            state[name] = value
