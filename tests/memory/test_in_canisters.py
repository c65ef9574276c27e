"""Stable memory as a canister sees it: out of bounds is a trap (IC0502), and a trap rolls back
the writes and the growth."""

import pytest

from subnet import ErrorCode, Reject, RejectCode, Subnet
from subnet.memory import PAGE_SIZE
from tests.canisters import Client, Store

pytestmark = pytest.mark.anyio


async def test_stable_memory_bounds_and_rollback():
    async with Subnet() as net:
        s = await net.deploy(Store)
        await s.call("put", 0, b"hello")
        with pytest.raises(Reject) as info:
            await s.call("read_past_end")
        assert info.value.error_code == ErrorCode.CanisterTrapped
        assert "stable memory out of bounds" in info.value.reject_message
        with pytest.raises(Reject):
            await s.call("put_then_trap", 0, b"HELLO" + bytes(PAGE_SIZE * 2))
        assert await s.query("read", 0, 5) == b"hello"
        assert await s.query("pages") == 1  # the grow was rolled back too


# rs/execution_environment/tests/hypervisor.rs (a Wasm trap, e.g. stable memory out of bounds: 502)
async def test_stable_memory_out_of_bounds_is_502():
    async with Subnet() as net:
        c = await net.deploy(Client)
        s = await net.deploy(Store)
        with pytest.raises(Reject) as rej:
            await s.call("read_past_end")
        assert rej.value.error_code == ErrorCode.CanisterTrapped
        assert rej.value.reject_message.startswith(
            f"Error from Canister {s.id}: Canister trapped: stable memory out of bounds"
        )
        kind, code, message = await c.call("probe", s.id, "read_past_end")
        assert (kind, code) == ("reject", int(RejectCode.CANISTER_ERROR))
        assert message.startswith(f"IC0502: Error from Canister {s.id}: Canister trapped: ")
