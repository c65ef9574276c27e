"""Looking inside: ``net.inspect`` reports a canister's system state; unknown canisters and names
are clear errors."""

import pytest

from subnet import Subnet, SubnetError
from tests.canisters import Client, Counter, Store

pytestmark = pytest.mark.anyio


async def test_inspect_reports_system_state():
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        w.submit("relay", s.id, "bump")
        await net.step()
        view = net.inspect(w)
        assert (view.status, view.open_call_contexts, view.outstanding_callbacks) == (
            "running",
            1,
            1,
        )
        assert view.controllers == [net.default_identity]
        assert "relay" in view.call_context_summaries[0]


async def test_inspecting_an_unknown_canister_is_a_clear_error():
    async with Subnet() as net:
        c = await net.deploy(Counter)
        pending = c.submit("inc")
        await net.run_until_idle()
        assert pending.result() == 1
        with pytest.raises(SubnetError):
            net.inspect(net.identity("nobody"))


async def test_unknown_names_are_clear_errors():
    async with Subnet() as net:
        await net.deploy(Counter, name="counter")
        with pytest.raises(SubnetError, match="neither a canister name"):
            net.inspect("countre")
        with pytest.raises(SubnetError, match="known: counter"):
            net.submit("countre", "inc")
