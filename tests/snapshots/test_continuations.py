"""Calls open across a take and a load: a response resumes the frame the loaded heap
holds, traps when it holds none, and a frame whose callback is gone never resumes (the cases
of docs/hazards.md).

IC sources are abbreviated as in tests/snapshots/__init__.py.
"""

import gc

import pytest

from actors import Canister, update
from subnet import ErrorCode, Reject, RejectCode, Subnet
from tests.canisters import Ledger, Vault
from tests.support.snapshots import (
    deploy_counter,
    kinds,
    take,
    vault_setup,
)

pytestmark = pytest.mark.anyio


# ST load_canister_snapshot_works_on_another_canister and every ST test: snapshots are taken
# of *running* canisters, with calls in flight too (SPEC only recommends stopping first)
async def test_take_and_load_work_on_a_running_canister_with_calls_in_flight():
    class Slow(Canister):
        def init(self):
            self.n = 0

        @update
        async def ping(self, target) -> int:
            self.n += 1
            await self.call(target, "run")
            return self.n

    async with Subnet() as net:
        c = await deploy_counter(net)
        slow = await net.deploy(Slow)
        pending = slow.submit("ping", c.id)
        await net.step()  # ping is suspended, awaiting the response
        assert net.inspect(slow).status == "running"
        assert net.inspect(slow).open_call_contexts == 1
        s = await take(net, slow.id)
        await net.management.load_canister_snapshot(canister_id=slow.id, snapshot_id=s.id)
        assert await pending == 1


async def test_response_resumes_a_continuation_held_by_the_loaded_heap():
    async with Subnet() as net:
        ic = net.management
        vault, ledger = await vault_setup(net)
        pending = vault.submit("withdraw", ledger.id, 10)
        await net.step()  # withdraw is suspended holding the lock
        snap = await ic.take_canister_snapshot(canister_id=vault.id)
        await ic.load_canister_snapshot(canister_id=vault.id, snapshot_id=snap.id)
        assert kinds(net) == [
            "snapshot_taken_while_running",
            "snapshot_loaded_while_running",
            "stale_continuation",
        ]
        assert net.hazards[0].details["open_call_contexts"] == 1
        assert net.hazards[0].details["outstanding_callbacks"] == 1
        assert await pending == 90
        assert await vault.query("state") == {
            "locked": False,
            "balance": 90,
            "log": ["start", "done"],
        }


async def test_response_whose_continuation_is_not_in_the_loaded_heap_traps():
    async with Subnet() as net:
        ic = net.management
        vault, ledger = await vault_setup(net)
        snap = await ic.take_canister_snapshot(canister_id=vault.id)  # idle: no continuation
        pending = vault.submit("withdraw", ledger.id, 10)
        await net.step()
        await ic.load_canister_snapshot(canister_id=vault.id, snapshot_id=snap.id)
        assert kinds(net) == [
            "snapshot_taken_while_running",  # running, though with nothing open
            "snapshot_loaded_while_running",
            "dangling_callback",
        ]
        assert net.hazards[0].details["open_call_contexts"] == 0
        with pytest.raises(Reject) as rej:
            await pending
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        assert rej.value.error_code == ErrorCode.CanisterTrapped
        assert "not in the canister's heap" in rej.value.reject_message
        assert kinds(net)[-2:] == ["orphaned_response", "starved_call_context"]
        # the ledger moved the money; the vault's books never saw it
        assert net.inspect(ledger).heap == {"moved": 10}
        assert await vault.query("state") == {"locked": False, "balance": 100, "log": []}
        assert net.inspect(vault).open_call_contexts == 0


