"""Campaigns: many runs under a strategy, in this process or on an executor.

On an executor (``workers=N``'s process pool, a Dask cluster's ``client.get_executor()``, any
``concurrent.futures.Executor``) the runs go out in batches, one task each, and come back in
any order; the campaign reads them in run order, so its outcome is the one of a run in this
process: the same ``runs``, the same failures, the same shrunk failure and trace, whatever the
number of workers and whichever task finishes first. A task's size comes from the run time
measured so far (:func:`batch_size`): long enough that handing out tasks costs little, short
enough to spread the runs evenly and to stop soon after a failure.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import random
import time
import warnings
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

from ..api import Subnet
from ..budget import DEFAULT_LIMIT_S
from ..choices import Chooser
from ..events import HAZARDS
from .bundle import (
    LOCK,
    Bundle,
    Installed,
    OtherSources,
    build_bundle,
    check_installed,
    installed,
    unpacked,
)
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


def _one(scenario: Scenario, settings: Settings, seed: int, prefix: Sequence[int]) -> RunResult:
    rng = random.Random(seed) if settings.strategy != "dfs" else None
    return run_once(scenario, settings, Chooser(prefix, rng), seed)


TASK_TARGET_S = 0.2
"""Seconds of runs one task aims at: a Dask scheduler hands out a task in about a millisecond,
so this keeps its share under 1%, and a campaign that stops still stops within a fraction of
a second of its failure."""
IN_FLIGHT_PER_SLOT = 2
"""Tasks handed out per worker slot at a time: one running, one waiting, so that no slot idles
while its next task travels."""


@dataclass(frozen=True)
class Job:
    """What every task of a campaign shares: the scenario (a :class:`Bundle` by content, a
    module name workers import, or a picklable :class:`Scenario`), the settings, and the
    client's subnet-sim (:func:`~subnet.explore.bundle.check_installed`)."""

    source: Bundle | Scenario | str
    settings: Settings
    seed: int
    stop_at_first: bool
    invariants: tuple[Callable[[Subnet], Any], ...] = ()
    installed: Installed | None = None


@dataclass
class Batch:
    """A task's answer: (failure, steps) of runs ``start``, ``start + 1``, ... in order; it
    ends early at a failure when the campaign stops at the first, or at a run that raised
    (``error``: raised by the campaign when it reaches that run, as a run here would)."""

    start: int
    outcomes: list[tuple[Failure | None, int]] = field(default_factory=list)
    seconds: float = 0.0  # the runs' time on the worker, which sizes the next tasks
    error: Exception | None = None
    other_sources: str | None = None  # the worker, when its subnet-sim sources differ


def run_batch(job: Job, start: int, count: int) -> Batch:
    """Runs ``start`` to ``start + count - 1`` of a campaign: a task, on any executor."""
    batch = Batch(start, other_sources=check_installed(job.installed))
    with LOCK, _scenario_of(job) as scenario:
        began = time.perf_counter()  # the runs' time: loading the scenario happens once
        if job.invariants:
            scenario = replace(scenario, invariants=[*scenario.invariants, *job.invariants])
        for index in range(start, start + count):
            try:
                result = _one(scenario, job.settings, run_seed(job.seed, index), ())
            except Exception as exc:  # the campaign raises it when it reaches this run
                batch.error = exc
                break
            batch.outcomes.append((result.failure, result.steps))
            if result.failure is not None and job.stop_at_first:
                break  # later runs of the campaign do not count
        batch.seconds = time.perf_counter() - began
    return batch


@contextlib.contextmanager
def _scenario_of(job: Job) -> Iterator[Scenario]:
    if isinstance(job.source, Bundle):
        with unpacked(job.source) as scenario:
            yield scenario
    elif isinstance(job.source, str):
        yield loaded_scenario(job.source)
    else:
        yield job.source


def batch_size(run_s: float | None, remaining: int, slots: int) -> int:
    """Runs for the next task: about :data:`TASK_TARGET_S` of them at ``run_s`` seconds a run
    (one until a run has been timed), and no more than an even share of the ``remaining`` runs
    among the tasks of ``slots`` workers, so the last tasks end together."""
    if run_s is None:
        return 1
    share = math.ceil(remaining / (IN_FLIGHT_PER_SLOT * max(1, slots)))
    return max(1, min(share, int(TASK_TARGET_S / max(run_s, 1e-6))))


