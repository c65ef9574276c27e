"""The explorer's fault kinds beyond snapshots: stop/start, a trap injected into a callback,
and an execution that runs past its budget (an endless loop) reported as a failure."""

import pytest

from subnet.explore import SnapshotFaults, explore
from subnet.explore.faults import KINDS
from tests.support import SCENARIOS

UNGUARDED = str(SCENARIOS / "unguarded_lock.py")
LOCK_RACE = str(SCENARIOS / "lock_race.py")
SPIN_WAIT = str(SCENARIOS / "spin_wait.py")


def _only(kind: str, canister: str, probability: float = 0.1) -> SnapshotFaults:
    return SnapshotFaults(
        (canister,), probability, **{k: k == kind for k in KINDS if k != "canisters"}
    )


def test_stopping_the_callee_finds_a_lock_released_outside_finally():
    result = explore(UNGUARDED, runs=100, seed=0, faults=_only("stop", "ledger"))
    shrunk = result.shrunk
    assert shrunk is not None and shrunk.kind == "invariant"
    assert "locked but no purchase is in flight" in shrunk.message
    assert [line.split(": ", 1)[1] for line in shrunk.injections] == ["stop ledger"]


def test_a_trap_in_the_callback_finds_a_lock_released_outside_finally():
    result = explore(UNGUARDED, runs=100, seed=0, faults=_only("trap", "shop"))
    shrunk = result.shrunk
    assert shrunk is not None and "locked but no purchase is in flight" in shrunk.message
    assert len(shrunk.injections) == 1
    assert "trap shop's callback for its call to ledger.transfer" in shrunk.injections[0]


def test_a_lock_released_in_finally_survives_traps_in_its_callbacks():
    """The vault releases its lock in ``finally``: the cleanup of a trapped callback runs it."""
    result = explore(LOCK_RACE, runs=150, seed=0, faults=_only("trap", "vault", 0.2))
    assert result.ok, result.shrunk


def test_stop_alternates_with_start_and_a_campaign_repeats_itself():
    faults = _only("stop", "ledger", 0.5)
    runs = [
        explore(UNGUARDED, runs=20, seed=4, faults=faults, do_shrink=False, stop_at_first=False)
        for _ in range(2)
    ]
    assert runs[0].failures == runs[1].failures  # same seed, same campaign
    for failure in runs[0].failures:
        ops = [line.split(": ", 1)[1] for line in failure.injections]
        # the explorer starts only what it stopped, and stops only what is running
        assert ops == [("stop ledger", "start ledger")[i % 2] for i in range(len(ops))]
    assert any("start ledger" in line for f in runs[0].failures for line in f.injections)


def test_trap_and_stop_are_off_by_default_and_checked():
    faults = SnapshotFaults()
    assert not faults.stop and not faults.trap
    with pytest.raises(ValueError, match="trap is True or False"):
        SnapshotFaults(trap="yes")
    with pytest.raises(ValueError, match="unknown option"):
        SnapshotFaults.from_options({"stops": True})
    assert SnapshotFaults.from_options({"stop": True, "trap": True}).trap


def test_an_endless_loop_is_a_failure_of_the_run_shrunk_with_its_trace():
    result = explore(SPIN_WAIT, runs=50, seed=0, execution_limit=0.2)
    shrunk = result.shrunk
    assert shrunk is not None and shrunk.kind == "instruction_limit"
    assert shrunk.message.startswith("vault.withdraw ran past the execution budget (IC0522")
    assert result.trace is not None


def test_the_command_line_takes_fault_kinds_and_an_execution_limit(tmp_path, capsys):
    from subnet.cli import main as cli

    args = ["explore", UNGUARDED, "--faults", "0.1", "--canister", "shop", "--runs", "100"]
    assert cli([*args, "--fault-kinds", "trap"]) == 1
    assert "trap shop's callback" in capsys.readouterr().out
    assert cli([*args, "--fault-kinds", "trap,nope"]) == 2
    assert "unknown fault kind(s) nope" in capsys.readouterr().err
    assert cli(["explore", UNGUARDED, "--fault-kinds", "stop"]) == 2  # without --faults
    capsys.readouterr()
    trace = tmp_path / "spin.trace"
    spin = ["explore", SPIN_WAIT, "--runs", "50", "--execution-limit", "0.2"]
    assert cli([*spin, "--trace", str(trace)]) == 1
    assert "instruction_limit violated" in capsys.readouterr().out
    assert cli(["replay", str(trace), "--scenario", SPIN_WAIT]) == 0
    assert "events identical" in capsys.readouterr().out
    assert cli([*spin[:4], "--execution-limit", "0"]) == 2


def test_the_shrinker_reports_its_progress_and_keeps_to_its_run_budget():
    seen: list[tuple[int, int]] = []
    faults = SnapshotFaults(("vault",), 0.05)
    result = explore(
        LOCK_RACE, runs=300, seed=1, faults=faults, on_shrink=lambda *a: seen.append(a)
    )
    assert result.shrunk is not None and seen
    assert [runs for runs, _ in seen] == list(range(1, len(seen) + 1))
    assert len(seen) <= 300  # the shrinker's budget, in runs: the same on every machine
    lengths = [choices for _, choices in seen]
    assert lengths == sorted(lengths, reverse=True)  # the best only gets shorter
    assert lengths[-1] == len(result.shrunk.choices)


def test_process_pool_workers_have_a_budget_too(tmp_path):
    """A forked worker inherits the parent's watchdog state but not its interval timer: the
    watchdog must arm again there, or an endless loop in a worker hangs the campaign (run in a
    child process with a timeout, so that a regression fails instead of hanging the suite)."""
    import subprocess
    import sys
    import textwrap

    script = tmp_path / "pool.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import anyio
            from actors import Canister, update
            from subnet import Subnet
            from subnet.budget import WATCHDOG
            from subnet.explore import explore

            class C(Canister):
                @update
                def f(self) -> int:
                    return 1

            async def main():
                net = Subnet()
                await (await net.deploy(C)).call("f")  # arms the watchdog in the parent

            anyio.run(main)
            assert WATCHDOG.armed
            result = explore({SPIN_WAIT!r}, runs=20, seed=0, execution_limit=0.2, workers=2)
            print(result.shrunk.kind)
            """
        )
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "instruction_limit"
