"""start_canister and stop_canister: running, stopping and stopped; what each state accepts;
stops that wait, succeed at once or are cancelled."""

import pytest

from actors import Canister, update
from subnet import MANAGEMENT, ErrorCode, Reject, RejectCode, Subnet
from tests.canisters import Client, Staller, Store
from tests.support.lifecycle import step_until

pytestmark = pytest.mark.anyio


async def test_stop_start_state_machine():
    async with Subnet() as net:
        ic = net.management
        w = await net.deploy(Client, name="w")
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
        assert net.inspect(w).heap["log"] == [2]  # (a stopped canister answers no queries)
        with pytest.raises(Reject) as rej:
            await w.query("seen")
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


# rs/execution_environment/src/canister_manager/tests.rs :: stop_a_running_canister
async def test_stop_a_running_canister():
    async with Subnet() as net:
        s = await net.deploy(Store)
        assert net.inspect(s).status == "running"
        stop = net.submit(MANAGEMENT, "stop_canister", {"canister_id": s.id})
        await net.run_until_idle()
        # no call context open: the canister is ready to stop, and the stop is answered
        assert stop.result() is None
        assert net.inspect(s).status == "stopped"


# rs/execution_environment/src/canister_manager/tests.rs :: stop_a_stopped_canister
# rs/execution_environment/src/execution_environment/tests.rs ::
#   stopping_an_already_stopped_canister_succeeds
async def test_stop_a_stopped_canister():
    async with Subnet() as net:
        s = await net.deploy(Store)
        assert await net.management.stop_canister(canister_id=s.id) is None
        stop = net.submit(MANAGEMENT, "stop_canister", {"canister_id": s.id})
        await net.step()  # answered in the same step
        assert stop.done and stop.result() is None
        assert net.inspect(s).status == "stopped"


# rs/execution_environment/src/canister_manager/tests.rs ::
#   stop_a_stopped_canister_from_another_canister
async def test_stop_a_stopped_canister_from_another_canister():
    async with Subnet() as net:
        c = await net.deploy(Client)
        s = await net.deploy(Store, controllers=[c.id])
        assert await c.call("mgmt", "stop_canister", {"canister_id": s.id}) == ["reply", None]
        assert await c.call("mgmt", "stop_canister", {"canister_id": s.id}) == ["reply", None]
        assert net.inspect(s).status == "stopped"


# rs/execution_environment/src/canister_manager/tests.rs ::
#   starting_an_already_running_canister_keeps_it_running
# rs/execution_environment/src/canister_manager/tests.rs :: start_a_stopped_canister_succeeds
async def test_start_running_and_stopped_canisters():
    async with Subnet() as net:
        s = await net.deploy(Store)
        assert await net.management.start_canister(canister_id=s.id) is None
        assert net.inspect(s).status == "running"
        await net.management.stop_canister(canister_id=s.id)
        assert net.inspect(s).status == "stopped"
        assert await net.management.start_canister(canister_id=s.id) is None
        assert net.inspect(s).status == "running"
        assert await s.call("bump") == 1


# rs/execution_environment/src/execution_environment/tests.rs :: stop_canister_from_another_canister
# rs/execution_environment/src/execution_environment/tests.rs ::
#   start_canister_from_another_canister
async def test_stop_and_start_canister_from_another_canister():
    async with Subnet() as net:
        c = await net.deploy(Client)
        w = await net.deploy(Client, controllers=[c.id])
        s = await net.deploy(Staller)
        work = w.submit("relay", s.id, "stall")
        await step_until(net, lambda: net.inspect(w).open_call_contexts == 1)
        stop = c.submit("mgmt", "stop_canister", {"canister_id": w.id})
        await step_until(net, lambda: net.inspect(w).status == "stopping")
        assert net.inspect(w).open_call_contexts == 1
        assert not stop.done  # the stop replies only once no call context remains
        await net.run_until_idle()
        assert work.result() == 1
        assert stop.result() == ["reply", None]
        assert net.inspect(w).status == "stopped"
        assert await c.call("mgmt", "start_canister", {"canister_id": w.id}) == ["reply", None]
        assert net.inspect(w).status == "running"


async def test_start_cancels_a_pending_stop():
    async with Subnet() as net:
        w = await net.deploy(Client)
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


