"""A trap in a callback: rolled back, then the frame's cleanup runs and its changes persist."""

import pytest

from actors import Canister, query, update
from actors.patterns import CallerGuard
from subnet import ErrorCode, Reject, Subnet
from tests.canisters import Ledger

pytestmark = pytest.mark.anyio


class Account(Canister):
    def init(self):
        self.locked = False
        self.balance = 100
        self.busy = set()
        self.notes = []

    @update
    async def guarded(self, ledger, amount: int) -> int:
        """Releases the lock in a finally block: a trap after the await still releases it."""
        self.locked = True
        try:
            await self.call(ledger, "transfer", amount)
            self.balance -= amount
            self.notes.append("debited")
            if amount > 50:
                raise ValueError("trap after the await")
        finally:
            self.locked = False
        return self.balance

    @update
    async def unguarded(self, ledger, amount: int) -> int:
        """Releases the lock after the await: a trap there leaves it held for ever."""
        self.locked = True
        await self.call(ledger, "transfer", amount)
        self.balance -= amount
        if amount > 50:
            raise ValueError("trap after the await")
        self.locked = False
        return self.balance

    @update
    async def with_caller_guard(self, ledger, amount: int) -> int:
        with CallerGuard(self.busy, self.caller):
            await self.call(ledger, "transfer", amount)
            self.balance -= amount
            if amount > 50:
                raise ValueError("trap after the await")
        return self.balance

    @update
    async def trap_before_await(self, ledger) -> int:
        self.locked = True
        try:
            raise ValueError("trap before any await")
        finally:
            self.locked = False

    @query
    def state(self) -> dict:
        return {"locked": self.locked, "balance": self.balance, "busy": sorted(map(str, self.busy))}


async def setup(net):
    return await net.deploy(Account), await net.deploy(Ledger)


async def test_finally_block_survives_a_trap_in_the_callback():
    async with Subnet() as net:
        acct, ledger = await setup(net)
        with pytest.raises(Reject) as rej:
            await acct.call("guarded", ledger.id, 60)
        assert rej.value.error_code == ErrorCode.CanisterCalledTrap
        # the debit is rolled back, the lock release persists
        assert await acct.query("state") == {"locked": False, "balance": 100, "busy": []}
        assert net.inspect(acct).heap["notes"] == []
        assert next(e for e in net.trace if e.kind == "cleanup").data == ("locked",)
        assert await acct.call("guarded", ledger.id, 10) == 90


async def test_release_after_the_await_does_not_survive():
    async with Subnet() as net:
        acct, ledger = await setup(net)
        with pytest.raises(Reject):
            await acct.call("unguarded", ledger.id, 60)
        assert await acct.query("state") == {"locked": True, "balance": 100, "busy": []}
        assert not [e for e in net.trace if e.kind == "cleanup"]
        # the ledger moved the money anyway
        assert net.inspect(ledger).heap == {"moved": 60}


async def test_caller_guard_is_released_by_the_cleanup():
    async with Subnet() as net:
        acct, ledger = await setup(net)
        first = acct.submit("with_caller_guard", ledger.id, 10)
        second = acct.submit("with_caller_guard", ledger.id, 10)
        await net.run_until_idle()
        outcomes = []
        for p in (first, second):
            try:
                outcomes.append(p.result())
            except Reject as rej:
                outcomes.append("refused" if "already processing" in rej.reject_message else rej)
        assert outcomes == [90, "refused"]
        with pytest.raises(Reject):
            await acct.call("with_caller_guard", ledger.id, 60)
        assert (await acct.query("state"))["busy"] == []
        assert await acct.call("with_caller_guard", ledger.id, 5) == 85


async def test_a_trap_before_any_await_rolls_everything_back():
    async with Subnet() as net:
        acct, ledger = await setup(net)
        before = net.inspect(acct).heap
        with pytest.raises(Reject):
            await acct.call("trap_before_await", ledger.id)
        assert net.inspect(acct).heap == before
        assert not [e for e in net.trace if e.kind == "cleanup"]


# Interface spec: the canister version goes up with every successful execution; the IC spec
# test suite's canister version case "in cleanup": the update, then the trapped callback (no
# change), then the cleanup callback, a successful execution of its own (+1)
async def test_a_cleanup_that_ran_counts_as_an_execution():
    async with Subnet() as net:
        acct, ledger = await setup(net)
        before = net.inspect(acct).version
        with pytest.raises(Reject):
            await acct.call("guarded", ledger.id, 60)
        assert net.inspect(acct).version == before + 2  # the call made, then the cleanup
        before = net.inspect(acct).version
        with pytest.raises(Reject):
            await acct.call("unguarded", ledger.id, 60)
        assert net.inspect(acct).version == before + 1  # no cleanup ran: the call made only
