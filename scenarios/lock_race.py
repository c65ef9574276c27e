"""A vault that guards withdrawals with a lock held across `await`, and an auditor's
invariant: the lock is never held while no withdrawal is in flight.

`subnet explore scenarios/lock_race.py --faults 0.05 --canister vault` injects snapshot takes
and loads at random steps; a load of a snapshot taken while a withdrawal was suspended, once
that withdrawal has finished, brings back a heap that holds the lock and a continuation no
callback will ever resume. The explorer finds that, shrinks it, and writes a trace that
`subnet replay` reproduces.
"""

from actors.vault import Payments as Ledger
from actors.vault import Vault
from subnet import Subnet


async def scenario(net: Subnet) -> None:
    vault = await net.deploy(Vault, name="vault")
    ledger = await net.deploy(Ledger, name="ledger")
    for amount in (10, 20, 30):
        vault.submit("withdraw", ledger.id, amount)
    await net.run_until_idle()


def invariant(net: Subnet) -> None:
    """The lock is held only while a withdrawal is in flight."""
    if "vault" not in net.names:
        return
    view = net.inspect("vault")
    if view.heap.get("locked"):
        assert view.open_call_contexts > 0, "the vault is locked but no withdrawal is in flight"
