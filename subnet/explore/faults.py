"""Snapshot faults: takes and loads injected before steps, drawn through the chooser."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..api import Subnet
from ..choices import Chooser
from ..engine import Engine
from ..ids import MANAGEMENT, Principal

INJECT_SCALE = 1000  # an injection draw is an int in [0, 1000): high values inject


@dataclass(frozen=True)
class SnapshotFaults:
    """Inject snapshot takes and loads before steps, as a controller of the canister would.

    ``canisters``: names or ids (default: every canister with code); ``probability``: chance per
    step; ``take`` / ``load``: which operations may be injected. A load picks one of the
    canister's snapshots. Injected calls may fail (an empty canister, the limit): that is part of
    the exploration, not an error of the run.
    """

    canisters: tuple[str, ...] | None = None
    probability: float = 0.05
    take: bool = True
    load: bool = True

    def hook(self, net: Subnet, chooser: Chooser, log: list[str]) -> Callable[[Engine], None]:
        threshold = INJECT_SCALE - round(self.probability * INJECT_SCALE)

        def before_step(engine: Engine) -> None:
            if chooser.draw(INJECT_SCALE) < threshold:
                return
            if self.canisters is None:
                targets = [cs for cs in engine.canisters.values() if cs.code is not None]
            else:
                targets = []
                for name in self.canisters:
                    cid = net.names.get(name)
                    if cid is None:
                        try:
                            cid = Principal.from_text(name)
                        except ValueError:
                            continue  # a name not deployed yet
                    cs = engine.get(cid)
                    if cs is not None and cs.code is not None:
                        targets.append(cs)
            if not targets:
                return
            cs = targets[chooser.draw(len(targets))]
            ops = [
                op for op, on in (("take", self.take), ("load", self.load and cs.snapshots)) if on
            ]
            if not ops:
                return
            op = ops[chooser.draw(len(ops))]
            sender = cs.controllers[0] if cs.controllers else net.default_identity
            if op == "take":
                record: dict[str, Any] = {"canister_id": cs.id}
                if len(cs.snapshots) >= net.max_snapshots_per_canister:
                    record["replace_snapshot"] = next(iter(cs.snapshots))
                net.submit(MANAGEMENT, "take_canister_snapshot", record, sender=sender)
                log.append(f"step {engine.steps + 1}: take a snapshot of {cs.id}")
            else:
                ids = sorted(cs.snapshots)
                sid = ids[chooser.draw(len(ids))]
                net.submit(
                    MANAGEMENT,
                    "load_canister_snapshot",
                    {"canister_id": cs.id, "snapshot_id": sid},
                    sender=sender,
                )
                log.append(f"step {engine.steps + 1}: load snapshot {sid.hex()} into {cs.id}")

        return before_step
