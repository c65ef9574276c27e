"""The canisters a round looks at: those whose code defines a system task (a heartbeat, the
low-memory hook), kept per subnet wherever code changes (install, upgrade, reinstall,
uninstall, a snapshot load, a failed install put back, a saved subnet read back, deletion).

A round must not walk every canister of a large subnet because some canister class with a
heartbeat exists somewhere in the process: only this subnet's task canisters count.
"""

from __future__ import annotations

import pytest

from actors import Canister, update
from subnet import Reject, Subnet, persist

pytestmark = pytest.mark.anyio

SECOND = 1_000_000_000


class Beat(Canister):
    def init(self) -> None:
        self.beats = 0

    def heartbeat(self) -> None:
        self.beats += 1

    @update
    def poke(self) -> None:
        pass


class Plain(Canister):
    def init(self) -> None:
        self.n = 0

    @update
    def poke(self) -> None:
        self.n += 1


class Broken(Beat):
    def init(self) -> None:
        raise ValueError("init traps")


def with_tasks(net: Subnet) -> set[object]:
    return set(net.engine._with_tasks)


def beats(net: Subnet, canister: object) -> int:
    heap = net.inspect(canister).heap
    return int(heap.get("beats", 0))


async def test_only_canisters_with_tasks_are_in_the_set() -> None:
    async with Subnet() as net:
        plain = await net.deploy(Plain)
        assert with_tasks(net) == set()
        beat = await net.deploy(Beat)
        assert with_tasks(net) == {beat.id}
        net.advance_time(SECOND)
        await net.run_until_idle()
        assert beats(net, beat) == 1
        assert plain.id not in with_tasks(net)


async def test_code_changes_keep_the_set() -> None:
    async with Subnet() as net:
        ic = net.management
        c = await net.deploy(Plain)
        await ic.install_code(mode="upgrade", canister_id=c.id, wasm_module=Beat)
        assert with_tasks(net) == {c.id}
        await ic.install_code(mode="reinstall", canister_id=c.id, wasm_module=Plain)
        assert with_tasks(net) == set()
        await ic.install_code(mode="reinstall", canister_id=c.id, wasm_module=Beat)
        assert with_tasks(net) == {c.id}
        snap = await ic.take_canister_snapshot(canister_id=c.id)
        await ic.uninstall_code(canister_id=c.id)
        assert with_tasks(net) == set()
        seen = len(net.trace)
        net.advance_time(SECOND)
        await net.run_until_idle()  # an uninstalled canister gets no heartbeat
        assert not [e for e in net.trace[seen:] if e.kind == "exec" and e.method == "heartbeat"]
        await ic.load_canister_snapshot(canister_id=c.id, snapshot_id=snap.id)
        assert with_tasks(net) == {c.id}
        net.advance_time(SECOND)
        await net.run_until_idle()
        assert beats(net, c) == 1


async def test_a_failed_install_puts_the_set_back() -> None:
    async with Subnet() as net:
        ic = net.management
        c = await net.deploy(Plain)
        with pytest.raises(Reject):
            await ic.install_code(mode="reinstall", canister_id=c.id, wasm_module=Broken)
        assert with_tasks(net) == set()


async def test_deleted_canisters_leave_the_set() -> None:
    async with Subnet() as net:
        ic = net.management
        first = await net.deploy(Beat)
        second = await net.deploy(Beat)
        await ic.stop_canister(canister_id=first.id)
        await ic.delete_canister(canister_id=first.id)
        assert with_tasks(net) == {second.id}
        net.advance_time(SECOND)
        await net.run_until_idle()
        assert beats(net, second) == 1


async def test_a_saved_subnet_read_back_keeps_the_set() -> None:
    async with Subnet() as net:
        beat = await net.deploy(Beat)
        await net.deploy(Plain)
        copy = persist.loads(persist.dumps(net)).net
        try:
            assert set(copy.engine._with_tasks) == {beat.id}
            copy.advance_time(SECOND)
            copy.engine.run_until_idle()
            assert int(copy.inspect(beat.id).heap["beats"]) == 1
        finally:
            copy.close()


async def test_rounds_visit_task_canisters_in_creation_order() -> None:
    """The order tasks are queued in (their source ids) is the order the canisters were
    created, whatever order their code was installed in."""
    async with Subnet() as net:
        ic = net.management
        a = await net.deploy(Plain)
        b = await net.deploy(Beat)
        await ic.install_code(mode="reinstall", canister_id=a.id, wasm_module=Beat)
        net.advance_time(SECOND)
        await net.run_until_idle()
        order = [e.canister for e in net.trace if e.kind == "exec" and e.method == "heartbeat"]
        assert order == [a.id, b.id]
