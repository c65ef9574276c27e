"""A read-only view of one canister's system state, for tests, teaching and snapshot guards."""

from __future__ import annotations

from typing import Any

from .ids import ANONYMOUS, Principal
from .memory import unique_bytes
from .records import Snapshot
from .system import CanisterState


class CanisterView:
    """A read-only view of a canister's system state, for tests and teaching."""

    def __init__(self, cs: CanisterState) -> None:
        self._cs = cs

    @property
    def id(self) -> Principal:
        return self._cs.id

    @property
    def status(self) -> str:
        return self._cs.status

    @property
    def version(self) -> int:
        return self._cs.version

    @property
    def controllers(self) -> list[Principal]:
        return sorted(self._cs.controllers)

    @property
    def open_call_contexts(self) -> int:
        return len(self._cs.call_contexts)

    @property
    def outstanding_callbacks(self) -> int:
        return len(self._cs.callbacks)

    @property
    def continuations(self) -> dict[int, int]:
        """The heap's continuation table: slot -> continuation id."""
        return dict(self._cs.continuations)

    @property
    def module_hash(self) -> bytes | None:
        code = self._cs.code
        return code.module_hash() if code is not None else None

    @property
    def is_wasm(self) -> bool:
        """Whether the canister runs a Wasm module (its heap is linear memory)."""
        return self._cs.runtime is not None

    @property
    def heap(self) -> dict[str, Any]:
        """A copy of the committed heap. A Wasm module's heap is its linear memory: what it
        shows is its size, a hash of its content and the mutable globals (ask the canister
        with :meth:`peek` for what the memory means)."""
        runtime = self._cs.runtime
        if runtime is not None:
            return runtime.summary()
        return self._cs.heap.values()

    def peek(self, method: str, *args: Any) -> Any:
        """The reply of the query ``method`` of a Wasm canister, run against its committed
        memory as the anonymous principal, changing nothing and recording nothing: how an
        invariant or a guard looks inside a canister whose heap is linear memory (a Python
        canister's is :attr:`heap`). Raises the reject if the query fails."""
        runtime = self._cs.runtime
        if runtime is None:
            raise TypeError("peek is for Wasm canisters; a Python canister's heap is .heap")
        return runtime.query(method, tuple(args), ANONYMOUS)

    @property
    def snapshots(self) -> list[Snapshot]:
        """The canister's snapshots (as ``list_canister_snapshots`` describes them)."""
        return [
            Snapshot(s.id, s.taken_at_timestamp, s.total_size) for s in self._cs.snapshots.values()
        ]

    @property
    def call_context_summaries(self) -> list[str]:
        """One line per open call context: method, caller, callbacks it waits for."""
        return [
            f"{ctx.method} from {ctx.caller}, waiting on {ctx.outstanding} call(s)"
            for ctx in self._cs.call_contexts.values()
        ]

    @property
    def held_bytes(self) -> int:
        """Bytes actually held for this canister and its snapshots (chunks shared copy-on-write
        counted once); ``canister_status`` reports ``memory_size`` as the IC counts it."""
        cs = self._cs
        heap_bytes = cs.heap_size() if cs.code is not None else 0
        memories = [cs.stable, *(s.stable for s in cs.snapshots.values())]
        others = sum(len(s.module) + len(s.heap_image) for s in cs.snapshots.values())
        return heap_bytes + unique_bytes(*memories) + others

    @property
    def hook_status(self) -> str:
        """The ``on_low_wasm_memory`` hook's status: ``condition_not_satisfied``, ``ready`` or
        ``executed`` (what a snapshot records as ``on_low_wasm_memory_hook_status``)."""
        return self._cs.hook_status

    @property
    def queued_messages(self) -> int:
        sources = [self._cs.ingress, *self._cs.queues.values()]
        return sum(len(s.items) for s in sources if s is not None)

    def __repr__(self) -> str:
        return (
            f"<Canister {self.id} {self.status} v{self.version} "
            f"contexts={self.open_call_contexts} callbacks={self.outstanding_callbacks}>"
        )
