"""Campaigns: many runs under a strategy, in this process or on an executor."""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from ..api import Subnet
from ..budget import DEFAULT_LIMIT_S
from ..choices import Chooser
from ..events import HAZARDS
from .faults import SnapshotFaults
from .runner import Failure, RunResult, Scenario, Settings, run_once
from .shrink import shrink


@dataclass
class Exploration:
    """The outcome of a campaign."""

    runs: int
    failures: list[Failure]
    shrunk: Failure | None = None
    trace: bytes = b""
    steps: int = 0
    exhausted: bool = False  # a depth-first search ran every choice sequence there is

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


def capped_workers(workers: int, runs: int) -> int:
    """The processes a campaign of ``runs`` runs is spread over when ``workers`` are asked for:
    no more than the runs, nor than the machine's CPUs (more would only cost their start-up;
    the outcome never depends on the number of workers)."""
    return max(1, min(workers, runs, os.cpu_count() or 1))


_LOADED: dict[str, Scenario] = {}  # per process: a worker imports each scenario once


def loaded_scenario(spec: str) -> Scenario:
    """The scenario ``spec``, loaded once per process."""
    scenario = _LOADED.get(spec)
    if scenario is None:
        scenario = _LOADED[spec] = Scenario.load(spec)
    return scenario


def _one(spec: Scenario | str, settings: Settings, seed: int, prefix: Sequence[int]) -> RunResult:
    scenario = loaded_scenario(spec) if isinstance(spec, str) else spec
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
    fail_on: Sequence[str] = (),
    stop_at_first: bool = True,
    do_shrink: bool = True,
    workers: int | None = None,
    executor: Executor | None = None,
    backend: str = "asyncio",
    progress: Callable[[int, int], None] | None = None,
    execution_limit: float | None = DEFAULT_LIMIT_S,
    on_shrink: Callable[[int, int], None] | None = None,
) -> Exploration:
    """Run ``scenario`` up to ``runs`` times under ``strategy``; collect failures, shrink the
    first, and return it with a trace that replays it (``Exploration.trace``).
    ``progress(runs_done, failures)`` is called after every run. ``workers`` processes run
    the campaign (at most one per run and per CPU, see :func:`capped_workers`), unless an
    ``executor`` is given; the outcome is the same with any number. ``execution_limit``: the
    seconds one execution may run before it traps with IC0522 (an endless loop is a failure
    of the run; lower it to find such loops sooner). ``on_shrink(runs, choices)`` is called
    after every run of the shrinker (at most 300), with the best choice list's length."""
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
    unknown = [kind for kind in fail_on if kind not in HAZARDS]
    if unknown:
        raise ValueError(f"fail_on names unknown hazard kind(s): {', '.join(unknown)}")
    settings = Settings(
        strategy,
        depth,
        max_steps,
        faults=faults,
        backend=backend,
        fail_on=tuple(fail_on),
        execution_limit=execution_limit,
    )
    if strategy == "pct":
        # PCT's change points are drawn over k steps: estimate k from a pilot run of the
        # scenario (random schedule, same faults), so the bound 1/(n k^(d-1)) is about the
        # real run; the pilot is the campaign's seed's, so the estimate is the same with any
        # number of workers
        pilot = run_once(
            loaded, replace(settings, strategy="random"), Chooser(rng=random.Random(seed)), seed
        )
        settings = replace(settings, pct_steps=max(1, pilot.steps))
    failures: list[Failure] = []
    done = 0
    steps = 0
    exhausted = False

    def counted(result: RunResult) -> bool:
        """Count one run's result; whether the campaign stops here."""
        nonlocal done, steps
        done += 1
        steps += result.steps
        if progress is not None:
            progress(done, len(failures) + (result.failure is not None))
        if result.failure is None:
            return False
        failures.append(result.failure)
        return stop_at_first

    if strategy == "dfs":
        prefix: list[int] | None = []
        while prefix is not None and done < runs:
            result = _one(loaded, settings, 0, prefix)
            if counted(result):
                break
            prefix = _next_prefix(result.choices, result.sizes)
        exhausted = prefix is None
    else:
        pool = executor
        owned = None
        if pool is None and workers and workers > 1:
            if not isinstance(spec, str):
                raise ValueError("workers need the scenario given by name (a file or module)")
            workers = capped_workers(workers, runs)
            if workers > 1:
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
                if counted(result):
                    break
        finally:
            if owned is not None:
                owned.shutdown(cancel_futures=True)
    outcome = Exploration(done, failures, steps=steps, exhausted=exhausted)
    if failures:
        first = failures[0]
        shrunk = shrink(loaded, settings, first, progress=on_shrink)[0] if do_shrink else first
        outcome.shrunk = shrunk
        # the failure's trace, from one more run of its choices, with each step's state for
        # the trace viewer (the same run: states are only looked at)
        again = run_once(loaded, settings, Chooser(shrunk.choices), shrunk.seed, states=True)
        outcome.trace = again.trace
    return outcome


def _next_prefix(choices: Sequence[int], sizes: Sequence[int]) -> list[int] | None:
    """Depth-first: the next choice sequence after this one, or None when all are done."""
    for j in range(len(choices) - 1, -1, -1):
        if choices[j] + 1 < sizes[j]:
            return [*choices[:j], choices[j] + 1]
    return None
