"""Uninstalling a stopping canister that still awaits a response does not stop it early.

On the IC, ``uninstall_code`` (and ``take_canister_snapshot`` with ``uninstall_code = true``)
rejects the open call contexts and marks them deleted; their callbacks stay registered until
the responses arrive, and such a response runs no code. The canister stays stopping until the
last of them has arrived (it then stops, and the stop is answered); deleting it meanwhile fails.

Sources:
- Interface spec, abstract behaviour, "IC Management Canister: Code uninstallation"
  (``#rule-uninstall``): "all outstanding call contexts are rejected and marked as deleted";
- ``rs/replicated_state/src/canister_state/system_state/call_context_manager.rs``
  (``delete_all_call_contexts``: "Callbacks will be unregistered when responses are received");
- ``rs/execution_environment/src/execution/response.rs`` (``ResponseHelper::validate``: "If
  the call context was deleted (e.g. in uninstall), then do not execute anything");
- ``rs/replicated_state/src/canister_state/system_state.rs`` (``SystemState::try_stop_canister``:
  stopped only when there are no callbacks and no call contexts);
- ``rs/execution_environment/src/canister_manager/types.rs`` (``DeleteCanisterNotStopped``).
"""

import pytest

from subnet import MANAGEMENT, ErrorCode, Reject, RejectCode, Subnet
from subnet import errors as E
from tests.canisters import Client, Staller
from tests.support import fingerprint
from tests.support.lifecycle import step_until
from tests.support.snapshots import in_flight

pytestmark = pytest.mark.anyio


async def uninstall_code(net, cid):
    await net.management.uninstall_code(canister_id=cid)


async def take_and_uninstall(net, cid):
    await net.management.take_canister_snapshot(canister_id=cid, uninstall_code=True)


UNINSTALLS = pytest.mark.parametrize(
    "uninstall", [uninstall_code, take_and_uninstall], ids=["uninstall_code", "take_snapshot"]
)


async def stopping_with_a_call_in_flight(net):
    """w awaits a response from s (which takes several steps to answer) and is stopping."""
    w = await net.deploy(Client, name="w")
    s = await net.deploy(Staller, name="s")
    call = w.submit("relay", s.id, "stall")
    await step_until(net, lambda: net.inspect(w).outstanding_callbacks == 1)
    stop = net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
    await step_until(net, lambda: net.inspect(w).status == "stopping")
    return w, s, call, stop


@UNINSTALLS
async def test_uninstall_keeps_a_stopping_canister_stopping_until_the_response(uninstall):
    async with Subnet() as net:
        w, s, call, stop = await stopping_with_a_call_in_flight(net)
        v = net.inspect(w).version
        await uninstall(net, w.id)
        # the caller of the open call context has its reject at once
        assert call.reject == Reject(
            RejectCode.CANISTER_REJECT,
            "Canister has been uninstalled.",
            ErrorCode.CanisterRejectedMessage,
        )
        # ... but the call context is only deleted: it waits for its callback's response
        view = net.inspect(w)
        assert view.status == "stopping"
        assert view.open_call_contexts == 1 and view.outstanding_callbacks == 1
        assert view.module_hash is None and view.version == v + 1
        assert not stop.done
        # deleting it now fails, and changes nothing
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await net.management.delete_canister(canister_id=w.id)
        assert rej.value == E.delete_canister_not_stopped(w.id)
        assert fingerprint(net) == before
        # the response arrives: no code runs, the call context closes, the canister stops
        await step_until(net, lambda: stop.done)
        view = net.inspect(w)
        assert view.status == "stopped" and view.version == v + 2
        assert view.open_call_contexts == 0 and view.outstanding_callbacks == 0
        assert stop.result() is None
        assert await s.query("get") == 1  # s did answer
        await net.management.delete_canister(canister_id=w.id)
        assert net.engine.get(w.id) is None


