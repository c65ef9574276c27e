"""uninstall_code: open call contexts are answered and deleted, later responses are dropped
(they run no code), the code is gone."""

import pytest

from subnet import MANAGEMENT, ErrorCode, Reject, RejectCode, Subnet
from tests.canisters import Client, Manual, Staller, Store
from tests.support.lifecycle import step_until

pytestmark = pytest.mark.anyio


# Interface spec, abstract behaviour, "IC Management Canister: Code uninstallation": the call
# contexts are rejected and marked deleted; they stay (with their callbacks) until the responses
# arrive (rs/replicated_state/src/canister_state/system_state/call_context_manager.rs ::
# delete_all_call_contexts; rs/execution_environment/src/execution/response.rs :: validate)
async def test_uninstall_rejects_callers_and_drops_responses():
    async with Subnet() as net:
        w = await net.deploy(Client)
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
        assert view.open_call_contexts == 1 and view.outstanding_callbacks == 1  # deleted
        assert view.version == v + 1 and view.module_hash is None
        await net.run_until_idle()  # s answers; the response runs no code
        assert await s.query("get") == 1
        assert [e.kind for e in net.trace].count("dropped") == 1
        view = net.inspect(w)
        assert view.open_call_contexts == 0 and view.outstanding_callbacks == 0
        with pytest.raises(Reject) as rej:
            await w.call("relay", s.id, "bump")
        assert rej.value.error_code == ErrorCode.CanisterWasmModuleNotFound
        assert rej.value.reject_message == "Requested canister has no wasm module"  # refused
        info = await net.management.canister_info(canister_id=w.id, num_requested_changes=1)
        assert info.recent_changes[0].details == {"code_uninstall": None}


# rs/execution_environment/src/canister_manager/tests.rs ::
#   uninstall_canister_responds_to_unresponded_call_contexts
async def test_uninstall_canister_responds_to_unresponded_call_contexts():
    async with Subnet() as net:
        a = await net.deploy(Client, name="a")
        w = await net.deploy(Client, name="w")
        s = await net.deploy(Staller, name="s")
        from_user = w.submit("relay", s.id, "stall")
        from_canister = a.submit("probe", w.id, "relay", s.id, "stall")
        await step_until(net, lambda: net.inspect(w).open_call_contexts == 2)
        await net.management.uninstall_code(canister_id=w.id)
        rej = from_user.reject
        assert rej.error_code == ErrorCode.CanisterRejectedMessage
        assert rej.reject_code == RejectCode.CANISTER_REJECT
        assert rej.reject_message == "Canister has been uninstalled."
        await net.run_until_idle()
        assert from_canister.result() == [
            "reject",
            int(RejectCode.CANISTER_REJECT),
            "Canister has been uninstalled.",
        ]
        view = net.inspect(w)
        assert view.open_call_contexts == 0 and view.outstanding_callbacks == 0
        assert await s.query("get") == 2  # s answered both calls; the responses were dropped
        assert [e.kind for e in net.trace].count("dropped") == 2


# rs/execution_environment/src/canister_manager/tests.rs ::
#   uninstall_canister_doesnt_respond_to_responded_call_contexts
async def test_uninstall_canister_doesnt_respond_to_responded_call_contexts():
    async with Subnet() as net:
        m = await net.deploy(Manual)
        s = await net.deploy(Store)
        pending = m.submit("early", s.id)
        await net.step()
        assert pending.result() == "early"
        assert net.inspect(m).open_call_contexts == 1
        await net.management.uninstall_code(canister_id=m.id)
        assert pending.result() == "early"  # no second answer
        ends = [e for e in net.trace if e.kind == "ingress_done" and e.method == "early"]
        assert len(ends) == 1
        await net.run_until_idle()
        assert net.inspect(m).open_call_contexts == 0


# rs/execution_environment/src/execution/response/tests.rs ::
#   execute_response_when_call_context_deleted
# Interface spec, management-canister.md uninstall_code: later responses are not executed, even
# if code is installed again before they arrive
async def test_execute_response_when_call_context_deleted():
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        w.submit("relay", s.id, "bump")
        await net.step()
        await net.management.uninstall_code(canister_id=w.id)
        assert net.inspect(w).status == "running"
        await net.management.install_code(mode="install", canister_id=w.id, wasm_module=Client)
        await net.run_until_idle()
        assert await w.query("seen") == []  # the callback never ran
        assert [e.kind for e in net.trace].count("dropped") == 1


# rs/replicated_state/src/canister_state/system_state.rs :: SystemState::try_stop_canister: a
# stopping canister whose call contexts uninstall_code deleted stays stopping until the responses
# to their calls have arrived; then it stops, and its stop is answered
# (more in test_uninstall_while_stopping.py)
async def test_uninstall_lets_a_stopping_canister_stop():
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        w.submit("relay", s.id, "bump")
        await net.step()
        stop = net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
        await net.step()
        assert net.inspect(w).status == "stopping"
        await net.management.uninstall_code(canister_id=w.id)
        assert net.inspect(w).status == "stopping" and not stop.done
        await net.run_until_idle()
        assert net.inspect(w).status == "stopped"
        assert stop.result() is None


# An ingress message accepted before the code went away meets the execution's error instead
# (HypervisorError::WasmModuleNotFound): it was past the ingress filter already
async def test_ingress_queued_before_uninstall_meets_the_executions_error():
    async with Subnet() as net:
        s = await net.deploy(Store)
        pending = s.submit("bump")  # accepted, queued
        await net.management.uninstall_code(canister_id=s.id)
        await net.run_until_idle()
        with pytest.raises(Reject) as rej:
            pending.result()
        assert rej.value.error_code == ErrorCode.CanisterWasmModuleNotFound
        assert "Attempted to execute a message, but the canister contains no Wasm module" in (
            rej.value.reject_message
        )
