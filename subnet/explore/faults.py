"""Snapshot faults: takes and loads injected before steps, drawn through the chooser."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..api import Subnet
from ..choices import Chooser
from ..engine import Engine
from ..ids import MANAGEMENT, Principal

KINDS = ("take", "load", "upgrade", "stop", "trap", "timeout")
"""The fault kinds, in the order a choice among them is drawn."""


@dataclass(frozen=True)
class SnapshotFaults:
    """Inject snapshot takes and loads (and, if asked, upgrades) before steps, as a controller
    of the canister would.

    ``canisters``: names or ids (default: every canister with code); ``probability``: chance per
    step; ``take`` / ``load`` / ``upgrade`` / ``stop`` / ``trap`` / ``timeout``: which faults
    may be injected (docs/exploring.md has an example of each):

    - ``take``, ``load``: a snapshot of the canister, or a load of one of its snapshots;
    - ``upgrade``: reinstall the canister's own code in mode upgrade (``pre_upgrade``, a fresh
      heap, ``post_upgrade()``), the IC's other classic hazard when calls are in flight;
    - ``stop``: ``stop_canister`` on a running canister (it stops once its open calls are
      done, rejecting new ones meanwhile), or ``start_canister`` on one the explorer stopped;
    - ``trap``: the next execution of one of the canister's outstanding callbacks traps (as
      if its code trapped right after the ``await``): its ``finally`` blocks run as the
      cleanup, the rest of the callback's changes are rolled back;
    - ``timeout``: one of the canister's outstanding bounded-wait calls is answered with
      ``SYS_UNKNOWN`` now, as if its deadline had passed or its response had been dropped
      (:meth:`subnet.routing.Router.expire_callback`): whether the callee executed the call
      depends on where it is, which is what code that takes ``SYS_UNKNOWN`` for "did not
      happen" gets wrong. On the IC, load (memory pressure, a slow subnet) decides this.

    Injected calls may fail (an empty canister, the limit, a ``post_upgrade`` that needs
    arguments): that is part of the exploration, not an error of the run.
    """

    canisters: tuple[str, ...] | None = None
    probability: float = 0.05
    take: bool = True
    load: bool = True
    upgrade: bool = False
    stop: bool = False
    trap: bool = False
    timeout: bool = False

    def __post_init__(self) -> None:
        canisters = self.canisters
        if canisters is not None:
            if isinstance(canisters, str) or not isinstance(canisters, tuple | list):
                raise ValueError(
                    f"faults: canisters is a list of canister names or ids, not {canisters!r}"
                )
            if not all(isinstance(c, str) and c for c in canisters):
                raise ValueError(f"faults: every canister is a name or an id, got {canisters!r}")
            object.__setattr__(self, "canisters", tuple(canisters))
        p = self.probability
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 1:
            raise ValueError(f"faults: probability is a number from 0 to 1, not {p!r}")
        for name in KINDS:
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"faults: {name} is True or False, not {getattr(self, name)!r}")

    @classmethod
    def from_options(cls, options: Any) -> SnapshotFaults:
        """A scenario's ``FAULTS`` dict, checked (an unknown option is a clear error)."""
        if not isinstance(options, dict):
            raise ValueError(f"FAULTS is a dict of options, not {options!r}")
        known = ("canisters", "probability", *KINDS)
        unknown = sorted(str(k) for k in options if k not in known)
        if unknown:
            raise ValueError(
                f"FAULTS has unknown option(s) {', '.join(unknown)} (options: {', '.join(known)})"
            )
        return cls(**options)

    def hook(self, net: Subnet, chooser: Chooser, log: list[str]) -> Injector:
        return Injector(self, net, chooser, log)