@UNINSTALLS
async def test_the_late_response_runs_no_code(uninstall):
    async with Subnet() as net:
        w, _, _, stop = await stopping_with_a_call_in_flight(net)
        await uninstall(net, w.id)
        infos = []
        while not stop.done:
            infos.append(await net.step())
        last = [i for i in infos if i.canister == w.id]
        assert [(i.kind, i.method, i.outcome) for i in last] == [("response", "", "dropped")]
        events = [e for e in net.trace if e.canister == w.id]
        uninstalled = max(i for i, e in enumerate(events) if e.kind == "change")
        assert events[uninstalled].method == "code_uninstall"
        # after the uninstall, w executes nothing: the response is dropped, the deleted call
        # context closes, and the canister stops
        after = [(e.kind, e.method) for e in events[uninstalled + 1 :]]
        assert after == [("dropped", ""), ("context_closed", "relay"), ("status", "stopped")]


async def test_a_stop_from_a_canister_is_answered_when_the_last_response_arrives():
    async with Subnet() as net:
        a = await net.deploy(Client, name="a")
        w = await net.deploy(Client, name="w", controllers=[a.id, net.default_identity])
        s = await net.deploy(Staller, name="s")
        w.submit("relay", s.id, "stall")
        await step_until(net, lambda: net.inspect(w).outstanding_callbacks == 1)
        stop = a.submit("mgmt", "stop_canister", {"canister_id": w.id})
        await step_until(net, lambda: net.inspect(w).status == "stopping")
        await net.management.uninstall_code(canister_id=w.id)
        assert net.inspect(w).status == "stopping" and not stop.done
        assert await stop == ["reply", None]
        assert net.inspect(w).status == "stopped"


async def test_start_after_uninstall_keeps_the_late_response_dropped():
    async with Subnet() as net:
        w, _, _, stop = await stopping_with_a_call_in_flight(net)
        await net.management.uninstall_code(canister_id=w.id)
        await net.management.start_canister(canister_id=w.id)  # the pending stop is cancelled
        assert stop.reject.error_code == ErrorCode.CanisterStoppingCancelled
        await net.management.install_code(mode="install", canister_id=w.id, wasm_module=Client)
        assert net.inspect(w).open_call_contexts == 1  # the deleted one, still waiting
        await net.run_until_idle()
        assert await w.query("seen") == []  # the callback never ran
        assert net.inspect(w).open_call_contexts == 0
        assert [e.kind for e in net.trace].count("dropped") == 1


async def test_uninstall_of_a_stopping_canister_without_callbacks_stops_it():
    # an open call context with nothing outstanding does not exist between executions; a
    # stopping canister whose contexts all wait on callbacks is the case above. Without
    # anything in flight, stop completes by itself and uninstall finds a stopped canister.
    async with Subnet() as net:
        w = await net.deploy(Client)
        await net.management.stop_canister(canister_id=w.id)
        await net.management.uninstall_code(canister_id=w.id)
        assert net.inspect(w).status == "stopped"
        await net.management.delete_canister(canister_id=w.id)


# The deleted call context's callback resumes nothing, even when a snapshot load brings its
# frame back into the heap: the frame is leaked (it never resumes), not stale, and the response
# is dropped (execution/response.rs :: ResponseHelper::validate runs nothing for it).
async def test_a_loaded_frame_of_a_deleted_call_context_never_resumes():
    async with Subnet() as net:
        vault = await in_flight(net)
        snap = await net.management.take_canister_snapshot(canister_id=vault.id)
        await net.management.take_canister_snapshot(canister_id=vault.id, uninstall_code=True)
        await net.management.load_canister_snapshot(canister_id=vault.id, snapshot_id=snap.id)
        loaded = [h.kind for h in net.hazards][-1]
        assert loaded == "leaked_continuation"
        await net.run_until_idle()
        assert [e.kind for e in net.trace if e.canister == vault.id].count("dropped") == 1
        responses = [
            e
            for e in net.trace
            if e.kind == "exec" and e.canister == vault.id and e.data[0] == "response"
        ]
        assert responses == []  # the withdraw callback never ran
        view = net.inspect(vault)
        assert view.open_call_contexts == 0 and view.outstanding_callbacks == 0
        assert view.continuations  # the loaded frame stays held, never to resume
