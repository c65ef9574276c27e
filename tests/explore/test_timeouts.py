"""The explorer's ``timeout`` fault: an outstanding bounded-wait call answered with
``SYS_UNKNOWN`` at a moment the explorer chooses.

On the IC, whether a bounded-wait call's deadline passes, or its response is dropped, depends
on load (``ic0.call_with_best_effort_response`` in the interface specification: "the system
may also respond with a SYS_UNKNOWN reject code, signifying that the call may or may not have
been processed by the callee"). The fault makes it a choice of the run, so that exploration
finds code that takes ``SYS_UNKNOWN`` for "did not happen": ``scenarios/refund_on_timeout.py``
refunds a withdrawal the ledger did pay.
"""

from __future__ import annotations

import anyio

from subnet import Subnet
from subnet.explore import Scenario, SnapshotFaults, explore, replay_failure
from subnet.explore.faults import KINDS
from subnet.explore.runner import Settings, _settings_meta
from subnet.scenario import load_module
from subnet.trace import decode_trace
from tests.support import SCENARIOS

REFUND = str(SCENARIOS / "refund_on_timeout.py")
UNGUARDED = str(SCENARIOS / "unguarded_lock.py")


def _timeouts(canister: str, probability: float = 0.2) -> SnapshotFaults:
    return SnapshotFaults(
        (canister,), probability, **{k: k == "timeout" for k in KINDS if k != "canisters"}
    )


def test_the_explorer_finds_a_refund_of_a_transfer_that_happened() -> None:
    result = explore(REFUND, runs=200, seed=0, faults=_timeouts("wallet", 0.05))
    shrunk = result.shrunk
    assert shrunk is not None and shrunk.kind == "invariant"
    assert shrunk.message.startswith("AssertionError: money created: the users own")
    [injection] = shrunk.injections
    assert "time out wallet's call to ledger.transfer" in injection
    assert injection.endswith("response dropped)")  # the ledger had paid
    assert result.trace is not None
    recorded = decode_trace(result.trace)
    assert recorded.meta["explore"]["faults"]["timeout"] is True
    assert any(e.kind == "expired" for e in recorded.events)
    again = replay_failure(REFUND, recorded.meta, recorded.decisions)
    assert again.failure is not None and again.failure.message == shrunk.message
    assert decode_trace(again.trace).events == recorded.events


def test_the_scenarios_own_faults_find_it_the_same_on_trio() -> None:
    asyncio_run = explore(REFUND, runs=100, seed=3)  # the scenario's FAULTS: timeouts on
    trio_run = explore(REFUND, runs=100, seed=3, backend="trio")
    assert asyncio_run.shrunk is not None and trio_run.shrunk is not None
    asyncio_trace = decode_trace(asyncio_run.trace or b"")
    trio_trace = decode_trace(trio_run.trace or b"")
    assert asyncio_trace.decisions == trio_trace.decisions
    assert asyncio_trace.events == trio_trace.events


def test_a_wallet_that_settles_unknown_outcomes_survives_timeouts() -> None:
    module = load_module(REFUND)

    async def safe(net: Subnet) -> None:
        await module.run(net, module.SafeWallet)

    scenario = Scenario(safe, invariants=module.invariants, check=module.check)
    result = explore(scenario, runs=300, seed=0, faults=_timeouts("wallet", 0.3))
    assert result.ok, result.shrunk


def test_a_plain_run_of_the_scenario_never_times_out() -> None:
    module = load_module(REFUND)

    async def main() -> None:
        async with Subnet() as net:
            await module.scenario(net)
            module.check(net)
            assert not [e for e in net.trace if e.kind in ("expired", "dropped")]

    anyio.run(main)


def test_unbounded_calls_are_never_timed_out() -> None:
    """The shop of ``unguarded_lock.py`` makes unbounded calls: nothing to time out."""
    result = explore(UNGUARDED, runs=50, seed=0, faults=_timeouts("shop", 1.0))
    assert result.ok


def test_timeout_is_off_by_default_and_old_traces_keep_their_bytes() -> None:
    assert not SnapshotFaults().timeout
    assert SnapshotFaults.from_options({"timeout": True}).timeout
    off = _settings_meta(Settings(faults=SnapshotFaults()))
    assert "timeout" not in off["faults"]  # written only when on, as before the kind existed
    on = _settings_meta(Settings(faults=_timeouts("wallet")))
    assert on["faults"]["timeout"] is True
