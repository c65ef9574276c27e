"""What the engine records: the event schema, hazards, and the recorder the engine appends to.

The engine emits an :class:`Event` at a few well-defined points (a message submitted, a
message executed and how it ended, a call sent, a trap, a system reject, a bounded-wait call
answered by the system, a call context closed, a status change, a management operation, time
advanced, a hazard). Recording is appending a
plain tuple ``(step, time, kind, canister, method, data)`` to a list, cheap enough to be always
on; :attr:`Recorder.events` turns them into :class:`Event` named tuples when someone looks.

:data:`EVENTS` is the schema: every kind, what its ``method`` field holds and what its ``data``
tuple holds, in order. It is the one place the trace format is described; the reference page
(docs/reference.md) and the tests are checked against it, and :func:`schema_error` checks a
recorded event against it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .ids import Principal

EVENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    # kind: (what ``method`` holds, names of the ``data`` fields; a trailing "?" is optional)
    "submit": ("method", ("message id", "sender", "arguments?")),
    "ingress_done": ("method", ("message id", "reply|reject", "(reject code, message) or None")),
    "exec": (
        "method",
        (
            "ingress|request|response|timer|heartbeat|on_low_wasm_memory",
            "call context",
            "outcome",
            "callback?",
            "reply|reject?",
        ),
    ),
    "call": (
        "method called",
        ("call context", "callback", "target", "continuation", "slot", "arguments?"),
    ),
    "trap": ("method", ("reject message",)),
    "debug_print": ("method", ("text",)),
    "cleanup": ("method", ("changed attributes...",)),
    "rejected": ("method", ("ingress|request", "error code")),
    "dropped": ("", ("callback",)),
    "expired": (
        "method called",
        ("callback", "target", "deadline|request dropped|response dropped"),
    ),
    "context_closed": ("method", ("call context",)),
    "query": ("method", ()),
    "subnet": ("management method", ("outcome",)),
    "created": ("", ()),
    "deleted": ("", ()),
    "status": ("new status", ()),
    "change": ("history entry kind", ()),
    "snapshot_taken": (
        "snapshot id",
        ("status", "open call contexts", "callbacks", "continuations held"),
    ),
    "snapshot_loaded": (
        "snapshot id",
        ("status", "open call contexts", "callbacks", "continuations held"),
    ),
    "snapshot_deleted": ("snapshot id", ()),
    "snapshot_upload": ("snapshot id", ()),
    "timer_due": ("", ("deadline",)),
    "timer_skipped": ("", ("deadline",)),
    "time": ("", ("new time",)),
    "hazard": ("hazard kind", ("explanation", "details")),
}
"""Every event kind: what its ``method`` field holds, and its ``data`` fields in order."""


HAZARDS: dict[str, str] = {
    "snapshot_taken_while_running": "a snapshot was taken of a canister that was not stopped",
    "snapshot_taken_while_stopping": "a snapshot was taken of a canister still stopping",
    "snapshot_loaded_while_running": "a snapshot was loaded into a canister that was not stopped",
    "snapshot_loaded_while_stopping": "a snapshot was loaded into a canister still stopping",
    "stale_continuation": "a suspended frame held by the loaded heap will resume against the "
    "loaded state, with local variables from before the load",
    "leaked_continuation": "the loaded heap holds a suspended frame whose callback is gone: it "
    "never resumes, and what it holds (a lock, reserved funds) stays held",
    "dangling_callback": "after a load, a callback refers to a frame the heap no longer holds",
    "orphaned_response": "a response arrived for a frame the heap does not hold: the callback "
    "traps",
    "misdelivered_response": "a response resumed a different frame that now holds its table slot "
    "(orphan_policy='misdeliver')",
    "starved_call_context": "a call context lost its frame and can never reply: the system "
    "rejects its caller",
}
"""Every kind of hazard the simulator records, with what it means (docs/reference.md)."""


class Event(NamedTuple):
    """One thing the engine did. ``data`` is a tuple of plain values whose meaning depends on
    ``kind`` (see :data:`EVENTS`)."""

    step: int
    time: int
    kind: str
    canister: Principal | None
    method: str
    data: tuple[Any, ...]

    def __str__(self) -> str:
        where = str(self.canister) if self.canister is not None else "-"
        detail = " ".join(str(d) for d in self.data)
        return f"{self.step:>6} {self.kind:<14} {where} {self.method} {detail}".rstrip()


def schema_error(event: Event | tuple[Any, ...]) -> str | None:
    """Why ``event`` does not fit :data:`EVENTS` (``None`` if it does)."""
    if len(event) != 6:
        return f"an event has 6 fields, this one {len(event)}"
    step, time, kind, canister, method, data = event
    if kind not in EVENTS:
        return f"unknown event kind {kind!r}"
    if not isinstance(step, int) or not isinstance(time, int) or not isinstance(method, str):
        return f"{kind}: step and time are ints, method a str"
    if canister is not None and not isinstance(canister, Principal):
        return f"{kind}: canister {canister!r} is not a principal"
    if not isinstance(data, tuple | list):
        return f"{kind}: data is not a sequence"
    names = EVENTS[kind][1]
    if names and names[-1].endswith("..."):
        return None
    required = [n for n in names if not n.endswith("?")]
    if not len(required) <= len(data) <= len(names):
        return f"{kind}: {len(data)} data fields, expected {', '.join(names) or 'none'}"
    return None


@dataclass(frozen=True, slots=True)
class Hazard:
    """Something that is legal on the IC and probably not what the developer wanted."""

    step: int
    time: int
    kind: str
    canister: Principal
    explanation: str
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"[{self.kind}] {self.canister}: {self.explanation}"


Clock = Callable[[], tuple[int, int]]  # (step, time) now


class Recorder:
    """The events of one run, in order, plus the hazards among them.

    The engine's hot paths append plain tuples to ``raw`` directly; everything else goes
    through :meth:`emit` and :meth:`hazard`, which stamp the event with the ``clock``. A raw
    event is flat: ``(step, time, kind, canister, method, *data)``, one tuple per event (an
    :class:`Event` is made from it when asked for: :attr:`events`, :meth:`rows`).
    """

    __slots__ = ("_events", "clock", "hazards", "raw")

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.raw: list[tuple[Any, ...]] = []
        self._events: list[Event] = []
        self.hazards: list[Hazard] = []

    @property
    def events(self) -> list[Event]:
        done = len(self._events)
        if done < len(self.raw):
            make = Event._make
            self._events.extend(make((*e[:5], e[5:])) for e in self.raw[done:])
        return self._events

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """Every event as ``(step, time, kind, canister, method, data)``, made as it is read
        (kept nowhere: saving a long trace does not hold it twice)."""
        for e in self.raw:
            yield (*e[:5], e[5:])

    def emit(
        self, kind: str, canister: Principal | None, method: str, data: tuple[Any, ...] = ()
    ) -> None:
        step, time = self.clock()
        self.raw.append((step, time, kind, canister, method, *data))

    def hazard(
        self, kind: str, canister: Principal, explanation: str, details: dict[str, Any]
    ) -> None:
        assert kind in HAZARDS, f"undocumented hazard kind {kind!r}"
        step, time = self.clock()
        self.hazards.append(Hazard(step, time, kind, canister, explanation, dict(details)))
        self.raw.append(
            (step, time, "hazard", canister, kind, explanation, tuple(sorted(details.items())))
        )

    def __len__(self) -> int:
        return len(self.raw)

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def __getitem__(self, index: int) -> Event:
        return self.events[index]

    def kinds(self) -> list[str]:
        return [e[2] for e in self.raw]
