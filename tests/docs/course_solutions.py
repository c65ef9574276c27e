"""Solutions to the exercises of the course (docs/course/): each is the page's stub, edited
as the exercise asks. tests/docs/test_course.py checks each with the page's own check."""

from actors import Canister, update
from subnet import Reject, RejectCode


class PoliteWallet(Canister):
    """Atomicity: refuse by trapping, so the execution's changes are rolled back."""

    def init(self):
        self.balance = 10
        self.log = []

    @update
    def spend(self, amount: int) -> str:
        self.log.append(amount)
        self.balance -= amount
        if self.balance < 0:
            raise ValueError("refused")  # a trap: the log entry and the debit are undone
        return "ok"


class QuickShop(Canister):
    """Call contexts: answer first, then await the audit; the context stays open until it
    comes back."""

    def init(self):
        self.orders = 0

    @update
    async def order(self, audit, item: str) -> int:
        self.orders += 1
        self.reply(self.orders)
        await self.call(audit, "record", item)


class SafeVault(Canister):
    """Reentrancy: check and debit in one execution, credit back if the transfer fails."""

    def init(self):
        self.balance = 100

    @update
    async def withdraw(self, ledger, amount: int) -> int:
        if self.balance < amount:
            raise Reject(RejectCode.CANISTER_REJECT, "not enough money")
        self.balance -= amount
        try:
            await self.call(ledger, "transfer", amount)
        except Reject:
            self.balance += amount
            raise
        return self.balance


class LockedShop(Canister):
    """Stopping: release the lock in ``finally``, so a rejected charge releases it too."""

    def init(self):
        self.locked = False
        self.sold = 0

    @update
    async def buy(self, ledger, price: int) -> int:
        if self.locked:
            raise Reject(RejectCode.CANISTER_REJECT, "the shop is busy, try again")
        self.locked = True
        try:
            await self.call(ledger, "transfer", price)
            self.sold += 1
        finally:
            self.locked = False
        return self.sold


class TicketShop(Canister):
    """Snapshots of a stopped canister: number each charge with the time (a load does not
    rewind it) and a counter (two charges in one round), so no number repeats after a load."""

    def init(self):
        self.next_charge = 0
        self.sold = 0

    @update
    async def sell(self, bank, price: int) -> int:
        self.next_charge += 1
        await self.call(bank, "charge", f"{self.time()}-{self.next_charge}", price)
        self.sold += 1
        return self.sold


class SteadyVault(SafeVault):
    """Snapshots of a running canister: debit before the await and refund on a reject, with
    no lock. At the await the heap already says what the ledger will move, so a snapshot
    taken there, loaded after the call finished, holds a balance the ledger agrees with.

    The fix of chapter 3, :class:`SafeVault`."""


class CarefulVault(SafeVault):
    """Exploring schedules: debit before the await and refund on a reject, so the check and
    the debit are one execution, whatever runs between it and the reply.

    The fix of chapter 3, :class:`SafeVault`."""


class SnapshotProofVault(SafeVault):
    """Fuzzing snapshot timing: no lock to leak; the debit before the await, refunded on a
    reject, keeps the heap consistent wherever a snapshot lands.

    The fix of chapter 3, :class:`SafeVault`."""
