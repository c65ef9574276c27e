"""A wallet that refunds on *any* reject of a bounded-wait call, ``SYS_UNKNOWN`` included:
when the transfer did happen, the refund creates money.

``Wallet.withdraw`` debits the user's credit, asks the ledger to pay the user out with a
bounded-wait call (``timeout=10``), and credits the user back if the call is rejected. For a
reject of the ledger's own (insufficient funds) that is right. ``SYS_UNKNOWN`` is different:
the IC answers a bounded-wait call with it when its deadline passes or its response is
dropped, *whether or not the ledger executed the transfer* (the interface specification,
``ic0.call_with_best_effort_response``). A plain run never sees one: the ledger answers in a
few steps. The explorer's ``timeout`` fault answers an outstanding call with ``SYS_UNKNOWN``
at a moment it chooses: while the request is still queued (the ledger never runs it, and the
refund is right), or after the ledger replied (the reply is dropped, and the refund doubles
the money). The invariant finds the second (``FAULTS`` below turns the fault on):

    subnet explore scenarios/refund_on_timeout.py --trace refund.trace
    subnet replay refund.trace

``SafeWallet.withdraw`` does it right: after a ``SYS_UNKNOWN`` it asks the ledger, with an
unbounded-wait call, to settle the transfer's id: the ledger says whether it paid, and voids
an id it did not pay, so that the transfer can never happen later; only then is a transfer
that did not happen refunded.
"""

from actors import Canister, query, update
from subnet import Reject, RejectCode, Subnet

START = 100  # the wallet's money at the ledger, and its one user's credit
ACCOUNT = "wallet"  # the wallet's account at the ledger

FAULTS = {"canisters": ["wallet"], "take": False, "load": False, "timeout": True}


class Ledger(Canister):
    """Pays out of the wallet's account, each transfer id at most once."""

    def init(self) -> None:
        self.balances = {ACCOUNT: START}
        self.paid: dict[int, int] = {}
        self.void: set[int] = set()

    @update
    def transfer(self, tx: int, to: str, amount: int) -> int:
        if tx in self.void:
            raise Reject(RejectCode.CANISTER_REJECT, f"transfer {tx} was voided")
        if tx not in self.paid:
            if self.balances[ACCOUNT] < amount:
                raise Reject(RejectCode.CANISTER_REJECT, "insufficient funds")
            self.balances[ACCOUNT] -= amount
            self.balances[to] = self.balances.get(to, 0) + amount
            self.paid[tx] = amount
        return self.balances[to]

    @update
    def settle(self, tx: int) -> bool:
        """Whether transfer ``tx`` was paid; if it was not, it never will be."""
        if tx in self.paid:
            return True
        self.void.add(tx)
        return False

    @query
    def balance(self, who: str) -> int:
        return self.balances.get(who, 0)


class Wallet(Canister):
    def init(self, ledger: object) -> None:
        self.ledger = ledger
        self.credit = {"alice": START}
        self.next_tx = 0

    def _debit(self, user: str, amount: int) -> int:
        if self.credit.get(user, 0) < amount:
            raise Reject(RejectCode.CANISTER_REJECT, "not enough credit")
        self.credit[user] -= amount
        self.next_tx += 1
        return self.next_tx

    @update
    async def withdraw(self, user: str, amount: int) -> str:
        tx = self._debit(user, amount)
        try:
            await self.call(self.ledger, "transfer", tx, user, amount, timeout=10)
        except Reject:
            self.credit[user] += amount  # wrong for SYS_UNKNOWN: the transfer may have happened
            return "refunded"
        return "paid"


class SafeWallet(Wallet):
    @update
    async def withdraw(self, user: str, amount: int) -> str:
        tx = self._debit(user, amount)
        try:
            await self.call(self.ledger, "transfer", tx, user, amount, timeout=10)
        except Reject as rej:
            if rej.reject_code == RejectCode.SYS_UNKNOWN:
                # the transfer may or may not have happened: ask (unbounded: a sure answer)
                if await self.call(self.ledger, "settle", tx):
                    return "paid"
            self.credit[user] += amount  # the ledger did not pay, and never will
            return "refunded"
        return "paid"


def users_money(net: Subnet) -> int:
    """What the users own: their credit at the wallet and their money at the ledger."""
    credit: int = sum(net.inspect("wallet").heap["credit"].values())
    balances: dict[str, int] = net.inspect("ledger").heap["balances"]
    return credit + sum(v for k, v in balances.items() if k != ACCOUNT)


async def run(net: Subnet, wallet_class: type[Wallet]) -> None:
    ledger = await net.deploy(Ledger, name="ledger")
    wallet = await net.deploy(wallet_class, ledger.id, name="wallet")
    for amount in (30, 50):
        wallet.submit("withdraw", "alice", amount)
    await net.run_until_idle()


async def scenario(net: Subnet) -> None:
    await run(net, Wallet)


def no_money_created(net: Subnet) -> None:
    """The users never own more than the wallet started with (while a withdrawal is in
    flight they own less: the credit is debited before the ledger pays)."""
    if "wallet" in net.names and "ledger" in net.names:
        money = users_money(net)
        assert money <= START, f"money created: the users own {money}, the wallet had {START}"


def check(net: Subnet) -> None:
    """At the end nothing is in flight: the users own exactly what the wallet had."""
    assert users_money(net) == START, f"money lost: the users own {users_money(net)}"


invariants = [no_money_created]