# rs/execution_environment/src/canister_manager/tests.rs ::
#   start_a_stopping_canister_with_stop_contexts
# rs/execution_environment/src/execution_environment/tests.rs ::
#   starting_a_stopping_canister_succeeds
async def test_starting_a_stopping_canister_cancels_every_pending_stop():
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        w.submit("relay", s.id, "bump")
        await net.step()
        stop1 = net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
        stop2 = net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
        await net.step()
        await net.step()
        assert net.inspect(w).status == "stopping"
        assert not stop1.done and not stop2.done
        await net.management.start_canister(canister_id=w.id)
        assert net.inspect(w).status == "running"
        for stop in (stop1, stop2):
            assert stop.done
            rej = stop.reject
            assert rej.error_code == ErrorCode.CanisterStoppingCancelled
            assert rej.reject_code == RejectCode.CANISTER_ERROR
            assert rej.reject_message == f"Canister {w.id}'s stop request was cancelled."
        await net.run_until_idle()
        assert net.inspect(w).status == "running"


# rs/execution_environment/src/execution_environment.rs :: reject_stop_requests (canister callers)
async def test_starting_a_stopping_canister_rejects_a_canister_stop_caller():
    async with Subnet() as net:
        c = await net.deploy(Client)
        w = await net.deploy(Client, controllers=[c.id, net.default_identity])
        s = await net.deploy(Staller)
        w.submit("relay", s.id, "stall")
        await step_until(net, lambda: net.inspect(w).open_call_contexts == 1)
        stop = c.submit("mgmt", "stop_canister", {"canister_id": w.id})
        await step_until(net, lambda: net.inspect(w).status == "stopping")
        assert net.inspect(w).open_call_contexts == 1
        await net.management.start_canister(canister_id=w.id)
        await net.run_until_idle()
        assert stop.result() == [
            "reject",
            int(RejectCode.CANISTER_REJECT),
            f"Canister {w.id}'s stop request cancelled",
        ]


# rs/execution_environment/src/execution/response/tests.rs :: execute_response_when_stopping_status
# Interface spec: a stopping canister still processes responses, and its callbacks may call out
async def test_execute_response_when_stopping_status():
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        pending = w.submit("relay_twice", s.id, "bump")
        await net.step()
        stop = net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
        await net.step()
        assert net.inspect(w).status == "stopping"
        await net.run_until_idle()
        assert pending.result() == 1 + 2  # the callback's own call went out and came back
        assert stop.result() is None
        assert net.inspect(w).status == "stopped"
        assert net.inspect(w).heap["log"] == [2]


# rs/execution_environment/src/execution_environment/tests.rs :: stopping_canister_rejects_requests
async def test_stopping_canister_rejects_requests():
    async with Subnet() as net:
        a = await net.deploy(Client, name="a")
        b = await net.deploy(Client, name="b")
        c = await net.deploy(Staller, name="c")
        b.submit("probe", c.id, "stall", 30)  # keeps b stopping rather than stopped
        await step_until(net, lambda: net.inspect(b).open_call_contexts == 1)
        pending = a.submit("probe", b.id, "seen")
        await step_until(net, lambda: net.inspect(b).queued_messages == 1)  # a's request waits
        net.submit(MANAGEMENT, "stop_canister", {"canister_id": b.id})
        await net.step()
        assert net.inspect(b).status == "stopping"
        await net.run_until_idle()
        assert pending.result() == [
            "reject",
            int(RejectCode.CANISTER_ERROR),
            f"IC0509: Canister {b.id} is not running",
        ]


# rs/execution_environment/src/execution_environment/tests.rs :: stopped_canister_rejects_requests
async def test_stopped_canister_rejects_requests():
    async with Subnet() as net:
        a = await net.deploy(Client, name="a")
        b = await net.deploy(Store, name="b")
        pending = a.submit("probe", b.id, "bump")
        await net.step()  # a's request is queued at b
        net.submit(MANAGEMENT, "stop_canister", {"canister_id": b.id})
        await net.step()
        assert net.inspect(b).status == "stopped"
        await net.run_until_idle()
        assert pending.result() == [
            "reject",
            int(RejectCode.CANISTER_ERROR),
            f"IC0508: Canister {b.id} is not running",
        ]


