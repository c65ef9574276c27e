"""The explorer finds the Motoko vault's lock leak under snapshot faults, as it does for the
Python vault of scenarios/lock_race.py, and its trace replays."""

import pytest

from subnet import cli
from subnet.explore import SnapshotFaults, explore, replay_trace
from subnet.trace import decode_trace
from tests.support import ROOT, SCENARIOS

pytest.importorskip("wasmtime")

SCENARIO = str(SCENARIOS / "motoko_vault.py")


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


def test_the_command_docs_wasm_shows(tmp_path, monkeypatch, capsys):
    # docs/wasm.md: `subnet explore scenarios/motoko_vault.py --faults 0.2 --canister vault
    # --runs 30 --trace leak.trace`, then `subnet replay leak.trace`
    monkeypatch.chdir(ROOT)
    trace = tmp_path / "leak.trace"
    code = cli.main(
        [
            "explore",
            SCENARIO,
            "--faults",
            "0.2",
            "--canister",
            "vault",
            "--runs",
            "30",
            "--trace",
            str(trace),
        ]
    )
    out = capsys.readouterr().out
    assert code == 1  # a failure was found
    assert "1 failure(s)" in out
    assert "the vault is locked but no withdrawal is in flight" in out
    assert cli.main(["replay", str(trace)]) == 0
    replayed = capsys.readouterr().out
    assert "events identical" in replayed
