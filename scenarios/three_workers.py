"""Three workers each make twenty calls, one after the other, to a shared log canister.

A small, busy scenario for exploring schedules: `subnet explore scenarios/three_workers.py
--strategy pct` runs it under many interleavings. Nothing is wrong with it; `bench/explore.py`
uses it to measure explored schedules per second.
"""

from actors import Canister, update
from subnet import Subnet

ENTRIES = 20


class Log(Canister):
    def init(self):
        self.entries = []

    @update
    def add(self, worker: int) -> None:
        self.entries.append(worker)


class Worker(Canister):
    def init(self, number: int):
        self.number = number

    @update
    async def work(self, log, k: int) -> None:
        for _ in range(k):
            await self.call(log, "add", self.number)


async def scenario(net: Subnet) -> None:
    log = await net.deploy(Log, name="log")
    workers = [await net.deploy(Worker, n) for n in (1, 2, 3)]
    for w in workers:
        w.submit("work", log.id, ENTRIES)
    await net.run_until_idle()


def check(net: Subnet) -> None:
    """Every entry arrived, each worker's in its own order."""
    entries = net.inspect("log").heap["entries"]
    assert sorted(entries) == sorted([1, 2, 3] * ENTRIES)