# rs/execution_environment/src/execution_environment/tests.rs :: stopping_canister_rejects_requests
# (the error code a calling canister cannot see, but the trace / a user can: 509 and 508)
async def test_calls_to_stopping_and_stopped_canisters_are_rejected_with_canister_error():
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        w.submit("relay", s.id, "bump")
        await net.step()
        net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
        await net.step()
        with pytest.raises(Reject) as rej:
            await w.call("relay", s.id, "bump")
        assert rej.value.error_code == ErrorCode.CanisterStopping
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        await net.run_until_idle()
        with pytest.raises(Reject) as rej:
            await w.call("relay", s.id, "bump")
        assert rej.value.error_code == ErrorCode.CanisterStopped
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        with pytest.raises(Reject) as rej:
            await w.query("seen")
        assert rej.value.error_code == ErrorCode.CanisterStopped
        assert rej.value.reject_message == (
            f"Canister {w.id} is stopped and therefore does not have a CallContextManager"
        )


class Unstoppable(Canister):
    """Calls another canister for ever: while stopping, it never runs out of open calls."""

    @update
    async def forever(self, other) -> None:
        while True:
            await self.call(other, "noop")


# rs/execution_environment/src/scheduler/tests (a stop_canister still pending
# STOP_CANISTER_TIMEOUT_DURATION, 5 minutes, after it ran is answered at the next round with
# StopCanisterRequestTimeout, SysTransient; the canister stays stopping); the text is the
# error code table's, "Stop canister request timed out". A canister that cannot be stopped is
# the case a snapshot taken while running is for.
async def test_a_stop_that_cannot_complete_times_out_after_five_minutes():
    async with Subnet() as net:
        c = await net.deploy(Client)
        s = await net.deploy(Staller)
        w = await net.deploy(Unstoppable, controllers=[c.id, net.default_identity])
        w.submit("forever", s.id)
        await step_until(net, lambda: net.inspect(w).open_call_contexts == 1)
        by_user = net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
        await step_until(net, lambda: net.inspect(w).status == "stopping")

        async def wait(seconds: int) -> None:
            net.advance_time(seconds * 10**9)
            await net.run_until_idle(max_steps=50)  # it never is idle

        await wait(60)
        by_canister = c.submit("mgmt", "stop_canister", {"canister_id": w.id})
        await wait(0)  # (made at 1 min)
        await wait(3 * 60 + 58)  # the user's stop: 4 min 58 s and some steps
        assert not by_user.done and not by_canister.done
        await wait(2)  # past 5 minutes: answered as the next round starts
        assert by_user.done and not by_canister.done
        with pytest.raises(Reject) as rej:
            by_user.result()
        assert rej.value.error_code == ErrorCode.StopCanisterRequestTimeout
        assert rej.value.reject_code == RejectCode.SYS_TRANSIENT
        assert rej.value.reject_message == "Stop canister request timed out"
        assert net.inspect(w).status == "stopping"
        await wait(60)
        assert by_canister.result() == [
            "reject",
            int(RejectCode.SYS_TRANSIENT),
            "Stop canister request timed out",
        ]
        # still stopping: a snapshot can be taken all the same, and a start brings it back
        assert net.inspect(w).status == "stopping"
        await net.management.take_canister_snapshot(canister_id=w.id)
        await net.management.start_canister(canister_id=w.id)
        assert net.inspect(w).status == "running"


# A stop that completes in time is answered once, and its timeout does nothing later
async def test_a_stop_answered_in_time_is_not_timed_out_later():
    async with Subnet() as net:
        s = await net.deploy(Staller)
        w = await net.deploy(Client)
        w.submit("relay", s.id, "stall")
        await step_until(net, lambda: net.inspect(w).open_call_contexts == 1)
        stop = net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
        await net.run_until_idle()
        assert stop.result() is None and net.inspect(w).status == "stopped"
        await net.management.start_canister(canister_id=w.id)
        seen = len(net.trace)
        net.advance_time(10 * 60 * 10**9)
        await net.run_until_idle()
        assert net.inspect(w).status == "running"
        assert stop.reject is None  # answered once, with the stop
        assert not [e for e in net.trace[seen:] if e.kind == "ingress_done"]
