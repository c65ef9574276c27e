"""The explorer finds the Motoko vault's lock leak under snapshot faults, as it does for the
Python vault of scenarios/lock_race.py, and its trace replays."""

import pytest

from subnet.explore import SnapshotFaults, explore, replay_trace
from subnet.trace import decode_trace

pytest.importorskip("wasmtime")

SCENARIO = "scenarios/motoko_vault.py"


def test_snapshot_faults_find_the_motoko_vaults_leaked_lock():
    faults = SnapshotFaults(canisters=("vault",), probability=0.2)
    found = explore(SCENARIO, runs=30, seed=0, faults=faults, do_shrink=False)
    assert not found.ok
    failure = found.first_failure
    assert failure is not None
    assert "the vault is locked but no withdrawal is in flight" in failure.message
    recorded = decode_trace(found.trace)
    # the failing run loaded a snapshot over a finished withdrawal: the hazard says so
    hazards = [e.method for e in recorded.events if e.kind == "hazard"]
    assert "leaked_continuation" in hazards
    replayed = replay_trace(SCENARIO, recorded)
    assert replayed.failure is not None
    assert replayed.failure.message == failure.message
    assert replayed.events == recorded.events


def test_without_faults_the_motoko_vault_keeps_its_invariant():
    assert explore(SCENARIO, runs=10, seed=0).ok
