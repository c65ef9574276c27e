"""The heap: it holds plain data only, and a rollback refills it in place."""

import pytest

from actors import Canister, query, update
from subnet import Reject, Subnet
from tests.canisters import Counter

pytestmark = pytest.mark.anyio


class Bad(Canister):
    def init(self):
        self.ok = 1

    @update
    def store_function(self) -> None:
        self.f = lambda: 1

    @update
    def reply_object(self):
        return object()


class BadInit(Canister):
    def init(self):
        self.sock = object()


async def test_heap_must_be_plain_data():
    async with Subnet() as net:
        b = await net.deploy(Bad)
        with pytest.raises(Reject) as info:
            await b.call("store_function")
        assert "'f'" in info.value.reject_message
        assert net.inspect(b).heap == {"ok": 1}
        with pytest.raises(Reject):
            await b.call("reply_object")
        with pytest.raises(Reject) as info:
            await net.deploy(BadInit)
        assert "'sock'" in info.value.reject_message


class Aliaser(Canister):
    def init(self):
        self.items = ["start"]

    @update
    async def hold(self, target) -> None:
        items = self.items  # a reference held across the await
        await self.call(target, "inc")
        items.append("after await")

    @update
    def trap_here(self) -> None:
        self.items.append("rolled back")
        raise ValueError("boom")

    @query
    def get(self) -> list:
        return self.items


async def test_a_trap_elsewhere_keeps_references_held_across_await_valid():
    """Rollback refills containers in place, as Wasm memory stays where it is after a trap."""
    async with Subnet() as net:
        al = await net.deploy(Aliaser)
        c = await net.deploy(Counter)
        pending = al.submit("hold", c.id)
        await net.step()
        with pytest.raises(Reject):
            await al.call("trap_here")
        await net.run_until_idle()
        assert pending.result() is None
        assert await al.query("get") == ["start", "after await"]
