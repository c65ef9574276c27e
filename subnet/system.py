"""A canister as the engine keeps it, and the system API its code sees.

:class:`CanisterState` is system state (status, controllers, version, history, queues, call
contexts, callbacks) together with the code, the heap and stable memory. It is data: the engine
and the management canister own the rules that change it.

:class:`SystemApi` is the seam between the engine and canister code: the few things a method
can ask of the system while it runs (who called, the time, stable memory, the global timer,
certified data, the deadline of a bounded-wait call, an explicit reply or reject), the Python
counterpart of the ``ic0`` imports of a Wasm module. Canister code reaches it through
``self._system`` (see :mod:`actors.canister`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import CoroutineType
from typing import TYPE_CHECKING, Any, Protocol

from actors.canister import Canister

from .errors import ErrorCode, Refused, Reject, RejectCode, not_in_mode
from .heap import Heap
from .ids import Principal
from .memory import StableMemory
from .messages import RUNNING, Callback, CallContext, Status

if TYPE_CHECKING:
    from .queues import Source


@dataclass
class ForeignCall:
    """A call made by canister code that is not a Python class (a Wasm module): the callee,
    the method, the arguments as Python values, and the code's own record of what to run
    when the response comes (for Wasm: the reply, reject and cleanup closures)."""

    target: Principal
    method: str
    args: tuple[Any, ...]
    closure: Any
    timeout: int | None = None


@dataclass
class ForeignResult:
    """How one execution of foreign code ended: a trap (the reject the caller sees), or a
    reply (a one-tuple, so that a ``None`` reply is told from no reply), a reject message,
    the calls it made, and certified data it set."""

    trap: Reject | None = None
    reply: tuple[Any] | None = None
    reject: str | None = None
    calls: list[ForeignCall] = field(default_factory=list)
    certified_data: bytes | None = None
    debug: list[str] = field(default_factory=list)


class ForeignCode(Protocol):
    """Canister code that is not a Python class: a Wasm module's instance
    (:class:`subnet.wasm.code.WasmCode`). The executor runs it through these calls and
    applies what it asked for with the same rules as for a Python canister."""

    def run(
        self,
        kind: str,
        method: str,
        args: tuple[Any, ...],
        caller: Principal,
        *,
        replied: bool = False,
        deadline: int = 0,
        closure: Any = None,
        response: tuple[Any, Reject | None, Principal, str] | None = None,
    ) -> ForeignResult: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def query(self, method: str, args: tuple[Any, ...], caller: Principal) -> Any: ...

    def image(self) -> Any: ...

    def image_bytes(self) -> bytes: ...

    def heap_size(self) -> int: ...

    def summary(self) -> dict[str, Any]: ...

    def restore_image(self, image: Any) -> None: ...


class Host(Protocol):
    """What the system API needs of the engine."""

    time: int

    def buffer_response(self, cs: CanisterState, reply: Any, reject: Reject | None) -> None: ...

    def arm_timer(self, cs: CanisterState, deadline: int) -> None: ...


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


class SystemApi:
    """The system API of one canister: what its code may ask while a method runs."""

    __slots__ = ("_cs", "_stable")

    def __init__(self, cs: CanisterState) -> None:
        self._cs = cs
        self._stable: StableApi | None = None

    @property
    def id(self) -> Principal:
        return self._cs.id

    @property
    def version(self) -> int:
        return self._cs.version

    @property
    def runtime(self) -> ForeignCode | None:
        """The running instance of foreign code (a Wasm module), None for a Python class."""
        return self._cs.runtime

    @runtime.setter
    def runtime(self, value: ForeignCode | None) -> None:
        self._cs.runtime = value

    def caller(self) -> Principal:
        ctx = self._cs.current
        if ctx is None:
            raise RuntimeError("self.caller is only defined during a message execution")
        return ctx.caller

    def time(self) -> int:
        return self._cs.host.time

    def msg_deadline(self) -> int:
        """``ic0.msg_deadline``: the deadline of the bounded-wait call being executed, or of
        the call whose response is being executed; 0 otherwise."""
        if self._cs.current is None:
            raise RuntimeError("self.msg_deadline() is only defined during a message execution")
        return self._cs.deadline

    def stable_api(self) -> StableApi:
        if self._stable is None:
            self._stable = StableApi(self._cs)
        return self._stable

    def reply(self, value: Any) -> None:
        self._cs.host.buffer_response(self._cs, value, None)

    def reject(self, message: str) -> None:
        if not isinstance(message, str):
            raise TypeError("a reject message must be a str")
        self._cs.host.buffer_response(
            self._cs,
            None,
            Reject(RejectCode.CANISTER_REJECT, message, ErrorCode.CanisterRejectedMessage),
        )

    def set_global_timer(self, deadline: int) -> int:
        """``ic0.global_timer_set``: arm the timer for ``deadline`` (ns; 0 disarms it);
        returns the previous deadline. A trap undoes it, like any change of the execution."""
        if not isinstance(deadline, int) or isinstance(deadline, bool) or deadline < 0:
            raise ValueError("a timer deadline is a non-negative int (nanoseconds)")
        self._not_in_query("ic0_global_timer_set")
        previous = self._cs.global_timer
        self._cs.host.arm_timer(self._cs, deadline)
        return previous

    def set_certified_data(self, data: bytes) -> None:
        if not isinstance(data, bytes | bytearray) or len(data) > 32:
            raise ValueError("certified data must be at most 32 bytes")
        self._not_in_query("ic0_certified_data_set")
        self._cs.certified_data = bytes(data)

    def _not_in_query(self, api: str) -> None:
        """A query cannot change the system state: the IC does not provide ``api`` there."""
        mode = self._cs.query_mode
        if mode is not None:
            raise Refused(not_in_mode(self._cs.id, api, mode))


@dataclass(eq=False)
class CanisterState:
    """System state, code and heap of one canister (everything the engine knows of it)."""

    id: Principal
    host: Host
    controllers: list[Principal] = field(default_factory=list)
    status: Status = RUNNING
    version: int = 0
    code: type[Canister] | None = None
    instance: Canister | None = None
    # the running instance of foreign code (a Wasm module); None for a Python class
    runtime: ForeignCode | None = None
    heap: Heap = field(default_factory=Heap)
    stable: StableMemory = field(default_factory=StableMemory)
    certified_data: bytes = b""
    global_timer: int = 0  # deadline in ns, 0 = not armed
    timer_at_start: int = 0  # the deadline when the current execution began (for a trap)
    # the deadline of the message being executed (``ic0.msg_deadline``), 0 when unbounded
    deadline: int = 0
    # the on_low_wasm_memory hook: "condition_not_satisfied" | "ready" | "executed" (the IC's
    # ``OnLowWasmMemoryHookStatus``, recorded in snapshots); and the system tasks queued now
    hook_status: str = "condition_not_satisfied"
    tasks_queued: set[str] = field(default_factory=set)
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
    # while a query runs: "non replicated query" or "replicated query" (a query method called
    # as an update), the IC's name for the mode in which some System API calls are refused
    query_mode: str | None = None
    api: SystemApi = field(init=False)

    @property
    def is_empty(self) -> bool:
        return self.code is None

    def heap_image(self) -> bytes:
        """The heap as bytes: the Python heap's image, or a Wasm module's memory and globals."""
        if self.runtime is not None:
            return self.runtime.image_bytes()
        return self.heap.image()

    def heap_size(self) -> int:
        """The size of :meth:`heap_image` (a Wasm module's memory: without copying it)."""
        if self.runtime is not None:
            return self.runtime.heap_size()
        return len(self.heap.image())

    def __post_init__(self) -> None:
        self.api = SystemApi(self)
