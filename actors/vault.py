"""The vault of the hazards pages: a lock held across ``await``, released in ``finally``.

``withdraw`` refuses while a withdrawal is in flight (the reentrancy guard the IC security
guidelines recommend), calls ``Payments.transfer`` and debits its balance after the reply.
"""

from __future__ import annotations

from typing import Any

from subnet.errors import Reject, RejectCode

from .canister import Canister, query, update


class Payments(Canister):
    """The simplest ledger: every transfer succeeds, and is counted."""

    def init(self) -> None:
        self.moved = 0

    @update
    def transfer(self, amount: int) -> int:
        self.moved += amount
        return amount


class Vault(Canister):
    def init(self) -> None:
        self.locked = False
        self.balance = 100

    @update
    async def withdraw(self, ledger: Any, amount: int) -> int:
        if self.locked:
            raise Reject(RejectCode.CANISTER_REJECT, "vault is locked")
        self.locked = True
        try:
            await self.call(ledger, "transfer", amount)
            self.balance -= amount
        finally:
            self.locked = False
        return self.balance

    @query
    def is_locked(self) -> bool:
        return self.locked
