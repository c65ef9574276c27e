"""A lock released after the ``await``, but not in ``finally``: any failure after the call
leaks it, and the canister refuses every later request.

``Shop.buy`` takes the lock, asks the ledger to charge the buyer, and releases the lock
after the reply. Nothing fails in a plain run. Two fault kinds of the explorer each find
the leak:

- ``stop``: stopping the ledger while a charge is queued makes the call come back
  rejected; the ``await`` raises, and the line that releases the lock never runs;
- ``trap``: the callback traps where it resumes; the execution that would release the lock
  is rolled back, and the lock taken before the ``await`` stays (a ``finally`` block would
  have run as the cleanup, and released it: ``actors/vault.py`` does that).

    subnet explore scenarios/unguarded_lock.py --faults 0.1 --fault-kinds stop --canister ledger
    subnet explore scenarios/unguarded_lock.py --faults 0.1 --fault-kinds trap --canister shop
"""

from actors import Canister, query, update
from actors.vault import Payments as Ledger
from subnet import Reject, RejectCode, Subnet


class Shop(Canister):
    def init(self, ledger: object) -> None:
        self.ledger = ledger
        self.locked = False
        self.sold = 0

    @update
    async def buy(self, price: int) -> int:
        if self.locked:
            raise Reject(RejectCode.CANISTER_REJECT, "the shop is busy, try again")
        self.locked = True
        await self.call(self.ledger, "transfer", price)
        self.sold += 1
        self.locked = False  # not in a finally block: skipped if the await raises or traps
        return self.sold

    @query
    def busy(self) -> bool:
        return self.locked


async def scenario(net: Subnet) -> None:
    ledger = await net.deploy(Ledger, name="ledger")
    shop = await net.deploy(Shop, ledger.id, name="shop")
    for price in (5, 7):
        shop.submit("buy", price)
    await net.run_until_idle()


def lock_released(net: Subnet) -> None:
    """The shop is locked only while a purchase is in flight."""
    if "shop" not in net.names:
        return
    view = net.inspect("shop")
    if view.heap.get("locked"):
        assert view.open_call_contexts > 0, "the shop is locked but no purchase is in flight"


invariants = [lock_released]
