"""Exploring schedules and snapshot timing: many runs, invariants, shrinking, replayable traces.

Every choice a run makes (which ready message runs next, and whether, where and what to inject
before a step) is taken through one :class:`~subnet.choices.Chooser` into one list. A fresh run
draws them from a seeded generator and records them; a replay reads them back. That one idea,
borrowed from Hypothesis, gives everything else: a failing run is its choice list; shrinking
is editing the list (shorter, smaller numbers) and re-running; a trace file that holds the
list replays the failure, on asyncio and on trio alike. A choice past the end of the list is
0, which means "the oldest ready message" and "inject nothing": the simplest behaviour.

Strategies: ``random`` (uniform among ready messages), ``pct`` (probabilistic concurrency
testing: random priorities per canister, lowered at ``depth - 1`` random steps, which finds
bugs that need a few specific orderings with far fewer runs), and ``dfs`` (bounded exhaustive:
every choice sequence, depth first, for small scenarios).

Faults: :class:`SnapshotFaults` takes or loads snapshots of chosen canisters before chosen
steps, through the management canister like any controller would, so a campaign finds the
moments where a snapshot breaks an invariant.

Campaigns run in this process by default, or on any ``concurrent.futures.Executor``
(``workers=N`` for a local process pool); runs are independent, so this scales with cores.
The scenario is then given by name (a file path or module), which each worker imports.
"""

from __future__ import annotations

import hashlib
import inspect
import random
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import anyio

from .api import Subnet
from .choices import Chooser, ReplayDivergence
from .engine import Engine
from .events import Event
from .ids import MANAGEMENT, Principal
from .queues import SourcesView
from .scenario import load_scenario
from .strategies import RandomStrategy, ReadyIds, replay
from .trace import TraceFile, decode_trace

INJECT_SCALE = 1000  # an injection draw is an int in [0, 1000): high values inject


class PCTStrategy:
    """Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010) over canisters.

    A *thread* is a chain of messages: requests are the sender's thread, ingress messages and
    responses the receiving canister's own. Each thread gets a random priority when it first has
    a message ready; the ready message of the highest-priority thread runs (its oldest source
    first). At ``depth - 1`` steps chosen at random among the first ``max_steps``, the thread
    that just ran drops below every initial priority. A bug that needs ``d`` particular
    orderings is found with probability at least ``1 / (n * k^(d-1))`` per run, instead of
    exponentially small odds for uniform random.
    """

    name = "pct"

    def __init__(self, chooser: Chooser, depth: int = 3, max_steps: int = 200) -> None:
        self.chooser = chooser
        self.depth = depth
        self.changes = [chooser.draw(max_steps) for _ in range(max(0, depth - 1))]
        self.priority: dict[Principal | None, int] = {}  # request sources have a sender
        self.view: SourcesView | None = None
        self.count = 0

    def bind(self, view: SourcesView) -> None:
        """See the ready sources through ``view`` (``engine.sources_view()``)."""
        self.view = view

    def choose(self, ready: ReadyIds) -> int:
        assert self.view is not None, "PCTStrategy needs bind(engine.sources_view())"
        describe = self.view.describe
        best, best_priority, best_thread = 0, None, None
        for index, sid in enumerate(ready):
            kind, canister, sender = describe(sid)
            thread = sender if kind == "request" else canister
            priority = self.priority.get(thread)
            if priority is None:
                priority = self.priority[thread] = self.depth + self.chooser.draw(1_000_000)
            if best_priority is None or priority > best_priority:
                best, best_priority, best_thread = index, priority, thread
        self.count += 1
        for i, at in enumerate(self.changes):
            if at == self.count:
                self.priority[best_thread] = i
        return self.chooser.decide(len(ready), best)


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


@dataclass(frozen=True)
class Settings:
    """How to run one exploration run (everything but the choices)."""

    strategy: str = "random"  # "random" | "pct" | "dfs"
    depth: int = 3
    max_steps: int = 10_000
    pct_steps: int = 200
    faults: SnapshotFaults | None = None
    backend: str = "asyncio"


