"""Traces: recording, saving, loading, replaying; the same run on asyncio and on trio."""

import anyio
import pytest

from actors import Canister, update
from subnet import Reject, Subnet, load_trace, replay
from subnet.strategies import ReplayDivergence
from subnet.trace import TraceError, decode_trace


class Bank(Canister):
    def init(self):
        self.balances = {"alice": 100, "bob": 0}

    @update
    def transfer(self, src: str, dst: str, amount: int) -> int:
        if self.balances[src] < amount:
            raise Reject(4, "insufficient funds")
        self.balances[src] -= amount
        self.balances[dst] = self.balances.get(dst, 0) + amount
        return self.balances[dst]


class Client(Canister):
    @update
    async def pay(self, bank, src: str, dst: str, amount: int) -> int:
        try:
            return await self.call(bank, "transfer", src, dst, amount)
        except Reject:
            return -1


async def scenario(net: Subnet) -> None:
    bank = await net.deploy(Bank, name="bank")
    clients = [await net.deploy(Client) for _ in range(3)]
    for i in range(12):
        clients[i % 3].submit("pay", bank.id, "alice", "bob", 15 + i)
    await net.run_until_idle()


def run(backend: str, seed: int, **kwargs) -> Subnet:
    result = {}

    async def main():
        async with Subnet(seed=seed, strategy="random", scenario="bank", **kwargs) as net:
            await scenario(net)
            result["net"] = net

    anyio.run(main, backend=backend)
    return result["net"]


def test_same_seed_gives_byte_identical_traces_on_asyncio_and_trio():
    a = run("asyncio", 11).trace_bytes()
    t = run("trio", 11).trace_bytes()
    assert a == t
    assert run("asyncio", 11).trace_bytes() == a
    assert run("asyncio", 12).trace_bytes() != a  # the seed matters


def test_saved_trace_replays_the_run(tmp_path):
    original = run("asyncio", 5)
    path = tmp_path / "bank.trace"
    original.save_trace(path)
    loaded = load_trace(path)
    assert loaded.meta == {
        "seed": 5,
        "strategy": "random",
        "scenario": "bank",
        "names": {"bank": loaded.meta["names"]["bank"]},
    }
    assert loaded.decisions == original.decisions
    assert len(loaded.events) == len(original.trace)

    replayed = {}

    async def main():
        async with Subnet(strategy=replay(loaded.decisions)) as net:
            await scenario(net)
            replayed["events"] = list(net.trace)

    anyio.run(main, backend="trio")
    assert replayed["events"] == loaded.events


def test_replay_of_a_different_scenario_diverges():
    recorded = run("asyncio", 2).decisions

    async def main():
        async with Subnet(strategy=replay(recorded[:3])) as net:
            await scenario(net)

    with pytest.raises(ReplayDivergence):
        anyio.run(main)


def test_damaged_trace_files_are_clear_errors(tmp_path):
    with pytest.raises(TraceError):
        decode_trace(b"\xff\x00garbage")
    with pytest.raises(TraceError):
        decode_trace(b"\xa0")  # an empty CBOR map: not a trace
    data = run("asyncio", 1).trace_bytes()
    with pytest.raises(TraceError):
        decode_trace(data[: len(data) // 2])


@pytest.mark.anyio
async def test_events_cover_the_execution_points():
    async with Subnet() as net:
        await scenario(net)
        kinds = {e.kind for e in net.trace}
        assert {"submit", "exec", "call", "context_closed", "ingress_done"} <= kinds
        net.advance_time(5_000)
        assert net.trace[-1].kind == "time"
