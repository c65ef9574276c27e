"""The three cases of docs/hazards.md, as scenarios, and the pictures drawn from their traces.

    python scenarios/snapshot_cases.py                  # all three, with their hazards
    python scenarios/snapshot_cases.py --pictures DIR   # the SVGs in docs/pictures/
    python scenarios/snapshot_cases.py --viewers DIR    # the viewer pages in docs/viewers/
    subnet run scenarios/snapshot_cases.py --trace t    # case 2, with its trace

1. ``resumed``: a snapshot taken while a withdrawal is suspended, loaded at once: the response
   resumes the continuation the loaded heap holds (against the loaded state).
2. ``orphaned``: a snapshot taken before the withdrawal, loaded while it is in flight: the
   response finds no continuation; the callback traps and the caller is rejected.
3. ``leaked``: a snapshot taken while the withdrawal is suspended, loaded after it finished:
   the loaded heap holds the lock, and a continuation no callback will ever resume.
"""

from __future__ import annotations

import contextlib
import functools
import io
import sys
from pathlib import Path
from typing import Any

import anyio

import actors
from actors.ledger import Ledger
from actors.vault import Payments, Vault
from subnet import Reject, Subnet

MOTOKO_VAULT = Path(actors.__file__).resolve().parent / "motoko" / "vault.wasm"


async def _setup(net: Subnet):
    vault = await net.deploy(Vault, name="vault")
    ledger = await net.deploy(Payments, name="ledger")
    return net.management, vault, ledger


async def _motoko_setup(net: Subnet):
    """The same cases with the Motoko vault (real Wasm) and the Python ledger."""
    from subnet.wasm import WasmModule

    vault = await net.deploy(WasmModule.from_file(MOTOKO_VAULT), name="vault")
    ledger = await net.deploy(Ledger, net.default_identity, name="ledger")
    await ledger.call("mint", vault.id, 1_000)
    return net.management, vault, ledger


def _locked(net: Subnet, vault) -> bool:
    view = net.inspect(vault)
    return bool(view.peek("is_locked") if view.is_wasm else view.heap["locked"])


async def resumed(net: Subnet, setup=_setup) -> None:
    ic, vault, ledger = await setup(net)
    pending = vault.submit("withdraw", ledger.id, 10)
    await net.step()
    snap = await ic.take_canister_snapshot(canister_id=vault.id)
    await ic.load_canister_snapshot(canister_id=vault.id, snapshot_id=snap.id)
    await net.run_until_idle()
    print("resumed: withdraw ->", await pending)


async def orphaned(net: Subnet, setup=_setup) -> None:
    ic, vault, ledger = await setup(net)
    snap = await ic.take_canister_snapshot(canister_id=vault.id)
    pending = vault.submit("withdraw", ledger.id, 10)
    await net.step()
    await ic.load_canister_snapshot(canister_id=vault.id, snapshot_id=snap.id)
    await net.run_until_idle()
    try:
        await pending
    except Reject as rej:
        print("orphaned: withdraw -> rejected", rej.error_code.ic_code)


async def leaked(net: Subnet, setup=_setup) -> None:
    ic, vault, ledger = await setup(net)
    pending = vault.submit("withdraw", ledger.id, 10)
    await net.step()
    snap = await ic.take_canister_snapshot(canister_id=vault.id)
    await net.run_until_idle()
    await ic.load_canister_snapshot(canister_id=vault.id, snapshot_id=snap.id)
    print("leaked: withdraw ->", await pending, "| locked:", _locked(net, vault))


CASES = {
    "resumed": (resumed, "A load while a call is in flight: the response resumes the loaded heap"),
    "orphaned": (orphaned, "A snapshot load orphans a response"),
    "leaked": (leaked, "A load after the call finished: a leaked continuation holds the lock"),
}

MOTOKO_CASES = {
    name: (
        functools.partial(run, setup=_motoko_setup),
        f"Motoko vault: {title[0].lower()}{title[1:]}",
    )
    for name, (run, title) in CASES.items()
}
"""The three cases with the Motoko vault: what the real runtime does (docs/wasm.md)."""


async def scenario(net: Subnet) -> None:
    """``subnet run`` runs the orphaned response, the case with the most to see in a trace."""
    await orphaned(net)
    for hazard in net.hazards:
        print("   ", hazard.kind)


async def all_cases() -> None:
    """All three cases, each on a fresh subnet, with their hazards."""
    for run, _ in [*CASES.values(), *MOTOKO_CASES.values()]:
        async with Subnet(seed=0) as net:
            await run(net)
            for hazard in net.hazards:
                print("   ", hazard.kind)


def pictures(cases: dict[str, Any] = CASES) -> dict[str, str]:
    """The sequence diagram of each case: what docs/pictures/case_<name>.svg hold (and
    motoko_<name>.svg for :data:`MOTOKO_CASES`)."""
    from subnet.picture import sequence_svg

    out = {}
    for name, (run, title) in cases.items():

        async def go(run=run) -> Subnet:
            async with Subnet(seed=0) as net:
                with contextlib.redirect_stdout(io.StringIO()):
                    await run(net)
                return net

        net = anyio.run(go)
        names = {cid: n for n, cid in net.names.items()}
        out[name] = sequence_svg(net.trace, names=names, title=title)
    return out


def viewers(cases: dict[str, Any] = CASES) -> dict[str, str]:
    """The trace viewer's page of each case, with its per-step states: what
    docs/viewers/case_<name>.html hold (and motoko_<name>.html for :data:`MOTOKO_CASES`)."""
    from subnet.trace import decode_trace
    from subnet.viewer import trace_page

    out = {}
    for name, (run, title) in cases.items():

        async def go(run=run) -> Subnet:
            async with Subnet(seed=0) as net:
                net.record_states()
                with contextlib.redirect_stdout(io.StringIO()):
                    await run(net)
                return net

        out[name] = trace_page(decode_trace(anyio.run(go).trace_bytes()), title)
    return out


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--pictures":
        for name, svg in pictures().items():
            (Path(sys.argv[2]) / f"case_{name}.svg").write_text(svg)
        for name, svg in pictures(MOTOKO_CASES).items():
            (Path(sys.argv[2]) / f"motoko_{name}.svg").write_text(svg)
    elif len(sys.argv) == 3 and sys.argv[1] == "--viewers":
        for name, page in viewers().items():
            (Path(sys.argv[2]) / f"case_{name}.html").write_text(page, encoding="utf-8")
        for name, page in viewers(MOTOKO_CASES).items():
            (Path(sys.argv[2]) / f"motoko_{name}.html").write_text(page, encoding="utf-8")
    else:
        anyio.run(all_cases)