@dataclass(frozen=True)
class Failure:
    """What went wrong in a run, and the choices that make it happen again."""

    kind: str  # "invariant" | "scenario" | "check" | "liveness"
    message: str
    step: int
    choices: tuple[int, ...]
    seed: int
    injections: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.kind} violated at step {self.step}: {self.message}"


@dataclass
class RunResult:
    failure: Failure | None
    choices: list[int]
    sizes: list[int]
    steps: int
    trace: bytes = b""


class _Violation(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass
class Scenario:
    """A scenario and its checks: ``scenario(net)``, ``invariants``, ``check(net)``."""

    run: Callable[[Subnet], Any]
    invariants: list[Callable[[Subnet], Any]] = field(default_factory=list)
    check: Callable[[Subnet], Any] | None = None
    name: str | None = None  # a file path or module: what workers and replays load
    faults: SnapshotFaults | None = None

    @classmethod
    def load(cls, spec: str) -> Scenario:
        """The scenario ``spec`` (a file or module; see :mod:`subnet.scenario`)."""
        module = load_scenario(spec)
        faults = SnapshotFaults(**module.faults) if module.faults is not None else None
        return cls(module.run, module.invariants, module.check, spec, faults)


def run_once(scenario: Scenario, settings: Settings, chooser: Chooser, seed: int) -> RunResult:
    """One run under ``chooser``: the scenario, invariants after every step, end checks."""
    if settings.strategy == "pct":
        strategy: Any = PCTStrategy(chooser, settings.depth, settings.pct_steps)
    else:
        strategy = RandomStrategy(seed, chooser)
    log: list[str] = []
    box: dict[str, Any] = {}

    async def main() -> None:
        async with Subnet(seed=seed, strategy=strategy, scenario=scenario.name) as net:
            box["net"] = net
            if isinstance(strategy, PCTStrategy):
                strategy.bind(net.engine.sources_view())
            faults = settings.faults or scenario.faults
            if faults is not None:
                net.engine.before_step.append(faults.hook(net, chooser, log))

            def after_step(engine: Engine, done: Any) -> None:
                if engine.steps > settings.max_steps:
                    raise _Violation("liveness", f"still running after {settings.max_steps} steps")
                for invariant in scenario.invariants:
                    try:
                        ok = invariant(net)
                    except AssertionError as exc:
                        raise _Violation("invariant", _describe(exc)) from None
                    if ok is False:
                        name = getattr(invariant, "__name__", "invariant")
                        raise _Violation("invariant", f"{name} returned False")

            net.engine.after_step.append(after_step)
            try:
                await scenario.run(net)
                await net.run_until_idle()
                if scenario.check is not None:
                    result = scenario.check(net)
                    if inspect.isawaitable(result):
                        await result
                _liveness(net)
            except ReplayDivergence:
                raise  # the recorded run does not fit this scenario: not a failure of the run
            except _Violation as v:
                box["failure"] = (v.kind, str(v))
            except AssertionError as exc:
                box["failure"] = ("check", _describe(exc))
            except Exception as exc:
                box["failure"] = ("scenario", _describe(exc))
            net.engine.before_step.clear()
            net.engine.after_step.clear()
            box["steps"] = net.engine.steps

    anyio.run(main, backend=settings.backend)
    net: Subnet = box["net"]
    failure = None
    if "failure" in box:
        kind, message = box["failure"]
        failure = Failure(kind, message, box["steps"], tuple(chooser.choices), seed, tuple(log))
        meta_extra = {"explore": _settings_meta(settings)}
        net.scenario = scenario.name
        trace = _trace_with(net, meta_extra, failure)
        return RunResult(failure, chooser.choices, chooser.sizes, box["steps"], trace)
    return RunResult(None, chooser.choices, chooser.sizes, box["steps"])


def _liveness(net: Subnet) -> None:
    """At the end of a run every call context has closed and every stop has completed."""
    for cs in net.engine.canisters.values():
        if cs.call_contexts:
            raise _Violation(
                "liveness",
                f"canister {cs.id} still has {len(cs.call_contexts)} open call context(s)",
            )
        if cs.stop_waiters:
            raise _Violation("liveness", f"a stop of canister {cs.id} never completed")


def _settings_meta(settings: Settings) -> dict[str, Any]:
    meta = asdict(settings)
    if settings.faults is not None:
        faults = asdict(settings.faults)
        faults["canisters"] = list(faults["canisters"]) if faults["canisters"] else None
        meta["faults"] = faults
    return meta


def _trace_with(net: Subnet, extra: dict[str, Any], failure: Failure) -> bytes:
    failed = {"kind": failure.kind, "message": failure.message, "step": failure.step}
    return net.trace_bytes({**extra, "failure": failed})


def settings_from_meta(meta: dict[str, Any]) -> Settings:
    data = dict(meta)
    faults = data.get("faults")
    if faults is not None:
        if faults.get("canisters") is not None:
            faults["canisters"] = tuple(faults["canisters"])
        data["faults"] = SnapshotFaults(**faults)
    return Settings(**data)


def shrink(
    scenario: Scenario, settings: Settings, failure: Failure, budget: int = 300
) -> tuple[Failure, bytes]:
    """Look for a shorter, simpler choice list that fails the same way; return the best."""
    best = failure
    best_trace = b""
    runs = 0

    def attempt(candidate: list[int]) -> bool:
        nonlocal best, best_trace, runs
        if runs >= budget:
            return False
        runs += 1
        result = run_once(scenario, settings, Chooser(candidate), failure.seed)
        if result.failure is not None and result.failure.kind == failure.kind:
            if _simpler(result.failure.choices, best.choices):
                best, best_trace = result.failure, result.trace
            return True
        return False

    improved = True
    while improved and runs < budget:
        improved = False
        current = list(best.choices)
        # 1. the shortest prefix that still fails (the rest become zeros)
        lo, hi = 0, len(current)
        while lo < hi and runs < budget:
            mid = (lo + hi) // 2
            if attempt(current[:mid]):
                hi = mid
            else:
                lo = mid + 1
        current = list(best.choices)
        # 2. delete blocks, 3. zero and lower single choices
        for size in (8, 4, 2, 1):
            i = 0
            while i + size <= len(current) and runs < budget:
                candidate = current[:i] + current[i + size :]
                if attempt(candidate) and list(best.choices) != current:
                    current = list(best.choices)
                    improved = True
                else:
                    i += size
        for i in range(len(current)):
            if runs >= budget:
                break
            value = current[i]
            for smaller in (0, value // 2, value - 1):
                if 0 <= smaller < value:
                    candidate = [*current[:i], smaller, *current[i + 1 :]]
                    if attempt(candidate):
                        current = list(best.choices)
                        improved = True
                        break
    if not best_trace:
        best_trace = run_once(scenario, settings, Chooser(best.choices), best.seed).trace
    return best, best_trace


def _simpler(a: Sequence[int], b: Sequence[int]) -> bool:
    return (len(a), list(a)) < (len(b), list(b))


@dataclass
class Exploration:
    """The outcome of a campaign."""

    runs: int
    failures: list[Failure]
    shrunk: Failure | None = None
    trace: bytes = b""
    steps: int = 0

    @property
    def first_failure(self) -> Failure | None:
        return self.failures[0] if self.failures else None

    @property
    def ok(self) -> bool:
        return not self.failures


def run_seed(base: int, index: int) -> int:
    """The seed of run ``index`` of a campaign with seed ``base`` (independent of run order)."""
    digest = hashlib.sha256(f"subnet-explore/{base}/{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


_LOADED: dict[str, Scenario] = {}  # per process: a worker imports each scenario once


def _one(spec: Scenario | str, settings: Settings, seed: int, prefix: Sequence[int]) -> RunResult:
    if isinstance(spec, str):
        scenario = _LOADED.get(spec)
        if scenario is None:
            scenario = _LOADED[spec] = Scenario.load(spec)
    else:
        scenario = spec
    rng = random.Random(seed) if settings.strategy != "dfs" else None
    return run_once(scenario, settings, Chooser(prefix, rng), seed)


def explore(
    scenario: Scenario | str | Callable[[Subnet], Any],
    *,
    runs: int = 100,
    strategy: str = "random",
    seed: int = 0,
    depth: int = 3,
    max_steps: int = 10_000,
    faults: SnapshotFaults | None = None,
    invariants: Sequence[Callable[[Subnet], Any]] = (),
    stop_at_first: bool = True,
    do_shrink: bool = True,
    workers: int | None = None,
    executor: Executor | None = None,
    backend: str = "asyncio",
    progress: Callable[[int, int], None] | None = None,
) -> Exploration:
    """Run ``scenario`` up to ``runs`` times under ``strategy``; collect failures, shrink the
    first, and return it with a trace that replays it (``Exploration.trace``).
    ``progress(runs_done, failures)`` is called after every run."""
    if isinstance(scenario, str):
        loaded = Scenario.load(scenario)
        spec: Scenario | str = scenario
    elif isinstance(scenario, Scenario):
        loaded = spec = scenario
    else:
        loaded = spec = Scenario(scenario)
    if invariants:
        loaded.invariants = [*loaded.invariants, *invariants]
        spec = loaded
    if strategy not in ("random", "pct", "dfs"):
        raise ValueError("strategy must be 'random', 'pct' or 'dfs'")
    settings = Settings(strategy, depth, max_steps, faults=faults, backend=backend)
    failures: list[Failure] = []
    done = 0
    steps = 0
    if strategy == "dfs":
        prefix: list[int] | None = []
        while prefix is not None and done < runs:
            result = _one(loaded, settings, 0, prefix)
            done += 1
            steps += result.steps
            if progress is not None:
                progress(done, len(failures) + (result.failure is not None))
            if result.failure is not None:
                failures.append(result.failure)
                if stop_at_first:
                    break
            prefix = _next_prefix(result.choices, result.sizes)
    else:
        pool = executor
        owned = None
        if pool is None and workers and workers > 1:
            if not isinstance(spec, str):
                raise ValueError("workers need the scenario given by name (a file or module)")
            pool = owned = ProcessPoolExecutor(max_workers=workers)
        try:
            seeds = [run_seed(seed, i) for i in range(runs)]
            if pool is None:
                results: Iterator[RunResult] = (_one(loaded, settings, s, ()) for s in seeds)
            else:
                chunk = max(1, runs // (8 * (workers or 2)))  # fewer round trips to workers
                results = pool.map(
                    _one, [spec] * runs, [settings] * runs, seeds, [()] * runs, chunksize=chunk
                )
            for result in results:
                done += 1
                steps += result.steps
                if progress is not None:
                    progress(done, len(failures) + (result.failure is not None))
                if result.failure is not None:
                    failures.append(result.failure)
                    if stop_at_first:
                        break
        finally:
            if owned is not None:
                owned.shutdown(cancel_futures=True)
    outcome = Exploration(done, failures, steps=steps)
    if failures:
        first = failures[0]
        if do_shrink:
            outcome.shrunk, outcome.trace = shrink(loaded, settings, first)
        else:
            outcome.shrunk = first
            outcome.trace = run_once(loaded, settings, Chooser(first.choices), first.seed).trace
    return outcome


def _next_prefix(choices: Sequence[int], sizes: Sequence[int]) -> list[int] | None:
    """Depth-first: the next choice sequence after this one, or None when all are done."""
    for j in range(len(choices) - 1, -1, -1):
        if choices[j] + 1 < sizes[j]:
            return [*choices[:j], choices[j] + 1]
    return None


class HypothesisChooser(Chooser):
    """Choices drawn by Hypothesis (``st.data()``), so that Hypothesis explores and shrinks
    schedules and fault timing like any other input of a property test."""

    def __init__(self, data: Any) -> None:
        super().__init__()
        self.data = data

    def draw(self, n: int) -> int:
        if n <= 1:
            return 0
        from hypothesis import strategies as st

        value: int = self.data.draw(st.integers(0, n - 1))
        self.choices.append(value)
        self.sizes.append(n)
        return value


def check_schedule(
    data: Any,
    scenario: Scenario | str | Callable[[Subnet], Any],
    *,
    faults: SnapshotFaults | None = None,
    strategy: str = "random",
    max_steps: int = 10_000,
) -> RunResult:
    """One run of ``scenario`` with every choice drawn from Hypothesis's ``data``; raises
    ``AssertionError`` describing the failure, if any, so that Hypothesis shrinks it::

        @given(st.data())
        def test_vault(data):
            check_schedule(data, "scenarios/lock_race.py", faults=SnapshotFaults(("vault",)))
    """
    if isinstance(scenario, str):
        loaded = _LOADED.get(scenario) or _LOADED.setdefault(scenario, Scenario.load(scenario))
    elif isinstance(scenario, Scenario):
        loaded = scenario
    else:
        loaded = Scenario(scenario)
    if strategy not in ("random", "pct"):
        raise ValueError("check_schedule draws choices for 'random' or 'pct'")
    settings = Settings(strategy, max_steps=max_steps, faults=faults)
    result = run_once(loaded, settings, HypothesisChooser(data), 0)
    if result.failure is not None:
        injected = "".join(f"\n  injected: {line}" for line in result.failure.injections)
        raise AssertionError(f"{result.failure}{injected}")
    return result


def replay_failure(
    scenario: Scenario | str, meta: dict[str, Any], choices: Sequence[int]
) -> RunResult:
    """Re-run a trace written by :func:`explore` (its settings and choices), strictly: a choice
    that no longer fits raises :class:`~subnet.choices.ReplayDivergence`."""
    loaded = Scenario.load(scenario) if isinstance(scenario, str) else scenario
    settings = settings_from_meta(meta["explore"])
    return run_once(loaded, settings, Chooser(choices, strict=True), meta["seed"])


@dataclass
class Replayed:
    """What replaying a trace file gave: the events, and the failure for an explorer's trace."""

    events: list[Event]
    failure: Failure | None = None


def replay_trace(
    scenario: Scenario | str, recorded: TraceFile, *, backend: str = "asyncio"
) -> Replayed:
    """Re-run what a trace file recorded, a ``subnet run`` or an explorer's failure, with its
    recorded choices and strictly (a choice that does not fit raises
    :class:`~subnet.choices.ReplayDivergence`): the one way every trace is replayed."""
    loaded = Scenario.load(scenario) if isinstance(scenario, str) else scenario
    meta = recorded.meta
    if "explore" in meta:  # the explorer's run: the scenario with its checks and faults
        result = replay_failure(loaded, meta, recorded.decisions)
        events = decode_trace(result.trace).events if result.trace else []
        return Replayed(events, result.failure)
    strategy = replay(recorded.decisions)  # every choice answered from the record

    async def main() -> list[Event]:
        async with Subnet(
            seed=meta.get("seed", 0), strategy=strategy, scenario=meta.get("scenario")
        ) as net:
            await loaded.run(net)
            return decode_trace(net.trace_bytes()).events

    return Replayed(anyio.run(main, backend=backend))


__all__ = [
    "Chooser",
    "Exploration",
    "Failure",
    "HypothesisChooser",
    "PCTStrategy",
    "Scenario",
    "SnapshotFaults",
    "check_schedule",
    "explore",
    "replay_failure",
    "replay_trace",
    "run_once",
    "shrink",
]
