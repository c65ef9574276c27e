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


# rs/execution_environment/tests/canister_settings.rs :: canister_settings_ranges and
# rs/execution_environment/src/canister_settings.rs (UpdateSettingsError): the fields are Candid
# nats the replica narrows; a value out of range is IC0504 with the replica's text (the nat
# printed in groups of three), and nothing changes
RANGES = [
    ("compute_allocation", 100, 101,
     "ComputeAllocation expected to be in the range [0..100], got 101"),
    ("memory_allocation", 2**64 - 1, 2**64,
     "MemoryAllocation expected to be in the range [0..2^64-1], got 18_446_744_073_709_551_616"),
    ("freezing_threshold", 2**64 - 1, 2**64,
     "Freezing threshold expected to be in the range of [0..2^64-1], got "
     "18_446_744_073_709_551_616"),
    ("reserved_cycles_limit", 2**128 - 1, 2**128,
     "Reserved cycles limit expected to be in the range of [0..2^128-1], got "
     "340_282_366_920_938_463_463_374_607_431_768_211_456"),
    ("wasm_memory_limit", 2**48, 2**48 + 1,
     "Wasm memory limit expected to be in the range of [0..2^64-1], got 281_474_976_710_657"),
    ("wasm_memory_threshold", 2**64 - 1, 2**64,
     "Wasm memory threshold expected to be in the range of [0..2^64-1], got "
     "18_446_744_073_709_551_616"),
]  # fmt: skip


@pytest.mark.parametrize(("field", "largest", "too_large", "text"), RANGES)
async def test_settings_ranges(field, largest, too_large, text):
    async with Subnet() as net:
        s = await net.deploy(Store)
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await net.management.update_settings(canister_id=s.id, settings={field: too_large})
        assert rej.value.error_code == ErrorCode.CanisterContractViolation
        assert rej.value.reject_message == text
        assert fingerprint(net) == before
        with pytest.raises(Reject) as rej:
            await net.management.create_canister(settings={field: too_large})
        assert rej.value.reject_message == text
        assert fingerprint(net) == before
        await net.management.update_settings(canister_id=s.id, settings={field: largest})
        status = await net.management.canister_status(canister_id=s.id)
        assert getattr(status.settings, field) == largest


# ic.did: log_visibility is variant { controllers; public; allowed_viewers : vec principal }
async def test_log_visibility_must_be_its_variant():
    async with Subnet() as net:
        s = await net.deploy(Store)
        for bad in ("garbage", 42, {"allowed_viewers": ["not-a-principal"]}):
            with pytest.raises(Reject) as rej:
                await net.management.update_settings(
                    canister_id=s.id, settings={"log_visibility": bad}
                )
            assert rej.value.error_code == ErrorCode.InvalidManagementPayload
        viewer = net.identity("viewer")
        await net.management.update_settings(
            canister_id=s.id, settings={"log_visibility": {"allowed_viewers": [viewer]}}
        )
        status = await net.management.canister_status(canister_id=s.id)
        assert status.settings.log_visibility == {"allowed_viewers": [viewer]}