class Injector:
    """Draws, before each step, whether to inject a snapshot take or load, and submits it.

    The step right after an injection executes the injected management call: no draw is made
    before it, so injections never stack up (at probability 1 every canister step is preceded
    by exactly one injection).
    """

    def __init__(self, faults: SnapshotFaults, net: Subnet, chooser: Chooser, log: list[str]):
        self.faults = faults
        self.net = net
        self.chooser = chooser
        self.log = log
        self.injected = False
        self.stopped: set[Principal] = set()  # canisters this injector stopped

    def unknown_canisters(self) -> list[str]:
        """The configured names that name no canister of the subnet (at the end of a run)."""
        unknown = []
        for name in self.faults.canisters or ():
            if name in self.net.names:
                continue
            try:
                if self.net.engine.get(Principal.from_text(name)) is not None:
                    continue
            except ValueError:
                pass
            unknown.append(name)
        return unknown

    def __call__(self, engine: Engine) -> None:
        if self.injected:  # this step runs the injected call
            self.injected = False
            return
        self._maybe_inject(engine)

    def _maybe_inject(self, engine: Engine) -> None:
        chooser, net, log = self.chooser, self.net, self.log
        if not chooser.weighted(self.faults.probability):  # inject or not: one small choice
            return
        if self.faults.canisters is None:
            targets = [cs for cs in engine.canisters.values() if cs.code is not None]
        else:
            targets = []
            for name in self.faults.canisters:
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
        faults = self.faults
        ops = [
            op for op, on in (("take", faults.take), ("load", faults.load and cs.snapshots)) if on
        ]
        # the later kinds come last, so that campaigns without them choose as before
        if faults.upgrade:
            ops.append("upgrade")
        if faults.stop and (cs.status == "running" or cs.id in self.stopped):
            ops.append("stop")
        if faults.trap and cs.callbacks:
            ops.append("trap")
        if faults.timeout and any(map(engine.can_time_out, cs.callbacks.values())):
            ops.append("timeout")
        if not ops:
            return
        op = ops[chooser.draw(len(ops))]
        sender = cs.controllers[0] if cs.controllers else net.default_identity
        name = next((n for n, c in net.names.items() if c == cs.id), str(cs.id))
        if op == "stop":
            if cs.status == "running":
                self.stopped.add(cs.id)
                net.submit(MANAGEMENT, "stop_canister", {"canister_id": cs.id}, sender=sender)
                log.append(f"step {engine.steps + 1}: stop {name}")
            else:
                self.stopped.discard(cs.id)
                net.submit(MANAGEMENT, "start_canister", {"canister_id": cs.id}, sender=sender)
                log.append(f"step {engine.steps + 1}: start {name}")
            self.injected = True
        elif op == "trap":
            pending = sorted(cs.callbacks)
            cb = cs.callbacks[pending[chooser.draw(len(pending))]]
            engine.doom_callback(cb.id)
            target = next((n for n, c in net.names.items() if c == cb.target), str(cb.target))
            log.append(
                f"step {engine.steps + 1}: trap {name}'s callback for its call to "
                f"{target}.{cb.method} (callback {cb.id})"
            )
        elif op == "timeout":
            bounded = sorted(i for i, c in cs.callbacks.items() if engine.can_time_out(c))
            cb = cs.callbacks[bounded[chooser.draw(len(bounded))]]
            how = engine.expire_callback(cb)
            target = next((n for n, c in net.names.items() if c == cb.target), str(cb.target))
            log.append(
                f"step {engine.steps + 1}: time out {name}'s call to {target}.{cb.method} "
                f"(callback {cb.id}, {how})"
            )
        elif op == "take":
            record: dict[str, Any] = {"canister_id": cs.id}
            if len(cs.snapshots) >= net.max_snapshots_per_canister:
                record["replace_snapshot"] = next(iter(cs.snapshots))
            net.submit(MANAGEMENT, "take_canister_snapshot", record, sender=sender)
            self.injected = True
            log.append(f"step {engine.steps + 1}: take a snapshot of {name}")
        elif op == "upgrade":
            record = {"mode": "upgrade", "canister_id": cs.id, "wasm_module": cs.code}
            net.submit(MANAGEMENT, "install_code", record, sender=sender)
            self.injected = True
            log.append(f"step {engine.steps + 1}: upgrade {name}")
        else:
            ids = sorted(cs.snapshots)
            sid = ids[chooser.draw(len(ids))]
            net.submit(
                MANAGEMENT,
                "load_canister_snapshot",
                {"canister_id": cs.id, "snapshot_id": sid},
                sender=sender,
            )
            self.injected = True
            log.append(f"step {engine.steps + 1}: load snapshot {sid.hex()} into {name}")
