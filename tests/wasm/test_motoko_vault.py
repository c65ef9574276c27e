"""The Motoko vault (actors/motoko/vault.mo) against the Python ledger, with a snapshot taken
while its callback is open: what the real Motoko runtime then does.

Motoko keeps a call's continuation in its heap (a closure table slot, whose index is the
callback's env). The simulator maps each env to a continuation id, as for Python frames, so
the hazards name the case; what runs is the module's own code, on the memory it has.
"""

import pytest

from actors.ledger import Ledger
from subnet import Reject, Subnet

pytest.importorskip("wasmtime")

from subnet.wasm import WasmModule
from tests.support import MOTOKO
from tests.support.snapshots import kinds

pytestmark = pytest.mark.anyio


async def setup(net):
    vault = await net.deploy(WasmModule.from_file(MOTOKO / "vault.wasm"), name="vault")
    ledger = await net.deploy(Ledger, net.default_identity, name="ledger")
    await ledger.call("mint", vault.id, 1_000)
    return vault, ledger


async def test_a_withdrawal_calls_the_python_ledger_and_releases_the_lock():
    async with Subnet() as net:
        vault, ledger = await setup(net)
        assert await vault.call("withdraw", ledger.id, 10) == 90
        assert await ledger.query("balance_of", vault.id) == 990
        assert await ledger.query("balance_of", net.default_identity) == 10
        assert await vault.query("is_locked") is False


async def test_the_lock_rejects_a_second_withdrawal_while_the_first_is_in_flight():
    async with Subnet() as net:
        vault, ledger = await setup(net)
        first = vault.submit("withdraw", ledger.id, 10)
        await net.step()  # withdraw ran: the lock is set, the transfer is queued
        assert await vault.query("is_locked") is True
        with pytest.raises(Reject, match="vault is locked"):
            await vault.call("withdraw", ledger.id, 5)
        assert await first == 90


async def test_a_load_with_the_callback_open_resumes_the_loaded_continuation():
    async with Subnet() as net:
        ic = net.management
        vault, ledger = await setup(net)
        pending = vault.submit("withdraw", ledger.id, 10)
        await net.step()
        assert net.inspect(vault).outstanding_callbacks == 1
        snap = await ic.take_canister_snapshot(canister_id=vault.id)
        await ic.load_canister_snapshot(canister_id=vault.id, snapshot_id=snap.id)
        assert kinds(net) == [
            "snapshot_taken_while_running",
            "snapshot_loaded_while_running",
            "stale_continuation",
        ]
        # the loaded memory is the memory the closure was registered in: Motoko resumes it
        assert await pending == 90
        assert await vault.query("is_locked") is False


async def test_a_load_after_the_response_leaks_the_lock_for_good():
    async with Subnet() as net:
        ic = net.management
        vault, ledger = await setup(net)
        pending = vault.submit("withdraw", ledger.id, 10)
        await net.step()
        snap = await ic.take_canister_snapshot(canister_id=vault.id)
        assert await pending == 90  # the response ran: lock released, balance 90
        await ic.load_canister_snapshot(canister_id=vault.id, snapshot_id=snap.id)
        assert "leaked_continuation" in kinds(net)
        # the loaded memory holds the lock and a continuation nobody will ever resume
        assert await vault.query("is_locked") is True
        with pytest.raises(Reject, match="vault is locked"):
            await vault.call("withdraw", ledger.id, 5)
        # the transfer happened once, on the ledger; the vault's books say it did not
        assert await ledger.query("balance_of", vault.id) == 990


async def test_a_response_after_loading_an_idle_snapshot_runs_what_the_memory_holds():
    async with Subnet() as net:
        ic = net.management
        vault, ledger = await setup(net)
        snap = await ic.take_canister_snapshot(canister_id=vault.id)  # no continuation
        pending = vault.submit("withdraw", ledger.id, 10)
        await net.step()
        await ic.load_canister_snapshot(canister_id=vault.id, snapshot_id=snap.id)
        assert "dangling_callback" in kinds(net)
        # the response's env names a closure-table slot the loaded memory never filled:
        # the Motoko runtime itself traps, and the caller gets that trap
        with pytest.raises(Reject) as info:
            await pending
        assert "orphaned_response" in kinds(net)
        text = (
            "Canister called `ic0.trap` with message: 'RTS error: recall_continuation: "
            "Continuation table not allocated'"
        )
        assert info.value.reject_message == (
            f"Error from Canister {vault.id}: {text}\n\ncall_on_cleanup also failed:\n\n{text}"
        )
        assert await vault.query("is_locked") is False


async def test_a_trap_in_the_callback_runs_motokos_cleanup_which_releases_the_lock():
    # Motoko compiles `finally` into the call's cleanup callback (ic0.call_on_cleanup): when
    # the reply callback traps, the system runs it, and its changes are kept
    async with Subnet() as net:
        vault, ledger = await setup(net)
        pending = vault.submit("withdraw", ledger.id, 10)
        await net.step()
        (callback,) = net.engine.canisters[vault.id].callbacks
        net.engine.doom_callback(callback)
        with pytest.raises(Reject, match="trap injected"):
            await pending
        assert [e.data for e in net.trace if e.kind == "cleanup"] == [("call_on_cleanup",)]
        assert await vault.query("is_locked") is False
        # the transfer happened; the trapped callback's debit did not
        assert await ledger.query("balance_of", vault.id) == 990
