"""The trace: an observer of the engine, and the file that replays a run.

The engine emits an :class:`Event` at a few well-defined points (a message submitted, a
message executed and how it ended, a call sent, a trap, a system reject, a call context closed,
a status change, a management operation, time advanced, a hazard). Emitting is appending a
small named tuple to a list, cheap enough to be always on.

A trace *file* is CBOR: the run's metadata (seed, strategy, scenario), the decision list (the
index chosen at every step where more than one source was ready) and the events. The decision
list alone replays the run (``strategies.replay``); the events let a replay check that it went
the same way, and let ``subnet trace show`` print it. Encoding is deterministic, so the same
seed and scenario give byte-identical files on asyncio and on trio.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .codec import DocumentError, decode_document, encode_document
from .ids import Principal

if TYPE_CHECKING:
    from .engine import Engine

FORMAT = "subnet-trace"
VERSION = 1


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
    ``kind``."""

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


class Trace:
    """The events of one run, in order, plus the hazards among them.

    The engine appends plain tuples to ``raw`` (cheap enough to be always on); ``events`` turns
    them into :class:`Event` named tuples when someone looks.
    """

    __slots__ = ("_events", "hazards", "raw")

    def __init__(self) -> None:
        self.raw: list[tuple[Any, ...]] = []
        self._events: list[Event] = []
        self.hazards: list[Hazard] = []

    @property
    def events(self) -> list[Event]:
        done = len(self._events)
        if done < len(self.raw):
            make = Event._make
            self._events.extend(make(e) for e in self.raw[done:])
        return self._events

    def emit(
        self,
        engine: Engine,
        kind: str,
        canister: Principal | None,
        method: str,
        data: tuple[Any, ...],
    ) -> None:
        self.raw.append((engine.steps, engine.time, kind, canister, method, data))

    def hazard(
        self,
        engine: Engine,
        kind: str,
        canister: Principal,
        explanation: str,
        details: dict[str, Any],
    ) -> None:
        assert kind in HAZARDS, f"undocumented hazard kind {kind!r}"
        hz = Hazard(engine.steps, engine.time, kind, canister, explanation, dict(details))
        self.hazards.append(hz)
        self.raw.append(
            (
                engine.steps,
                engine.time,
                "hazard",
                canister,
                kind,
                (explanation, tuple(sorted(details.items()))),
            )
        )

    def __len__(self) -> int:
        return len(self.raw)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.events)

    def __getitem__(self, index: int) -> Event:
        return self.events[index]

    def kinds(self) -> list[str]:
        return [e[2] for e in self.raw]


@dataclass(frozen=True)
class TraceFile:
    """A loaded trace file: enough to replay and to compare."""

    meta: dict[str, Any]
    decisions: list[int]
    events: list[Event]


def encode_trace(meta: dict[str, Any], decisions: list[int], events: list[Event]) -> bytes:
    return encode_document(
        FORMAT,
        VERSION,
        {
            "meta": meta,
            "decisions": list(decisions),
            "events": [list(e) for e in events],  # plain arrays: no tuple tag per event
        },
    )


class TraceError(ValueError):
    """A trace file that cannot be read."""


def decode_trace(data: bytes) -> TraceFile:
    try:
        doc = decode_document(data, FORMAT, VERSION)
    except DocumentError as exc:
        if exc.problem == "damaged":
            raise TraceError(f"not a trace file (CBOR decoding failed: {exc.detail})") from None
        if exc.problem == "format":
            raise TraceError("not a subnet trace file") from None
        raise TraceError(f"unsupported trace version {exc.detail!r} (this is {VERSION})") from None
    try:
        events = [Event(*e) for e in doc["events"]]
        return TraceFile(dict(doc["meta"]), [int(d) for d in doc["decisions"]], events)
    except (KeyError, TypeError, ValueError) as exc:
        raise TraceError(f"damaged trace file: {exc}") from None


def load_trace(path: str | os.PathLike[str]) -> TraceFile:
    """Read a trace file written by ``Subnet.save_trace``."""
    return decode_trace(Path(path).read_bytes())