def executor_slots(executor: Executor) -> int:
    """How many tasks ``executor`` runs at once: a Dask executor's worker threads, a pool's
    ``max_workers``, else this machine's CPUs. It sizes the batches and how many are handed
    out at a time, never the outcome."""
    client = getattr(executor, "_client", None)  # distributed's ClientExecutor
    nthreads = getattr(client, "nthreads", None)
    if callable(nthreads):
        try:
            return max(1, int(sum(nthreads().values())))
        except Exception:  # a cluster that does not answer: the default will do
            pass
    workers = getattr(executor, "_max_workers", None)  # concurrent.futures' pools
    return workers if isinstance(workers, int) and workers > 0 else (os.cpu_count() or 1)


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

    ``workers`` processes run the campaign (at most one per run and per CPU, see
    :func:`capped_workers`), unless an ``executor`` is given, such as a Dask cluster's
    ``distributed.Client(ADDRESS).get_executor()``; the outcome is the same with any number
    of workers. A scenario given by name is shipped to them by content
    (:mod:`subnet.explore.bundle`); extra ``invariants`` travel by reference (importable
    functions). The first failure is the first in run order, however the runs are spread, and
    it is shrunk in this process: shrinking is a chain of runs, each from the last one's
    answer, which a cluster cannot spread, and this process has the scenario loaded. For the
    same reason ``dfs`` (each choice sequence follows from the last) runs in this process.

    ``progress(runs_done, failures)`` is called after every run here, and as each task's runs
    arrive from an executor (counting the runs done so far in any order). ``execution_limit``:
    the seconds one execution may run before it traps with IC0522 (an endless loop is a
    failure of the run; lower it to find such loops sooner). ``on_shrink(runs, choices)`` is
    called after every run of the shrinker (at most 300), with the best choice list's
    length."""
    if isinstance(scenario, str):
        loaded = Scenario.load(scenario)
        spec: Scenario | str = scenario
    elif isinstance(scenario, Scenario):
        loaded = spec = scenario
    else:
        loaded = spec = Scenario(scenario)
    if invariants:
        loaded.invariants = [*loaded.invariants, *invariants]
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

    def counted(failure: Failure | None, run_steps: int, report: bool = True) -> bool:
        """Count one run, in run order; whether the campaign stops here."""
        nonlocal done, steps
        done += 1
        steps += run_steps
        if report and progress is not None:
            progress(done, len(failures) + (failure is not None))
        if failure is None:
            return False
        failures.append(failure)
        return stop_at_first

    if strategy == "dfs":
        prefix: list[int] | None = []
        while prefix is not None and done < runs:
            result = _one(loaded, settings, 0, prefix)
            if counted(result.failure, result.steps):
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
            if pool is None:
                for i in range(runs):
                    result = _one(loaded, settings, run_seed(seed, i), ())
                    if counted(result.failure, result.steps):
                        break
            else:
                source: Bundle | Scenario | str = (
                    spec if isinstance(spec, Scenario) else (build_bundle(spec) or spec)
                )
                job = Job(
                    source,
                    settings,
                    seed,
                    stop_at_first,
                    tuple(invariants) if isinstance(spec, str) else (),
                    installed(),
                )
                arrived = _Arrivals(progress)
                ordered = _in_run_order(pool, job, runs, executor_slots(pool), arrived)
                try:
                    for failure, run_steps in ordered:
                        if counted(failure, run_steps, report=False):
                            break
                finally:
                    ordered.close()  # cancels the tasks still out
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


class _Arrivals:
    """Progress as tasks' runs arrive, in whatever order they come."""

    def __init__(self, progress: Callable[[int, int], None] | None) -> None:
        self.progress = progress
        self.runs = 0
        self.failures = 0
        self.seconds = 0.0  # the arrived runs' time on the workers
        self.warned = False

    def add(self, batch: Batch) -> None:
        if batch.other_sources is not None and not self.warned:
            self.warned = True
            warnings.warn(
                OtherSources(
                    f"{batch.other_sources}, this machine {installed()}: an editable install "
                    f"changed since one of them imported it? Runs may differ from local ones"
                ),
                stacklevel=2,
            )
        for failure, _ in batch.outcomes:
            self.runs += 1
            self.failures += failure is not None
            if self.progress is not None:
                self.progress(self.runs, self.failures)
        self.seconds += batch.seconds

    def run_s(self) -> float | None:
        """The mean time of a run so far (None before the first has arrived)."""
        return self.seconds / self.runs if self.runs else None


def _in_run_order(
    pool: Executor, job: Job, runs: int, slots: int, arrived: _Arrivals
) -> Generator[tuple[Failure | None, int]]:
    """The (failure, steps) of runs 0, 1, ... of the campaign, run in batches on ``pool``:
    at most :data:`IN_FLIGHT_PER_SLOT` tasks per slot out at a time, each sized by
    :func:`batch_size`. Once a run fails and the campaign stops at the first failure, later
    runs are not handed out and tasks made only of them are cancelled; the ones before it are
    awaited, since one of them may fail first. Closing the iterator cancels what is still out.
    """
    pending: dict[Future[Batch], int] = {}
    finished: dict[int, Batch] = {}
    handed = 0  # runs handed out so far (runs 0 .. handed - 1)
    needed = runs  # runs at or past this index cannot change the outcome
    reached = 0  # the next run to yield
    try:
        while reached < needed:
            while handed < needed and len(pending) < IN_FLIGHT_PER_SLOT * slots:
                count = batch_size(arrived.run_s(), needed - handed, slots)
                pending[pool.submit(run_batch, job, handed, count)] = handed
                handed += count
            ready, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in ready:
                batch = future.result()
                del pending[future]
                arrived.add(batch)
                finished[batch.start] = batch
                end = batch.start + len(batch.outcomes)
                if batch.error is not None:  # the run at ``end`` raised
                    needed = min(needed, end + 1)
                elif job.stop_at_first and batch.outcomes[-1][0] is not None:
                    needed = min(needed, end)  # the last run failed
            for future, start in list(pending.items()):
                if start >= needed and future.cancel():
                    del pending[future]
            while reached in finished:
                batch = finished.pop(reached)
                yield from batch.outcomes
                reached += len(batch.outcomes)
                if batch.error is not None:
                    raise batch.error
    finally:
        for future in pending:
            future.cancel()


def _next_prefix(choices: Sequence[int], sizes: Sequence[int]) -> list[int] | None:
    """Depth-first: the next choice sequence after this one, or None when all are done."""
    for j in range(len(choices) - 1, -1, -1):
        if choices[j] + 1 < sizes[j]:
            return [*choices[:j], choices[j] + 1]
    return None
