"""update_settings: new controllers (none, or at most ten), the version and the history."""

import pytest

from subnet import ErrorCode, Reject, RejectCode, Subnet
from tests.canisters import Store
from tests.support import fingerprint
from tests.support.lifecycle import history

pytestmark = pytest.mark.anyio


async def test_update_settings_controllers_and_history():
    async with Subnet() as net:
        ic = net.management
        s = await net.deploy(Store)
        alice, bob = net.identity("alice"), net.identity("bob")
        v = net.inspect(s).version
        await ic.update_settings(canister_id=s.id, settings={"controllers": [bob, alice, bob]})
        assert net.inspect(s).controllers == sorted([alice, bob])
        assert net.inspect(s).version == v + 1
        info = await ic.canister_info(canister_id=s.id, num_requested_changes=1)
        assert info.recent_changes[0].details == {
            "controllers_change": {"controllers": sorted([alice, bob])}
        }
        assert info.recent_changes[0].canister_version == v + 1
        # the old controller lost control
        with pytest.raises(Reject):
            await ic.stop_canister(canister_id=s.id)
        await ic.stop_canister(canister_id=s.id, sender=alice)
        # settings without controllers: version moves, history does not
        total = info.total_num_changes
        await ic.update_settings(canister_id=s.id, settings={"freezing_threshold": 10}, sender=bob)
        info = await ic.canister_info(canister_id=s.id, num_requested_changes=20)
        assert info.total_num_changes == total
        with pytest.raises(Reject) as rej:
            await ic.update_settings(
                canister_id=s.id,
                settings={"controllers": [net.identity(str(i)) for i in range(11)]},
                sender=bob,
            )
        assert rej.value.error_code == ErrorCode.InvalidManagementPayload  # too_many_controllers


# rs/execution_environment/src/canister_manager/tests.rs :: set_controller_with_correct_controller
# Interface spec: update_settings with controllers = [] leaves the canister without controllers
async def test_set_controllers_and_empty_controllers():
    async with Subnet() as net:
        old, new = net.identity("old"), net.identity("new")
        s = await net.deploy(Store, sender=old)
        await net.management.update_settings(
            canister_id=s.id, settings={"controllers": [new]}, sender=old
        )
        assert net.inspect(s).controllers == [new]
        with pytest.raises(Reject) as rej:
            await net.management.stop_canister(canister_id=s.id, sender=old)
        assert rej.value.error_code == ErrorCode.CanisterInvalidController
        await net.management.update_settings(
            canister_id=s.id, settings={"controllers": []}, sender=new
        )
        assert net.inspect(s).controllers == []
        info = await history(net, s.id, 1)
        assert info.recent_changes[0].details == {"controllers_change": {"controllers": []}}
        with pytest.raises(Reject) as rej:
            await net.management.stop_canister(canister_id=s.id, sender=new)
        assert rej.value.error_code == ErrorCode.CanisterInvalidController


# rs/execution_environment/src/canister_manager/tests.rs :: too_many_controllers: the limit is
# the decoder's (BoundedControllers, rs/types/management_canister_types/src/bounded_vec.rs):
# InvalidManagementPayload, "The number of elements exceeds maximum allowed 10"; the entries are
# counted as given, before duplicates are dropped
async def test_more_than_ten_controllers_are_refused():
    async with Subnet() as net:
        s = await net.deploy(Store)
        ten = [net.identity(f"c{i}") for i in range(9)] + [net.default_identity]
        await net.management.update_settings(canister_id=s.id, settings={"controllers": ten})
        assert len(net.inspect(s).controllers) == 10
        before = fingerprint(net)
        for eleven in ([*ten, net.identity("c10")], [*ten, ten[0]]):
            with pytest.raises(Reject) as rej:
                await net.management.update_settings(
                    canister_id=s.id, settings={"controllers": eleven}
                )
            assert rej.value.error_code == ErrorCode.InvalidManagementPayload
            assert rej.value.reject_code == RejectCode.CANISTER_REJECT
            assert "The number of elements exceeds maximum allowed 10" in rej.value.reject_message
            assert fingerprint(net) == before
            with pytest.raises(Reject) as rej:
                await net.management.create_canister(settings={"controllers": eleven})
            assert rej.value.error_code == ErrorCode.InvalidManagementPayload
            assert fingerprint(net) == before
