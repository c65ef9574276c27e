"""Traps: a trapping execution is rolled back (heap, stable memory, version), earlier executions
of the same call keep their changes, and callers see the error code in the message."""

import pytest

from subnet import ErrorCode, Reject, RejectCode, Subnet
from tests.canisters import Client, Counter, Relay, Store
from tests.support import fingerprint

pytestmark = pytest.mark.anyio


async def test_trap_rolls_back_heap_and_stable_memory():
    async with Subnet() as net:
        c = await net.deploy(Counter, 1)
        await c.call("inc", 1)
        version = net.inspect(c).version
        with pytest.raises(Reject) as info:
            await c.call("inc_then_trap", 10)
        rej = info.value
        assert rej.reject_code == RejectCode.CANISTER_ERROR
        assert rej.error_code == ErrorCode.CanisterCalledTrap
        assert "boom" in rej.reject_message
        assert await c.query("get") == 2
        assert await c.query("history") == [1]
        cs = net.engine.get(c.id)
        assert cs.stable.size() == 0
        assert net.inspect(c).version == version  # a trapped execution changes nothing
        assert "trap" in [e.kind for e in net.trace]


# rs/execution_environment/src/execution/common.rs :: action_to_ingress_response (trap)
async def test_trap_rolls_back_and_reports_503():
    async with Subnet() as net:
        s = await net.deploy(Store, 5)
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await s.call("bump_then_trap")
        assert rej.value.error_code == ErrorCode.CanisterCalledTrap
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        assert rej.value.reject_message.startswith(
            f"Error from Canister {s.id}: Canister called `ic0.trap` with message: "
        )
        assert "boom" in rej.value.reject_message
        assert await s.query("get") == 5
        assert await s.query("pages") == 0
        assert fingerprint(net) == before  # including the canister version


async def test_python_exception_is_a_trap_with_its_message():
    async with Subnet() as net:
        c = await net.deploy(Counter)
        with pytest.raises(Reject) as info:
            await c.call("divide", 0)
        assert info.value.error_code == ErrorCode.CanisterCalledTrap
        assert "ZeroDivisionError" in info.value.reject_message


# rs/execution_environment/src/execution/common.rs :: action_to_request_response (Fail)
async def test_a_calling_canister_sees_the_error_code_in_front_of_a_trap_message():
    async with Subnet() as net:
        c = await net.deploy(Client)
        s = await net.deploy(Store)
        kind, code, message = await c.call("probe", s.id, "bump_then_trap")
        assert (kind, code) == ("reject", int(RejectCode.CANISTER_ERROR))
        assert message.startswith(
            f"IC0503: Error from Canister {s.id}: Canister called `ic0.trap` with message: "
        )


async def test_trap_in_callback_keeps_earlier_executions():
    async with Subnet() as net:
        a = await net.deploy(Relay)
        c = await net.deploy(Counter)
        with pytest.raises(Reject) as info:
            await a.call("forward_then_trap", c.id, "inc")
        assert "callback trapped" in info.value.reject_message
        assert await c.query("get") == 1  # the callee's execution committed
        assert await a.query("log") == []  # the trapped callback's append is rolled back
        assert net.inspect(a).open_call_contexts == 0


# rs/execution_environment/src/execution/response/tests.rs :: execute_response_traps
async def test_execute_response_traps():
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        with pytest.raises(Reject) as rej:
            await w.call("relay_then_trap", s.id, "bump")
        assert rej.value.error_code == ErrorCode.CanisterCalledTrap
        assert "Canister called `ic0.trap` with message: " in rej.value.reject_message
        assert await s.query("get") == 1  # the callee committed
        assert await w.query("seen") == [
            "before"
        ]  # the first execution committed, not the callback
        assert net.inspect(w).open_call_contexts == 0
