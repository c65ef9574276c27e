"""Money in flight: an escrow's books against the ledger, with snapshots taken and loaded at
random moments.

The invariant: what the escrow owes never exceeds what it holds on the ledger. The escrow's
code respects it across every interleaving of withdrawals (debit before the await, refund on
reject). Loading a snapshot taken before a withdrawal, while its payment is in flight, undoes
the debit but not the payment: the escrow now owes tokens it no longer has.

    subnet explore scenarios/money_in_flight.py --faults 0.05 --canister escrow --runs 500
"""

from actors.escrow import Escrow
from actors.ledger import Ledger
from subnet import Subnet

USERS = ("alice", "bob")


async def scenario(net: Subnet) -> None:
    me = net.default_identity
    ledger = await net.deploy(Ledger, me, name="ledger")
    escrow = await net.deploy(Escrow, ledger.id, me, name="escrow")
    await ledger.call("mint", escrow.id, 100)
    for user in USERS:
        await escrow.call("credit", net.identity(user), 50)
    for user in USERS:
        for amount in (20, 30):
            escrow.submit("withdraw", amount, sender=net.identity(user))
    await net.run_until_idle()


def solvent(net: Subnet) -> None:
    """The escrow never owes more than its ledger balance."""
    if "escrow" not in net.names or "ledger" not in net.names:
        return
    escrow = net.names["escrow"]
    credits = net.inspect(escrow).heap.get("credits", {})
    balances = net.inspect("ledger").heap.get("balances", {})
    owed = sum(credits.values())
    held = balances.get(str(escrow), 0)
    assert owed <= held, f"the escrow owes {owed} but holds {held}"


invariants = [solvent]
