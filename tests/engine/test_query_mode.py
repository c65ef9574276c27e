"""What a query cannot do: make calls, set certified data, arm the global timer. The IC does
not provide these System API functions in a query (non replicated, or replicated: a query
method called as an update): the execution traps with a contract violation, and nothing of it
is kept.

IC: rs/execution_environment/src/query_handler/query_cache/tests.rs (the non replicated query
case: CanisterContractViolation, 'Error from Canister <id>: Canister violated contract:
"ic0_call_new" cannot be executed in non replicated query mode'); the interface spec's table of
where each System API function may be called (certified_data_set and global_timer_set: not Q).
"""

import pytest

from actors import Canister, query, update
from subnet import ErrorCode, Reject, RejectCode, Subnet

pytestmark = pytest.mark.anyio


class Greedy(Canister):
    def init(self) -> None:
        self.n = 0

    @query
    def certify(self, data: bytes) -> int:
        self.set_certified_data(data)
        return 1

    @query
    def arm(self, deadline: int) -> int:
        return self.set_global_timer(deadline)

    @query
    def swallow(self, data: bytes) -> str:
        try:
            self.set_certified_data(data)
        except Exception:  # a trap cannot be caught
            return "caught"
        return "set"

    @query
    async def ask(self, other) -> int:
        return await self.call(other, "get")

    @update
    def get(self) -> int:
        return self.n

    def global_timer(self) -> None:
        self.n += 1


def violation(cid, api: str, mode: str) -> str:
    return (
        f'Error from Canister {cid}: Canister violated contract: "{api}" cannot be executed '
        f"in {mode} mode"
    )


@pytest.mark.parametrize("as_update", [False, True])
async def test_a_query_cannot_change_the_system_state(as_update):
    async with Subnet() as net:
        g = await net.deploy(Greedy)
        other = await net.deploy(Greedy)
        mode = "replicated query" if as_update else "non replicated query"
        send = g.call if as_update else g.query
        cases = [
            ("certify", (b"q",), "ic0_certified_data_set"),
            ("arm", (net.time + 10**9,), "ic0_global_timer_set"),
            ("swallow", (b"q",), "ic0_certified_data_set"),
            ("ask", (other.id,), "ic0_call_new"),
        ]
        for method, args, api in cases:
            with pytest.raises(Reject) as rej:
                await send(method, *args)
            assert rej.value.error_code == ErrorCode.CanisterContractViolation, method
            assert rej.value.reject_code == RejectCode.CANISTER_ERROR
            assert rej.value.reject_message == violation(g.id, api, mode)
        state = net.engine.get(g.id)
        assert state.certified_data == b"" and state.global_timer == 0
        net.advance_time(10 * 10**9)
        await net.run_until_idle()
        assert await g.call("get") == 0  # no timer ever fired
