"""The public, async face of the simulator: :class:`Subnet` and :class:`CanisterHandle`.

The engine is synchronous and deterministic; this module only decides *when* to step it. An
``await`` on a pending call steps the engine until that call has its answer, yielding to the
host event loop (asyncio or trio, through anyio) every few hundred steps so that other tasks
stay responsive. Which message runs at each step is chosen by the engine's strategy alone, so a
run is the same whichever task happens to be driving and whichever backend runs it.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Mapping
from types import TracebackType
from typing import Any

import anyio.lowlevel

from actors.canister import Canister

from .budget import DEFAULT_LIMIT_S, WATCHDOG
from .codec import write_atomic
from .engine import Engine, StepInfo, fewer_collections
from .errors import Reject
from .events import Event, Hazard
from .guards import SnapshotGuard
from .ids import MANAGEMENT, CanisterIdAllocator, Principal, identity_principal
from .management import Management, ManagementClient, SnapshotPolicy
from .messages import Ingress
from .routing import DEFAULT_ROUND_NS, DEFAULT_START_TIME_NS, DEFAULT_STEP_NS
from .states import StateRecorder
from .strategies import Strategy, make_strategy
from .trace import encode_trace
from .view import CanisterView
from .wasm.module import InvalidWasm, WasmModule

STEPS_PER_CHECKPOINT = 256
DEFAULT_IDLE_LIMIT = 1_000_000
"""The most steps ``run_until_idle()`` takes before it decides the subnet never goes idle."""
RUNAWAY_WINDOW = 1_000
_RUNAWAY_KINDS = {
    "timer": "the global timer",
    "ingress": "ingress messages to",
    "request": "requests to",
    "response": "responses in",
}


class SubnetError(RuntimeError):
    """Misuse of the simulator itself (not an IC error, which is always a :class:`Reject`)."""


class PendingCall:
    """An ingress call in flight. ``await`` it for the reply; a reject raises :class:`Reject`."""

    __slots__ = ("_ingress", "_net")

    def __init__(self, net: Subnet, ingress: Ingress) -> None:
        self._net = net
        self._ingress = ingress

    @property
    def message_id(self) -> int:
        return self._ingress.message_id

    @property
    def done(self) -> bool:
        """Whether the call has been answered."""
        return self._ingress.done

    def result(self) -> Any:
        """The reply; raises the :class:`Reject`, or ``SubnetError`` if not answered yet."""
        ing = self._ingress
        if not ing.done:
            raise SubnetError(f"call {ing.method} (message {ing.message_id}) has no answer yet")
        if ing.reject is not None:
            raise ing.reject.with_traceback(None)
        return ing.reply

    @property
    def reject(self) -> Reject | None:
        return self._ingress.reject

    async def wait(self) -> Any:
        await self._net._drive_until(lambda: self._ingress.done)
        return self.result()

    def __await__(self) -> Generator[Any, None, Any]:
        return self.wait().__await__()

    def __repr__(self) -> str:
        ing = self._ingress
        state = "done" if ing.done else "pending"
        return f"<PendingCall #{ing.message_id} {ing.receiver}.{ing.method} {state}>"


class CanisterHandle:
    """A deployed canister as the scenario sees it: its id, and calls to it."""

    __slots__ = ("_net", "id", "name")

    def __init__(self, net: Subnet, canister_id: Principal, name: str | None = None) -> None:
        self._net = net
        self.id = canister_id
        self.name = name

    async def call(self, method: str, *args: Any, sender: Principal | None = None) -> Any:
        """An ingress update call; returns the reply (the subnet runs until it has one)."""
        return await self._net.submit(self.id, method, *args, sender=sender)

    def submit(self, method: str, *args: Any, sender: Principal | None = None) -> PendingCall:
        """Enqueue an update call without running anything (see :meth:`Subnet.submit`)."""
        return self._net.submit(self.id, method, *args, sender=sender)

    async def query(self, method: str, *args: Any, sender: Principal | None = None) -> Any:
        """A query call, answered from committed state at once (no step runs)."""
        await anyio.lowlevel.checkpoint()
        return self._net.engine.query(sender or self._net.default_identity, self.id, method, args)

    def __repr__(self) -> str:
        label = f" {self.name}" if self.name else ""
        return f"<CanisterHandle{label} {self.id}>"


class Subnet:
    """One simulated subnet: canisters, the management canister, virtual time, a scheduler.

    Use it as an async context manager::

        async with Subnet(seed=7) as net:
            chat = await net.deploy(Chat, name="chat")
            await chat.call("append", "Hi there!")
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        strategy: str | Strategy | None = None,
        snapshot_guard: SnapshotGuard | None = None,
        max_snapshots_per_canister: int = 10,
        orphan_policy: str = "trap",
        start_time_ns: int = DEFAULT_START_TIME_NS,
        step_ns: int = DEFAULT_STEP_NS,
        scenario: str | None = None,
        execution_limit: float | None = DEFAULT_LIMIT_S,
        idle_limit: int | None = DEFAULT_IDLE_LIMIT,
        round_ns: int = DEFAULT_ROUND_NS,
        instruction_limit: int | None = None,
    ) -> None:
        if instruction_limit is not None and (
            isinstance(instruction_limit, bool)
            or not isinstance(instruction_limit, int)
            or instruction_limit < 1
        ):
            raise ValueError(
                f"instruction_limit is a number of instructions above 0, or None, not "
                f"{instruction_limit!r}"
            )
        if execution_limit is not None and (
            isinstance(execution_limit, bool)
            or not isinstance(execution_limit, int | float)
            or not execution_limit > 0
        ):
            raise ValueError(
                f"execution_limit is a number of seconds above 0, or None, not {execution_limit!r}"
            )
        if idle_limit is not None and (
            isinstance(idle_limit, bool) or not isinstance(idle_limit, int) or idle_limit < 1
        ):
            raise ValueError(
                f"idle_limit is a number of steps above 0, or None, not {idle_limit!r}"
            )
        self.seed = seed
        self.scenario = scenario
        self.engine = Engine(
            strategy=make_strategy(strategy, seed),
            start_time_ns=start_time_ns,
            step_ns=step_ns,
            orphan_policy=orphan_policy,
            round_ns=round_ns,
        )
        self.engine.execution_limit = execution_limit
        self.engine.instruction_limit = instruction_limit
        self.idle_limit = idle_limit
        self.ids = CanisterIdAllocator()
        self.snapshot_policy = SnapshotPolicy(snapshot_guard, max_snapshots_per_canister)
        self._names: dict[str, Principal] = {}
        self._states: StateRecorder | None = None  # net.record_states()
        self.default_identity: Principal = identity_principal("default")
        self._closed = False
        self._management = Management(self.engine, self.ids, seed, self.snapshot_policy)
        self._client = ManagementClient(self.submit, self._harness_call)

    @property
    def snapshot_guard(self) -> SnapshotGuard:
        """The guard for snapshot takes and loads on canisters without their own."""
        return self.snapshot_policy.guard

    @snapshot_guard.setter
    def snapshot_guard(self, guard: SnapshotGuard) -> None:
        self.snapshot_policy.guard = guard

    @property
    def max_snapshots_per_canister(self) -> int:
        return self.snapshot_policy.max_per_canister

    # -- saving and loading (subnet.persist) ---------------------------------------------------
    def state(self) -> dict[str, Any]:
        """The subnet's state as plain data, one flat map: its own (seed, scenario, canister
        names), the engine's routing state (:meth:`subnet.routing.Router.state`) and the
        management canister's (:meth:`subnet.management.ManagementContext.state`). Not the
        strategy's, nor the canisters': :mod:`subnet.persist` writes those. Raises
        :class:`subnet.management.NotSavable` for a snapshot guard that is a function."""
        return {
            "seed": self.seed,
            "scenario": self.scenario,
            "names": dict(self._names),
            **self.engine.state(),
            **self._management.context.state(),
        }

    def restore(self, doc: Mapping[str, Any]) -> None:
        """Take back what :meth:`state` returned, on a new subnet made with the same seed and
        scenario (which the constructor takes) before any canister is restored."""
        if (doc["seed"], doc["scenario"]) != (self.seed, self.scenario):
            raise ValueError("restore a subnet's state on a subnet with its seed and scenario")
        self.engine.restore(doc)
        self._management.context.restore(doc)
        self._names = dict(doc["names"])

    # -- context manager ----------------------------------------------------------------------
    async def __aenter__(self) -> Subnet:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close every suspended frame against a detached heap (nothing runs later)."""
        if not self._closed:
            self._closed = True
            self.engine.close()
            WATCHDOG.disarm()  # the next execution, of any subnet, arms it again

    # -- identities and names -----------------------------------------------------------------
    def identity(self, name: str) -> Principal:
        """A deterministic user principal for ``name`` (the same on every run)."""
        return identity_principal(name)

    def canister_id(self, name_or_id: str | Principal) -> Principal:
        """The id of a canister given by name (as deployed) or by id (text or Principal)."""
        if isinstance(name_or_id, Principal):
            return name_or_id
        if name_or_id in self._names:
            return self._names[name_or_id]
        try:
            return Principal.from_text(name_or_id)
        except (ValueError, TypeError) as exc:
            known = ", ".join(self._names) or "none yet"
            raise SubnetError(
                f"{name_or_id!r} is neither a canister name (known: {known}) nor a principal "
                f"({exc})"
            ) from None

    def handle(self, name_or_id: str | Principal) -> CanisterHandle:
        cid = self.canister_id(name_or_id)
        name = next((n for n, c in self._names.items() if c == cid), None)
        return CanisterHandle(self, cid, name)

    def set_snapshot_guard(
        self, canister: Principal | CanisterHandle | str, guard: SnapshotGuard | None
    ) -> None:
        """Override the subnet's snapshot guard for one canister (``None`` removes it)."""
        if isinstance(canister, CanisterHandle):
            canister = canister.id
        cid = self.canister_id(canister)
        overrides = self.snapshot_policy.overrides
        if guard is None:
            overrides.pop(cid, None)
        else:
            overrides[cid] = guard

    # -- time ---------------------------------------------------------------------------------
    @property
    def time(self) -> int:
        """Subnet time, nanoseconds since the epoch."""
        return self.engine.time

    def advance_time(self, nanoseconds: int) -> None:
        """Move subnet time forward (it also moves by ``step_ns`` at every step)."""
        if nanoseconds < 0:
            raise SubnetError("time only moves forward")
        self.engine.time += nanoseconds
        self.engine.trace.emit("time", None, "", (self.engine.time,))
        self.engine.fire_timers()

    # -- deploying ----------------------------------------------------------------------------
    async def deploy(
        self,
        cls: type[Canister] | WasmModule,
        *positional: Any,
        name: str | None = None,
        controllers: list[Principal] | None = None,
        sender: Principal | None = None,
        init_args: tuple[Any, ...] | None = None,
    ) -> CanisterHandle:
        """Create a canister, install ``cls`` with ``init(*init_args)``, set its controllers.

        ``cls`` is a :class:`~actors.canister.Canister` subclass or a
        :class:`~subnet.wasm.WasmModule` (its ``canister_init`` gets the arguments
        Candid-encoded with the module's init types). ``init_args=(...)`` is the same as
        giving them positionally. ``sender`` (default ``net.default_identity``) creates and
        installs it, and is its controller unless ``controllers`` says otherwise."""
        if init_args is not None:
            if positional:
                raise SubnetError("give init arguments positionally or as init_args, not both")
            positional = tuple(init_args)
        if isinstance(cls, WasmModule):
            try:
                cls = cls.canister_class()
            except InvalidWasm as exc:
                raise exc.reject() from None
        if not (isinstance(cls, type) and issubclass(cls, Canister)):
            raise SubnetError(f"deploy needs a Canister subclass or a WasmModule, got {cls!r}")
        if name is not None and name in self._names:
            raise SubnetError(f"a canister named {name!r} already exists")
        ic = self.management
        created = await ic.create_canister(sender=sender)
        cid = created.canister_id
        await ic.install_code(
            mode="install", canister_id=cid, wasm_module=cls, arg=positional, sender=sender
        )
        if controllers is not None:
            await ic.update_settings(
                canister_id=cid, settings={"controllers": list(controllers)}, sender=sender
            )
        if name is not None:
            self.register_name(name, cid)
        return CanisterHandle(self, cid, name)

    def register_name(self, name: str, canister_id: Principal) -> None:
        """Let ``name`` stand for ``canister_id`` wherever a canister is named."""
        self._names[name] = canister_id

    def forget_name(self, name: str) -> None:
        self._names.pop(name, None)

    @property
    def names(self) -> dict[str, Principal]:
        """Canister names given at deploy (or registered), in the order given."""
        return dict(self._names)

    # -- messages -----------------------------------------------------------------------------
    def submit(
        self,
        target: Principal | CanisterHandle | str,
        method: str,
        *args: Any,
        sender: Principal | None = None,
    ) -> PendingCall:
        """Enqueue an ingress call without running it; returns an awaitable pending call."""
        if isinstance(target, CanisterHandle):
            target = target.id
        elif isinstance(target, str):
            target = self.canister_id(target)
        ing = self.engine.submit(sender or self.default_identity, target, method, args)
        return PendingCall(self, ing)

    async def step(self) -> StepInfo | None:
        """Perform exactly one scheduling step; returns what it did, or ``None`` if idle."""
        await anyio.lowlevel.checkpoint()
        return self.engine.step()

    async def run_until_idle(self, max_steps: int | None = None) -> int:
        """Step until nothing is left to do (or ``max_steps`` steps); returns the count.

        Without ``max_steps``, a subnet that never goes idle (a global timer that re-arms
        itself for the next step, two canisters calling each other forever) is stopped after
        ``Subnet(idle_limit=...)`` steps (default 1,000,000) with a :class:`SubnetError`
        naming what kept it busy."""
        limit = max_steps if max_steps is not None else self.idle_limit
        total = 0
        run = self.engine.run_until_idle  # the engine's own loop, a batch at a time
        with fewer_collections():
            while limit is None or total < limit:
                batch = STEPS_PER_CHECKPOINT
                if limit is not None:
                    batch = min(batch, limit - total)
                n = run(batch)
                total += n
                await anyio.lowlevel.checkpoint()
                if n < batch:
                    return total
        if max_steps is None and self.engine.busy():
            raise SubnetError(self._runaway(total))
        return total

    def _runaway(self, steps: int, doing: str = "run_until_idle") -> str:
        """Why the subnet is still busy after ``steps`` steps: the busiest recent executions."""
        names = {cid: name for name, cid in self._names.items()}
        counts: dict[tuple[str, str, str], int] = {}
        recent = 0
        for event in reversed(self.engine.trace.raw):
            if event[2] != "exec":
                continue
            kind = _RUNAWAY_KINDS.get(event[5], str(event[5]))  # the exec's first field
            cid = event[3]
            key = (kind, names.get(cid, str(cid)), event[4])
            counts[key] = counts.get(key, 0) + 1
            recent += 1
            if recent == RUNAWAY_WINDOW:
                break
        busiest = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:3]
        what = "; ".join(
            f"{kind} of {name} ran {n:,} times"
            if kind == "the global timer"
            else f"{kind} {name}.{method} ran {n:,} times"
            for (kind, name, method), n in busiest
        )
        timer = any(kind == "the global timer" for (kind, _, _), _ in busiest)
        hint = " (a timer that re-arms itself for the next step never lets it rest)"
        if not timer:
            hint = ""
        bounded = (
            "Pass max_steps=N to run a bounded number of steps, or "
            if doing == "run_until_idle"
            else ""
        )
        return (
            f"{doing}: the subnet is still busy after {steps:,} steps; in the last "
            f"{recent:,} executions, {what}{hint}. {bounded or 'Use '}Subnet(idle_limit=None) "
            f"to wait without limit"
        )

    async def _drive_until(self, done: Any) -> None:
        with fewer_collections():
            await self._drive(done)

    async def _drive(self, done: Any) -> None:
        engine = self.engine
        step = engine._step
        limit = self.idle_limit
        total = 0
        while not done():
            for _ in range(STEPS_PER_CHECKPOINT):
                if done():
                    break
                if step() is None:
                    if done():
                        break
                    raise SubnetError(
                        "the subnet is idle but the awaited call has no answer (a canister is "
                        "waiting for something that will never happen)"
                    )
            total += STEPS_PER_CHECKPOINT
            if limit is not None and total >= limit and not done():
                raise SubnetError(self._runaway(total, "awaiting a call"))
            await anyio.lowlevel.checkpoint()

    # -- inspection ---------------------------------------------------------------------------
    def inspect(self, canister: Principal | CanisterHandle | str) -> CanisterView:
        """A read-only view of a canister's system state."""
        if isinstance(canister, CanisterHandle):
            canister = canister.id
        cid = self.canister_id(canister)
        cs = self.engine.get(cid)
        if cs is None:
            raise SubnetError(f"no canister {cid} on this subnet")
        return CanisterView(cs)

    @property
    def trace(self) -> list[Event]:
        """Every event recorded so far."""
        return self.engine.trace.events

    @property
    def hazards(self) -> list[Hazard]:
        """The hazards recorded so far (also present in the trace as 'hazard' events)."""
        return self.engine.trace.hazards

    @property
    def decisions(self) -> list[int]:
        """The scheduling decisions so far: replaying them replays the run."""
        return self.engine.decisions

    def trace_bytes(self, extra_meta: dict[str, Any] | None = None) -> bytes:
        """The trace file's bytes: metadata (plus ``extra_meta``), decisions, events."""
        meta = {
            "seed": self.seed,
            "strategy": self.engine.strategy.name,
            "scenario": self.scenario,
            "names": dict(self._names),
            **(extra_meta or {}),
        }
        states = self._states.states if self._states is not None else None
        return encode_trace(meta, self.engine.decisions, self.engine.trace.rows(), states)

    def record_states(self) -> None:
        """From now on, record after every step what changed in each canister, for the trace
        viewer (``subnet trace show --format html``): the trace then holds them. Off unless
        called; it costs a look at every canister after every step."""
        if self._states is None:
            self._states = StateRecorder()
            self._states.attach(self.engine)

    def save_trace(self, path: str | os.PathLike[str]) -> None:
        """Write the trace (metadata, decisions, events) as CBOR, atomically."""
        write_atomic(path, self.trace_bytes())

    def _harness_call(self, method: str, record: Any) -> PendingCall:
        """The harness canister's call to the management canister (``net.management`` sends
        the methods only canisters may call this way)."""
        return PendingCall(self, self._management.harness_call(method, record))

    @property
    def management(self) -> ManagementClient:
        """The management canister (``aaaaa-aa``), one async method per IC method."""
        return self._client

    def __repr__(self) -> str:
        n = len(self.engine.canisters)
        return f"<Subnet seed={self.seed} canisters={n} step={self.engine.steps}>"


__all__ = ["MANAGEMENT", "CanisterHandle", "CanisterView", "PendingCall", "Subnet", "SubnetError"]
