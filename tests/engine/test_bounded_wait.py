"""Bounded-wait (best-effort response) calls: ``await self.call(..., timeout=seconds)``.

What the IC does, and where it says so:

- the deadline is the call's time plus the timeout, capped at ``MAX_CALL_TIMEOUT_SECONDS``
  (300) and rounded down to a whole second (``into_request`` in
  ``rs/embedders/src/wasmtime_embedder/system_api/request_in_prep.rs``); the callee and the
  callback see it through ``ic0.msg_deadline``, 0 for unbounded calls (``ic0_msg_deadline``
  in ``rs/interfaces/src/execution_environment.rs``);
- once the deadline is before the current time (``expire_callbacks``: ``deadline < now``,
  ``call_context_manager.rs``), a call with no response queued is answered with
  ``SYS_UNKNOWN`` "Call deadline has expired." (``pop_input`` in ``system_state.rs``), and a
  request still queued with that deadline is dropped (``time_out_messages`` in
  ``queues.rs``);
- a response that comes after that is dropped: a callback takes one response
  (``callbacks_with_enqueued_response``);
- a dropped (shed) response becomes ``SYS_UNKNOWN`` "Response was dropped."
  (``CanisterInput::ResponseDropped``).
"""

from __future__ import annotations

import anyio
import pytest

from actors import Canister, query, update
from subnet import Reject, RejectCode, Subnet
from subnet.api import CanisterHandle
from subnet.routing import MAX_CALL_TIMEOUT_SECONDS, call_deadline

pytestmark = pytest.mark.anyio

SECOND = 1_000_000_000


class Counter(Canister):
    def init(self) -> None:
        self.calls = 0
        self.seen: list[int] = []

    @update
    def bump(self) -> int:
        self.calls += 1
        self.seen.append(self.msg_deadline())
        return self.calls

    @query
    def count(self) -> int:
        return self.calls


class Relay(Canister):
    """Takes a call and passes it on with an unbounded call: it answers only when the next
    canister does."""

    @update
    async def relay(self, target: object) -> int:
        n: int = await self.call(target, "bump")
        return n


class Caller(Canister):
    def init(self) -> None:
        self.outcomes: list[str] = []
        self.deadlines: list[int] = []

    @update
    async def ask(self, target: object, method: str, timeout: int | None, *args: object) -> str:
        try:
            reply = await self.call(target, method, *args, timeout=timeout)
        except Reject as rej:
            outcome = f"{rej.reject_code.name} {rej.reject_message}"
        else:
            outcome = f"reply {reply}"
        self.outcomes.append(outcome)
        self.deadlines.append(self.msg_deadline())
        return outcome

    @update
    def my_deadline(self) -> int:
        return self.msg_deadline()

    @update
    async def ask_code(self, target: object, timeout: int) -> str:
        try:
            await self.call(target, "bump", timeout=timeout)
        except Reject as rej:
            assert rej.error_code is not None
            return f"{rej.reject_code.name} {int(rej.reject_code)} {rej.error_code.ic_code}"
        return "reply"

    @update
    async def ask_with(self, target, timeout):  # type: ignore[no-untyped-def]  # any timeout
        return await self.call(target, "bump", timeout=timeout)


async def _deploy(net: Subnet) -> tuple[CanisterHandle, CanisterHandle, CanisterHandle]:
    counter = await net.deploy(Counter, name="counter")
    relay = await net.deploy(Relay, name="relay")
    caller = await net.deploy(Caller, name="caller")
    return counter, relay, caller


def test_the_deadline_is_capped_and_rounded_down_to_a_second() -> None:
    now = 1_724_782_760_400_000_000  # 0.4 s past a whole second
    assert call_deadline(now, 5) == 1_724_782_765_000_000_000
    assert call_deadline(now, 0) == 1_724_782_760_000_000_000
    assert MAX_CALL_TIMEOUT_SECONDS == 300
    assert call_deadline(now, 10**9) == call_deadline(now, 300)


async def test_callee_and_callback_see_the_deadline_and_unbounded_calls_see_zero() -> None:
    async with Subnet() as net:
        counter, _, caller = await _deploy(net)
        before = net.time
        assert await caller.call("ask", counter.id, "bump", 7) == "reply 1"
        assert await caller.call("ask", counter.id, "bump", None) == "reply 2"
        deadline = (before + 7 * SECOND) // SECOND * SECOND
        assert net.inspect(counter).heap["seen"] == [deadline, 0]
        assert net.inspect(caller).heap["deadlines"] == [deadline, 0]  # in the callback too
        assert await caller.call("my_deadline") == 0  # an ingress message has none