async def test_continuation_whose_callback_is_gone_never_resumes():
    async with Subnet() as net:
        ic = net.management
        vault, ledger = await vault_setup(net)
        first = vault.submit("withdraw", ledger.id, 10)
        await net.step()  # suspended, locked
        snap = await ic.take_canister_snapshot(canister_id=vault.id)
        assert await first == 90  # the call completes, the lock is released
        await ic.load_canister_snapshot(canister_id=vault.id, snapshot_id=snap.id)
        assert kinds(net)[-1] == "leaked_continuation"
        # the loaded heap holds the lock of a frame that will never run again
        assert (await vault.query("state"))["locked"] is True
        gc.collect()
        assert (await vault.query("state"))["locked"] is True
        with pytest.raises(Reject) as rej:
            await vault.call("withdraw", ledger.id, 5)
        assert rej.value.reject_message == "vault is locked"
        await net.run_until_idle()
        assert (await vault.query("state"))["locked"] is True


class Scripted:
    """A strategy for this test: ingress first, then requests, then the newest response."""

    name = "scripted"
    engine = None

    def choose(self, ready):
        sources = [self.engine._sources[i] for i in ready]
        for kind in ("ingress", "request"):
            for index, src in enumerate(sources):
                if src.kind == kind:
                    return index
        return len(ready) - 1


async def test_misdeliver_policy_resumes_whichever_frame_holds_the_slot():
    strategy = Scripted()
    async with Subnet(orphan_policy="misdeliver", strategy=strategy) as net:
        strategy.engine = net.engine
        ic = net.management
        vault, ledger = await vault_setup(net)
        f1 = vault.submit("withdraw", ledger.id, 10)
        await net.step()  # F1 in slot 0
        snap = await ic.take_canister_snapshot(canister_id=vault.id)
        await ic.install_code(mode="upgrade", canister_id=vault.id, wasm_module=Vault)
        cs = net.engine.get(vault.id)
        cs.instance.locked = False  # the upgraded heap (heap not kept): no lock
        cs.instance.balance = 50
        cs.instance.log = []
        cs.heap.commit(cs.instance)
        f2 = vault.submit("withdraw", ledger.id, 1)
        await net.step()  # F2 takes slot 0 of the fresh table
        await ic.load_canister_snapshot(canister_id=vault.id, snapshot_id=snap.id)
        await net.run_until_idle()
        assert "misdelivered_response" in kinds(net)
        # F1 was resumed by one of the two responses; the other found its slot empty
        results = []
        for p in (f1, f2):
            try:
                results.append(p.result())
            except Reject as rej:
                results.append(rej.error_code)
        # F2's response resumed F1's frame, which replied to F2's caller; F1's own response
        # then found the slot empty, and F1's caller was rejected
        assert results == [ErrorCode.CanisterTrapped, 90]
        assert kinds(net)[-3:] == [
            "misdelivered_response",
            "orphaned_response",
            "starved_call_context",
        ]


async def test_snapshot_at_each_point_of_a_call_chain():
    """Take a snapshot of the middle canister of A -> B -> C at every step of the chain, load it
    at once, and check that every call is still answered exactly once."""

    class Middle(Canister):
        def init(self):
            self.seen = 0

        @update
        async def hop(self, target) -> int:
            self.seen += 1
            got = await self.call(target, "transfer", 1)
            self.seen += 10
            return got + self.seen

    class Front(Canister):
        @update
        async def go(self, middle, target) -> int:
            return await self.call(middle, "hop", target)

    outcomes = set()
    for point in range(6):
        async with Subnet() as net:
            ic = net.management
            front = await net.deploy(Front)
            middle = await net.deploy(Middle)
            ledger = await net.deploy(Ledger)
            pending = front.submit("go", middle.id, ledger.id)
            for _ in range(point):
                await net.step()
            snap = await ic.take_canister_snapshot(canister_id=middle.id)
            await ic.load_canister_snapshot(canister_id=middle.id, snapshot_id=snap.id)
            await net.run_until_idle()
            assert pending.done
            try:
                outcomes.add(pending.result())
            except Reject as rej:
                outcomes.add(rej.error_code)
            for h in (front, middle, ledger):
                assert net.inspect(h).open_call_contexts == 0
            # an immediate load of the snapshot just taken never orphans a response
            assert "orphaned_response" not in kinds(net)
    assert outcomes == {12}
