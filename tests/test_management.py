"""The management canister: lifecycle, controllers, stopping, history, stable memory."""

import pytest

from actors import Canister, query, update
from subnet import MANAGEMENT, ErrorCode, Reject, RejectCode, Subnet
from subnet.memory import PAGE_SIZE

from .support import fingerprint

pytestmark = pytest.mark.anyio


class Store(Canister):
    """Heap counter plus stable memory."""

    def init(self, start: int = 0):
        self.count = start

    @update
    def bump(self) -> int:
        self.count += 1
        return self.count

    @update
    def put(self, offset: int, data: bytes) -> None:
        if self.stable.size() * PAGE_SIZE < offset + len(data):
            self.stable.grow((offset + len(data)) // PAGE_SIZE + 1 - self.stable.size())
        self.stable.write(offset, data)

    @update
    def put_then_trap(self, offset: int, data: bytes) -> None:
        self.put(offset, data)
        raise RuntimeError("after writing")

    @update
    def read_out_of_bounds(self) -> bytes:
        return self.stable.read(self.stable.size() * PAGE_SIZE, 1)

    @query
    def get(self, offset: int, n: int) -> bytes:
        return self.stable.read(offset, n)

    @query
    def value(self) -> int:
        return self.count

    @query
    def pages(self) -> int:
        return self.stable.size()


class StoreV2(Store):
    def post_upgrade(self, extra: int = 0):
        self.count = 1000 + extra

    @query
    def version_tag(self) -> str:
        return "v2"


class StoreBadUpgrade(Store):
    def post_upgrade(self):
        self.stable.write(0, b"XXXX")
        self.count = -1
        raise RuntimeError("post_upgrade failed")


class StoreBadPre(Store):
    def pre_upgrade(self):
        raise RuntimeError("pre_upgrade failed")


class Waiter(Canister):
    """Calls another canister and waits; optionally calls again from its callback."""

    def init(self):
        self.done = []

    @update
    async def relay(self, target, method: str) -> int:
        result = await self.call(target, method)
        self.done.append(result)
        return result

    @update
    async def relay_twice(self, target, method: str) -> int:
        first = await self.call(target, method)
        second = await self.call(target, method)  # a new call from a callback
        self.done.append(second)
        return first + second

    @update
    async def ask_management(self, method: str, record: dict):
        return await self.call(MANAGEMENT, method, record)

    @query
    def log(self) -> list:
        return self.done


async def test_create_install_status_and_info():
    async with Subnet() as net:
        ic = net.management
        created = await ic.create_canister()
        cid = created.canister_id
        view = net.inspect(cid)
        assert view.status == "running" and view.version == 0
        assert view.controllers == [net.default_identity]
        status = await ic.canister_status(canister_id=cid)
        assert status.module_hash is None and status.status == "running"
        await ic.install_code(mode="install", canister_id=cid, wasm_module=Store, arg=(5,))
        status = await ic.canister_status(canister_id=cid)
        assert status.module_hash == Store.module_hash()
        assert status.settings.controllers == (net.default_identity,)
        assert status.memory_size > 0
        handle = net.handle(cid)
        assert await handle.query("value") == 5
        info = await ic.canister_info(canister_id=cid, num_requested_changes=5)
        assert info.total_num_changes == 2
        assert [next(iter(c.details)) for c in info.recent_changes] == [
            "creation",
            "code_deployment",
        ]
        assert [c.canister_version for c in info.recent_changes] == [0, 1]
        assert info.recent_changes[1].details["code_deployment"]["mode"] == "install"
        assert info.recent_changes[0].origin == {"from_user": {"user_id": net.default_identity}}
        assert (await ic.canister_info(canister_id=cid)).recent_changes == ()


async def test_install_on_non_empty_canister_is_refused():
    async with Subnet() as net:
        s = await net.deploy(Store)
        before = fingerprint(net)
        with pytest.raises(Reject) as info:
            await net.management.install_code(mode="install", canister_id=s.id, wasm_module=Store)
        assert info.value.error_code == ErrorCode.CanisterNonEmpty
        assert fingerprint(net) == before


async def test_upgrade_keeps_stable_memory_not_heap():
    async with Subnet() as net:
        s = await net.deploy(Store, 1)
        await s.call("bump")
        await s.call("put", 10, b"persist")
        v = net.inspect(s).version
        await net.management.install_code(
            mode="upgrade", canister_id=s.id, wasm_module=StoreV2, arg=(7,)
        )
        assert await s.query("value") == 1007  # post_upgrade rebuilt the heap
        assert await s.query("get", 10, 7) == b"persist"
        assert await s.query("version_tag") == "v2"
        assert net.inspect(s).version == v + 1
        info = await net.management.canister_info(canister_id=s.id, num_requested_changes=1)
        assert info.recent_changes[0].details == {
            "code_deployment": {"mode": "upgrade", "module_hash": StoreV2.module_hash()}
        }
        # reinstall wipes both
        await net.management.install_code(mode="reinstall", canister_id=s.id, wasm_module=Store)
        assert await s.query("value") == 0
        assert await s.query("pages") == 0


@pytest.mark.parametrize("bad", [StoreBadUpgrade, StoreBadPre])
async def test_trapping_upgrade_hook_reverts_everything(bad):
    async with Subnet() as net:
        s = await net.deploy(Store, 3)
        await s.call("put", 0, b"keep")
        target = bad if bad is StoreBadUpgrade else Store
        if bad is StoreBadPre:
            await net.management.install_code(mode="upgrade", canister_id=s.id, wasm_module=bad)
        before = fingerprint(net)
        with pytest.raises(Reject) as info:
            await net.management.install_code(mode="upgrade", canister_id=s.id, wasm_module=target)
        assert info.value.error_code == ErrorCode.CanisterCalledTrap
        assert "upgrade failed" in info.value.reject_message
        assert fingerprint(net) == before
        assert await s.query("get", 0, 4) == b"keep"


async def test_upgrade_of_an_empty_canister_fails():
    async with Subnet() as net:
        cid = (await net.management.create_canister()).canister_id
        before = fingerprint(net)
        with pytest.raises(Reject) as info:
            await net.management.install_code(mode="upgrade", canister_id=cid, wasm_module=Store)
        assert info.value.error_code == ErrorCode.CanisterWasmModuleNotFound
        assert fingerprint(net) == before


async def test_stable_memory_bounds_and_rollback():
    async with Subnet() as net:
        s = await net.deploy(Store)
        await s.call("put", 0, b"hello")
        with pytest.raises(Reject) as info:
            await s.call("read_out_of_bounds")
        assert info.value.error_code == ErrorCode.CanisterTrapped
        assert "stable memory out of bounds" in info.value.reject_message
        with pytest.raises(Reject):
            await s.call("put_then_trap", 0, b"HELLO" + bytes(PAGE_SIZE * 2))
        assert await s.query("get", 0, 5) == b"hello"
        assert await s.query("pages") == 1  # the grow was rolled back too


async def test_stop_start_state_machine():
    async with Subnet() as net:
        ic = net.management
        w = await net.deploy(Waiter, name="w")
        s = await net.deploy(Store, name="s")
        pending = w.submit("relay_twice", s.id, "bump")
        await net.step()  # w awaits its first call: one open call context
        assert net.inspect(w).open_call_contexts == 1
        v0 = net.inspect(w).version
        stop = net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
        info = await net.step()
        assert info.kind == "subnet" and info.outcome == "pending"
        assert net.inspect(w).status == "stopping"
        assert net.inspect(w).version == v0 + 1
        # new calls to a stopping canister are rejected
        with pytest.raises(Reject) as rej:
            await w.call("relay", s.id, "bump")
        assert rej.value.error_code == ErrorCode.CanisterStopping
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        # responses are still processed, and the callback may make a new call
        await net.run_until_idle()
        assert stop.done and stop.result() is None
        assert pending.result() == 3
        assert net.inspect(w).heap["done"] == [2]  # (a stopped canister answers no queries)
        with pytest.raises(Reject) as rej:
            await w.query("log")
        assert rej.value.error_code == ErrorCode.CanisterStopped
        view = net.inspect(w)
        assert view.status == "stopped" and view.open_call_contexts == 0
        with pytest.raises(Reject) as rej:
            await w.call("relay", s.id, "bump")
        assert rej.value.error_code == ErrorCode.CanisterStopped
        # stopping a stopped canister answers at once
        await ic.stop_canister(canister_id=w.id)
        await ic.start_canister(canister_id=w.id)
        assert net.inspect(w).status == "running"
        assert await w.call("relay", s.id, "bump") == 3


async def test_start_cancels_a_pending_stop():
    async with Subnet() as net:
        w = await net.deploy(Waiter)
        s = await net.deploy(Store)
        w.submit("relay", s.id, "bump")
        await net.step()
        stop = net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
        await net.step()
        assert net.inspect(w).status == "stopping"
        await net.management.start_canister(canister_id=w.id)
        assert stop.done
        with pytest.raises(Reject) as rej:
            stop.result()
        assert rej.value.error_code == ErrorCode.CanisterStoppingCancelled
        assert "stop request was cancelled" in rej.value.reject_message
        assert net.inspect(w).status == "running"
        await net.run_until_idle()
        assert net.inspect(w).status == "running"


async def test_uninstall_rejects_callers_and_drops_responses():
    async with Subnet() as net:
        w = await net.deploy(Waiter)
        s = await net.deploy(Store)
        pending = w.submit("relay", s.id, "bump")
        await net.step()
        v = net.inspect(w).version
        await net.management.uninstall_code(canister_id=w.id)
        assert pending.done
        with pytest.raises(Reject) as rej:
            pending.result()
        assert rej.value.reject_code == RejectCode.CANISTER_REJECT
        assert rej.value.error_code == ErrorCode.CanisterRejectedMessage
        assert rej.value.reject_message == "Canister has been uninstalled."
        view = net.inspect(w)
        assert view.open_call_contexts == 0 and view.outstanding_callbacks == 0
        assert view.version == v + 1 and view.module_hash is None
        await net.run_until_idle()  # s answers; the response goes nowhere
        assert await s.query("value") == 1
        assert [e.kind for e in net.trace].count("dropped") == 1
        with pytest.raises(Reject) as rej:
            await w.call("relay", s.id, "bump")
        assert rej.value.error_code == ErrorCode.CanisterWasmModuleNotFound
        info = await net.management.canister_info(canister_id=w.id, num_requested_changes=1)
        assert info.recent_changes[0].details == {"code_uninstall": None}


async def test_delete_canister():
    async with Subnet() as net:
        ic = net.management
        s = await net.deploy(Store)
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await ic.delete_canister(canister_id=s.id)
        assert rej.value.error_code == ErrorCode.CanisterNotStopped
        assert fingerprint(net) == before
        await ic.stop_canister(canister_id=s.id)
        await ic.delete_canister(canister_id=s.id)
        with pytest.raises(Reject) as rej:
            await s.call("bump")
        assert rej.value.error_code == ErrorCode.CanisterNotFound
        with pytest.raises(Reject) as rej:
            await ic.canister_status(canister_id=s.id)
        assert rej.value.error_code == ErrorCode.CanisterNotFound
        again = await net.deploy(Store)
        assert again.id != s.id  # ids are never reused


async def test_controllers_are_checked_and_nothing_changes():
    async with Subnet() as net:
        ic = net.management
        s = await net.deploy(Store)
        mallory = net.identity("mallory")
        before = fingerprint(net)
        calls = [
            ("stop_canister", {}),
            ("start_canister", {}),
            ("canister_status", {}),
            ("uninstall_code", {}),
            ("delete_canister", {}),
            ("update_settings", {"settings": {"controllers": [mallory]}}),
            ("install_code", {"mode": "reinstall", "wasm_module": Store}),
            ("take_canister_snapshot", {}),
            ("list_canister_snapshots", {}),
        ]
        for method, extra in calls:
            with pytest.raises(Reject) as rej:
                await getattr(ic, method)(canister_id=s.id, sender=mallory, **extra)
            assert rej.value.error_code == ErrorCode.CanisterInvalidController, method
            assert rej.value.reject_code == RejectCode.CANISTER_ERROR
            assert rej.value.reject_message.startswith(
                f"Only the controllers of the canister {s.id} can control it.\n"
                f"Canister's controllers: {net.default_identity}\nSender's ID: {mallory}"
            )
        assert fingerprint(net) == before


async def test_update_settings_controllers_and_history():
    async with Subnet() as net:
        ic = net.management
        s = await net.deploy(Store)
        alice, bob = net.identity("alice"), net.identity("bob")
        v = net.inspect(s).version
        await ic.update_settings(canister_id=s.id, settings={"controllers": [bob, alice, bob]})
        assert net.inspect(s).controllers == sorted([alice, bob])
        assert net.inspect(s).version == v + 1
        info = await ic.canister_info(canister_id=s.id, num_requested_changes=1)
        assert info.recent_changes[0].details == {
            "controllers_change": {"controllers": sorted([alice, bob])}
        }
        assert info.recent_changes[0].canister_version == v + 1
        # the old controller lost control
        with pytest.raises(Reject):
            await ic.stop_canister(canister_id=s.id)
        await ic.stop_canister(canister_id=s.id, sender=alice)
        # settings without controllers: version moves, history does not
        total = info.total_num_changes
        await ic.update_settings(canister_id=s.id, settings={"freezing_threshold": 10}, sender=bob)
        info = await ic.canister_info(canister_id=s.id, num_requested_changes=20)
        assert info.total_num_changes == total
        with pytest.raises(Reject) as rej:
            await ic.update_settings(
                canister_id=s.id,
                settings={"controllers": [net.identity(str(i)) for i in range(11)]},
                sender=bob,
            )
        assert rej.value.error_code == ErrorCode.CanisterContractViolation


async def test_a_canister_controls_another_only_if_listed():
    async with Subnet() as net:
        w = await net.deploy(Waiter)
        s = await net.deploy(Store)
        with pytest.raises(Reject) as rej:
            await w.call("ask_management", "stop_canister", {"canister_id": s.id})
        assert "Only the controllers" in rej.value.reject_message
        await net.management.update_settings(
            canister_id=s.id, settings={"controllers": [w.id, net.default_identity]}
        )
        assert await w.call("ask_management", "stop_canister", {"canister_id": s.id}) is None
        assert net.inspect(s).status == "stopped"
        status = await w.call("ask_management", "canister_status", {"canister_id": s.id})
        assert status["status"] == "stopped"
        info = await w.call(
            "ask_management", "canister_info", {"canister_id": s.id, "num_requested_changes": 1}
        )
        assert info["recent_changes"][0]["details"] == {
            "controllers_change": {"controllers": sorted([w.id, net.default_identity])}
        }


async def test_history_keeps_the_twenty_most_recent_changes():
    async with Subnet() as net:
        s = await net.deploy(Store)
        for _ in range(25):
            await net.management.install_code(mode="upgrade", canister_id=s.id, wasm_module=Store)
        info = await net.management.canister_info(canister_id=s.id, num_requested_changes=100)
        assert info.total_num_changes == 27
        assert len(info.recent_changes) == 20
        versions = [c.canister_version for c in info.recent_changes]
        assert versions == sorted(versions) and versions[-1] == net.inspect(s).version


async def test_raw_rand_is_seeded_and_canister_only():
    async def draw(seed):
        async with Subnet(seed=seed) as net:
            w = await net.deploy(Waiter)
            return await w.call("ask_management", "raw_rand", {})

    a, b, c = await draw(1), await draw(1), await draw(2)
    assert a == b != c and len(a) == 32
    async with Subnet() as net:
        with pytest.raises(Reject) as rej:
            await net.submit(MANAGEMENT, "raw_rand", {})
        assert rej.value.reject_code == RejectCode.CANISTER_REJECT


async def test_bad_management_input():
    async with Subnet() as net:
        s = await net.deploy(Store)
        ghost = net.identity("ghost")
        before = fingerprint(net)
        cases = [
            ("stop_canister", {}, ErrorCode.InvalidManagementPayload),  # missing field
            (
                "stop_canister",
                {"canister_id": s.id, "bogus": 1},
                ErrorCode.InvalidManagementPayload,
            ),
            ("stop_canister", {"canister_id": 42}, ErrorCode.InvalidManagementPayload),
            (
                "stop_canister",
                {"canister_id": "not-a-principal"},
                ErrorCode.InvalidManagementPayload,
            ),
            ("stop_canister", {"canister_id": ghost}, ErrorCode.CanisterNotFound),
            (
                "install_code",
                {"mode": "sideways", "canister_id": s.id, "wasm_module": Store},
                ErrorCode.InvalidManagementPayload,
            ),
            (
                "install_code",
                {"mode": "upgrade", "canister_id": s.id, "wasm_module": "Store"},
                ErrorCode.InvalidManagementPayload,
            ),
            (
                "canister_info",
                {"canister_id": s.id, "num_requested_changes": -1},
                ErrorCode.InvalidManagementPayload,
            ),
            ("no_such_method", {"canister_id": s.id}, ErrorCode.CanisterMethodNotFound),
        ]
        for method, record, code in cases:
            with pytest.raises(Reject) as rej:
                await net.submit(MANAGEMENT, method, record)
            assert rej.value.error_code == code, (method, record)
        with pytest.raises(Reject) as rej:
            await net.submit(MANAGEMENT, "stop_canister", {"canister_id": s.id}, "extra")
        assert rej.value.error_code == ErrorCode.InvalidManagementPayload
        assert fingerprint(net) == before


async def test_inspect_reports_system_state():
    async with Subnet() as net:
        w = await net.deploy(Waiter)
        s = await net.deploy(Store)
        w.submit("relay", s.id, "bump")
        await net.step()
        view = net.inspect(w)
        assert (view.status, view.open_call_contexts, view.outstanding_callbacks) == (
            "running",
            1,
            1,
        )
        assert view.controllers == [net.default_identity]
        assert "relay" in view.call_context_summaries[0]


async def test_deploy_as_another_identity():
    async with Subnet() as net:
        alice = net.identity("alice")
        s = await net.deploy(Store, 2, name="s", sender=alice)
        assert net.inspect(s).controllers == [alice]
        assert net.names == {"s": s.id}
        with pytest.raises(Reject):
            await net.management.stop_canister(canister_id=s.id)  # the default identity
        await net.management.stop_canister(canister_id=s.id, sender=alice)
