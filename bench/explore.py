"""Exploration: schedules/s with 1 and 2 worker processes, and runs to the first failure of a
planted ordering bug under PCT and under uniform random scheduling (targets: docs/performance.md).

1. Throughput: ``scenarios/three_workers.py`` (three workers logging 20 entries each, about
   200 steps a run, no failure so every run counts), in this process, on a pool of 2
   processes, and on a Dask ``LocalCluster`` of 2 worker processes (1 thread each, on
   loopback; its start and a 20-run warm-up campaign are not counted, they are shown apart);
   target: about 2x for both. The cluster row is skipped without ``dask[distributed]``.
2. A planted depth-3 bug: three workers each make ``K`` calls, in sequence, to a log canister;
   the log is "corrupted" if it receives all of worker 3's and worker 2's entries before any of
   worker 1's. Uniform random scheduling interleaves the three finely and rarely produces that
   order; PCT, which keeps one thread ahead of the others until a priority change, often does.
   For ``TRIALS`` campaign seeds, the runs needed to hit it (capped at ``CAP``); target: PCT
   needs at least 5x fewer.
3. Shrinking a snapshot-fault failure (``scenarios/lock_race.py``, snapshot faults on the vault):
   the explorer's own search and shrinker, against the same bug found and shrunk by Hypothesis
   through ``check_schedule`` (derandomized, no example database); the length of each shrunk
   choice list. Target: Hypothesis within 20x of the explorer.

    python bench/explore.py [--quick]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from subnet import Subnet  # noqa: E402
from subnet.explore import Scenario, SnapshotFaults, check_schedule, explore  # noqa: E402

WORKLOAD = str(ROOT / "scenarios" / "three_workers.py")
K = 3


def _load_workload():
    spec = importlib.util.spec_from_file_location("three_workers", WORKLOAD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_workload = _load_workload()
Log, Worker = _workload.Log, _workload.Worker


async def planted(net: Subnet) -> None:
    log = await net.deploy(Log, name="log")
    workers = [await net.deploy(Worker, n) for n in (1, 2, 3)]
    for w in workers:
        w.submit("work", log.id, K)
    await net.run_until_idle()


def ordering_bug(net: Subnet) -> None:
    entries = net.inspect("log").heap["entries"] if "log" in net.names else []
    if len(entries) == 3 * K:
        first_one = entries.index(1)
        assert first_one != 2 * K, "all of workers 3 and 2 logged before worker 1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs = 40 if args.quick else 1000
    trials = 5 if args.quick else 20
    cap = 300 if args.quick else 2000

    print(f"1. explored schedules/s: {WORKLOAD}, {runs} runs, random strategy")
    rates = {}
    outcomes = {}
    for workers in (1, 2):
        t = time.perf_counter()
        result = explore(WORKLOAD, runs=runs, seed=3, workers=workers, stop_at_first=False)
        dt = time.perf_counter() - t
        rates[workers] = result.runs / dt
        outcomes[workers] = (result.runs, result.steps, result.failures)
        rate = rates[workers]
        label = "1 process" if workers == 1 else f"{workers}-process pool"
        print(f"   {label:<22} {result.runs} runs in {dt:.2f} s = {rate:.1f} runs/s")
    cluster_rate = _on_local_cluster(runs, outcomes[1])
    print()
    print(f"2. runs to the first failure of the planted bug ({trials} campaign seeds, cap {cap})")
    found = {}
    for strategy in ("random", "pct"):
        counts = []
        for seed in range(trials):
            result = explore(
                Scenario(planted, [ordering_bug]),
                runs=cap,
                strategy=strategy,
                seed=seed,
                do_shrink=False,
            )
            # not found within the cap: counted as the cap (so the ratio is a lower bound)
            counts.append(cap if result.ok else result.runs)
        found[strategy] = counts
        hits = sum(c < cap for c in counts)
        print(
            f"   {strategy:>6}: median {statistics.median(counts):.0f}, mean "
            f"{statistics.mean(counts):.1f} runs; found in {hits}/{trials} campaigns"
        )
    print()
    print("3. finding and shrinking a snapshot-fault failure of scenarios/lock_race.py")
    lock_race = str(ROOT / "scenarios" / "lock_race.py")
    faults = SnapshotFaults(("vault",), 0.05)
    t = time.perf_counter()
    result = explore(lock_race, runs=500, seed=0, faults=faults)
    explorer_s = time.perf_counter() - t
    shrunk = result.shrunk
    assert shrunk is not None, "the explorer did not find the lock race"
    print(
        f"   explorer:   {explorer_s:.2f} s ({result.runs} runs to find it), shrunk to "
        f"{len(shrunk.choices)} choices, {len(shrunk.injections)} injection(s)"
    )
    hypothesis_s, injections = _hypothesis_shrink(lock_race, faults)
    print(f"   hypothesis: {hypothesis_s:.2f} s, shrunk to {injections} injection(s)")
    speedup = rates[2] / rates[1]
    ratio = statistics.mean(found["random"]) / statistics.mean(found["pct"])
    if cluster_rate is not None:
        print(
            f"ratio: 2-worker LocalCluster / 1 process = {cluster_rate / rates[1]:.2f}x "
            f"(target ~2x on 2 cores)"
        )
    print(
        f"ratio: 2 workers / 1 worker = {speedup:.2f}x (target ~2x on 2 cores); "
        f"random / PCT runs to first failure = {ratio:.1f}x (target >= 5x; random capped at "
        f"{cap}, so a lower bound)"
    )
    print(
        f"ratio: Hypothesis / explorer time to a shrunk failure = "
        f"{hypothesis_s / explorer_s:.1f}x (target <= 20x)"
    )


def _on_local_cluster(runs: int, expected: tuple) -> float | None:
    """Runs/s of the throughput campaign on a 2-worker Dask LocalCluster (None without Dask);
    its outcome must be the one of the campaign in this process."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        print("   2-worker LocalCluster: skipped (pip install 'subnet-sim[dask]')")
        return None
    t = time.perf_counter()
    with (
        LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as client,
    ):
        client.wait_for_workers(2)
        started = time.perf_counter() - t
        # fresh workers import the simulator and the scenario with their first task (a forked
        # pool inherits them): a short campaign first, timed apart, as the start is
        t = time.perf_counter()
        explore(WORKLOAD, runs=20, seed=4, stop_at_first=False, executor=client.get_executor())
        warmed = time.perf_counter() - t
        t = time.perf_counter()
        result = explore(
            WORKLOAD, runs=runs, seed=3, stop_at_first=False, executor=client.get_executor()
        )
        dt = time.perf_counter() - t
    assert (result.runs, result.steps, result.failures) == expected, "not the local campaign"
    rate = result.runs / dt
    print(
        f"   {'2-worker LocalCluster':<22} {result.runs} runs in {dt:.2f} s = {rate:.1f} runs/s "
        f"(start {started:.1f} s, warm-up campaign of 20 runs {warmed:.1f} s, not counted)"
    )
    return rate


def _hypothesis_shrink(scenario: str, faults: SnapshotFaults) -> tuple[float, int]:
    """Seconds for Hypothesis to find and shrink the failure, and the injections left."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    lengths: list[int] = []

    @settings(
        max_examples=500,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def prop(data: st.DataObject) -> None:
        try:
            check_schedule(data, scenario, faults=faults)
        except AssertionError as exc:
            lengths.append(str(exc).count("injected: "))
            raise

    t = time.perf_counter()
    try:
        prop()
    except AssertionError:
        pass
    else:
        raise SystemExit("Hypothesis did not find the lock race")
    return time.perf_counter() - t, lengths[-1] if lengths else -1


if __name__ == "__main__":
    main()
