"""A campaign on a real cluster is the campaign of this process, byte for byte: the same runs,
the same failures, the same shrunk failure and trace; with a scenario the workers do not have,
and with a worker killed half-way."""

import os
import signal
import socket

import pytest

from subnet.cli import main as cli
from subnet.explore import Exploration, SnapshotFaults, campaign, cluster, explore
from subnet.explore.bundle import Installed
from subnet.scenario import ScenarioError
from tests.support import ROOT, SCENARIOS

pytestmark = pytest.mark.slow

LOCK_RACE = str(SCENARIOS / "lock_race.py")
FIRST = dict(runs=300, seed=1, faults=SnapshotFaults(("vault",), 0.05))
EVERY = dict(
    runs=400, seed=9, faults=SnapshotFaults(("vault",), 0.1), stop_at_first=False, do_shrink=False
)


def same(here: Exploration, there: Exploration) -> None:
    assert (there.runs, there.steps) == (here.runs, here.steps)
    assert there.failures == here.failures  # kinds, messages, steps, choices, seeds, injections
    assert there.shrunk == here.shrunk
    assert there.trace == here.trace  # byte for byte


@pytest.fixture(scope="module")
def first_here():
    return explore(LOCK_RACE, **FIRST)


@pytest.fixture(scope="module")
def every_here():
    return explore(LOCK_RACE, **EVERY)


def test_the_first_failure_shrunk_and_its_trace_are_the_local_ones(client, first_here):
    assert first_here.shrunk is not None and first_here.runs < 300
    same(first_here, explore(LOCK_RACE, executor=client.get_executor(), **FIRST))


def test_a_scenario_given_as_a_module_name(client, monkeypatch):
    monkeypatch.chdir(ROOT)
    here = explore("scenarios.lock_race", **FIRST)
    same(here, explore("scenarios.lock_race", executor=client.get_executor(), **FIRST))


def test_every_failure_of_a_campaign_that_goes_on(client, every_here):
    assert len(every_here.failures) >= 5
    seen: list[tuple[int, int]] = []
    there = explore(
        LOCK_RACE, executor=client.get_executor(), progress=lambda *a: seen.append(a), **EVERY
    )
    same(every_here, there)
    assert [done for done, _ in seen] == list(range(1, 401))  # as the runs arrive
    assert seen[-1][1] == len(every_here.failures)


SHOP = """
from shop_canisters import lock_released
from shop_canisters import scenario as shop_scenario


async def scenario(net):
    await shop_scenario(net)


def invariant(net):
    lock_released(net)
"""


def test_a_scenario_the_workers_do_not_have_runs_by_content(client, tmp_path, monkeypatch):
    """A scenario named by a path relative to this process's folder, importing a canister
    module beside it: neither exists where the workers look."""
    (tmp_path / "shop_canisters.py").write_text((SCENARIOS / "unguarded_lock.py").read_text())
    (tmp_path / "hidden_shop.py").write_text(SHOP)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert all(cwd != str(tmp_path) for cwd in client.run(os.getcwd).values())
    faults = SnapshotFaults(("ledger",), 0.1, take=False, load=False, stop=True)
    options = dict(runs=60, seed=0, faults=faults, stop_at_first=False)
    here = explore("hidden_shop.py", **options)
    assert here.failures and here.shrunk is not None
    same(here, explore("hidden_shop.py", executor=client.get_executor(), **options))
    unpacked = [names for found in client.run(_bundles).values() for names in found]
    assert ["hidden_shop.py", "shop_canisters.py"] in unpacked  # what a worker was sent


