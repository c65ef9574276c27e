"""Calls between canisters and from users: replies and rejects travel back, calls to missing
canisters and methods are rejected, and every call gets exactly one response."""

import pytest

from subnet import ErrorCode, Reject, RejectCode, Subnet
from tests.canisters import Client, Counter, Manual, Relay, Store

pytestmark = pytest.mark.anyio


async def test_deploy_call_and_query():
    async with Subnet(seed=1) as net:
        c = await net.deploy(Counter, 5, name="counter")
        assert str(c.id) == "bkyz2-fmaaa-aaaaa-qaaaq-cai"
        assert await c.call("inc", 2) == 7
        assert await c.query("get") == 7
        second = await net.deploy(Counter)
        assert str(second.id) == "bd3sg-teaaa-aaaaa-qaaba-cai"


async def test_chain_with_replies_and_rejects():
    async with Subnet() as net:
        a = await net.deploy(Relay, name="a")
        b = await net.deploy(Relay, name="b")
        c = await net.deploy(Counter, 40, name="c")
        # A -> B -> C, reply travels back
        assert await a.call("forward", b.id, "forward", c.id, "inc", 2) == 42
        assert await a.query("log") == [("reply", 42)]
        assert await b.query("log") == [("reply", 42)]
        # C traps: B sees a reject (CANISTER_ERROR) and re-raises, which rejects A's call
        with pytest.raises(Reject) as info:
            await a.call("forward", b.id, "forward", c.id, "divide", 0)
        assert await b.query("log") == [("reply", 42), ("reject", 5)]
        assert await a.query("log") == [("reply", 42), ("reject", 4)]
        assert info.value.reject_code == RejectCode.CANISTER_REJECT
        assert "ZeroDivisionError" in info.value.reject_message
        # every context is closed, nothing is outstanding
        for h in (a, b, c):
            view = net.inspect(h)
            assert view.open_call_contexts == 0
            assert view.outstanding_callbacks == 0


# rs/execution_environment/src/execution/response/tests.rs :: execute_response_successfully
async def test_execute_response_successfully():
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store, 9)
        assert await w.call("relay", s.id, "bump") == 10
        assert await w.query("seen") == [10]
        assert net.inspect(w).open_call_contexts == 0


async def test_call_to_missing_canister_and_method():
    async with Subnet() as net:
        a = await net.deploy(Relay)
        with pytest.raises(Reject) as info:
            await a.call("forward", net.identity("nobody"), "x")
        assert await a.query("log") == [("reject", int(RejectCode.DESTINATION_INVALID))]
        c = await net.deploy(Counter)
        with pytest.raises(Reject):
            await a.call("forward", c.id, "no_such_method")
        assert (await a.query("log"))[-1][0] == "reject"
        assert info.value.reject_code == RejectCode.CANISTER_REJECT


# rs/execution_environment/tests/execution_test.rs / Interface spec: calls to a missing canister
async def test_calls_to_a_missing_canister():
    async with Subnet() as net:
        c = await net.deploy(Client)
        ghost = net.identity("ghost")
        with pytest.raises(Reject) as rej:
            await net.submit(ghost, "bump")
        assert rej.value.error_code == ErrorCode.CanisterNotFound
        assert rej.value.reject_code == RejectCode.DESTINATION_INVALID
        assert rej.value.reject_message == f"Canister {ghost} not found"
        assert await c.call("probe", ghost, "bump") == [
            "reject",
            int(RejectCode.DESTINATION_INVALID),
            f"Canister {ghost} not found",
        ]


# rs/execution_environment/tests/hypervisor.rs (method not found, IC0536) and
# rs/execution_environment/src/execution/nonreplicated_query.rs (update method called as query)
async def test_calls_to_a_missing_method_and_wrong_kind():
    async with Subnet() as net:
        c = await net.deploy(Client)
        s = await net.deploy(Store)
        with pytest.raises(Reject) as rej:
            await s.call("nope")
        assert rej.value.error_code == ErrorCode.CanisterMethodNotFound
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        assert rej.value.reject_message.startswith(
            f"Error from Canister {s.id}: Canister has no update method 'nope'.."
        )
        kind, code, message = await c.call("probe", s.id, "nope")
        assert (kind, code) == ("reject", int(RejectCode.CANISTER_ERROR))
        assert message.startswith(
            f"IC0536: Error from Canister {s.id}: Canister has no update method 'nope'.."
        )
        with pytest.raises(Reject) as rej:
            await s.query("bump")  # an update method called as a query
        assert rej.value.error_code == ErrorCode.CanisterMethodNotFound
        assert "Canister has no query method 'bump'" in rej.value.reject_message
        # a query method called as an update runs replicated; its changes are discarded
        v = net.inspect(s).version
        assert await s.call("poke") == 999
        assert await s.query("get") == 0
        assert net.inspect(s).version == v
        # calling a method of an empty canister: the ingress filter refuses it, at once
        # (rs/execution_environment/src/execution/inspect_message.rs)
        cid = (await net.management.create_canister()).canister_id
        steps = net.engine.steps
        pending = net.submit(cid, "bump")
        assert pending.done and net.engine.steps == steps  # nothing was accepted to run
        with pytest.raises(Reject) as rej:
            pending.result()
        assert rej.value.error_code == ErrorCode.CanisterWasmModuleNotFound
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        assert rej.value.reject_message == "Requested canister has no wasm module"


async def test_exactly_one_response_per_call_through_relays():
    async with Subnet(strategy="random", seed=3) as net:
        a = await net.deploy(Relay)
        b = await net.deploy(Relay)
        c = await net.deploy(Counter)
        calls = []
        for i in range(20):
            target = [(c.id, "inc"), (c.id, "divide", 0), (net.identity("x"), "y")][i % 3]
            calls.append(a.submit("forward", b.id, "forward", *target))
        await net.run_until_idle()
        assert all(p.done for p in calls)
        done = [e for e in net.trace if e.kind == "ingress_done" and e.method == "forward"]
        assert len(done) == len(calls) == len({e.data[0] for e in done})
        assert await c.query("get") == 7


# Interface spec, abstract-behavior.md: every call gets exactly one response
async def test_exactly_one_response_per_call_whatever_the_outcome():
    async with Subnet(strategy="random", seed=11) as net:
        a = await net.deploy(Client)
        s = await net.deploy(Store)
        m = await net.deploy(Manual)
        targets = [
            (s.id, "bump"),
            (s.id, "bump_then_trap"),
            (net.identity("nobody"), "x"),
            (m.id, "silent"),
            (m.id, "refuse"),
            (s.id, "nope"),
        ]
        calls = [a.submit("probe", *targets[i % len(targets)]) for i in range(30)]
        await net.run_until_idle()
        assert all(p.done for p in calls)
        done = [e.data[0] for e in net.trace if e.kind == "ingress_done" and e.method == "probe"]
        assert len(done) == len(set(done)) == 30
        kinds = [p.result()[0] for p in calls]
        assert kinds.count("reply") == 5  # only the bumps reply
        assert await s.query("get") == 5
        for h in (a, s, m):
            assert net.inspect(h).open_call_contexts == 0
            assert net.inspect(h).outstanding_callbacks == 0
