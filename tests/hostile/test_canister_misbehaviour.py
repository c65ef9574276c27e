"""Canister code that misbehaves in generated ways: whatever a method does, the caller gets a
reply or a ``Reject``, nothing escapes the engine, a trapped execution changes nothing, and no
call context is left open (the canister can always stop).

A method here is a list of actions drawn by Hypothesis: change the heap, await a call (to
itself or to a peer), raise one of the exceptions canister code should never raise
(``SystemExit``, ``KeyboardInterrupt``, ``GeneratorExit``, an ordinary error), await something
that is not a call, reply with a payload over the limit, or spin past the execution budget.
"""

import anyio
from hypothesis import given, settings
from hypothesis import strategies as st

from actors import Canister, update
from subnet import Reject, Subnet
from tests.hostile import examples

LIMIT = 0.05  # seconds: the budget of these executions (a spin action overruns it)

ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("bump"), st.integers(1, 5)),
        st.tuples(st.just("call_self"), st.integers(0, 3)),
        st.tuples(st.just("call_peer"), st.integers(0, 3)),
        st.tuples(
            st.just("raise"),
            st.sampled_from(["SystemExit", "KeyboardInterrupt", "GeneratorExit", "ValueError"]),
        ),
        st.tuples(st.just("await_none"), st.just(0)),
        st.tuples(st.just("huge_reply"), st.just(0)),
        st.tuples(st.just("spin"), st.just(0)),
    ),
    max_size=6,
)


class _Nothing:
    def __await__(self):
        yield None


_EXCEPTIONS = {
    "SystemExit": SystemExit,
    "KeyboardInterrupt": KeyboardInterrupt,
    "GeneratorExit": GeneratorExit,
    "ValueError": ValueError,
}


class Hostile(Canister):
    def init(self, script: list, peer: object = None) -> None:
        self.script = script
        self.peer = peer
        self.n = 0

    @update
    def echo(self, x: int) -> int:
        return x

    @update
    async def run(self) -> int:
        for action, arg in self.script:
            if action == "bump":
                self.n += arg
            elif action == "call_self":
                await self.call(self.id, "echo", arg)
            elif action == "call_peer" and self.peer is not None:
                await self.call(self.peer, "run")
            elif action == "raise":
                raise _EXCEPTIONS[arg]("from canister code")
            elif action == "await_none":
                await _Nothing()
            elif action == "huge_reply":
                return bytes(3 * 1024 * 1024)  # type: ignore[return-value]
            elif action == "spin":
                while True:
                    pass
        return self.n


@settings(max_examples=examples(40), deadline=None)
@given(script=ACTIONS, peer_script=ACTIONS, calls=st.integers(1, 3))
def test_whatever_a_method_does_the_engine_stays_whole(script, peer_script, calls):
    async def main() -> None:
        async with Subnet(seed=1, execution_limit=LIMIT, idle_limit=5_000) as net:
            peer = await net.deploy(Hostile, peer_script, name="peer")
            hostile = await net.deploy(Hostile, script, peer.id, name="hostile")
            pending = [hostile.submit("run") for _ in range(calls)]
            await net.run_until_idle()
            for call in pending:
                assert call.done
                if call.reject is None:
                    assert isinstance(call.result(), int)
                else:
                    assert isinstance(call.reject, Reject)
            for name in ("hostile", "peer"):
                view = net.inspect(name)
                assert view.open_call_contexts == 0, name
                assert view.outstanding_callbacks == 0, name
                assert view.heap["n"] >= 0
            await net.management.stop_canister(canister_id=hostile.id)
            assert net.inspect("hostile").status == "stopped"

    anyio.run(main)
