"""The plain data the engine moves around: requests, responses, call contexts, callbacks.

These mirror the IC's own vocabulary (the interface spec's *abstract behaviour*): a *request*
travels from a sender to a receiver and opens a *call context* on the receiver when it executes;
each call the receiver makes registers a *callback* in its system state; every request gets
exactly one *response* (a reply or a reject), from the callee or from the system. Nothing here has
behaviour beyond bookkeeping: the engine owns the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .errors import Reject
from .ids import Principal


class Status(StrEnum):
    """A canister's status: running, stopping (a stop was requested and call contexts are still
    open) or stopped."""

    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"


class SourceKind(StrEnum):
    """Where a message execution comes from: an ingress message, a request from a canister, a
    response to a call, or a system task: a global timer that came due, a heartbeat, the
    low-memory hook."""

    INGRESS = "ingress"
    REQUEST = "request"
    RESPONSE = "response"
    TIMER = "timer"
    HEARTBEAT = "heartbeat"
    LOW_MEMORY = "on_low_wasm_memory"


class Outcome(StrEnum):
    """How a step ended."""

    REPLY = "reply"  # the call was answered with a reply
    REJECT = "reject"  # answered with a reject (by the code, or by the system)
    AWAIT = "await"  # the method is suspended on a call it made
    TRAP = "trap"  # the execution trapped: its changes were rolled back
    DROPPED = "dropped"  # a response or timer found nothing to run
    PENDING = "pending"  # a management call that answers later (stop_canister)


# Module-level names for the members: the engine's hot paths compare against these (a global
# lookup) rather than ``Status.RUNNING`` (an attribute lookup on the enum class, ten times dearer).
RUNNING, STOPPING, STOPPED = Status.RUNNING, Status.STOPPING, Status.STOPPED
INGRESS, REQUEST, RESPONSE, TIMER, HEARTBEAT, LOW_MEMORY = (
    SourceKind.INGRESS,
    SourceKind.REQUEST,
    SourceKind.RESPONSE,
    SourceKind.TIMER,
    SourceKind.HEARTBEAT,
    SourceKind.LOW_MEMORY,
)
REPLY, REJECT, AWAIT, TRAP, DROPPED, PENDING = (
    Outcome.REPLY,
    Outcome.REJECT,
    Outcome.AWAIT,
    Outcome.TRAP,
    Outcome.DROPPED,
    Outcome.PENDING,
)


@dataclass(slots=True)
class Request:
    """A call waiting in an input queue: ingress (``callback_id is None``) or inter-canister."""

    sender: Principal
    receiver: Principal
    method: str
    args: tuple[Any, ...]
    callback_id: int | None = None  # the sender's callback, for inter-canister calls
    ingress: Ingress | None = None  # the user's pending call, for ingress messages
    # a bounded-wait (best-effort) call's deadline in ns since the epoch, a whole second;
    # 0: an unbounded (guaranteed response) call, the IC's ``NO_DEADLINE``
    deadline: int = 0


@dataclass(slots=True)
class Response:
    """The one answer to a request: ``reply`` is the value, or ``reject`` is set."""

    callback_id: int
    reply: Any = None
    reject: Reject | None = None


@dataclass(slots=True)
class Ingress:
    """An ingress message as the user sees it: submitted, then answered exactly once."""

    message_id: int
    sender: Principal
    receiver: Principal
    method: str
    args: tuple[Any, ...]
    done: bool = False
    reply: Any = None
    reject: Reject | None = None


@dataclass(slots=True)
class CallContext:
    """An open call on a canister: who called, whether it has answered, what it still awaits."""

    id: int
    canister: Principal
    caller: Principal
    method: str
    origin_callback: int | None = None  # caller's callback id (inter-canister origin)
    ingress: Ingress | None = None  # ingress origin
    system: Any = None  # a system origin (e.g. a management task) that wants the answer
    responded: bool = False
    outstanding: int = 0  # callbacks of this context not yet answered
    manual_reply: bool = False  # the method's return value is not its reply
    # deleted by uninstall_code: answered already, its callbacks run no code when their
    # responses arrive (the IC's ``CallContext::is_deleted``)
    deleted: bool = False

    @property
    def origin(self) -> str:
        if self.ingress is not None:
            return "ingress"
        if self.origin_callback is not None:
            return "canister"
        return "system"


@dataclass(slots=True)
class Callback(Request):
    """A call made by a canister, waiting for its response; and the request it sent (one
    record for both: the request's fields are the call's, ``sender`` is the caller, and
    ``id``, ``canister`` and ``target`` name ``callback_id``, ``sender`` and ``receiver``).

    ``continuation_id`` names the suspended frame in the canister's heap that the response will
    resume; ``slot`` is the index of that frame in the heap's continuation table (the IC keeps a
    table index in the callback's env, and a table slot can be reused by a later frame).

    A bounded-wait call's callback has a ``deadline`` (0 for an unbounded call); the router
    tracks which of those have a response queued already (see
    :meth:`subnet.routing.Router.deliver_response`).
    """

    call_context_id: int = 0
    continuation_id: int = 0
    slot: int = 0
    # foreign code's own record of what the response runs (a Wasm module's reply, reject
    # and cleanup closures); None for a Python frame
    closure: Any = None

    if TYPE_CHECKING:

        @property
        def id(self) -> int: ...

        @property
        def canister(self) -> Principal: ...

        @property
        def target(self) -> Principal: ...


# the callback's own names for the request's fields: the same slots (no copy to keep in step)
Callback.id = Request.__dict__["callback_id"]  # type: ignore[method-assign]
Callback.canister = Request.__dict__["sender"]  # type: ignore[method-assign]
Callback.target = Request.__dict__["receiver"]  # type: ignore[method-assign]
