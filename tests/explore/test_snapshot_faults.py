"""Snapshot faults: the explorer loads snapshots at random points, finds the bugs they cause,
shrinks them and replays them; the same answer with several workers."""

import pytest

from subnet.cli import main as cli
from subnet.explore import SnapshotFaults, explore, replay_failure
from subnet.trace import decode_trace
from tests.support import SCENARIOS

LOCK_RACE = str(SCENARIOS / "lock_race.py")


@pytest.mark.parametrize("strategy", ["random", "pct"])
def test_snapshot_faults_find_the_leaked_lock_and_replay_it(strategy):
    result = explore(
        LOCK_RACE,
        runs=300,
        strategy=strategy,
        seed=1,
        faults=SnapshotFaults(canisters=("vault",), probability=0.05),
    )
    assert not result.ok
    shrunk = result.shrunk
    assert shrunk.kind == "invariant"
    assert "locked but no withdrawal is in flight" in shrunk.message
    assert len(shrunk.choices) <= len(result.failures[0].choices)
    assert any("load snapshot" in line for line in shrunk.injections)
    recorded = decode_trace(result.trace)
    assert recorded.decisions == list(shrunk.choices)  # the one choice list
    again = replay_failure(LOCK_RACE, recorded.meta, recorded.decisions)
    assert again.failure is not None and again.failure.message == shrunk.message
    assert decode_trace(again.trace).events == recorded.events
    kinds = {e.method for e in recorded.events if e.kind == "hazard"}
    assert "leaked_continuation" in kinds


def test_without_faults_the_vault_is_fine():
    assert explore(LOCK_RACE, runs=30, strategy="pct").ok


def test_campaigns_are_deterministic_and_parallel_gives_the_same_answer():
    faults = SnapshotFaults(canisters=("vault",), probability=0.1)
    kwargs = dict(runs=150, seed=9, faults=faults, stop_at_first=False, do_shrink=False)
    one = explore(LOCK_RACE, **kwargs)
    assert one.runs == 150 and len(one.failures) >= 3  # several distinct failing runs
    assert len({f.choices for f in one.failures}) == len(one.failures)
    assert explore(LOCK_RACE, **kwargs).failures == one.failures
    assert explore(LOCK_RACE, workers=2, **kwargs).failures == one.failures


MONEY = str(SCENARIOS / "money_in_flight.py")


def test_money_in_flight_is_safe_under_any_schedule_but_not_under_snapshot_loads():
    assert explore(MONEY, runs=60, strategy="pct", seed=2).ok
    assert explore(MONEY, runs=60, strategy="random", seed=2).ok
    found = explore(
        MONEY, runs=500, seed=2, faults=SnapshotFaults(canisters=("escrow",), probability=0.05)
    )
    assert not found.ok
    assert "the escrow owes" in found.shrunk.message
    hazards = {e.method for e in decode_trace(found.trace).events if e.kind == "hazard"}
    assert "snapshot_loaded_while_running" in hazards


def test_cli_explore_and_replay(tmp_path, capsys):
    trace = tmp_path / "race.trace"
    code = cli(
        ["explore", LOCK_RACE, "--faults", "0.05", "--canister", "vault", "--runs", "300",
         "--seed", "1", "--trace", str(trace)]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1 and "First failure: invariant" in out and trace.exists()
    assert cli(["replay", str(trace)]) == 0
    assert "events identical" in capsys.readouterr().out
    assert cli(["explore", LOCK_RACE, "--runs", "5"]) == 0
