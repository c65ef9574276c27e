"""Campaigns on an executor: batches sized from the run time, read in run order whatever the
order they come back in, stopped soon after a failure; scenarios shipped by content."""

import sys
import threading
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor

import pytest

from subnet.explore import SnapshotFaults, campaign, explore
from subnet.explore.bundle import (
    Installed,
    OtherSources,
    WorkerMismatch,
    build_bundle,
    installed,
    unpacked,
)
from subnet.explore.campaign import Job, Settings, batch_size, run_batch
from tests.support import ROOT, SCENARIOS

LOCK_RACE = str(SCENARIOS / "lock_race.py")
FIRST = dict(runs=300, seed=1, faults=SnapshotFaults(("vault",), 0.05))


class Scrambled(Executor):
    """Threads that hand back a task's runs late when the task starts at an even run, so
    later runs overtake earlier ones; it logs what it was given."""

    def __init__(self, log: list) -> None:
        self.inner = ThreadPoolExecutor(4)
        self.log = log
        self.lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        start, count = args[1], args[2]
        with self.lock:
            self.log.append(("task", start, count))

        def late():
            if start % 2 == 0:
                time.sleep(0.02)
            return fn(*args, **kwargs)

        return self.inner.submit(late)

    def shutdown(self, wait=True, *, cancel_futures=False):
        self.inner.shutdown(wait, cancel_futures=cancel_futures)


def test_the_first_failure_in_run_order_wins_whatever_arrives_first():
    here = explore(LOCK_RACE, **FIRST)
    log: list = []

    def progress(done, failures):
        log.append(("arrived", done, failures))

    with Scrambled(log) as pool:
        there = explore(LOCK_RACE, executor=pool, progress=progress, **FIRST)
    assert (there.runs, there.steps, there.failures) == (here.runs, here.steps, here.failures)
    assert (there.shrunk, there.trace) == (here.shrunk, here.trace)
    tasks = [entry for entry in log if entry[0] == "task"]
    assert tasks[0][2] == 1 and max(count for _, _, count in tasks) > 1  # sized once timed
    known = next(i for i, entry in enumerate(log) if entry[0] == "arrived" and entry[2])
    failed = here.runs - 1
    later = [start for kind, start, _ in log[known:] if kind == "task"]
    assert all(start < failed for start in later)  # nothing past the failure is handed out


def test_a_run_that_raises_raises_on_an_executor_too():
    faults = SnapshotFaults(("nobody",), 0.1)
    with pytest.raises(ValueError, match="nobody") as here:
        explore(LOCK_RACE, runs=20, faults=faults)
    with Scrambled([]) as pool, pytest.raises(ValueError, match="nobody") as there:
        explore(LOCK_RACE, runs=20, faults=faults, executor=pool)
    assert str(there.value) == str(here.value)


def test_batch_sizes_follow_the_run_time():
    assert batch_size(None, 1000, 2) == 1  # nothing timed yet
    assert batch_size(0.001, 100_000, 2) == 200  # 0.2 s of runs
    assert batch_size(0.001, 40, 2) == 10  # an even share of what is left
    assert batch_size(5.0, 1000, 2) == 1


def test_a_worker_with_another_subnet_sim_runs_nothing():
    job = Job(LOCK_RACE, Settings(), 0, True, installed=Installed("9.9", "0" * 16))
    with pytest.raises(WorkerMismatch, match="install the client's subnet-sim on every worker"):
        run_batch(job, 0, 1)


def test_other_sources_of_the_same_version_are_a_warning(monkeypatch):
    """An editable install edited between the client's import and a worker's: the runs go on,
    and the campaign says that they may differ."""
    here = installed()
    other = Installed(here.version, "f" * 16)
    assert (
        run_batch(Job(LOCK_RACE, Settings(), 0, True, installed=here), 0, 1).other_sources is None
    )
    batch = run_batch(Job(LOCK_RACE, Settings(), 0, True, installed=other), 0, 1)
    assert batch.outcomes and "has subnet-sim" in batch.other_sources
    monkeypatch.setattr(campaign, "installed", lambda: other)
    with Scrambled([]) as pool, pytest.warns(OtherSources, match="Runs may differ") as caught:
        explore(LOCK_RACE, runs=20, executor=pool)
    assert len(caught) == 1  # once a campaign


def test_a_bundle_holds_the_scenario_and_the_project_modules_it_imports(tmp_path, monkeypatch):
    assert [name for name, _ in build_bundle(LOCK_RACE).files] == [
        "lock_race.py"
    ]  # actors: installed
    monkeypatch.chdir(ROOT)
    by_name = build_bundle("scenarios.lock_race")
    assert (by_name.entry, by_name.by_path) == ("scenarios.lock_race", False)
    assert [name for name, _ in by_name.files] == ["scenarios/lock_race.py"]
    shop = tmp_path / "shop"
    (shop / "canisters").mkdir(parents=True)
    (shop / "canisters" / "__init__.py").write_text("from .base import PRICE\n")
    (shop / "canisters" / "base.py").write_text("import json\nimport anyio\nPRICE = 5\n")
    (shop / "unused.py").write_text("")
    (shop / "scenario.py").write_text(
        "def scenario(net):\n    from canisters import PRICE\n    return PRICE\n"
    )
    monkeypatch.chdir(tmp_path)
    bundle = build_bundle(str(shop / "scenario.py"))
    assert [name for name, _ in bundle.files] == [
        "canisters/__init__.py",
        "canisters/base.py",
        "scenario.py",
    ]
    assert bundle.modules == ("canisters", "canisters.base")
    # a scenario named as a module: its package runs first, and what that imports is shipped
    (shop / "pkg").mkdir()
    (shop / "pkg" / "__init__.py").write_text("from . import helper\n")
    (shop / "pkg" / "helper.py").write_text("HELP = 1\n")
    (shop / "pkg" / "scen.py").write_text("async def scenario(net):\n    return None\n")
    monkeypatch.chdir(shop)
    monkeypatch.syspath_prepend(str(shop))
    by_module = build_bundle("pkg.scen")
    assert [name for name, _ in by_module.files] == [
        "pkg/__init__.py",
        "pkg/helper.py",
        "pkg/scen.py",
    ]


def test_two_bundles_with_a_module_of_the_same_name_each_see_their_own(tmp_path, monkeypatch):
    bundles = []
    for price in (5, 7):
        folder = tmp_path / str(price)
        folder.mkdir()
        (folder / "prices.py").write_text(f"PRICE = {price}\n")
        (folder / "scenario.py").write_text(
            "import prices\n\n\nasync def scenario(net):\n    return prices.PRICE\n"
        )
        bundles.append(build_bundle(str(folder / "scenario.py")))
    assert bundles[0].digest != bundles[1].digest
    monkeypatch.delitem(sys.modules, "prices", raising=False)
    seen = []
    for bundle in [*bundles, *bundles]:
        with unpacked(bundle) as scenario:
            seen.append(scenario.run.__globals__["prices"].PRICE)
            assert sys.modules["prices"].PRICE == seen[-1]
        assert scenario.name == bundle.spec
    assert seen == [5, 7, 5, 7]
    assert "prices" not in sys.modules  # as before
