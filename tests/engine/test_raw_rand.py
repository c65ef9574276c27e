"""raw_rand: 32 bytes, seeded by the subnet's seed, for canisters only."""

import pytest

from subnet import MANAGEMENT, ErrorCode, Reject, RejectCode, Subnet
from tests.canisters import Client

pytestmark = pytest.mark.anyio


async def test_raw_rand_is_seeded_and_canister_only():
    async def draw(seed):
        async with Subnet(seed=seed) as net:
            w = await net.deploy(Client)
            return await w.call("ask_management", "raw_rand", {})

    a, b, c = await draw(1), await draw(1), await draw(2)
    assert a == b != c and len(a) == 32
    async with Subnet() as net:
        with pytest.raises(Reject) as rej:
            await net.submit(MANAGEMENT, "raw_rand", {})
        assert rej.value.reject_code == RejectCode.CANISTER_REJECT


# rs/types/types/src/messages/ingress_messages.rs :: extract_effective_canister_id (raw_rand
# is SubnetMethodNotAllowed: refused at the ingress filter)
# Interface spec, management-canister.md raw_rand: 32 fresh bytes, canisters only
async def test_raw_rand_is_canister_only():
    async with Subnet() as net:
        c = await net.deploy(Client)
        with pytest.raises(Reject) as rej:
            await net.submit(MANAGEMENT, "raw_rand", {})
        assert rej.value.error_code == ErrorCode.CanisterRejectedMessage
        assert rej.value.reject_code == RejectCode.CANISTER_REJECT
        assert (
            rej.value.reject_message
            == "ic00 method raw_rand can not be called via ingress messages"
        )
        first = await c.call("mgmt", "raw_rand", {})
        second = await c.call("mgmt", "raw_rand", {})
        assert first[0] == second[0] == "reply"
        assert len(first[1]) == len(second[1]) == 32
        assert first[1] != second[1]
