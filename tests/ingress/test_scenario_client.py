"""How ``net.management`` and ``net.deploy`` work with the ingress filter in front of the
management canister.

- ``canister_info`` and ``raw_rand`` (only canisters may call them) are sent from the built-in
  harness canister, as the IC's own tests call them from a universal canister
  (``rs/execution_environment/tests/canister_history.rs``: ``get_canister_info`` sends
  ``canister_info`` from ``ucan``);
- ``create_canister`` is sent as ``provisional_create_canister_with_cycles`` from the sender, as
  a user creates a canister on a development subnet (the same file:
  ``canister_history_tracks_create_install_reinstall`` creates "via ingress from user_id1"
  with ``ProvisionalCreateCanisterWithCycles``, recorded ``CanisterChangeOrigin::from_user``).
"""

import pytest

from subnet import MANAGEMENT, ErrorCode, Reject, RejectCode, Subnet
from subnet.ids import CanisterIdAllocator
from subnet.management.context import HARNESS
from tests.canisters import Store

pytestmark = pytest.mark.anyio


async def test_canister_info_from_a_scenario_comes_from_the_harness():
    async with Subnet() as net:
        s = await net.deploy(Store)
        info = await net.management.canister_info(canister_id=s.id, num_requested_changes=2)
        assert info.total_num_changes == 2
        assert [next(iter(c.details)) for c in info.recent_changes] == [
            "creation",
            "code_deployment",
        ]
        [submit] = [e for e in net.trace if e.kind == "submit" and e.method == "canister_info"]
        assert submit.data[1] == HARNESS
        # the same call sent by a user is refused at the ingress filter
        with pytest.raises(Reject) as rej:
            await net.submit(MANAGEMENT, "canister_info", {"canister_id": s.id})
        assert rej.value.reject_message == "Only canisters can call ic00 method canister_info"


async def test_the_harness_meets_the_execution_not_the_filter():
    async with Subnet() as net:
        ghost = net.identity("ghost")
        with pytest.raises(Reject) as rej:
            await net.management.canister_info(canister_id=ghost)
        # what a calling canister gets: the execution's text, with its full stop
        assert rej.value == Reject(
            RejectCode.DESTINATION_INVALID,
            f"Canister {ghost} not found.",
            ErrorCode.CanisterNotFound,
        )


async def test_the_harness_is_not_a_canister_of_the_subnet():
    async with Subnet() as net:
        assert net.engine.get(HARNESS) is None
        ids = CanisterIdAllocator()
        assert HARNESS not in {ids.next() for _ in range(1000)}
        s = await net.deploy(Store)
        assert s.id != HARNESS


async def test_raw_rand_from_a_scenario():
    async def draw(seed):
        async with Subnet(seed=seed) as net:
            return await net.management.raw_rand()

    a, b, c = await draw(1), await draw(1), await draw(2)
    assert a == b != c and len(a) == 32


async def test_deploy_creates_for_the_sender_from_user():
    async with Subnet() as net:
        alice = net.identity("alice")
        s = await net.deploy(Store, name="s", sender=alice)
        assert net.inspect(s).controllers == [alice]
        info = await net.management.canister_info(canister_id=s.id, num_requested_changes=2)
        creation, install = info.recent_changes
        assert creation.origin == {"from_user": {"user_id": alice}}
        assert creation.details == {"creation": {"controllers": [alice]}}
        assert install.origin == {"from_user": {"user_id": alice}}
        methods = [e.method for e in net.trace if e.kind == "submit"]
        assert methods[:2] == ["provisional_create_canister_with_cycles", "install_code"]


async def test_create_canister_from_a_scenario():
    async with Subnet() as net:
        bob = net.identity("bob")
        created = await net.management.create_canister(sender=bob)
        assert net.inspect(created.canister_id).controllers == [bob]
        other = await net.management.create_canister(
            settings={"controllers": [net.default_identity, bob]}, sender=bob
        )
        assert net.inspect(other.canister_id).controllers == sorted([net.default_identity, bob])
        # the provisional method itself, with an amount of cycles
        third = await net.management.provisional_create_canister_with_cycles(
            amount=123_456, sender=bob
        )
        status = await net.management.canister_status(canister_id=third.canister_id, sender=bob)
        assert status.cycles == 123_456
        # a user's create_canister is refused
        with pytest.raises(Reject) as rej:
            await net.submit(MANAGEMENT, "create_canister", {}, sender=bob)
        assert rej.value == Reject(
            RejectCode.CANISTER_REJECT,
            "ic00 method create_canister can not be called via ingress messages",
            ErrorCode.CanisterRejectedMessage,
        )
