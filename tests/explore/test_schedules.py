"""The explorer's schedules: choices recorded and replayed, every interleaving by DFS, invariants,
end-of-run checks, liveness, progress."""

from actors import Canister, update
from subnet import Subnet
from subnet.explore import Chooser, Scenario, explore, run_once
from subnet.explore import Settings as RunSettings
from tests.canisters import Sender, Sink


async def two_senders(net: Subnet) -> None:
    box = await net.deploy(Sink, name="box")
    a = await net.deploy(Sender)
    b = await net.deploy(Sender)
    a.submit("send", box.id, 1)
    b.submit("send", box.id, 2)
    await net.run_until_idle()


def one_before_two(net: Subnet) -> None:
    if "box" in net.names:
        items = net.inspect("box").heap["order"]
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
        assert net.inspect("box").heap["order"] == [1, 2], "wrong order at the end"

    result = explore(Scenario(two_senders, check=check), strategy="dfs", runs=100)
    assert not result.ok and result.shrunk.kind == "check"


def test_progress_is_reported_after_every_run():
    seen = []
    explore(two_senders, runs=7, progress=lambda done, failures: seen.append((done, failures)))
    assert seen == [(i, 0) for i in range(1, 8)]
