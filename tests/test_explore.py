"""The explorer: choices, strategies, faults, invariants, shrinking, replay, workers, CLI."""

from pathlib import Path

import pytest

from actors import Canister, query, update
from subnet import Subnet
from subnet.cli import main as cli
from subnet.explore import Chooser, Scenario, SnapshotFaults, explore, replay_failure, run_once
from subnet.explore import Settings as RunSettings
from subnet.trace import decode_trace

LOCK_RACE = str(Path(__file__).resolve().parents[1] / "scenarios" / "lock_race.py")


class Box(Canister):
    def init(self):
        self.items = []

    @update
    def put(self, x: int) -> None:
        self.items.append(x)

    @query
    def get(self) -> list[int]:
        return self.items


class Sender(Canister):
    @update
    async def send(self, box, x: int) -> None:
        await self.call(box, "put", x)


async def two_senders(net: Subnet) -> None:
    box = await net.deploy(Box, name="box")
    a = await net.deploy(Sender)
    b = await net.deploy(Sender)
    a.submit("send", box.id, 1)
    b.submit("send", box.id, 2)
    await net.run_until_idle()


def one_before_two(net: Subnet) -> None:
    if "box" in net.names:
        items = net.inspect("box").heap["items"]
        assert items[:1] != [2], "2 arrived before 1"


def test_chooser_records_and_replays():
    import random

    first = Chooser(rng=random.Random(4))
    drawn = [first.draw(n) for n in (3, 1, 5, 7)]
    assert len(first.choices) == 3  # a draw with one option is not a choice
    again = Chooser(first.choices)
    assert [again.draw(n) for n in (3, 1, 5, 7)] == drawn
    past_the_end = Chooser([2])
    assert [past_the_end.draw(9), past_the_end.draw(9)] == [2, 0]


def test_dfs_enumerates_every_interleaving_and_finds_the_bad_one():
    ok = explore(two_senders, strategy="dfs", runs=1000, stop_at_first=False)
    assert ok.ok and ok.runs > 1
    found = explore(Scenario(two_senders, [one_before_two]), strategy="dfs", runs=1000)
    assert not found.ok
    failure = found.shrunk
    assert failure.kind == "invariant" and "2 arrived before 1" in failure.message
    assert found.runs <= ok.runs


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
    assert recorded.meta["choices"] == list(shrunk.choices)
    again = replay_failure(LOCK_RACE, recorded.meta)
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


class PingForever(Canister):
    @update
    async def ping(self, other) -> None:
        await self.call(other, "ping", self.id)


async def endless(net: Subnet) -> None:
    a = await net.deploy(PingForever)
    b = await net.deploy(PingForever)
    a.submit("ping", b.id)
    await net.run_until_idle()


def test_a_run_that_never_ends_is_a_liveness_failure():
    result = run_once(Scenario(endless), RunSettings(max_steps=200), Chooser(), 0)
    assert result.failure is not None and result.failure.kind == "liveness"


def test_end_of_run_checks():
    async def check(net):
        assert net.inspect("box").heap["items"] == [1, 2], "wrong order at the end"

    result = explore(Scenario(two_senders, check=check), strategy="dfs", runs=100)
    assert not result.ok and result.shrunk.kind == "check"


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


MONEY = str(Path(__file__).resolve().parents[1] / "scenarios" / "money_in_flight.py")


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


def test_progress_is_reported_after_every_run():
    seen = []
    explore(two_senders, runs=7, progress=lambda done, failures: seen.append((done, failures)))
    assert seen == [(i, 0) for i in range(1, 8)]


def test_hypothesis_drives_schedules_and_fault_timing():
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    from subnet.explore import check_schedule

    @settings(max_examples=40, deadline=None, database=None, derandomize=True)
    @given(st.data())
    def without_faults(data):
        check_schedule(data, LOCK_RACE)

    without_faults()  # every schedule Hypothesis tries is fine

    @settings(
        max_examples=500, deadline=None, database=None, derandomize=True,
        phases=[Phase.generate],  # finding it is the point here; shrinking is Hypothesis's
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )  # fmt: skip
    @given(st.data())
    def with_faults(data):
        check_schedule(data, LOCK_RACE, faults=SnapshotFaults(("vault",), probability=0.2))

    with pytest.raises(AssertionError, match="locked but no withdrawal is in flight"):
        with_faults()
