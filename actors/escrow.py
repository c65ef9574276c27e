"""An escrow that keeps its own books of what it owes, and pays out through a ledger.

``withdraw`` follows the usual advice for calls across ``await``: it debits the caller's
credit *before* the call (so a second withdrawal cannot spend it again) and refunds it if the
ledger rejects. The books then agree with the ledger at every step... unless a snapshot taken
before a withdrawal is loaded while the payment is in flight: the debit is undone, the payment
is not, and the escrow owes more than it holds.
"""

from __future__ import annotations

from subnet.errors import Reject
from subnet.ids import Principal

from .canister import Canister, query, trap, update
from .types import nat


class Escrow(Canister):
    def init(self, ledger: Principal, owner: Principal) -> None:
        self.ledger = ledger
        self.owner = owner
        self.credits: dict[str, int] = {}

    @update
    def credit(self, who: Principal, amount: nat) -> nat:
        """The owner records that the escrow owes ``who`` this much more."""
        if self.caller != self.owner:
            trap("only the owner credits")
        self.credits[str(who)] = self.credits.get(str(who), 0) + amount
        return self.credits[str(who)]

    @update
    async def withdraw(self, amount: nat) -> nat:
        who = str(self.caller)
        if self.credits.get(who, 0) < amount:
            raise Reject(4, f"{who} has only {self.credits.get(who, 0)} in escrow")
        self.credits[who] -= amount  # debit first: no double spend across the await
        try:
            await self.call(self.ledger, "transfer", self.caller, amount)
        except Reject:
            self.credits[who] = self.credits.get(who, 0) + amount  # refund on failure
            raise
        return self.credits[who]

    @query
    def owed(self) -> nat:
        return sum(self.credits.values())