async def test_a_deadline_passing_while_the_callee_works_answers_sys_unknown() -> None:
    """The relay has taken the call and waits on the counter: the caller's deadline passes,
    the caller gets SYS_UNKNOWN, and the relay's answer, when it comes, is dropped."""
    async with Subnet() as net:
        counter, relay, caller = await _deploy(net)
        pending = caller.submit("ask", relay.id, "relay", 5, counter.id)
        await net.step()  # caller: calls the relay
        await net.step()  # relay: calls the counter, unbounded
        net.advance_time(10 * SECOND)
        [expired] = [e for e in net.trace if e.kind == "expired"]
        assert expired.data == (expired.data[0], relay.id, "deadline")
        await net.run_until_idle()
        assert await pending == "SYS_UNKNOWN Call deadline has expired."
        assert await counter.query("count") == 1  # ... although the work was done
        callback = expired.data[0]
        assert [e.data for e in net.trace if e.kind == "dropped"] == [(callback,)]
        view = net.inspect(caller)
        assert view.open_call_contexts == 0 and view.outstanding_callbacks == 0
        assert net.inspect(relay).open_call_contexts == 0


async def test_a_request_still_queued_at_its_deadline_is_dropped() -> None:
    async with Subnet() as net:
        counter, _, caller = await _deploy(net)
        pending = caller.submit("ask", counter.id, "bump", 3)
        await net.step()  # the request is queued at the counter
        net.advance_time(4 * SECOND)
        await net.run_until_idle()
        assert await pending == "SYS_UNKNOWN Call deadline has expired."
        assert await counter.query("count") == 0  # never executed
        [expired] = [e for e in net.trace if e.kind == "expired"]
        assert expired.data[2] == "request dropped"
        assert net.inspect(counter).queued_messages == 0


async def test_deadlines_expire_as_steps_move_time() -> None:
    """Expiry is part of the step loop, never of the wall clock: with 0.6 s of subnet time
    per step, the relay chain outlives a two-second deadline without ``advance_time``."""
    async with Subnet(step_ns=600_000_000) as net:
        counter, relay, caller = await _deploy(net)
        outcome = await caller.call("ask", relay.id, "relay", 2, counter.id)
        assert outcome == "SYS_UNKNOWN Call deadline has expired."
        await net.run_until_idle()
        [expired] = [e for e in net.trace if e.kind == "expired"]
        assert not [e for e in net.trace if e.kind == "time"]
        # the relay took the call before the deadline and the counter ran: the work was done,
        # and the caller cannot tell
        assert expired.data[2] == "deadline"
        assert await counter.query("count") == 1


async def test_the_reject_has_the_ics_codes() -> None:
    async with Subnet() as net:
        counter, _, caller = await _deploy(net)
        assert await caller.call("ask_code", counter.id, 0) == "SYS_UNKNOWN 6 IC0601"


async def test_dropping_a_queued_response_answers_response_dropped() -> None:
    """The explorer's ``timeout`` fault on a call whose reply is already queued: the reply is
    shed and the caller gets "Response was dropped." although the callee executed."""
    async with Subnet() as net:
        counter, _, caller = await _deploy(net)
        pending = caller.submit("ask", counter.id, "bump", 30)
        await net.step()
        await net.step()  # the counter replied: the reply is queued
        cs = net.engine.get(caller.id)
        assert cs is not None
        [cb] = cs.callbacks.values()
        assert net.engine.expire_callback(cb) == "response dropped"
        await net.run_until_idle()
        assert await pending == "SYS_UNKNOWN Response was dropped."
        assert await counter.query("count") == 1
        net.advance_time(60 * SECOND)  # the deadline passes later: nothing more happens
        assert await net.run_until_idle() == 0
        assert [e.kind for e in net.trace].count("expired") == 1


async def test_an_unbounded_call_never_expires() -> None:
    async with Subnet() as net:
        counter, relay, caller = await _deploy(net)
        pending = caller.submit("ask", relay.id, "relay", None, counter.id)
        await net.step()
        await net.step()
        net.advance_time(3600 * SECOND)
        await net.run_until_idle()
        assert await pending == "reply 1"
        assert not [e for e in net.trace if e.kind in ("expired", "dropped")]


@pytest.mark.parametrize("timeout", [-1, 1.5, True, "5", 1 << 32])
async def test_a_timeout_that_is_not_a_u32_traps(timeout: object) -> None:
    async with Subnet() as net:
        counter, _, caller = await _deploy(net)
        with pytest.raises(Reject) as rej:
            await caller.call("ask_with", counter.id, timeout)
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        assert "ValueError: a call's timeout is a whole number of seconds" in str(rej.value)
        assert await counter.query("count") == 0


def test_same_run_same_trace_on_asyncio_and_trio() -> None:
    async def run() -> bytes:
        async with Subnet(seed=5, strategy="random", step_ns=400_000_000) as net:
            counter, relay, caller = await _deploy(net)
            for timeout in (1, 2, None, 0):
                caller.submit("ask", relay.id, "relay", timeout, counter.id)
                caller.submit("ask", counter.id, "bump", timeout)
            await net.run_until_idle()
            assert any(e.kind == "expired" for e in net.trace)
            return net.trace_bytes()

    assert anyio.run(run) == anyio.run(run, backend="trio")
