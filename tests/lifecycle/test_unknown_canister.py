"""Lifecycle calls naming a canister that does not exist: CanisterNotFound, nothing changes."""

import pytest

from subnet import ErrorCode, Reject, RejectCode, Subnet
from tests.canisters import Store
from tests.support import fingerprint

pytestmark = pytest.mark.anyio


# rs/execution_environment/src/canister_manager/tests.rs :: upgrade_non_existing_canister_fails
async def test_upgrade_non_existing_canister_fails():
    async with Subnet() as net:
        ghost = net.identity("ghost")
        with pytest.raises(Reject) as rej:
            await net.management.install_code(mode="upgrade", canister_id=ghost, wasm_module=Store)
        assert rej.value.error_code == ErrorCode.CanisterNotFound
        assert rej.value.reject_code == RejectCode.DESTINATION_INVALID
        assert rej.value.reject_message.startswith(f"Canister {ghost} not found.")


# rs/execution_environment/src/canister_manager/tests.rs :: stop_a_non_existing_canister
# rs/execution_environment/src/execution_environment/tests.rs :: start_a_non_existing_canister
# rs/execution_environment/src/execution_environment/tests.rs ::
#   get_canister_status_of_nonexisting_canister
# rs/execution_environment/src/canister_manager/tests.rs :: delete_non_existing_canister_fails
@pytest.mark.parametrize(
    "method", ["stop_canister", "start_canister", "canister_status", "delete_canister"]
)
async def test_lifecycle_methods_on_a_non_existing_canister_fail(method):
    async with Subnet() as net:
        await net.deploy(Store)
        ghost = net.identity("ghost")
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await getattr(net.management, method)(canister_id=ghost)
        assert rej.value.error_code == ErrorCode.CanisterNotFound
        assert rej.value.reject_code == RejectCode.DESTINATION_INVALID
        assert rej.value.reject_message.startswith(f"Canister {ghost} not found")
        assert fingerprint(net) == before
