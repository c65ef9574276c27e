"""Queries: a query's changes are discarded, also when it is called as an update."""

import pytest

from subnet import Subnet
from tests.canisters import Counter

pytestmark = pytest.mark.anyio


async def test_query_changes_are_discarded():
    async with Subnet() as net:
        c = await net.deploy(Counter, 1)
        assert await c.query("mutate_in_query") == 999
        assert await c.query("get") == 1
        # a query method called as an update runs replicated, and its changes are discarded
        assert await c.call("mutate_in_query") == 999
        assert await c.query("get") == 1
