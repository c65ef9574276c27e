"""The Motoko vault (actors/motoko/vault.mo) and the Python ledger, with the invariant of
scenarios/lock_race.py: the lock is never held while no withdrawal is in flight.

The vault is real Wasm compiled from Motoko: its lock lives in linear memory and the
continuation of its `await` in the Motoko runtime's closure table. Under snapshot faults the
explorer finds the same leak as in the Python vault: a load of a snapshot taken while a
withdrawal was suspended, once that withdrawal has finished, brings back memory that holds the
lock and a continuation that no callback will ever resume.

    subnet explore scenarios/motoko_vault.py --faults 0.05 --canister vault --runs 300
"""

from pathlib import Path

import actors
from actors.ledger import Ledger
from subnet import Subnet
from subnet.wasm import WasmModule

# the module installed with the `actors` package (so workers of a cluster find it too)
VAULT = Path(actors.__file__).resolve().parent / "motoko" / "vault.wasm"


async def scenario(net: Subnet) -> None:
    vault = await net.deploy(WasmModule.from_file(VAULT), name="vault")
    ledger = await net.deploy(Ledger, net.default_identity, name="ledger")
    await ledger.call("mint", vault.id, 1_000)
    for amount in (10, 20, 30):
        vault.submit("withdraw", ledger.id, amount)
    await net.run_until_idle()


def invariant(net: Subnet) -> None:
    """The lock is held only while a withdrawal is in flight."""
    if "vault" not in net.names:
        return
    view = net.inspect("vault")
    if view.module_hash is not None and view.peek("is_locked"):
        assert view.open_call_contexts > 0, "the vault is locked but no withdrawal is in flight"
