"""install_code in mode upgrade: stable memory is kept and the heap is not, a trapping
pre_upgrade or post_upgrade changes nothing, an empty canister cannot be upgraded."""

import pytest

from actors import Canister, query
from subnet import ErrorCode, Reject, Subnet
from tests.canisters import Store, StoreV2
from tests.support import fingerprint

pytestmark = pytest.mark.anyio


class PreUpgradeTraps(Store):
    """Its pre_upgrade traps: it cannot be upgraded."""

    def pre_upgrade(self):
        raise RuntimeError("pre_upgrade failed")


class PostUpgradeTraps(Store):
    """Its post_upgrade writes stable memory and the heap, then traps."""

    def post_upgrade(self):
        self.stable.write(0, b"XXXX")
        self.n = -1
        raise RuntimeError("post_upgrade failed")


class TaggedStoreV2(Store):
    """Its post_upgrade takes an argument; a query names the version."""

    def post_upgrade(self, extra: int = 0):
        self.n = 1000 + extra

    @query
    def version_tag(self) -> str:
        return "v2"


async def test_upgrade_keeps_stable_memory_not_heap():
    async with Subnet() as net:
        s = await net.deploy(Store, 1)
        await s.call("bump")
        await s.call("put", 10, b"persist")
        v = net.inspect(s).version
        await net.management.install_code(
            mode="upgrade", canister_id=s.id, wasm_module=TaggedStoreV2, arg=(7,)
        )
        assert await s.query("get") == 1007  # post_upgrade rebuilt the heap
        assert await s.query("read", 10, 7) == b"persist"
        assert await s.query("version_tag") == "v2"
        assert net.inspect(s).version == v + 1
        info = await net.management.canister_info(canister_id=s.id, num_requested_changes=1)
        assert info.recent_changes[0].details == {
            "code_deployment": {"mode": "upgrade", "module_hash": TaggedStoreV2.module_hash()}
        }
        # reinstall wipes both
        await net.management.install_code(mode="reinstall", canister_id=s.id, wasm_module=Store)
        assert await s.query("get") == 0
        assert await s.query("pages") == 0


# rs/execution_environment/src/canister_manager/tests.rs :: reinstall_clears_stable_memory
# rs/execution_environment/src/canister_manager/tests.rs :: test_upgrade_preserves_stable_memory
async def test_reinstall_clears_and_upgrade_preserves_stable_memory():
    async with Subnet() as net:
        s = await net.deploy(Store)
        data = bytes([1, 2, 5, 8, 13])
        await s.call("put", 42, data)
        await s.call("bump")
        await net.management.install_code(mode="upgrade", canister_id=s.id, wasm_module=StoreV2)
        assert await s.query("read", 42, len(data)) == data
        assert await s.query("get") == 100  # the heap did not survive; post_upgrade rebuilt it
        await net.management.install_code(mode="reinstall", canister_id=s.id, wasm_module=Store)
        assert await s.query("pages") == 0
        assert await s.query("get") == 0


@pytest.mark.parametrize("bad", [PostUpgradeTraps, PreUpgradeTraps])
async def test_trapping_upgrade_hook_reverts_everything(bad):
    async with Subnet() as net:
        s = await net.deploy(Store, 3)
        await s.call("put", 0, b"keep")
        target = bad if bad is PostUpgradeTraps else Store
        if bad is PreUpgradeTraps:
            await net.management.install_code(mode="upgrade", canister_id=s.id, wasm_module=bad)
        before = fingerprint(net)
        with pytest.raises(Reject) as info:
            await net.management.install_code(mode="upgrade", canister_id=s.id, wasm_module=target)
        assert info.value.error_code == ErrorCode.CanisterCalledTrap
        assert "upgrade failed" in info.value.reject_message
        assert fingerprint(net) == before
        assert await s.query("read", 0, 4) == b"keep"


# rs/execution_environment/src/canister_manager/tests.rs ::
#   failed_upgrade_hooks_consume_instructions
# rs/execution_environment/src/canister_manager/tests.rs ::
#   failed_install_hooks_consume_instructions
# (the instruction accounting is skipped; the failure and the untouched canister are kept)
@pytest.mark.parametrize("first,second", [(PreUpgradeTraps, Store), (Store, PostUpgradeTraps)])
async def test_failed_upgrade_hooks_change_nothing(first, second):
    async with Subnet() as net:
        s = await net.deploy(first, 7)
        await s.call("put", 0, b"keep")
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await net.management.install_code(mode="upgrade", canister_id=s.id, wasm_module=second)
        assert rej.value.error_code == ErrorCode.CanisterCalledTrap
        assert "upgrade failed" in rej.value.reject_message
        assert fingerprint(net) == before
        assert await s.query("get") == 7


async def test_upgrade_of_an_empty_canister_fails():
    async with Subnet() as net:
        cid = (await net.management.create_canister()).canister_id
        before = fingerprint(net)
        with pytest.raises(Reject) as info:
            await net.management.install_code(mode="upgrade", canister_id=cid, wasm_module=Store)
        assert info.value.error_code == ErrorCode.CanisterWasmModuleNotFound
        assert fingerprint(net) == before


# rs/execution_environment/src/canister_manager/tests.rs :: upgrade_canister_with_no_wasm_fails
async def test_upgrade_canister_with_no_wasm_fails():
    async with Subnet() as net:
        cid = (await net.management.create_canister()).canister_id
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await net.management.install_code(mode="upgrade", canister_id=cid, wasm_module=Store)
        assert rej.value.error_code == ErrorCode.CanisterWasmModuleNotFound
        assert rej.value.reject_message.startswith(
            f"Error from Canister {cid}: Attempted to execute a message, but the canister "
            f"contains no Wasm module."
        )
        assert fingerprint(net) == before


# rs/execution_environment/src/execution/install_code.rs :: determine_main_memory_handling;
# dfx's e2e test "failing Motoko downgrade from enhanced orthogonal persistence to classical
# persistence": keep is for a module that declares enhanced orthogonal persistence, which a
# Python canister never does (its heap is replaced on every upgrade)
async def test_keeping_wasm_memory_needs_enhanced_orthogonal_persistence():
    async with Subnet() as net:
        s = await net.deploy(Store)
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await net.management.install_code(
                mode={"upgrade": {"wasm_memory_persistence": {"keep": None}}},
                canister_id=s.id,
                wasm_module=StoreV2,
            )
        assert rej.value.error_code == ErrorCode.CanisterContractViolation
        assert rej.value.reject_message == (
            "Invalid upgrade option: The `wasm_memory_persistence: opt Keep` upgrade option "
            "requires that the new canister module supports enhanced orthogonal persistence."
        )
        assert fingerprint(net) == before
        await net.management.install_code(
            mode={"upgrade": {"wasm_memory_persistence": {"replace": None}}},
            canister_id=s.id,
            wasm_module=StoreV2,
        )
        assert net.inspect(s).module_hash == StoreV2.module_hash()


class NoHooks(Canister):
    """No init, no post_upgrade."""

    @query
    def hello(self) -> str:
        return "hello"


# Interface spec (install_code): the argument is passed to canister_init (canister_post_upgrade);
# a module that exports neither ignores it
async def test_a_class_without_init_or_post_upgrade_ignores_the_argument():
    async with Subnet() as net:
        c = await net.deploy(NoHooks, 1, 2)
        assert await c.query("hello") == "hello"
        await net.management.install_code(
            mode="upgrade", canister_id=c.id, wasm_module=NoHooks, arg=("ignored",)
        )
        assert await c.query("hello") == "hello"
