"""A token ledger: balances by principal, transfers by the owner of the funds.

Used by scenarios about money in flight: whoever calls ``transfer`` moves their own tokens;
the minter (the principal given to ``init``) creates tokens with ``mint``.
"""

from __future__ import annotations

from subnet.ids import Principal

from .canister import Canister, query, trap, update
from .types import nat


class Ledger(Canister):
    def init(self, minter: Principal) -> None:
        self.minter = minter
        self.balances: dict[str, int] = {}

    @update
    def mint(self, to: Principal, amount: nat) -> nat:
        if self.caller != self.minter:
            trap("only the minter mints")
        self.balances[str(to)] = self.balances.get(str(to), 0) + amount
        return self.balances[str(to)]

    @update
    def transfer(self, to: Principal, amount: nat) -> nat:
        """Move ``amount`` from the caller to ``to``; returns the caller's new balance."""
        source = str(self.caller)
        if self.balances.get(source, 0) < amount:
            trap(f"insufficient funds: {self.balances.get(source, 0)} < {amount}")
        self.balances[source] -= amount
        self.balances[str(to)] = self.balances.get(str(to), 0) + amount
        return self.balances[source]

    @query
    def balance_of(self, owner: Principal) -> nat:
        return self.balances.get(str(owner), 0)

    @query
    def total_supply(self) -> nat:
        return sum(self.balances.values())
