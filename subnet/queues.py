"""Where work waits: per-sender FIFO queues, one-shot sources, and the ready set.

Ordering rules (the IC's): requests from one sender to one receiver start executing in the
order they were sent (one FIFO queue per sender-receiver pair, plus one FIFO of ingress messages
per canister); responses have no ordering guarantee (each response is a source of its own, so a
strategy may deliver them in any order); a global timer that came due is a source of its own
too. Every source that has work is in the *ready set*, a sorted list of integer source ids: ids
are handed out from a counter, so the order of the ready set, and therefore every choice a
strategy makes, is independent of hashing and object identity.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import deque
from typing import TYPE_CHECKING, Any

from sortedcontainers import SortedList

from .ids import Principal
from .messages import Callback, Request, SourceKind

if TYPE_CHECKING:
    from .system import CanisterState

SWEEP_EVERY = 4096  # emptied pair queues collected before they are forgotten
# above BIG ready sources, a SortedList; below SMALL, a plain list. Measured: bisect, index, del
# and insort on a plain list cost less than on a SortedList up to ~20,000 entries (memmove of a
# few KiB is cheaper than SortedList's pure-Python bookkeeping). Written as products so that
# the module's literal constants stay those Hypothesis already mined (it draws from them)
BIG_READY_SET = 512 * 32  # 16,384
SMALL_READY_SET = 128 * 32  # 4,096
# the step loop checks the ready set's size every REBALANCE_EVERY steps (the structure holds
# the same set either way: when it switches changes no choice, only what a step costs)
REBALANCE_EVERY = 128 * 32  # 4,096


class ReadySet(list[int]):
    """The ids of the sources that have work, kept sorted: a plain list with C-level bisection.

    Strategies index it and bisect it, as they would a ``SortedList``. While the set is small
    (the common case: a few queues with work) a list's insertion memmove is far cheaper than the
    pure-Python bookkeeping of a balanced structure; the engine switches to a ``SortedList``
    when the set grows large, and back when it shrinks (see :func:`rebalanced`).
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


LONG_FIFO = 32  # an ingress queue this long becomes a deque (taking its head stays O(1))


def longer(src: Source, item: Any) -> None:
    """Append ``item`` to an ingress queue, a deque from ``LONG_FIFO`` messages on."""
    items = src.items
    if type(items) is list and len(items) >= LONG_FIFO:
        items = src.items = deque(items)
    items.append(item)


class OneShot:
    """A source with exactly one message: a response, or a system task (a timer that came due,
    a heartbeat, the low-memory hook). It leaves the ready set when it runs (no queue of its
    own to keep)."""

    __slots__ = ("canister", "id", "item", "kind")

    def __init__(self, sid: int, kind: SourceKind, canister: CanisterState, item: Any) -> None:
        self.id = sid
        self.kind = kind  # "response" | "timer" | "heartbeat" | "on_low_wasm_memory"
        self.canister = canister
        self.item = item


class Source:
    """One place work comes from: a FIFO of requests (per sender) or of ingress messages.

    The FIFO is a plain list: a queue is most often empty or holds one message, and a large
    subnet keeps one ingress queue per canister and thousands of empty pair queues (until
    they are forgotten): an empty list is 56 bytes, an empty deque 624. A pair queue holds at
    most ``QUEUE_CAPACITY`` requests; an ingress queue, which has no bound, becomes a deque
    once it holds ``LONG_FIFO`` messages (:func:`longer`)."""

    __slots__ = ("canister", "id", "items", "kind", "sender")

    def __init__(
        self,
        sid: int,
        kind: SourceKind,
        canister: CanisterState,
        sender: Principal | None,
    ) -> None:
        self.id = sid
        self.kind = kind
        self.canister = canister
        self.sender = sender
        self.items: deque[Any] | list[Any] = []


Chain = tuple[Any, ...]
"""A causal chain: ``("ingress", message id)``, ``("timer", canister)``, ``("heartbeat",
canister)``, ``("on_low_wasm_memory", canister)`` or ``("system", call context id)``, the
origin of every message it caused."""

_TASKS = {
    SourceKind.TIMER: "timer",
    SourceKind.HEARTBEAT: "heartbeat",
    SourceKind.LOW_MEMORY: "on_low_wasm_memory",
}
_TASK_METHODS = {
    "global_timer": "timer",
    "heartbeat": "heartbeat",
    "on_low_wasm_memory": "on_low_wasm_memory",
}


class SourcesView:
    """What a strategy may know of a ready source: the causal chain its next message belongs
    to, the ingress message (or timer) that started it, followed through every call and
    response it caused. Read-only; it hands out no engine objects."""

    __slots__ = ("_callbacks", "_canisters", "_sources")

    def __init__(
        self,
        sources: dict[int, Source | OneShot],
        callbacks: dict[int, Callback],
        canisters: dict[Principal, CanisterState],
    ) -> None:
        self._sources = sources
        self._callbacks = callbacks
        self._canisters = canisters

    def chain(self, sid: int) -> Chain:
        """The causal chain of the next message of source ``sid``."""
        src = self._sources[sid]
        if isinstance(src, OneShot):
            task = _TASKS.get(src.kind)
            if task is not None:
                return (task, src.canister.id)
            return self._of_callback(src.item[0])
        head: Request = src.items[0]
        if head.ingress is not None:
            return ("ingress", head.ingress.message_id)
        return self._of_callback(head.callback_id)

    def _of_callback(self, callback_id: int | None) -> Chain:
        """The chain of the call context that made call ``callback_id``."""
        while True:  # up the chain of calls: each open call context was opened by a call
            cb = self._callbacks.get(callback_id) if callback_id is not None else None
            if cb is None:
                return ("system", callback_id)
            cs = self._canisters.get(cb.canister)
            ctx = cs.call_contexts.get(cb.call_context_id) if cs is not None else None
            if ctx is None:
                return ("system", cb.call_context_id)
            if ctx.ingress is not None:
                return ("ingress", ctx.ingress.message_id)
            if ctx.origin_callback is None:
                task = _TASK_METHODS.get(ctx.method)
                if task is not None:
                    return (task, ctx.canister)
                return ("system", ctx.id)
            callback_id = ctx.origin_callback


def rebalanced(ready: ReadySet | SortedList) -> ReadySet | SortedList:
    """The ready set in the structure that suits its size: a plain list while small, a
    ``SortedList`` when large (see :class:`ReadySet`)."""
    if type(ready) is ReadySet and len(ready) > BIG_READY_SET:
        return SortedList(ready)
    if type(ready) is SortedList and len(ready) < SMALL_READY_SET:
        return ReadySet(ready)
    return ready
