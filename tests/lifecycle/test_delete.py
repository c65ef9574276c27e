"""delete_canister: only a stopped canister, never itself; its id is never reused."""

import pytest

from subnet import MANAGEMENT, ErrorCode, Reject, RejectCode, Subnet
from tests.canisters import Client, Store
from tests.support import fingerprint

pytestmark = pytest.mark.anyio


async def test_delete_canister():
    async with Subnet() as net:
        ic = net.management
        s = await net.deploy(Store)
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await ic.delete_canister(canister_id=s.id)
        assert rej.value.error_code == ErrorCode.CanisterNotStopped
        assert fingerprint(net) == before
        await ic.stop_canister(canister_id=s.id)
        await ic.delete_canister(canister_id=s.id)
        with pytest.raises(Reject) as rej:
            await s.call("bump")
        assert rej.value.error_code == ErrorCode.CanisterNotFound
        with pytest.raises(Reject) as rej:
            await ic.canister_status(canister_id=s.id)
        assert rej.value.error_code == ErrorCode.CanisterNotFound
        again = await net.deploy(Store)
        assert again.id != s.id  # ids are never reused


# rs/execution_environment/src/canister_manager/tests.rs :: delete_running_canister_fails
# rs/execution_environment/src/canister_manager/tests.rs :: delete_stopping_canister_fails
@pytest.mark.parametrize("state", ["running", "stopping"])
async def test_delete_running_or_stopping_canister_fails(state):
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        if state == "stopping":
            w.submit("relay", s.id, "bump")
            await net.step()
            net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
            await net.step()
        assert net.inspect(w).status == state
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await net.management.delete_canister(canister_id=w.id)
        assert rej.value.error_code == ErrorCode.CanisterNotStopped
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        assert rej.value.reject_message.startswith(
            f"Canister {w.id} must be stopped before it is deleted."
        )
        assert fingerprint(net) == before


# rs/execution_environment/src/canister_manager/tests.rs :: delete_stopped_canister_succeeds
async def test_delete_stopped_canister_succeeds():
    async with Subnet() as net:
        ic = net.management
        s = await net.deploy(Store)
        c = await net.deploy(Client)
        await ic.take_canister_snapshot(canister_id=s.id)
        await ic.stop_canister(canister_id=s.id)
        assert await ic.delete_canister(canister_id=s.id) is None
        assert s.id not in net.engine.canisters
        with pytest.raises(Reject) as rej:
            await s.call("bump")  # ingress to a deleted canister
        assert rej.value.error_code == ErrorCode.CanisterNotFound
        assert rej.value.reject_code == RejectCode.DESTINATION_INVALID
        # a canister calling it gets DESTINATION_INVALID too
        result = await c.call("probe", s.id, "bump")
        assert result[:2] == ["reject", int(RejectCode.DESTINATION_INVALID)]
        assert f"Canister {s.id} not found" in result[2]
        for method in ("canister_status", "start_canister", "stop_canister"):
            with pytest.raises(Reject) as rej:
                await getattr(ic, method)(canister_id=s.id)
            assert rej.value.error_code == ErrorCode.CanisterNotFound
        # ids of deleted canisters are never reused
        assert (await ic.create_canister()).canister_id not in (s.id, c.id)


# rs/execution_environment/src/canister_manager.rs :: delete_canister (DeleteCanisterSelf)
async def test_a_canister_cannot_delete_itself():
    async with Subnet() as net:
        c = await net.deploy(Client)
        await net.management.update_settings(
            canister_id=c.id, settings={"controllers": [c.id, net.default_identity]}
        )
        result = await c.call("mgmt", "delete_canister", {"canister_id": c.id})
        assert result[0] == "reject"
        assert result[2].startswith(f"Canister {c.id} cannot delete itself.")
        assert c.id in net.engine.canisters
