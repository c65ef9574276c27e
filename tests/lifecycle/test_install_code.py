"""install_code in modes install and reinstall: init runs, a non-empty canister is refused, a
trapping init leaves the canister empty, queued messages and open call contexts survive."""

import pytest

from actors import Canister
from subnet import ErrorCode, Reject, Subnet
from tests.canisters import Client, Store, StoreV2
from tests.support import fingerprint
from tests.support.lifecycle import history

pytestmark = pytest.mark.anyio


async def test_install_on_non_empty_canister_is_refused():
    async with Subnet() as net:
        s = await net.deploy(Store)
        before = fingerprint(net)
        with pytest.raises(Reject) as info:
            await net.management.install_code(mode="install", canister_id=s.id, wasm_module=Store)
        assert info.value.error_code == ErrorCode.CanisterNonEmpty
        assert fingerprint(net) == before


# rs/execution_environment/src/canister_manager/tests.rs :: cannot_install_non_empty_canister
async def test_cannot_install_non_empty_canister():
    async with Subnet() as net:
        s = await net.deploy(Store)
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await net.management.install_code(mode="install", canister_id=s.id, wasm_module=StoreV2)
        assert rej.value.error_code == ErrorCode.CanisterNonEmpty
        assert rej.value.reject_message.startswith(
            f"Canister {s.id} cannot be installed because the canister is not empty. "
            f"Try installing with mode='reinstall' instead."
        )
        assert fingerprint(net) == before


# rs/execution_environment/src/canister_manager/tests.rs :: reinstall_on_empty_canister_succeeds
async def test_reinstall_on_empty_canister_succeeds():
    async with Subnet() as net:
        cid = (await net.management.create_canister()).canister_id
        await net.management.install_code(
            mode="reinstall", canister_id=cid, wasm_module=Store, arg=(4,)
        )
        assert await net.handle(cid).query("get") == 4
        info = await history(net, cid, 1)
        assert info.recent_changes[0].details["code_deployment"]["mode"] == "reinstall"
        assert net.inspect(cid).version == 1


# rs/execution_environment/src/canister_manager/tests.rs ::
#   install_calls_canister_start_and_canister_init
# rs/execution_environment/src/canister_manager/tests.rs ::
#   reinstall_calls_canister_start_and_canister_init
async def test_install_and_reinstall_call_init():
    async with Subnet() as net:
        s = await net.deploy(Store, 41)
        assert await s.query("get") == 41
        await s.call("bump")
        await net.management.install_code(
            mode="reinstall", canister_id=s.id, wasm_module=Store, arg=(42,)
        )
        assert await s.query("get") == 42


class InitTraps(Canister):
    def init(self):
        raise RuntimeError("init failed")


async def test_failed_install_hook_leaves_the_canister_empty():
    async with Subnet() as net:
        cid = (await net.management.create_canister()).canister_id
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await net.management.install_code(
                mode="install", canister_id=cid, wasm_module=InitTraps
            )
        assert rej.value.error_code == ErrorCode.CanisterCalledTrap
        assert "init failed" in rej.value.reject_message
        assert fingerprint(net) == before
        assert net.inspect(cid).module_hash is None


# rs/execution_environment/src/canister_manager/tests.rs :: install_code_preserves_messages
async def test_install_code_preserves_messages():
    async with Subnet() as net:
        s = await net.deploy(Store, 50)
        pending = [s.submit("bump") for _ in range(10)]
        await net.management.install_code(mode="reinstall", canister_id=s.id, wasm_module=Store)
        assert net.inspect(s).queued_messages == 10  # still queued, after the new code
        await net.run_until_idle()
        assert [p.result() for p in pending] == list(range(1, 11))


# rs/execution_environment/src/canister_manager/tests.rs ::
#   install_code_preserves_system_state_and_scheduler_state
@pytest.mark.parametrize("mode", ["reinstall", "upgrade"])
async def test_install_code_preserves_system_state(mode):
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        pending = w.submit("relay", s.id, "bump")
        await net.step()  # w waits for s: one open call context, one callback
        view = net.inspect(w)
        before = (
            view.status,
            view.controllers,
            view.open_call_contexts,
            view.outstanding_callbacks,
        )
        assert before[2:] == (1, 1)
        await net.management.install_code(mode=mode, canister_id=w.id, wasm_module=Client)
        view = net.inspect(w)
        after = (view.status, view.controllers, view.open_call_contexts, view.outstanding_callbacks)
        assert after == before
        await net.run_until_idle()
        assert pending.done  # answered once, whatever the new code makes of the response
        assert net.inspect(w).open_call_contexts == 0
