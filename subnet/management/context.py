"""What every management method shares: the engine, id allocation, permissions, history.

The management canister's methods (:mod:`.methods` for the lifecycle, :mod:`.snapshots` for
snapshots) work through one :class:`ManagementContext`: it finds canisters and checks that the
sender controls them, records history entries, and holds the subnet's snapshot policy (the
guard, per-canister overrides, the snapshot limit). It knows nothing of the async API above it.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from .. import errors
from ..engine import Engine
from ..guards import SnapshotGuard
from ..ids import CanisterIdAllocator, Principal
from ..messages import Request
from ..system import CanisterState
from . import lifecycle

MAX_HISTORY = 20


class SnapshotPolicy:
    """What take and load do on a canister that is not stopped, and how many snapshots a
    canister may hold. ``guard`` applies to every canister without an override."""

    def __init__(self, guard: SnapshotGuard | None = None, max_per_canister: int = 10) -> None:
        self.guard = guard or SnapshotGuard()
        self.overrides: dict[Principal, SnapshotGuard] = {}
        self.max_per_canister = max_per_canister

    def guard_for(self, cid: Principal) -> SnapshotGuard:
        return self.overrides.get(cid) or self.guard


class ManagementContext:
    """The state and checks the management methods share (one per subnet)."""

    def __init__(
        self, engine: Engine, ids: CanisterIdAllocator, seed: int, policy: SnapshotPolicy
    ) -> None:
        self.engine = engine
        self.ids = ids
        self.policy = policy
        # raw_rand's generator: seeded from the subnet's seed, never from the wall clock
        self.rng = random.Random(hashlib.sha256(f"raw_rand/{seed}".encode()).digest())

    def canister(self, cid: Principal) -> CanisterState:
        cs = self.engine.get(cid)
        if cs is None:
            raise errors.state_canister_not_found(cid)
        return cs

    def controlled(self, req: Request, cid: Principal) -> CanisterState:
        """The canister, if the sender controls it (else 301 / 512)."""
        cs = self.canister(cid)
        if req.sender not in cs.controllers:
            raise errors.canister_invalid_controller(cid, cs.controllers, req.sender)
        return cs

    @staticmethod
    def origin(req: Request, sender_canister_version: int | None = None) -> dict[str, Any]:
        if req.ingress is not None:
            return {"from_user": {"user_id": req.sender}}
        return {
            "from_canister": {
                "canister_id": req.sender,
                "canister_version": sender_canister_version,
            }
        }

    def record_change(
        self, cs: CanisterState, origin: dict[str, Any], details: dict[str, Any]
    ) -> None:
        """Append to the canister's history (the most recent MAX_HISTORY are kept)."""
        cs.history.append(
            {
                "timestamp_nanos": self.engine.time,
                "canister_version": cs.version,
                "origin": origin,
                "details": details,
            }
        )
        if len(cs.history) > MAX_HISTORY:
            del cs.history[: len(cs.history) - MAX_HISTORY]
        cs.total_num_changes += 1
        self.engine.trace.emit("change", cs.id, next(iter(details)), ())

    def uninstall(self, cs: CanisterState, origin: dict[str, Any]) -> None:
        """Uninstall (also used by take_canister_snapshot with uninstall_code)."""
        lifecycle.uninstall(self.engine, cs)
        cs.version += 1
        self.record_change(cs, origin, {"code_uninstall": None})
        if cs.status == "stopping" and not cs.call_contexts:
            self.engine.finish_stop(cs)
