"""Case 2 of docs/hazards.md: a snapshot loaded while a call is in flight orphans its response.

The vault's snapshot is taken while it is idle; a withdrawal starts and suspends at its call to
the ledger; the snapshot is loaded. The loaded heap has no continuation for the withdrawal, so
the ledger's response finds nothing to resume: the callback traps, the withdrawal's caller is
rejected, and the money the ledger moved is unknown to the vault.

    subnet run scenarios/orphaned_response.py --trace orphan.trace
    subnet trace show orphan.trace --format svg > orphan.svg
    python scenarios/orphaned_response.py --svg      # the picture in docs/hazards.md
"""

from __future__ import annotations

import sys

import anyio

from actors.vault import Payments as Ledger
from actors.vault import Vault
from subnet import Reject, Subnet


async def scenario(net: Subnet) -> None:
    ic = net.management
    vault = await net.deploy(Vault, name="vault")
    ledger = await net.deploy(Ledger, name="ledger")
    snap = await ic.take_canister_snapshot(canister_id=vault.id)
    pending = vault.submit("withdraw", ledger.id, 10)
    await net.step()  # suspended at the await
    await ic.load_canister_snapshot(canister_id=vault.id, snapshot_id=snap.id)
    await net.run_until_idle()
    try:
        print("withdraw ->", await pending)
    except Reject as rej:
        print("withdraw -> rejected:", rej.error_code.ic_code)
    for hazard in net.hazards:
        print(hazard)


def picture() -> str:
    """The sequence diagram of this scenario, as docs/pictures/orphaned_response.svg holds it."""
    from subnet.picture import sequence_svg

    async def run() -> Subnet:
        async with Subnet(seed=0) as net:
            await scenario(net)
            return net

    net = anyio.run(run)
    names = {cid: name for name, cid in net.names.items()}
    return sequence_svg(net.trace, names=names, title="A snapshot load orphans a response")


async def main() -> None:
    async with Subnet(seed=0) as net:
        await scenario(net)


if __name__ == "__main__":
    if "--svg" in sys.argv:
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()):
            svg = picture()
        sys.stdout.write(svg)
    else:
        anyio.run(main)
