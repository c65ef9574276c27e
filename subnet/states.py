"""Per-step states for a trace: what the trace viewer shows of each canister after each step.

A :class:`StateRecorder` is an :attr:`subnet.engine.Engine.after_step` observer. Attached (by
``net.record_states()``), it records after every step a compact *delta*: for each canister that
changed in the step, only the parts that changed (status, open call contexts, outstanding
callbacks, the continuation table, the heap attributes whose value changed, the snapshot ids).
Nothing is recorded, and nothing costs anything, unless it is attached.

One recorded entry is plain data (it goes into the trace file under ``states``)::

    {"step": 7, "canisters": {principal: {"status": "running",
                                          "contexts": [[id, caller, method, responded], ...],
                                          "callbacks": [[id, target, method, continuation,
                                                         slot, held], ...],
                                          "continuations": [[slot, continuation], ...],
                                          "heap": {attribute: value, ...},
                                          "heap_removed": [attribute, ...],
                                          "snapshots": [snapshot id (hex), ...]}}}

A canister entry holds only the keys whose value changed; a canister that is gone has the
status ``deleted``. A callback is ``held`` while the heap's continuation table still holds its
continuation in its slot (a loaded snapshot or a reinstall can take it away). The first entry
(at the step where recording starts) holds every canister in full.
"""

from __future__ import annotations

from typing import Any

from .engine import Engine
from .ids import Principal
from .routing import Done
from .system import CanisterState
from .view import CanisterView

#: The parts of a canister's state a delta may hold (besides ``heap`` and ``heap_removed``).
PARTS = ("status", "contexts", "callbacks", "continuations", "snapshots")


def _parts(cs: CanisterState) -> dict[str, Any]:
    """The small parts of a canister's state, as recorded (everything but the heap)."""
    table = cs.continuations
    return {
        "status": str(cs.status),
        "contexts": [
            [ctx.id, ctx.caller, ctx.method, ctx.responded] for ctx in cs.call_contexts.values()
        ],
        "callbacks": [
            [
                cb.id,
                cb.target,
                cb.method,
                cb.continuation_id,
                cb.slot,
                table.get(cb.slot) == cb.continuation_id,
            ]
            for cb in cs.callbacks.values()
        ],
        "continuations": [[slot, cont] for slot, cont in sorted(table.items())],
        "snapshots": [_snapshot_id(sid) for sid in cs.snapshots],
    }


def _snapshot_id(sid: Any) -> str:
    return sid.hex() if isinstance(sid, bytes | bytearray) else str(sid)


class StateRecorder:
    """Records, after every step, what changed in each canister (see the module's text)."""

    def __init__(self) -> None:
        self.states: list[dict[str, Any]] = []
        self._parts: dict[Principal, dict[str, Any]] = {}
        self._heaps: dict[Principal, dict[str, Any]] = {}

    def attach(self, engine: Engine) -> None:
        """Record from now on: the current state in full, then one delta after every step."""
        if self not in engine.after_step:
            self._record(engine)
            engine.after_step.append(self)

    def __call__(self, engine: Engine, done: Done) -> None:
        self._record(engine)

    def _record(self, engine: Engine) -> None:
        changed: dict[Principal, dict[str, Any]] = {}
        for cid, cs in engine.canisters.items():
            delta: dict[str, Any] = {}
            parts = _parts(cs)
            before = self._parts.get(cid, {})
            for key in PARTS:
                if before.get(key) != parts[key]:
                    delta[key] = parts[key]
            self._parts[cid] = parts
            heap = CanisterView(cs).heap
            old = self._heaps.get(cid, {})
            new = {k: v for k, v in heap.items() if k not in old or not _same(old[k], v)}
            if new:
                delta["heap"] = new
            removed = [k for k in old if k not in heap]
            if removed:
                delta["heap_removed"] = removed
            self._heaps[cid] = heap
            if delta:
                changed[cid] = delta
        for cid in [c for c in self._parts if c not in engine.canisters]:
            del self._parts[cid]
            self._heaps.pop(cid, None)
            changed[cid] = {"status": "deleted"}
        if changed or not self.states:
            self.states.append({"step": engine.steps, "canisters": changed})


def _same(a: Any, b: Any) -> bool:
    """Equal values of the same shape (``1 == True`` and ``[1] == (1,)`` are changes here)."""
    return type(a) is type(b) and a == b
