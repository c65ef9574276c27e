"""Fault settings that do not make sense are clear errors, before or right after one run."""

import itertools

import pytest

from subnet.cli import main as cli
from subnet.explore import Scenario, SnapshotFaults, explore
from tests.support import SCENARIOS

LOCK_RACE = str(SCENARIOS / "lock_race.py")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"canisters": "alice"}, "list of canister names"),
        ({"canisters": ["alice", 3]}, "every canister is a name"),
        ({"probability": 1.5}, "from 0 to 1"),
        ({"probability": -0.1}, "from 0 to 1"),
        ({"probability": "often"}, "from 0 to 1"),
        ({"take": "yes"}, "take is True or False"),
    ],
)
def test_bad_fault_options_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        SnapshotFaults(**options)


def test_a_scenarios_faults_dict_with_an_unknown_option_is_a_clear_error(tmp_path):
    path = tmp_path / "typo.py"
    path.write_text("FAULTS = {'canister': 'vault'}\n\nasync def scenario(net):\n    pass\n")
    with pytest.raises(ValueError, match=r"unknown option.*canister.*options: canisters"):
        Scenario.load(str(path))


def test_a_fault_target_the_scenario_never_has_is_reported():
    with pytest.raises(ValueError, match="alicee that the scenario never had"):
        explore(LOCK_RACE, runs=3, faults=SnapshotFaults(("alicee",), 0.5))


def test_at_probability_one_injections_do_not_stack_up_and_the_run_ends():
    result = explore(LOCK_RACE, runs=3, faults=SnapshotFaults(("vault",), 1.0), do_shrink=False)
    failure = result.first_failure
    assert failure is not None and failure.injections
    steps = [int(line.split(":")[0].split()[1]) for line in failure.injections]
    assert len(steps) == len(set(steps))  # one injection before a step at most
    assert all(b - a >= 2 for a, b in itertools.pairwise(steps))  # the injected call runs


@pytest.mark.parametrize("args", [["--faults", "1.5"], ["--faults", "-1"], ["--canister", "vault"]])
def test_the_command_line_refuses_bad_fault_settings(args, capsys):
    assert cli(["explore", LOCK_RACE, "--runs", "2", *args]) == 2
    assert capsys.readouterr().err.startswith("Error: ")


def test_replay_after_the_scenario_changed_is_a_divergence_with_a_hint(tmp_path, capsys):
    scenario = tmp_path / "money.py"
    scenario.write_text((SCENARIOS / "money_in_flight.py").read_text())
    trace = tmp_path / "f.trace"
    args = ["explore", str(scenario), "--faults", "0.05", "--canister", "escrow"]
    assert cli([*args, "--runs", "300", "--seed", "5", "--trace", str(trace)]) == 1
    capsys.readouterr()
    # the trace names a scenario outside the working directory: given explicitly to be run
    assert cli(["replay", str(trace), "--scenario", str(scenario)]) == 0
    assert "events identical" in capsys.readouterr().out
    changed = scenario.read_text().replace('"mint", escrow.id, 100', '"mint", escrow.id, 120')
    assert changed != scenario.read_text()
    scenario.write_text(changed)  # one amount
    assert cli(["replay", str(trace), "--scenario", str(scenario)]) == 1
    out = capsys.readouterr().out
    assert "diverged" in out and "hint: " in out and "changed since the trace was recorded" in out


def test_depth_first_search_finds_the_snapshot_timing_that_leaks_the_lock():
    """Whether to inject is one choice of two, so a bounded exhaustive search tries both
    (an injection used to be a 1,000-way draw that depth first never got past)."""
    result = explore(LOCK_RACE, runs=200, strategy="dfs", faults=SnapshotFaults(("vault",), 0.05))
    assert result.first_failure is not None and result.runs < 200
    assert result.shrunk.injections


def test_chosen_hazards_count_as_failures(tmp_path, capsys):
    faults = SnapshotFaults(("vault",), 0.05)
    result = explore(LOCK_RACE, runs=300, seed=1, faults=faults, fail_on=["leaked_continuation"])
    assert result.shrunk is not None and result.shrunk.kind == "hazard"
    assert "[leaked_continuation]" in result.shrunk.message
    with pytest.raises(ValueError, match="unknown hazard"):
        explore(LOCK_RACE, runs=1, fail_on=["leaky"])
    trace = tmp_path / "h.trace"
    args = ["explore", LOCK_RACE, "--faults", "0.05", "--canister", "vault", "--runs", "300"]
    assert cli([*args, "--fail-on", "leaked_continuation", "--trace", str(trace)]) == 1
    assert "hazard violated" in capsys.readouterr().out
    assert cli(["replay", str(trace)]) == 0
    assert cli([*args, "--fail-on", "leaky"]) == 2


def test_without_trace_no_file_is_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["explore", LOCK_RACE, "--faults", "0.05", "--canister", "vault", "--runs", "300"]
    assert cli(args) == 1
    assert "--trace FILE" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


def test_run_takes_a_strategy_and_its_seed(tmp_path):
    from subnet.trace import load_trace

    traces = []
    for seed in (1, 2):
        path = tmp_path / f"{seed}.trace"
        assert cli(["run", str(SCENARIOS / "three_workers.py"), "--strategy", "random",
                    "--seed", str(seed), "--trace", str(path)]) == 0  # fmt: skip
        traces.append(load_trace(path))
    assert traces[0].meta["strategy"] == "random"
    assert traces[0].decisions != traces[1].decisions


def test_trace_show_names_canisters_and_shows_the_failure(tmp_path, capsys):
    trace = tmp_path / "race.trace"
    args = ["explore", LOCK_RACE, "--faults", "0.05", "--canister", "vault", "--runs", "300"]
    assert cli([*args, "--trace", str(trace)]) == 1
    capsys.readouterr()
    assert cli(["trace", "show", str(trace)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].startswith("Failure: invariant at step ")
    assert any(line.startswith("  injected: ") and "vault" in line for line in lines)
    assert any(" created        vault" in line for line in lines)


def test_one_event_one_line():
    from subnet.cli.output import printable

    assert printable("trap: first\nsecond") == "trap: first\\nsecond"


def test_upgrade_faults_find_a_canister_that_keeps_its_state_only_on_the_heap():
    upgrades = SnapshotFaults(("escrow",), take=False, load=False, upgrade=True)
    result = explore(str(SCENARIOS / "money_in_flight.py"), runs=300, seed=1, faults=upgrades)
    assert result.shrunk is not None
    assert all(" upgrade " in line for line in result.shrunk.injections)
    assert "no attribute 'owner'" in result.shrunk.message
    with pytest.raises(ValueError, match="upgrade is True or False"):
        SnapshotFaults(upgrade="sometimes")
