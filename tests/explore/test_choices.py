"""The one record of every choice: what a chooser records, and how a replay refuses a misfit."""

import random

import anyio
import pytest

from subnet import Subnet, replay
from subnet.choices import Chooser, ReplayDivergence
from subnet.explore import SnapshotFaults, explore
from subnet.trace import decode_trace
from tests.canisters import Counter
from tests.support import SCENARIOS


def test_draws_and_decisions_go_into_one_list():
    chooser = Chooser(rng=random.Random(1))
    a = chooser.draw(5)
    b = chooser.decide(3, 2)
    assert chooser.draw(1) == 0  # one option: nothing to choose, nothing recorded
    assert chooser.choices == [a, 2] and chooser.sizes == [5, 3]
    assert b == 2


def test_a_strict_replay_reports_a_choice_that_does_not_fit():
    chooser = Chooser([1, 7], strict=True)
    assert chooser.draw(4) == 1
    with pytest.raises(ReplayDivergence, match="recorded choice 1 is 7"):
        chooser.decide(3, 0)


def test_a_strict_replay_reports_a_run_that_wants_more_choices():
    chooser = Chooser([0], strict=True)
    chooser.draw(2)
    with pytest.raises(ReplayDivergence, match="made 1 choices"):
        chooser.draw(2)


def test_a_shrinkers_candidate_is_taken_modulo_and_then_simplest():
    chooser = Chooser([7])
    assert chooser.draw(3) == 1  # 7 mod 3
    assert chooser.draw(3) == 0  # past the candidate: the simplest choice
    assert chooser.choices == [1, 0]


def test_a_replayed_round_robin_run_refuses_a_choice_out_of_range():
    async def main():
        async with Subnet(strategy=replay([99], strict=True)) as net:
            a = await net.deploy(Counter)
            b = await net.deploy(Counter)
            a.submit("inc")
            b.submit("inc")  # two ready sources: a choice, which the record cannot answer
            await net.run_until_idle()

    with pytest.raises(ReplayDivergence):
        anyio.run(main)


def test_an_explorers_trace_holds_scheduling_and_fault_choices_in_one_list():
    result = explore(
        str(SCENARIOS / "lock_race.py"),
        runs=300,
        seed=1,
        faults=SnapshotFaults(("vault",), probability=0.05),
        do_shrink=False,
    )
    failure = result.first_failure
    assert failure is not None and failure.injections
    recorded = decode_trace(result.trace)
    assert recorded.decisions == list(failure.choices)
    assert "choices" not in recorded.meta


def test_the_shrinker_survives_a_candidate_that_leaves_a_shorter_list():
    """A failing candidate can record fewer choices than the list being shrunk (the run fails
    sooner); the last pass used to index past its end (IndexError) and lose the failure."""
    result = explore(
        str(SCENARIOS / "money_in_flight.py"),
        runs=300,
        seed=8,
        faults=SnapshotFaults(("escrow",), probability=0.05),
    )
    assert result.shrunk is not None and result.shrunk.kind == "invariant"
    assert len(result.shrunk.choices) <= len(result.first_failure.choices)
    assert decode_trace(result.trace).decisions == list(result.shrunk.choices)


def test_pct_threads_are_causal_chains_not_canisters():
    """Two ingress calls into one canister are two chains; a call and its response belong to
    the chain of the ingress message that caused them."""
    from tests.canisters import Relay

    async def main():
        async with Subnet() as net:
            sink = await net.deploy(Counter)
            relay = await net.deploy(Relay)
            first = net.submit(relay.id, "forward", sink.id, "inc")
            second = net.submit(relay.id, "forward", sink.id, "inc")
            view = net.engine.sources_view()
            ready = list(net.engine._ready)
            assert len(ready) == 1  # both ingress messages wait in the relay's one queue
            assert view.chain(ready[0]) == ("ingress", first.message_id)
            await net.step()  # the first forward runs and calls the counter
            chains = {view.chain(sid) for sid in net.engine._ready}
            assert chains == {("ingress", first.message_id), ("ingress", second.message_id)}
            await net.run_until_idle()

    anyio.run(main)


def test_depth_first_search_says_when_the_space_is_exhausted():
    async def two(net):
        a = await net.deploy(Counter)
        b = await net.deploy(Counter)
        a.submit("inc")
        b.submit("inc")
        await net.run_until_idle()

    from subnet.explore import Scenario

    done = explore(Scenario(two), strategy="dfs", runs=100, stop_at_first=False)
    assert done.exhausted and done.runs == 2 and done.ok
    cut = explore(Scenario(two), strategy="dfs", runs=1, stop_at_first=False)
    assert not cut.exhausted
