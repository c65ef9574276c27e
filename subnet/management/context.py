"""What every management method shares: the engine, id allocation, permissions, history.

The management canister's methods (:mod:`.methods` for the lifecycle, :mod:`.snapshots` for
snapshots) work through one :class:`ManagementContext`: it finds canisters and checks that the
sender controls them, records history entries, and holds the subnet's snapshot policy (the
guard, per-canister overrides, the snapshot limit). It knows nothing of the async API above it.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import errors
from ..engine import Engine
from ..errors import ErrorCode, Reject
from ..guards import Policy, SnapshotGuard
from ..ids import LOCAL_CANISTER_RANGE_START, CanisterIdAllocator, Principal
from ..messages import Ingress, Request
from ..system import CanisterState
from . import lifecycle

MAX_HISTORY = 20

HARNESS = Principal.from_canister_index(LOCAL_CANISTER_RANGE_START)
"""``bnz7o-iuaaa-aaaaa-qaaaa-cai``: the built-in harness canister, from which ``net.management``
sends the methods only canisters may call (``canister_info``, ``raw_rand``), as the IC's own
tests call them from a universal canister. The id allocator never hands it out (the first
canister is the next index), and it is not a canister of the subnet: it only sends these
calls."""


@dataclass(slots=True)
class HarnessCall(Ingress):
    """A call the harness canister makes for a scenario. It is a canister's call to the
    management canister (no ingress filter, ``from_canister`` origin); the scenario awaits it
    like an ingress message, so it is answered the same way."""


def user_cannot_call(method: str) -> Reject:
    """504: a canister-only method that reached execution as an ingress message (the ingress
    filter refuses it first): ``<method> cannot be called by a user.``

    Source: ``rs/execution_environment/src/execution_environment.rs``
    (``reject_unexpected_ingress``)."""
    return Reject.from_error(
        ErrorCode.CanisterContractViolation, f"{method} cannot be called by a user."
    )


class NotSavable(ValueError):
    """A part of the subnet's state that cannot be written to a file (a snapshot guard that is
    a function); the message says which, in one line."""


def _policy_state(policy: Policy, where: str) -> str:
    if callable(policy):
        raise NotSavable(f"cannot save {where}: its snapshot guard is a function")
    return policy


def _guard_state(guard: SnapshotGuard, where: str) -> list[str]:
    return [_policy_state(guard.take, where), _policy_state(guard.load, where)]


def _guard_from(doc: Sequence[str]) -> SnapshotGuard:
    take, load = doc
    return SnapshotGuard(take=take, load=load)


class SnapshotPolicy:
    """What take and load do on a canister that is not stopped, and how many snapshots a
    canister may hold. ``guard`` applies to every canister without an override."""

    def __init__(self, guard: SnapshotGuard | None = None, max_per_canister: int = 10) -> None:
        self.guard = guard or SnapshotGuard()
        self.overrides: dict[Principal, SnapshotGuard] = {}
        self.max_per_canister = max_per_canister

    def guard_for(self, cid: Principal) -> SnapshotGuard:
        return self.overrides.get(cid) or self.guard

    def state(self) -> dict[str, Any]:
        """The policy as plain data: each guard as ``[take, load]``, overrides in the order set.
        A guard that is a function cannot be written down: :class:`NotSavable`."""
        return {
            "max_snapshots_per_canister": self.max_per_canister,
            "snapshot_guard": _guard_state(self.guard, "the subnet"),
            "guard_overrides": [
                [cid, _guard_state(g, f"canister {cid}")] for cid, g in self.overrides.items()
            ],
        }

    def restore(self, doc: Mapping[str, Any]) -> None:
        """Take back what :meth:`state` returned (replacing the guard, overrides and limit)."""
        self.max_per_canister = doc["max_snapshots_per_canister"]
        self.guard = _guard_from(doc["snapshot_guard"])
        self.overrides.clear()
        for cid, g in doc["guard_overrides"]:
            self.overrides[cid] = _guard_from(g)


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

    def state(self) -> dict[str, Any]:
        """What the management canister keeps between calls: the snapshot policy, the next
        canister id's index, and ``raw_rand``'s generator state."""
        version, internal, gauss = self.rng.getstate()
        return {
            **self.policy.state(),
            "next_canister_index": self.ids.next_index,
            "raw_rand": [version, list(internal), gauss],
        }

    def restore(self, doc: Mapping[str, Any]) -> None:
        """Take back what :meth:`state` returned."""
        self.policy.restore(doc)
        self.ids.next_index = doc["next_canister_index"]
        version, internal, gauss = doc["raw_rand"]
        self.rng.setstate((version, tuple(internal), gauss))

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
    def from_user(req: Request) -> bool:
        """Whether ``req`` is an ingress message (from a user), not a canister's call."""
        return req.ingress is not None and not isinstance(req.ingress, HarnessCall)

    @classmethod
    def origin(cls, req: Request, sender_canister_version: int | None = None) -> dict[str, Any]:
        if cls.from_user(req):
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
        """Uninstall (also used by take_canister_snapshot with uninstall_code).

        Call contexts still awaiting responses are deleted, not closed
        (:func:`.lifecycle.uninstall`): a stopping canister becomes stopped only once the
        last of those responses has arrived, as the IC's ``SystemState::try_stop_canister``
        waits for no callbacks and no call contexts."""
        lifecycle.uninstall(self.engine, cs)
        cs.version += 1
        self.record_change(cs, origin, {"code_uninstall": None})
        for ctx in list(cs.call_contexts.values()):
            self.engine.close_if_done(cs, ctx, None)  # nothing outstanding: closes now
        if cs.status == "stopping" and not cs.call_contexts:
            self.engine.finish_stop(cs)