def test_a_module_from_outside_the_project_must_be_installed_on_the_workers(
    client, tmp_path, monkeypatch
):
    """Only the project's modules are shipped: one found elsewhere on this machine's
    ``sys.path`` is a library, which the workers must have."""
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "pricing_library.py").write_text("PRICE = 5\n")
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "priced.py").write_text(
        SHOP.replace("shop_canisters", "priced_canisters").replace(
            "\n\n\n", "\nimport pricing_library\n\n\n", 1
        )
    )
    (tmp_path / "project" / "priced_canisters.py").write_text(
        (SCENARIOS / "unguarded_lock.py").read_text()
    )
    monkeypatch.chdir(tmp_path / "project")
    monkeypatch.syspath_prepend(str(tmp_path / "elsewhere"))
    assert explore("priced.py", runs=3).ok
    with pytest.raises(ScenarioError, match=r"on worker .*No module named 'pricing_library'"):
        explore("priced.py", runs=3, executor=client.get_executor())


def _bundles() -> list[list[str]]:
    """On a worker: the files of the bundles it unpacked."""
    from subnet.explore import bundle

    return [sorted(p.name for p in u.root.rglob("*.py")) for u in bundle._UNPACKED.values()]


def test_explore_on_the_command_line_with_scheduler(client, cluster, tmp_path, capsys):
    args = ["explore", LOCK_RACE, "--faults", "0.05", "--canister", "vault", "--seed", "1"]
    assert cli([*args, "--trace", str(tmp_path / "here.trace")]) == 1
    here = capsys.readouterr().out
    address = cluster.scheduler_address
    assert cli([*args, "--trace", str(tmp_path / "there.trace"), "--scheduler", address]) == 1
    there = capsys.readouterr().out
    assert there.replace("there.trace", "here.trace") == here
    assert (tmp_path / "there.trace").read_bytes() == (tmp_path / "here.trace").read_bytes()


def test_a_worker_with_another_subnet_sim_refuses_the_runs(cluster, monkeypatch, capsys):
    monkeypatch.setattr(campaign, "installed", lambda: Installed("0.0.1", "0" * 16))
    args = ["explore", LOCK_RACE, "--runs", "5", "--scheduler", cluster.scheduler_address]
    assert cli(args) == 255
    err = capsys.readouterr().err
    assert "failed" in err and "subnet-sim 0.0.1" in err and "on every worker" in err


def test_an_unreachable_scheduler_is_one_clear_line(monkeypatch, capsys):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 0.5)
    assert cli(["explore", LOCK_RACE, "--scheduler", f"tcp://127.0.0.1:{port}"]) == 255
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"Error: Cannot reach a Dask scheduler at tcp://127.0.0.1:{port} within 0.5 s "
        f"(Timed out trying to connect to tcp://127.0.0.1:{port} after 0.5 s)"
    ]


def test_workers_and_a_scheduler_do_not_go_together(capsys):
    args = ["explore", LOCK_RACE, "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"]
    assert cli(args) == 2
    assert "--workers and --scheduler: give one" in capsys.readouterr().err


def test_without_dask_the_error_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setattr(cluster, "distributed", None)
    assert cli(["explore", LOCK_RACE, "--scheduler", "tcp://127.0.0.1:8786"]) == 255
    assert capsys.readouterr().err.splitlines() == [
        "Error: --scheduler needs Dask's distributed scheduler: pip install 'subnet-sim[dask]'"
    ]


def test_a_worker_killed_mid_campaign_changes_nothing(client, every_here):
    """Its tasks are retried on the other worker (and its restart), and the campaign's
    outcome is the same. Last in this file: the cluster has a new worker afterwards."""
    pids = client.run(os.getpid)
    killed: list[int] = []

    def kill_once(done: int, failures: int) -> None:
        if done < 40 or killed:
            return
        busy = [address for address, tasks in sorted(client.processing().items()) if tasks]
        assert busy, "no worker has a task: the campaign is too short to test this"
        os.kill(pids[busy[0]], signal.SIGKILL)  # a worker with runs handed to it
        killed.append(pids[busy[0]])

    there = explore(LOCK_RACE, executor=client.get_executor(), progress=kill_once, **EVERY)
    assert killed
    same(every_here, there)
    client.wait_for_workers(2, timeout=60)
    assert killed[0] not in client.run(os.getpid).values()  # the nanny started another
